// The in-page trainer's cells (charrnn/js/cells.js) in Node, on a problem that the Python test
// writes as JSON:   node tests/cells_check.js PROBLEM.json
// PROBLEM holds `cell` ("rnn", "gru" or "lstm"), `kernels` ("plain": float64 JavaScript, or
// "wasm": float32 WebAssembly SIMD), V, H, the initial weights (arrays by name, row-major), T, B,
// a list of batches (time-major inputs and targets), `lr` and `theta`. Prints, as JSON, the first
// batch's loss and gradients from the initial weights, the loss before each step of Adam on the
// batches in turn (gradients clipped at theta); with `score` (ids and a number of streams) what
// score() gives for them from the initial weights, and with `prefix` (ids) the sampler's
// next-character distribution after reading it, at temperature 1; with `grow`, the loss again
// after a workspace far larger than the module's first memory has been made (the memory grows,
// and every array made before it must be remade over the grown memory, weights included).
const fs = require("fs");
const path = require("path");
const js = path.join(__dirname, "..", "charrnn", "js");
for (const file of require(path.join(js, "bundles.json")).node) require(path.join(js, file));

const problem = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const { cell, V, H, T, B, batches } = problem;
const kernels = problem.kernels === "wasm" ? charrnn.wasmKernels() : charrnn.plainKernels;
if (!kernels) throw new Error("this Node cannot run the WebAssembly SIMD kernels");
const tokens = Array.from({ length: V }, (_, id) => (id ? String.fromCharCode(96 + id) : "<unk>"));
const model = new charrnn.Cell(cell, V, H, { weights: problem.weights, kernels, tokens });
const scored = problem.score && model.score(Int32Array.from(problem.score.ids), problem.score.streams);
const next = problem.prefix && model.nextProbabilities(problem.prefix.map((id) => tokens[id]).join(""));
const batch = (i) => [Int32Array.from(batches[i].inputs), Int32Array.from(batches[i].targets)];

const loss = model.lossAndGradients(...batch(0), B, T);
const gradients = Object.fromEntries(model.names.map((name) => [name, Array.from(model.grads[name])]));
let afterGrowth = null;
if (problem.grow) {
  const before = model.names.map((name) => Array.from(model.params[name]));
  model.workspace(64, 4000, "grow"); // about 128 MB for an LSTM of 32 units
  afterGrowth = {
    weightsKept: model.names.every((name, k) => model.params[name].every((v, i) => v === before[k][i])),
    loss: model.lossAndGradients(...batch(0), B, T),
  };
}
const optimizer = new charrnn.Adam(problem.lr);
const trajectory = [];
for (let i = 0; i < batches.length; i++) {
  trajectory.push(model.lossAndGradients(...batch(i), B, T));
  model.clipGradients(problem.theta);
  optimizer.step(model);
}
console.log(JSON.stringify({ kernels: kernels.name, loss, gradients, trajectory, scored, next, afterGrowth }));
