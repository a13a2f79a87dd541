// The in-page trainer's model and training (charrnn/js/model.js, training.js) in Node, on a
// problem that the Python test writes as JSON:
//   node tests/trainer_check.js PROBLEM.json
// PROBLEM holds V, H, the initial weights (arrays by name, row-major), T, B and a list of
// batches (time-major inputs and targets); `optimizer` ("sgd" or "adam"), `lr`, `theta`.
// Prints, as JSON, the first batch's loss and the five gradients from the initial weights, and
// the loss before each step of training on the batches in turn (clipped at theta); with `score`
// and `scoreShort` (ids and a number of streams), what RNN.score gives for them from the
// initial weights; with `texts`, what prepareText makes of each (vocabulary and split) or the
// error it raises.
const fs = require("fs");
const path = require("path");
const js = path.join(__dirname, "..", "charrnn", "js");
globalThis.window = globalThis;
for (const file of require(path.join(js, "bundles.json")).node) require(path.join(js, file));

// Plain SGD, as torch.optim.SGD computes it: only this test uses it, so no page ships it.
class SGD {
  constructor(lr) { this.lr = lr; }

  step(model) {
    for (const name of model.names) {
      const p = model.params[name], g = model.grads[name];
      for (let i = 0; i < p.length; i++) p[i] -= this.lr * g[i];
    }
  }
}

const problem = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const { V, H, T, B, batches } = problem;
const model = new charrnn.RNN(V, H, { weights: problem.weights });
const score = (asked) => asked && model.score(Int32Array.from(asked.ids), asked.streams);
const scored = score(problem.score), scoredShort = score(problem.scoreShort);
const prepared = (problem.texts || []).map(([text, numSteps, maxHeldOut]) => {
  try {
    const { tokens, train, heldOut } = charrnn.prepareText(text, { numSteps, maxHeldOut });
    return { tokens, train: Array.from(train), heldOut: Array.from(heldOut) };
  } catch (error) {
    return { error: `${error.constructor.name}: ${error.message}` };
  }
});
const batch = (i) => [Int32Array.from(batches[i].inputs), Int32Array.from(batches[i].targets)];

const loss = model.lossAndGradients(...batch(0), B, T);
const gradients = Object.fromEntries(charrnn.PARAMETERS.map((name) => [name, Array.from(model.grads[name])]));

const optimizer = problem.optimizer === "adam" ? new charrnn.Adam(problem.lr) : new SGD(problem.lr);
const trajectory = [];
for (let i = 0; i < batches.length; i++) {
  trajectory.push(model.lossAndGradients(...batch(i), B, T));
  model.clipGradients(problem.theta);
  optimizer.step(model);
}
console.log(JSON.stringify({ loss, gradients, trajectory, scored, scoredShort, prepared }));
