// What the in-page trainer needs besides the model (model.js): the text as a vocabulary, token ids
// and a held-out tail; random windows of it for each step; and Adam. It runs in the trainer's
// Web Worker, in the page (to check a pasted text at once) and in Node for the tests.
globalThis.charrnn = globalThis.charrnn || {};

// A problem with what the reader asked for: the panel shows its message instead of training.
charrnn.InputError = class InputError extends Error {};
charrnn.DivergenceError = class DivergenceError extends Error {};

// ---------------------------------------------------------------------------------------------
// Text: a vocabulary, token ids, and the split into training text and held-out tail.

// The least text the panel trains on: enough for a held-out tail of a few windows.
charrnn.MIN_TEXT_LENGTH = 200;
// The most, in UTF-16 units (a string's length): preparing it takes the worker a few seconds.
charrnn.MAX_TEXT_LENGTH = 10_000_000;
// A pasted text at least this long is kept out of the text box (train_panel.js).
charrnn.LONG_PASTE = 100_000;

// The first `count` characters (code points) of `text`, without reading the rest of it.
charrnn.firstCharacters = function (text, count) {
  let start = "", taken = 0;
  for (const c of text) {
    if (taken++ === count) break;
    start += c;
  }
  return start;
};

// What can be said of a pasted text at once, on the page's own thread: a check that takes the
// same short time for a text of any length, so that the page never stalls. A text of n UTF-16
// units has at least n / 2 characters, so only a short text can be too short, and only a short
// one is counted; the worker checks the rest (prepareText) and says so if it cannot train.
charrnn.checkTextQuickly = function (text, { numSteps, maxHeldOut }) {
  if (text.length > charrnn.MAX_TEXT_LENGTH) {
    throw new charrnn.InputError(charrnn.say("the text has {count} characters; at most {limit} can be " +
      "trained on here: paste a shorter one", { count: text.length.toLocaleString("en"),
      limit: charrnn.MAX_TEXT_LENGTH.toLocaleString("en") }));
  }
  if (text.length < 2 * charrnn.MIN_TEXT_LENGTH) charrnn.prepareText(text, { numSteps, maxHeldOut });
};

// Characters by code point (not UTF-16 unit), most frequent first, ties in code-point order,
// "<unk>" at index 0 as charrnn.Vocab orders them. The text never holds "<unk>"; the index
// keeps the layout of the book's models, so the sampler reads these weights the same way.
charrnn.buildVocab = function (characters) {
  const counts = new Map();
  for (const c of characters) counts.set(c, (counts.get(c) || 0) + 1);
  const order = [...counts].sort((x, y) => y[1] - x[1] || x[0].codePointAt(0) - y[0].codePointAt(0));
  return ["<unk>", ...order.map(([c]) => c)];
};

// The text as ids, and its last tenth (at most `maxHeldOut` characters) held out for scoring.
charrnn.prepareText = function (text, { numSteps, maxHeldOut = 10000 } = {}) {
  const characters = Array.from(text ?? "");
  if (characters.length < charrnn.MIN_TEXT_LENGTH) {
    throw new charrnn.InputError(charrnn.say("the text has {count} characters; at least {needed} are needed",
      { count: characters.length, needed: charrnn.MIN_TEXT_LENGTH }));
  }
  const tokens = charrnn.buildVocab(characters);
  const index = new Map(tokens.map((token, id) => [token, id]));
  const ids = Int32Array.from(characters, (c) => index.get(c));
  const heldOut = Math.min(Math.floor(ids.length / 10), maxHeldOut);
  const training = ids.length - heldOut;
  if (numSteps !== undefined && training < numSteps + 1) {
    throw new charrnn.InputError(charrnn.say("the training part of the text has {count} characters, fewer " +
      "than one window of {steps} steps and its target: lower the steps per window or add text",
    { count: training, steps: numSteps }));
  }
  return { tokens, train: ids.subarray(0, training), heldOut: ids.subarray(training) };
};

// B windows of T + 1 characters at random places in the training ids: T inputs and, shifted by
// one, T targets each. Written time-major into `inputs` and `targets` (Int32Array of T * B).
charrnn.randomWindows = function (ids, B, T, random, inputs, targets) {
  for (let b = 0; b < B; b++) {
    const start = Math.floor(random() * (ids.length - T));
    for (let t = 0; t < T; t++) {
      inputs[t * B + b] = ids[start + t];
      targets[t * B + b] = ids[start + t + 1];
    }
  }
};

// ---------------------------------------------------------------------------------------------
// Adam, as torch.optim.Adam computes it (the tests hold it to PyTorch's).

charrnn.Adam = class {
  constructor(lr, { beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = {}) {
    Object.assign(this, { lr, beta1, beta2, eps, t: 0, m: null, v: null });
  }

  step(model) {
    const { beta1, beta2, eps } = this;
    if (!this.m) {
      this.m = {};
      this.v = {};
      for (const name of model.names) {
        this.m[name] = new Float64Array(model.params[name].length);
        this.v[name] = new Float64Array(model.params[name].length);
      }
    }
    this.t += 1;
    const stepSize = this.lr / (1 - beta1 ** this.t), correction2 = Math.sqrt(1 - beta2 ** this.t);
    for (const name of model.names) {
      const p = model.params[name], g = model.grads[name], m = this.m[name], v = this.v[name];
      for (let i = 0; i < p.length; i++) {
        m[i] = beta1 * m[i] + (1 - beta1) * g[i];
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / correction2 + eps);
      }
    }
  }
};

