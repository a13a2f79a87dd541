// The book's RNN in plain JavaScript, one class for sampling and for training: the maths of
// charrnn.RNNScratch, with the backward pass written by hand as charrnn/fast.py writes it.
//   Z_t = W_xh[x_t] + H_{t-1} W_hh + b_h,   H_t = tanh(Z_t),   O_t = H_t W_hq + b_q
// X_t is one-hot, so X_t W_xh is just row x_t of W_xh. Every weight is a Float64Array,
// row-major (W[i * columns + j]), so the tests can hold the loss and gradients to PyTorch's in
// float64; weights exported as float32 convert exactly. Batches are time-major: row t * B + b of
// a (T * B) x n array is step t of sequence b. It runs in the page, in a Web Worker and in Node.
globalThis.charrnn = globalThis.charrnn || {};

(() => {
"use strict";

// Weights as charrnn.live exports them: base64 of little-endian float32.
function decodeFloat32(base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

// A standard normal draw from two uniform ones (Box-Muller).
charrnn.normal = function (random) {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
};

// C (n x m) = A (n x k) times the transpose of B (m x k), or C += that when `add` is true.
// Every entry is a dot product of two contiguous rows, the loop order plain JavaScript runs
// fastest; four columns at a time share each load of A's row.
function multiplyTransposed(C, A, B, n, m, k, add) {
  for (let i = 0; i < n; i++) {
    const a = i * k, c = i * m;
    let j = 0;
    for (; j + 4 <= m; j += 4) {
      const b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < k; p++) {
        const x = A[a + p];
        s0 += x * B[b0 + p];
        s1 += x * B[b1 + p];
        s2 += x * B[b2 + p];
        s3 += x * B[b3 + p];
      }
      if (add) {
        C[c + j] += s0; C[c + j + 1] += s1; C[c + j + 2] += s2; C[c + j + 3] += s3;
      } else {
        C[c + j] = s0; C[c + j + 1] = s1; C[c + j + 2] = s2; C[c + j + 3] = s3;
      }
    }
    for (; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A[a + p] * B[j * k + p];
      C[c + j] = add ? C[c + j] + s : s;
    }
  }
}

// dst (cols x rows) = the transpose of src (rows x cols). The plain kernels (kernels.js) use it too.
function transpose(dst, src, rows, cols) {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) dst[j * rows + i] = src[i * cols + j];
  }
}
charrnn.transpose = transpose;

// The summed cross-entropy of the targets under softmax(O); with `gradient`,
// O is replaced by the gradient of the mean: (softmax(O) - one_hot) / rows.
// Token `skip`, if given, is left out of the softmax (probability 0).
charrnn.crossEntropy = function (O, targets, rows, V, gradient, skip = -1) {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * V;
    let top = -Infinity;
    for (let k = 0; k < V; k++) if (k !== skip) top = Math.max(top, O[o + k]);
    let sum = 0;
    for (let k = 0; k < V; k++) if (k !== skip) sum += Math.exp(O[o + k] - top);
    const logSum = top + Math.log(sum);
    total += logSum - O[o + targets[r]];
    if (gradient) {
      for (let k = 0; k < V; k++) O[o + k] = Math.exp(O[o + k] - logSum) / rows;
      O[o + targets[r]] -= 1 / rows;
    }
  }
  return total;
};

// ---------------------------------------------------------------------------------------------
// What every character model in the page shares: its vocabulary, the distribution of the next
// character, sampling, and clipping its gradients. A model sets V, H, tokens, `names` (its
// parameters), params and grads (arrays by name), `stateSize` and step(state, id).

charrnn.CharModel = class CharModel {
  constructor(V, H, tokens) {
    this.V = V;
    this.H = H;
    this.tokens = tokens;
    this.ids = new Map((tokens ?? []).map((token, id) => [token, id]));
    this.stateSize = H;
  }

  // Scale all gradients together so that their global norm is at most theta; the norm before.
  clipGradients(theta) {
    let squares = 0;
    for (const name of this.names) for (const v of this.grads[name]) squares += v * v;
    const norm = Math.sqrt(squares);
    if (norm > theta) {
      for (const name of this.names) {
        const grad = this.grads[name];
        for (let i = 0; i < grad.length; i++) grad[i] *= theta / norm;
      }
    }
    return norm;
  }

  // A copy of the weights, for the page's sampler.
  snapshot() {
    const copy = {};
    for (const name of this.names) copy[name] = Float64Array.from(this.params[name]);
    return copy;
  }

  // The summed cross-entropy of `ids` read as `streams` contiguous pieces side by side, each
  // from the zero state with its state carried through, and how many characters were scored
  // (each piece's first character is only read). A short text is read as fewer pieces, at
  // least 2 characters each, so that every piece scores one. <unk> gets probability 0, as the
  // samplers give it: the text never holds it. So a text of one character repeated scores 0.
  score(ids, streams = 32) {
    const { V } = this, B = Math.min(streams, Math.floor(ids.length / 2));
    if (B < 1) throw new RangeError(`${ids.length} characters cannot be scored: at least 2 are needed`);
    const length = Math.floor(ids.length / B), T = length - 1, rows = T * B;
    const inputs = new Int32Array(rows), targets = new Int32Array(rows);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        inputs[t * B + b] = ids[b * length + t];
        targets[t * B + b] = ids[b * length + t + 1];
      }
    }
    const logits = this.logits(inputs, B, T);
    return { nll: charrnn.crossEntropy(logits, targets, rows, V, false, 0), count: rows };
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

  // The distribution of the next character given the state (its first H numbers are H_t),
  // sharpened by the temperature; <unk> gets probability 0: the training text never holds it.
  probabilities(H, temperature = 1) {
    const { W_hq, b_q } = this.params, logits = new Float64Array(this.V);
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
    let state = new Float64Array(this.stateSize);
    for (const c of prefix) state = this.step(state, this.ids.get(c));
    return state;
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

charrnn.PARAMETERS = ["W_xh", "W_hh", "b_h", "W_hq", "b_q"];

charrnn.RNN = class RNN extends charrnn.CharModel {
  // V tokens, H hidden units. Weights from `weights` (arrays by name, e.g. exported from
  // PyTorch) or drawn as RNNScratch draws them, N(0, omega^2), biases zero. `tokens` (index ->
  // character, index 0 is <unk>) is needed only to read and write text.
  constructor(V, H, { random = charrnn.seededRandom(0), omega = 0.01, weights = null, tokens = null,
    nonlinearity = "tanh" } = {}) {
    super(V, H, tokens);
    this.names = charrnn.PARAMETERS;
    this.relu = nonlinearity === "relu";
    this.phi = this.relu ? (z) => Math.max(z, 0) : Math.tanh;
    const shapes = { W_xh: V * H, W_hh: H * H, b_h: H, W_hq: H * V, b_q: V };
    this.params = {};
    this.grads = {};
    for (const name of charrnn.PARAMETERS) {
      const size = shapes[name];
      if (weights) {
        if (weights[name].length !== size) throw new Error(`${name} needs ${size} numbers, got ${weights[name].length}`);
        this.params[name] = Float64Array.from(weights[name]);
      } else {
        this.params[name] = new Float64Array(size);
        if (name[0] === "W") for (let i = 0; i < size; i++) this.params[name][i] = omega * charrnn.normal(random);
      }
      this.grads[name] = new Float64Array(size);
    }
    this.workspaces = {};
  }

  // The model as charrnn.live.export_weights writes it: the vocabulary, the sizes, and each
  // weight as base64 float32 (or as an array, as the in-page trainer hands weights over).
  static fromExported(exported) {
    const weights = {};
    for (const name of charrnn.PARAMETERS) {
      const w = exported[name];
      weights[name] = typeof w === "string" ? decodeFloat32(w) : w;
    }
    return new RNN(exported.tokens.length, exported.num_hiddens,
      { weights, tokens: exported.tokens, nonlinearity: exported.nonlinearity });
  }

  // Buffers for batches of B sequences of T steps, made once and reused at every step; one set
  // for training ("train") and one for scoring held-out text ("score").
  workspace(B, T, use) {
    const w = this.workspaces[use];
    if (w && w.B === B && w.T === T) return w;
    const { V, H } = this, rows = T * B;
    const forward = {
      B, T,
      H0: new Float64Array(B * H),
      Hs: new Float64Array(rows * H), // H_1 .. H_T
      O: new Float64Array(rows * V), // logits, then d loss / d logits
      W_hhT: new Float64Array(H * H),
      W_hqT: new Float64Array(V * H),
    };
    if (use === "score") return (this.workspaces[use] = forward);
    return (this.workspaces[use] = {
      ...forward,
      dH: new Float64Array(rows * H), // d loss / d H_t, then d loss / d Z_t
      Hprev: new Float64Array(rows * H), // H_0 .. H_{T-1}
      HprevT: new Float64Array(H * rows),
      dHT: new Float64Array(H * rows),
      HsT: new Float64Array(H * rows),
      dOT: new Float64Array(V * rows),
    });
  }

  // w.Hs (T * B x H) from the inputs (time-major ids) and the state w.H0 (B x H).
  recur(inputs, w) {
    const { H } = this, { W_xh, W_hh, b_h } = this.params;
    const { B, T, H0, Hs, W_hhT } = w;
    transpose(W_hhT, W_hh, H, H);
    for (let t = 0; t < T; t++) {
      const Z = Hs.subarray(t * B * H, (t + 1) * B * H);
      const Hprev = t === 0 ? H0 : Hs.subarray((t - 1) * B * H, t * B * H);
      multiplyTransposed(Z, Hprev, W_hhT, B, H, H, false); // H_{t-1} W_hh
      for (let b = 0; b < B; b++) {
        // Row x_t of W_xh is the one-hot product X_t W_xh.
        const row = b * H, x = inputs[t * B + b] * H;
        for (let j = 0; j < H; j++) {
          Z[row + j] = Math.tanh(Z[row + j] + W_xh[x + j] + b_h[j]);
        }
      }
    }
  }

  // Logits w.O (T * B x V) = w.Hs W_hq + b_q.
  output(w) {
    const { H, V } = this, { W_hq, b_q } = this.params;
    const { Hs, O, W_hqT } = w, rows = w.T * w.B;
    transpose(W_hqT, W_hq, H, V);
    multiplyTransposed(O, Hs, W_hqT, rows, V, H, false);
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < V; k++) O[r * V + k] += b_q[k];
    }
  }

  // The mean cross-entropy over a batch (time-major inputs and targets, T * B
  // each) from the zero state; the gradient of every parameter in this.grads.
  lossAndGradients(inputs, targets, B, T) {
    if (this.relu) throw new Error("the backward pass here is tanh's; a ReLU model can only sample");
    const { V, H } = this, w = this.workspace(B, T, "train"), rows = T * B;
    const { W_hh, W_hq } = this.params, g = this.grads;
    w.H0.fill(0);
    this.recur(inputs, w);
    this.output(w);
    const loss = charrnn.crossEntropy(w.O, targets, rows, V, true) / rows;
    const dO = w.O;

    // Output layer: dW_hq = Hs^T dO, db_q = column sums of dO, dH = dO W_hq^T.
    transpose(w.HsT, w.Hs, rows, H);
    transpose(w.dOT, dO, rows, V);
    multiplyTransposed(g.W_hq, w.HsT, w.dOT, H, V, rows, false);
    g.b_q.fill(0);
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < V; k++) g.b_q[k] += dO[r * V + k];
    }
    multiplyTransposed(w.dH, dO, W_hq, rows, H, V, false);

    // Through time, last step first: dZ_t = dH_t * tanh'(Z_t) = dH_t (1 - H_t^2),
    // and dZ_t W_hh^T reaches H_{t-1}. The loop only carries that back; the
    // weight gradients, sums over all steps, are taken after it in one product
    // each, as charrnn/fast.py does.
    const block = B * H;
    for (let t = T - 1; t >= 0; t--) {
      const dZ = w.dH.subarray(t * block, (t + 1) * block);
      const Ht = w.Hs.subarray(t * block, (t + 1) * block);
      for (let i = 0; i < block; i++) dZ[i] *= 1 - Ht[i] * Ht[i];
      if (t > 0) {
        const dHprev = w.dH.subarray((t - 1) * block, t * block);
        multiplyTransposed(dHprev, dZ, W_hh, B, H, H, true);
      }
    }
    const dZ = w.dH;

    // dW_hh = sum over t of H_{t-1}^T dZ_t; dW_xh[x] = sum of the rows of dZ
    // whose input is x; db_h = column sums of dZ.
    w.Hprev.set(w.H0, 0);
    w.Hprev.set(w.Hs.subarray(0, (T - 1) * block), block);
    transpose(w.HprevT, w.Hprev, rows, H);
    transpose(w.dHT, dZ, rows, H);
    multiplyTransposed(g.W_hh, w.HprevT, w.dHT, H, H, rows, false);
    g.W_xh.fill(0);
    g.b_h.fill(0);
    for (let r = 0; r < rows; r++) {
      const x = inputs[r] * H, z = r * H;
      for (let j = 0; j < H; j++) {
        g.W_xh[x + j] += dZ[z + j];
        g.b_h[j] += dZ[z + j];
      }
    }
    return loss;
  }

  // H_t from H_{t-1} and the id of character t (row-major weights: W[i * columns + j]).
  step(H, id) {
    const { W_xh, W_hh, b_h } = this.params, next = new Float64Array(this.H);
    for (let j = 0; j < this.H; j++) {
      let z = W_xh[id * this.H + j] + b_h[j];
      for (let i = 0; i < this.H; i++) z += H[i] * W_hh[i * this.H + j];
      next[j] = this.phi(z);
    }
    return next;
  }

  // The logits (T * B x V) of time-major inputs read from the zero state, for score().
  logits(inputs, B, T) {
    const w = this.workspace(B, T, "score");
    w.H0.fill(0);
    this.recur(inputs, w);
    this.output(w);
    return w.O;
  }
};
})();
