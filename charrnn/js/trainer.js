// Training a character RNN in plain JavaScript: the maths of charrnn.RNNScratch with the
// backward pass written by hand, as charrnn/fast.py writes it. It runs in a Web Worker (the page
// never freezes), in Node for the tests, and it needs nothing from the page but random.js.
//   Z_t = W_xh[x_t] + H_{t-1} W_hh + b_h,   H_t = tanh(Z_t),   O_t = H_t W_hq + b_q
// Every array is a Float64Array, row-major (W[i * columns + j]), so the tests can hold the
// loss and gradients to PyTorch's in float64. Batches are time-major: row t * B + b of a
// (T * B) x n array is step t of sequence b.
globalThis.charrnn = globalThis.charrnn || {};

// A problem with what the reader asked for: the panel shows its message instead of training.
charrnn.InputError = class InputError extends Error {};
charrnn.DivergenceError = class DivergenceError extends Error {};

// ---------------------------------------------------------------------------------------------
// Small generators and matrix loops.

// A standard normal draw from two uniform ones (Box-Muller).
function normal(random) {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

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

// dst (cols x rows) = the transpose of src (rows x cols).
function transpose(dst, src, rows, cols) {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) dst[j * rows + i] = src[i * cols + j];
  }
}

// ---------------------------------------------------------------------------------------------
// Text: a vocabulary, token ids, and the split into training text and held-out tail.

// The least text the panel trains on: enough for a held-out tail of a few windows.
charrnn.MIN_TEXT_LENGTH = 200;

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
// The model.

charrnn.PARAMETERS = ["W_xh", "W_hh", "b_h", "W_hq", "b_q"];

charrnn.RNN = class {
  // V tokens, H hidden units. Weights from `weights` (arrays by name, e.g. exported from
  // PyTorch) or drawn as RNNScratch draws them, N(0, sigma^2), biases zero.
  constructor(V, H, { random = charrnn.seededRandom(0), sigma = 0.01, weights = null } = {}) {
    this.V = V;
    this.H = H;
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
        if (name[0] === "W") for (let i = 0; i < size; i++) this.params[name][i] = sigma * normal(random);
      }
      this.grads[name] = new Float64Array(size);
    }
    this.workspaces = {};
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

  // The summed cross-entropy of the targets under softmax(O); with `gradient`,
  // O is replaced by the gradient of the mean: (softmax(O) - one_hot) / rows.
  static crossEntropy(O, targets, rows, V, gradient) {
    let total = 0;
    for (let r = 0; r < rows; r++) {
      const o = r * V;
      let top = -Infinity;
      for (let k = 0; k < V; k++) top = Math.max(top, O[o + k]);
      let sum = 0;
      for (let k = 0; k < V; k++) sum += Math.exp(O[o + k] - top);
      const logSum = top + Math.log(sum);
      total += logSum - O[o + targets[r]];
      if (gradient) {
        for (let k = 0; k < V; k++) O[o + k] = Math.exp(O[o + k] - logSum) / rows;
        O[o + targets[r]] -= 1 / rows;
      }
    }
    return total;
  }

  // The mean cross-entropy over a batch (time-major inputs and targets, T * B
  // each) from the zero state; the gradient of every parameter in this.grads.
  lossAndGradients(inputs, targets, B, T) {
    const { V, H } = this, w = this.workspace(B, T, "train"), rows = T * B;
    const { W_hh, W_hq } = this.params, g = this.grads;
    w.H0.fill(0);
    this.recur(inputs, w);
    this.output(w);
    const loss = charrnn.RNN.crossEntropy(w.O, targets, rows, V, true) / rows;
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

  // Scale all gradients together so that their global norm is at most theta; the norm before.
  clipGradients(theta) {
    let squares = 0;
    for (const name of charrnn.PARAMETERS) for (const v of this.grads[name]) squares += v * v;
    const norm = Math.sqrt(squares);
    if (norm > theta) {
      for (const name of charrnn.PARAMETERS) {
        const grad = this.grads[name];
        for (let i = 0; i < grad.length; i++) grad[i] *= theta / norm;
      }
    }
    return norm;
  }

  // The summed cross-entropy of `ids` read as `streams` contiguous pieces side by side, each
  // from the zero state with its state carried through, and how many characters were scored
  // (each piece's first character is only read).
  score(ids, streams = 32) {
    const { V, H } = this, length = Math.floor(ids.length / streams);
    if (length < 2) return { nll: NaN, count: 0 };
    const T = length - 1, B = streams, rows = T * B;
    const inputs = new Int32Array(rows), targets = new Int32Array(rows);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        inputs[t * B + b] = ids[b * length + t];
        targets[t * B + b] = ids[b * length + t + 1];
      }
    }
    const w = this.workspace(B, T, "score");
    w.H0.fill(0);
    this.recur(inputs, w);
    this.output(w);
    return { nll: charrnn.RNN.crossEntropy(w.O, targets, rows, V, false), count: rows };
  }

  // A copy of the weights, for the page's sampler.
  snapshot() {
    const copy = {};
    for (const name of charrnn.PARAMETERS) copy[name] = Float64Array.from(this.params[name]);
    return copy;
  }
};

// ---------------------------------------------------------------------------------------------
// Optimisers, as torch.optim computes them.

charrnn.SGD = class {
  constructor(lr) { this.lr = lr; }

  step(model) {
    for (const name of charrnn.PARAMETERS) {
      const p = model.params[name], g = model.grads[name];
      for (let i = 0; i < p.length; i++) p[i] -= this.lr * g[i];
    }
  }
};

charrnn.Adam = class {
  constructor(lr, { beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = {}) {
    Object.assign(this, { lr, beta1, beta2, eps, t: 0, m: null, v: null });
  }

  step(model) {
    const { beta1, beta2, eps } = this;
    if (!this.m) {
      this.m = {};
      this.v = {};
      for (const name of charrnn.PARAMETERS) {
        this.m[name] = new Float64Array(model.params[name].length);
        this.v[name] = new Float64Array(model.params[name].length);
      }
    }
    this.t += 1;
    const stepSize = this.lr / (1 - beta1 ** this.t), correction2 = Math.sqrt(1 - beta2 ** this.t);
    for (const name of charrnn.PARAMETERS) {
      const p = model.params[name], g = model.grads[name], m = this.m[name], v = this.v[name];
      for (let i = 0; i < p.length; i++) {
        m[i] = beta1 * m[i] + (1 - beta1) * g[i];
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / correction2 + eps);
      }
    }
  }
};

