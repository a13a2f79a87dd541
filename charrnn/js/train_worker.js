// One training run of the in-page trainer, inside a Web Worker (its scripts: bundles.json,
// "trainer-worker"), so that the page stays responsive however long a step takes. It trains in
// short slices and reads its messages between them, so "pause" takes effect within one step.
//   in:  {type: "setup", text, maxHeldOut, cell, hidden, lr, numSteps, batchSize, seed,
//         prefix, temperature, translations}  (cell: "rnn", "gru" or "lstm"; prefix and
//         temperature: for the samples it sends; translations: charrnn.translations of the page,
//         for its messages)
//        {type: "train", maxSteps, turns}  (maxSteps: stop there; omitted, train until paused.
//                  turns: train one slice per "turn" message instead of slice after slice)
//        {type: "turn"}  train one slice (when training with turns)
//        {type: "pause"}
//        {type: "temperature", temperature}  for the samples from now on; sends one at once
//        {type: "draw", id, settings}  chapter 4's sampler on the weights last sent
//   out: {type: "ready", tokens, trainLength, heldOutLength, parameters, kernels, fallback}
//                  (kernels: what the arithmetic runs on, in words; fallback: true where the
//                  browser has no WebAssembly SIMD and the run fell back to plain JavaScript)
//        {type: "point", step, tokens, train, heldOut}  perplexities; train is null at step 0
//        {type: "progress", step, tokens, tokensPerSecond}
//        {type: "weights", step, cell, weights, sample, temperature}  every 2 s of training, and when
//                  it stops; sample: runSample from these weights at that temperature
//        {type: "sample", sample, temperature}  runSample again, at a new temperature
//        {type: "drawn", id, drawn}  what charrnn.drawSampler gives for those settings
//        {type: "stopped", step, reason}  "paused", "done" or "diverged", with a message
//        {type: "error", message}  the text or a setting cannot be used
(() => {
"use strict";

const THETA = 1; // gradients are clipped to this global norm, as in the book's recipes
const SLICE_MS = 50;
const WEIGHTS_EVERY_MS = 2000;
let run = null;

function setup({ text, maxHeldOut, cell = "rnn", hidden, lr, numSteps, batchSize, seed, prefix, temperature,
  translations }) {
  charrnn.translations = translations; // the page's language, for the messages sent from here
  const data = charrnn.prepareText(text, { numSteps, maxHeldOut });
  const V = data.tokens.length;
  const kernels = charrnn.wasmKernels();
  run = {
    data, cell, B: batchSize, T: numSteps, lr, step: 0, tokens: 0,
    // The same arithmetic either way; the readable version where WebAssembly SIMD is missing.
    model: kernels ? new charrnn.Cell(cell, V, hidden, { kernels, random: charrnn.seededRandom(seed) })
      : charrnn.readableModel(cell, data.tokens, hidden, null, charrnn.seededRandom(seed)),
    optimizer: new charrnn.Adam(lr),
    random: charrnn.seededRandom(seed + 1),
    inputs: new Int32Array(numSteps * batchSize),
    targets: new Int32Array(numSteps * batchSize),
    // Scoring the held-out tail costs about a third of training on as many characters, so
    // scoring after every 3 tail-lengths of training keeps it to about a tenth of the time.
    scoreEvery: Math.max(3 * data.heldOut.length, numSteps * batchSize),
    // Ten times worse than guessing uniformly: the run has left any useful region.
    divergedLoss: Math.log(10 * V),
    sinceScore: 0, lossSum: 0, lossCount: 0, scoringMs: 0, running: false, maxSteps: Infinity,
    prefix, temperature,
  };
  postMessage({
    type: "ready", tokens: data.tokens, trainLength: data.train.length, heldOutLength: data.heldOut.length,
    parameters: charrnn.parameterCount(cell, V, hidden), kernels: (kernels ?? charrnn.plainKernels).name,
    fallback: kernels === null,
  });
  score();
}

// Held-out perplexity now, and training perplexity over the steps since the last point.
function score() {
  const start = performance.now();
  const { nll, count } = run.model.score(run.data.heldOut);
  const train = run.lossCount ? Math.exp(run.lossSum / run.lossCount) : null;
  postMessage({ type: "point", step: run.step, tokens: run.tokens, train, heldOut: Math.exp(nll / count) });
  run.sinceScore = run.lossSum = run.lossCount = 0;
  run.scoringMs += performance.now() - start;
}

function trainStep() {
  const { model, B, T } = run;
  charrnn.randomWindows(run.data.train, B, T, run.random, run.inputs, run.targets);
  const loss = model.lossAndGradients(run.inputs, run.targets, B, T);
  if (!(loss < run.divergedLoss)) {
    const perplexity = Math.exp(loss);
    throw new charrnn.DivergenceError(charrnn.say(
      "training diverged at step {step}: the training perplexity reached {perplexity}, " +
      "more than 10 times the vocabulary size ({V}); lower the learning rate (lr={lr}) and press Train again", {
        step: run.step + 1, perplexity: Number.isFinite(perplexity) ? perplexity.toPrecision(3) : perplexity,
        V: model.V, lr: run.lr,
      }));
  }
  model.clipGradients(THETA);
  run.optimizer.step(model);
  run.step += 1;
  run.tokens += B * T;
  run.sinceScore += B * T;
  run.lossSum += loss;
  run.lossCount += 1;
  if (run.sinceScore >= run.scoreEvery) score();
}

// The sample the panel shows for the run: 200 characters after its prefix, with the same seed
// every time, so that from one refresh to the next only the model changes ("" if the model cannot
// read the prefix). `model` is a readable model with the run's vocabulary.
function runSample(model) {
  return model.refusal(run.prefix) ? "" : model.sample(run.prefix, 200, run.temperature, charrnn.seededRandom(0));
}

// The weights as they are now go to the page, with the run's sample from them; they stay here
// too (run.sent), for the page's sampler to draw from, so that sampling never holds up the page.
function sendWeights() {
  const weights = run.model.snapshot(), { tokens } = run.data;
  run.sent = charrnn.readableModel(run.cell, tokens, run.model.H, weights);
  postMessage({ type: "weights", step: run.step, cell: run.cell, weights, sample: runSample(run.sent),
    temperature: run.temperature });
  run.weightsSent = performance.now();
}

function stop(reason, message = "") {
  run.running = false;
  if (reason !== "diverged") {
    if (run.lossCount) score();
    sendWeights();
  }
  postMessage({ type: "stopped", step: run.step, reason, message });
}

// Train for about SLICE_MS, report, and come back after any waiting message has been read.
function slice() {
  if (!run.running) return;
  const start = performance.now(), startTokens = run.tokens, startScoring = run.scoringMs;
  try {
    while (run.running && run.step < run.maxSteps && performance.now() - start < SLICE_MS) trainStep();
  } catch (error) {
    if (!(error instanceof charrnn.DivergenceError)) throw error;
    return stop("diverged", error.message);
  }
  // Characters per second of training alone, scoring left out.
  run.trainSeconds += (performance.now() - start - (run.scoringMs - startScoring)) / 1000;
  run.trainedTokens += run.tokens - startTokens;
  const tokensPerSecond = run.trainedTokens / run.trainSeconds;
  postMessage({ type: "progress", step: run.step, tokens: run.tokens, tokensPerSecond });
  if (run.step >= run.maxSteps) return stop("done");
  if (performance.now() - run.weightsSent > WEIGHTS_EVERY_MS) sendWeights();
  if (!run.turns) setTimeout(slice, 0);
}

self.onmessage = ({ data: message }) => {
  try {
    if (message.type === "setup") setup(message);
    else if (message.type === "train" && run && !run.running) {
      Object.assign(run, { running: true, maxSteps: message.maxSteps ?? Infinity, turns: !!message.turns });
      Object.assign(run, { trainSeconds: 0, trainedTokens: 0, weightsSent: performance.now() });
      if (!run.turns) slice();
    } else if (message.type === "turn" && run) slice();
    else if (message.type === "pause" && run && run.running) stop("paused");
    else if (message.type === "temperature" && run) {
      run.temperature = message.temperature;
      if (run.sent) postMessage({ type: "sample", sample: runSample(run.sent), temperature: run.temperature });
    } else if (message.type === "draw" && run?.sent) {
      postMessage({ type: "drawn", id: message.id, drawn: charrnn.drawSampler(run.sent, message.settings) });
    }
  } catch (error) {
    if (run) run.running = false;
    postMessage({ type: "error", message: error.message });
  }
};
})();
