// Chapter 4's sampler panel: a prefix box, temperature and length sliders, a seed, the sample,
// and the next-character distribution, drawn from a charrnn.RNN (model.js) over exported weights.
// The in-page trainer reuses its controls (wireSampler) and its drawing (drawSampler).
globalThis.charrnn = globalThis.charrnn || {};

// Text as the panels show it. A page swallows control characters, so each is shown as its
// Unicode picture (U+0000 as ␀, U+0007 as ␇, DEL as ␡); newline and tab stay, as the text's
// own layout.
charrnn.visible = function (text) {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g,
    (c) => (c === "\u007f" ? "\u2421" : String.fromCharCode(0x2400 + c.charCodeAt(0))));
};

// A character as the bars label it, as charrnn.plots does: ␣ for a space, ⏎ for a newline,
// ⇥ for a tab, and a control character as its picture.
charrnn.displayToken = function (token) {
  return new Map([[" ", "␣"], ["\n", "⏎"], ["\t", "⇥"]]).get(token) ?? charrnn.visible(token);
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
  const model = charrnn.RNN.fromExported(exported);
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
    out.textContent = charrnn.visible(sample);
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
