// The in-page trainer's three cells, RNN, GRU and LSTM, as chapter 7 writes them, each with its
// backward pass by hand. The arithmetic runs on kernels (kernels.js): float64 JavaScript, the
// readable reference, or float32 WebAssembly SIMD, the fast path; the code here is the same for
// both. For one step, with G = H for the RNN, 3H for the GRU and 4H for the LSTM:
//   A_t = W_xh[x_t] + b_h + H_{t-1} W_hh          (B x G: every gate's input at once)
//   RNN   H_t = tanh(A_t)
//   GRU   r, z = sigmoid(A_r), sigmoid(A_z);  n = tanh(A_n + r * (H_{t-1} W_hn + b_hn))
//         H_t = (1 - z) * n + z * H_{t-1}        (PyTorch's gate order and layout)
//   LSTM  i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of A_t's four parts
//         C_t = f * C_{t-1} + i * g,   H_t = o * tanh(C_t)
//   O_t = H_t W_hq + b_q
// In the GRU, A_n holds only the input's part: the reset gate multiplies the hidden part, bias
// and all, so that part (b_hn) is a parameter of its own. nn.GRU and nn.LSTM keep two biases for
// every gate; where they only add, b_h is their sum. Batches are time-major, as in model.js.
globalThis.charrnn = globalThis.charrnn || {};

(() => {
"use strict";

const GATES = { rnn: 1, gru: 3, lstm: 4 };
charrnn.CELLS = Object.keys(GATES);

// Each parameter's length, in the order they are drawn, clipped and sent.
charrnn.cellShapes = function (cell, V, H) {
  if (!(cell in GATES)) {
    throw new RangeError(`cell must be one of ${charrnn.CELLS.join(", ")}, got ${JSON.stringify(cell)}`);
  }
  const G = GATES[cell] * H;
  return { W_xh: V * G, W_hh: H * G, b_h: G, ...(cell === "gru" ? { b_hn: H } : {}), W_hq: H * V, b_q: V };
};

charrnn.parameterCount = (cell, V, H) =>
  Object.values(charrnn.cellShapes(cell, V, H)).reduce((sum, size) => sum + size, 0);

const sigmoid = (x) => 1 / (1 + Math.exp(-x));

charrnn.Cell = class Cell extends charrnn.CharModel {
  // `cell` ("rnn", "gru" or "lstm"), V tokens, H hidden units. Weights from `weights` (arrays by
  // name) or drawn: the RNN's as charrnn.RNN draws them (so both start alike from one seed), the
  // gated cells' uniform in +-1/sqrt(H), as nn.GRU and nn.LSTM draw each of theirs. Each bias is
  // one such draw, where PyTorch's two that add would span +-2/sqrt(H).
  constructor(cell, V, H, { kernels = charrnn.plainKernels, random = charrnn.seededRandom(0), weights = null,
    tokens = null } = {}) {
    const shapes = charrnn.cellShapes(cell, V, H);
    super(V, H, tokens);
    Object.assign(this, { cell, kernels, G: GATES[cell] * H, names: Object.keys(shapes) });
    this.stateSize = cell === "lstm" ? 2 * H : H; // the LSTM's state is H_t and C_t
    this.params = kernels.arrays(shapes);
    this.grads = kernels.arrays(shapes);
    for (const name of this.names) {
      const p = this.params[name];
      if (weights) {
        if (weights[name].length !== p.length) {
          throw new Error(`${name} needs ${p.length} numbers, got ${weights[name].length}`);
        }
        p.set(weights[name]);
      } else if (cell === "rnn") {
        if (name[0] === "W") for (let i = 0; i < p.length; i++) p[i] = 0.01 * charrnn.normal(random);
      } else {
        const bound = 1 / Math.sqrt(H);
        for (let i = 0; i < p.length; i++) p[i] = bound * (2 * random() - 1);
      }
    }
    this.workspaces = {};
  }

  // Arrays for batches of B sequences of T steps, made once and reused: one set for training
  // ("train"), a smaller one for scoring held-out text ("score").
  workspace(B, T, use) {
    const w = this.workspaces[use];
    if (w && w.B === B && w.T === T) return w;
    const { V, H, G, cell } = this, rows = T * B;
    const sizes = {
      A: rows * G, // the gates' inputs, then their values (the RNN's: H_t itself)
      Hs: rows * H, // H_1 .. H_T
      Hprev: rows * H, // H_0 .. H_{T-1}, H_0 = 0
      O: rows * V, // the logits, then d loss / d logits
      Hg: B * G, // H_{t-1} W_hh, one step
      ...(cell === "gru" ? { Hn: rows * H } : {}), // H_{t-1} W_hn + b_hn
      ...(cell === "lstm" ? { Cs: rows * H, tanhC: rows * H, C0: B * H } : {}),
    };
    if (use === "train") {
      Object.assign(sizes, {
        dH: rows * H, // d loss / d H_t
        dA: rows * G, // d loss / d A_t's input part
        HT: H * rows, W_hhT: G * H, W_hqT: V * H,
        ...(cell === "gru" ? { dHg: rows * G } : {}), // d loss / d (H_{t-1} W_hh + [0, 0, b_hn])
        ...(cell === "lstm" ? { dC: B * H } : {}), // d loss / d C_t, carried back one step at a time
      });
    }
    return (this.workspaces[use] = Object.assign(this.kernels.arrays(sizes), { B, T }));
  }

  // The forward pass from the zero state: w.A, w.Hs (and the cell's other states) and the
  // logits w.O, for time-major inputs.
  forward(inputs, w) {
    const { H, G, V, cell, kernels } = this, { B, T } = w, rows = T * B, block = B * H;
    const { W_xh, W_hh, b_h, W_hq, b_q } = this.params;
    const { A, Hs, Hprev, Hg } = w;
    Hprev.fill(0, 0, block);
    if (cell === "lstm") w.C0.fill(0);
    for (let r = 0; r < rows; r++) {
      const x = inputs[r] * G, a = r * G;
      for (let j = 0; j < G; j++) A[a + j] = W_xh[x + j] + b_h[j];
    }
    for (let t = 0; t < T; t++) {
      const h = Hprev.subarray(t * block, (t + 1) * block);
      kernels.mm(Hg, h, W_hh, B, G, H, false);
      const a0 = t * B * G, s0 = t * block;
      if (cell === "rnn") {
        for (let i = 0; i < block; i++) A[a0 + i] += Hg[i];
        kernels.tanh(A, a0, block);
        Hs.set(A.subarray(a0, a0 + block), s0);
      } else if (cell === "gru") {
        const { Hn } = w, b_hn = this.params.b_hn;
        for (let b = 0; b < B; b++) {
          const a = a0 + b * G, g = b * G, s = s0 + b * H;
          for (let j = 0; j < 2 * H; j++) A[a + j] += Hg[g + j];
          kernels.sigmoid(A, a, 2 * H);
          for (let j = 0; j < H; j++) {
            Hn[s + j] = Hg[g + 2 * H + j] + b_hn[j];
            A[a + 2 * H + j] += A[a + j] * Hn[s + j];
          }
          kernels.tanh(A, a + 2 * H, H);
          for (let j = 0; j < H; j++) {
            const z = A[a + H + j], n = A[a + 2 * H + j];
            Hs[s + j] = (1 - z) * n + z * h[b * H + j];
          }
        }
      } else {
        const { Cs, tanhC } = w, c = t === 0 ? w.C0 : Cs.subarray(s0 - block, s0);
        for (let i = 0; i < B * G; i++) A[a0 + i] += Hg[i];
        for (let b = 0; b < B; b++) {
          const a = a0 + b * G;
          kernels.sigmoid(A, a, 2 * H);
          kernels.tanh(A, a + 2 * H, H);
          kernels.sigmoid(A, a + 3 * H, H);
          for (let j = 0; j < H; j++) {
            const s = s0 + b * H + j;
            Cs[s] = A[a + H + j] * c[b * H + j] + A[a + j] * A[a + 2 * H + j];
            tanhC[s] = Cs[s];
          }
        }
        kernels.tanh(tanhC, s0, block);
        for (let b = 0; b < B; b++) {
          const a = a0 + b * G + 3 * H;
          for (let j = 0; j < H; j++) Hs[s0 + b * H + j] = A[a + j] * tanhC[s0 + b * H + j];
        }
      }
      if (t + 1 < T) Hprev.set(Hs.subarray(s0, s0 + block), s0 + block);
    }
    kernels.mm(w.O, Hs, W_hq, rows, V, H, false);
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < V; k++) w.O[r * V + k] += b_q[k];
    }
  }

  // The logits (T * B x V) of time-major inputs read from the zero state, for score().
  logits(inputs, B, T) {
    const w = this.workspace(B, T, "score");
    this.forward(inputs, w);
    return w.O;
  }

  // The mean cross-entropy over a batch (time-major inputs and targets, T * B each) from the
  // zero state; the gradient of every parameter in this.grads.
  lossAndGradients(inputs, targets, B, T) {
    const { V, H, G, cell, kernels } = this, w = this.workspace(B, T, "train"), rows = T * B, block = B * H;
    const { W_hh, W_hq } = this.params, g = this.grads;
    this.forward(inputs, w);
    const loss = charrnn.crossEntropy(w.O, targets, rows, V, true) / rows;
    const { O: dO, A, Hs, Hprev, dH, dA, HT } = w;

    // Output layer: dW_hq = Hs^T dO, db_q = column sums of dO, dH = dO W_hq^T.
    kernels.transpose(HT, Hs, rows, H);
    kernels.mm(g.W_hq, HT, dO, H, V, rows, false);
    g.b_q.fill(0);
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < V; k++) g.b_q[k] += dO[r * V + k];
    }
    kernels.transpose(w.W_hqT, W_hq, H, V);
    kernels.mm(dH, dO, w.W_hqT, rows, H, V, false);

    // Through time, last step first. dA_t is the gradient at the gates' inputs; dHg_t at
    // H_{t-1} W_hh (the same but for the GRU's candidate, which the reset gate scales), and
    // dHg_t W_hh^T reaches H_{t-1}, with the GRU's and the LSTM's direct paths added.
    const dHg = cell === "gru" ? w.dHg : dA;
    kernels.transpose(w.W_hhT, W_hh, H, G);
    if (cell === "lstm") w.dC.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const a0 = t * B * G, s0 = t * block;
      if (cell === "rnn") {
        for (let i = 0; i < block; i++) dA[a0 + i] = dH[s0 + i] * (1 - A[a0 + i] * A[a0 + i]);
      } else if (cell === "gru") {
        const { Hn } = w;
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < H; j++) {
            const a = a0 + b * G + j, s = s0 + b * H + j, dh = dH[s];
            const r = A[a], z = A[a + H], n = A[a + 2 * H];
            const dn = dh * (1 - z) * (1 - n * n); // at n's input
            dA[a + 2 * H] = dn;
            dHg[a + 2 * H] = dn * r;
            dA[a] = dHg[a] = dn * Hn[s] * r * (1 - r);
            dA[a + H] = dHg[a + H] = dh * (Hprev[s] - n) * z * (1 - z);
            if (t > 0) dH[s - block] += dh * z; // H_t = ... + z * H_{t-1}
          }
        }
      } else {
        const { Cs, tanhC, dC } = w, c = t === 0 ? w.C0 : Cs.subarray(s0 - block, s0);
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < H; j++) {
            const a = a0 + b * G + j, s = s0 + b * H + j, k = b * H + j, dh = dH[s];
            const i = A[a], f = A[a + H], gg = A[a + 2 * H], o = A[a + 3 * H], tc = tanhC[s];
            const dc = dC[k] + dh * o * (1 - tc * tc);
            dA[a] = dc * gg * i * (1 - i);
            dA[a + H] = dc * c[k] * f * (1 - f);
            dA[a + 2 * H] = dc * i * (1 - gg * gg);
            dA[a + 3 * H] = dh * tc * o * (1 - o);
            dC[k] = dc * f; // C_t = f * C_{t-1} + ...
          }
        }
      }
      if (t > 0) kernels.mm(dH.subarray(s0 - block, s0), dHg.subarray(a0, a0 + B * G), w.W_hhT, B, H, G, true);
    }

    // dW_hh = Hprev^T dHg (summed over all steps at once); dW_xh[x] = the sum of the rows of dA
    // whose input is x; db_h = column sums of dA; the GRU's db_hn = those of dHg's candidate part.
    kernels.transpose(HT, Hprev, rows, H);
    kernels.mm(g.W_hh, HT, dHg, H, G, rows, false);
    g.W_xh.fill(0);
    g.b_h.fill(0);
    for (let r = 0; r < rows; r++) {
      const x = inputs[r] * G, a = r * G;
      for (let j = 0; j < G; j++) {
        g.W_xh[x + j] += dA[a + j];
        g.b_h[j] += dA[a + j];
      }
    }
    if (cell === "gru") {
      g.b_hn.fill(0);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < H; j++) g.b_hn[j] += dHg[r * G + 2 * H + j];
      }
    }
    return loss;
  }

  // The state after reading character `id` from `state` (H_{t-1}, and C_{t-1} for the LSTM), in
  // float64, one character at a time: the samplers' step.
  step(state, id) {
    const { H, G, cell } = this, { W_xh, W_hh, b_h } = this.params, h = state.subarray(0, H);
    const a = new Float64Array(G), next = new Float64Array(this.stateSize);
    for (let j = 0; j < G; j++) a[j] = W_xh[id * G + j] + b_h[j];
    const hg = new Float64Array(G);
    for (let i = 0; i < H; i++) {
      if (h[i] !== 0) for (let j = 0; j < G; j++) hg[j] += h[i] * W_hh[i * G + j];
    }
    for (let j = 0; j < H; j++) {
      if (cell === "rnn") next[j] = Math.tanh(a[j] + hg[j]);
      else if (cell === "gru") {
        const r = sigmoid(a[j] + hg[j]), z = sigmoid(a[H + j] + hg[H + j]);
        const n = Math.tanh(a[2 * H + j] + r * (hg[2 * H + j] + this.params.b_hn[j]));
        next[j] = (1 - z) * n + z * h[j];
      } else {
        const i = sigmoid(a[j] + hg[j]), f = sigmoid(a[H + j] + hg[H + j]);
        const gg = Math.tanh(a[2 * H + j] + hg[2 * H + j]), o = sigmoid(a[3 * H + j] + hg[3 * H + j]);
        const c = f * state[H + j] + i * gg;
        next[H + j] = c;
        next[j] = o * Math.tanh(c);
      }
    }
    return next;
  }
};

// The readable float64 model of `cell`, over `weights` or drawn from `random`: chapter 4's
// RNN (model.js) for "rnn", else a Cell on the plain kernels. The samplers read these, and a run
// trains one where WebAssembly SIMD is missing.
charrnn.readableModel = function (cell, tokens, H, weights, random = charrnn.seededRandom(0)) {
  const V = tokens.length;
  return cell === "rnn" ? new charrnn.RNN(V, H, { weights, tokens, random })
    : new charrnn.Cell(cell, V, H, { weights, tokens, random });
};
})();
