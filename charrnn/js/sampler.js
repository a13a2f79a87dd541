// The forward pass of charrnn.RNNScratch in plain JavaScript, so that a static page can sample.
//   H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h),   O_t = H_t W_hq + b_q
// X_t is one-hot, so X_t W_xh is just row X_t of W_xh. Weights arrive as float32 (base64);
// the arithmetic is float64, so the probabilities match PyTorch's to about 1e-7. Needs random.js
// and words.js.
globalThis.charrnn = globalThis.charrnn || {};

charrnn.decodeFloat32 = function (base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
};

charrnn.CharRNN = class {
  // `exported`: as charrnn.live.export_weights writes it (weights as base64 float32), or with
  // the weights as arrays, as the in-page trainer hands them over.
  constructor(exported) {
    this.tokens = exported.tokens; // index -> character; index 0 is <unk>
    this.ids = new Map(this.tokens.map((token, id) => [token, id]));
    this.V = this.tokens.length;
    this.H = exported.num_hiddens;
    this.phi = exported.nonlinearity === "relu" ? (z) => Math.max(z, 0) : Math.tanh;
    for (const name of ["W_xh", "W_hh", "b_h", "W_hq", "b_q"]) {
      const weights = exported[name];
      this[name] = typeof weights === "string" ? charrnn.decodeFloat32(weights) : weights;
    }
  }

  // Characters of `text` the model has never seen, sorted.
  unknown(text) {
    return [...new Set([...text].filter((c) => !this.ids.has(c)))].sort();
  }

  // Why the sampler cannot read `prefix`, or "" if it can. Like charrnn.sample it refuses
  // characters the model has never seen, upper case too when the training text was lower-cased:
  // changing or dropping them would sample from a prefix other than the one the reader typed.
  refusal(prefix) {
    if (!prefix) return charrnn.say("type a prefix");
    const missing = this.unknown(prefix);
    if (!missing.length) return "";
    const known = this.tokens.filter((token) => token.length === 1).sort().join("");
    return charrnn.say("prefix {prefix} has characters that are not in the vocabulary: {missing}; " +
      "the vocabulary holds {known}", { prefix: JSON.stringify(prefix), missing: JSON.stringify(missing),
      known: JSON.stringify(known) });
  }

  // H_t from H_{t-1} and the id of character t (row-major weights: W[i * columns + j]).
  step(H, id) {
    const { W_xh, W_hh, b_h } = this, next = new Float64Array(this.H);
    for (let j = 0; j < this.H; j++) {
      let z = W_xh[id * this.H + j] + b_h[j];
      for (let i = 0; i < this.H; i++) z += H[i] * W_hh[i * this.H + j];
      next[j] = this.phi(z);
    }
    return next;
  }

  // The distribution of the next character given the state, sharpened by the temperature;
  // <unk> gets probability 0, since the training text never contains it.
  probabilities(H, temperature = 1) {
    const { W_hq, b_q } = this, logits = new Float64Array(this.V);
    for (let k = 0; k < this.V; k++) {
      let o = b_q[k];
      for (let j = 0; j < this.H; j++) o += H[j] * W_hq[j * this.V + k];
      logits[k] = k === 0 ? -Infinity : o / temperature;
    }
    const top = Math.max(...logits), exps = logits.map((o) => Math.exp(o - top));
    const total = exps.reduce((a, b) => a + b, 0);
    return Array.from(exps, (e) => e / total);
  }

  // The state after reading all of `prefix`.
  read(prefix) {
    let H = new Float64Array(this.H);
    for (const c of prefix) H = this.step(H, this.ids.get(c));
    return H;
  }

  nextProbabilities(prefix, temperature = 1) {
    return this.probabilities(this.read(prefix), temperature);
  }

  // `prefix` and `length` characters drawn one at a time; `random()` gives numbers in [0, 1).
  sample(prefix, length, temperature, random) {
    let H = this.read(prefix), text = prefix;
    for (let n = 0; n < length; n++) {
      const probs = this.probabilities(H, temperature);
      let u = random(), id = 0;
      while (id < this.V - 1 && (u -= probs[id]) >= 0) id++;
      text += this.tokens[id];
      H = this.step(H, id);
    }
    return text;
  }
};

// A character as the bars label it, as charrnn.plots does: ␣ for a space, ⏎ for a newline.
charrnn.displayToken = function (token) {
  return new Map([[" ", "␣"], ["\n", "⏎"]]).get(token) ?? token;
};

// What the sampler shows for `settings` ({prefix, temperature, length, seed}), from `model`:
// {sample, probabilities, tokens}, or {refusal} saying why it cannot read the prefix.
charrnn.drawSampler = function (model, { prefix, temperature, length, seed }) {
  const refusal = model.refusal(prefix);
  if (refusal) return { refusal };
  return {
    sample: model.sample(prefix, length, temperature, charrnn.seededRandom(seed)),
    probabilities: model.nextProbabilities(prefix, temperature), tokens: model.tokens,
  };
};

// Wire the panel made by charrnn.live.LiveSampler: any input redraws the sample at once.
charrnn.mountSampler = function (root, exported) {
  charrnn.translatePanel(root);
  const model = new charrnn.CharRNN(exported);
  root.charrnnModel = model;
  charrnn.wireSampler(root, (settings) => charrnn.drawSampler(model, settings));
};

// The sampler's controls (prefix, temperature, length, seed, "new sample") under `root`.
// `draw(settings)` gives what charrnn.drawSampler gives, or a promise of it (the in-page trainer
// draws in the worker that trains the model), or null: there is no model, and `noModel` says so.
// Returns the function that redraws.
charrnn.wireSampler = function (root, draw, noModel = "no model yet") {
  const field = (name) => root.querySelector(`[name="${name}"]`);
  const [prefix, temperature, length, seed] = ["prefix", "temperature", "length", "seed"].map(field);
  const out = root.querySelector(".charrnn-sample"), bars = root.querySelector(".charrnn-next");
  function refuse(message) {
    out.textContent = message;
    out.classList.add("charrnn-error");
    bars.replaceChildren();
  }
  function show({ refusal, sample, probabilities, tokens }) {
    if (refusal) return refuse(refusal);
    out.classList.remove("charrnn-error");
    out.textContent = sample;
    const top = probabilities.map((p, id) => [p, id]).sort((a, b) => b[0] - a[0]).slice(0, 8);
    bars.replaceChildren(...top.map(([p, id]) => {
      // Text nodes, not HTML: tokens such as "<", "&" and "<unk>" would be read as markup.
      const row = document.createElement("div"), label = document.createElement("code"), bar = document.createElement("span");
      label.textContent = charrnn.displayToken(tokens[id]);
      bar.style.width = `${(200 * p).toFixed(1)}px`;
      row.append(label, bar, `${(100 * p).toFixed(1)} %`);
      return row;
    }));
  }
  let latest = 0; // a drawing that arrives after a later one was asked for is dropped
  function redraw() {
    root.querySelector(".charrnn-temperature").textContent = Number(temperature.value).toFixed(2);
    root.querySelector(".charrnn-length").textContent = length.value;
    const asked = ++latest;
    const settings = { prefix: prefix.value, temperature: Number(temperature.value) };
    const drawn = draw({ ...settings, length: Number(length.value), seed: Number(seed.value) });
    if (!drawn) return refuse(charrnn.say(noModel));
    if (!(drawn instanceof Promise)) return show(drawn);
    drawn.then((result) => asked === latest && show(result));
  }
  root.querySelector(".charrnn-resample").addEventListener("click", () => {
    seed.value = Number(seed.value) + 1;
    redraw();
  });
  for (const input of [prefix, temperature, length, seed]) input.addEventListener("input", redraw);
  redraw();
  return redraw;
};
