// What a reader sees for each kind of pasted text, in Node: the page's check of the text (the
// controller's, timed) and, where the page accepts it, a run of the training worker itself
// (train_worker.js in a context of its own, as a Web Worker runs it) for a few steps.
//   node tests/train_worker_check.js TEXTS.json RANGES   (TEXTS: {name: text}; RANGES:
//   charrnn.live.TRAINER_RANGES as JSON)
// Prints, as JSON, for each text: {page: "ok" or the message, pageMs, worker: {error} or
// {tokens, heldOut: [perplexities], train, sample}}.
const fs = require("fs");
const path = require("path");
const vm = require("vm");
const js = path.join(__dirname, "..", "charrnn", "js");
const bundles = require(path.join(js, "bundles.json"));
globalThis.window = globalThis;
for (const file of bundles.node) require(path.join(js, file));

const texts = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const data = {
  text: "", maxHeldOut: 10000, prefix: "", seed: 0, runs: [{ cell: "rnn", hidden: 16 }],
  ranges: JSON.parse(process.argv[3]),
};
const asked = (text) => ({ own: true, ownText: text, lr: "0.01", numSteps: "35", batchSize: "8", cells: ["rnn"], hidden: ["16"] });

// The worker's scripts in a fresh context; resolves with its messages once it stops.
function runWorker(text) {
  return new Promise((resolve) => {
    const said = [];
    const context = vm.createContext({ atob, console, performance, setTimeout });
    context.self = context;
    context.postMessage = (m) => {
      said.push(m);
      if (m.type === "stopped" || m.type === "error") resolve(said);
    };
    for (const file of bundles["trainer-worker"]) vm.runInContext(fs.readFileSync(path.join(js, file), "utf8"), context);
    const send = (m) => context.onmessage({ data: m });
    send({ type: "setup", text, maxHeldOut: 10000, hidden: 16, lr: 0.01, numSteps: 35, batchSize: 8, seed: 0,
      prefix: charrnn.firstCharacters(text, 12), temperature: 0.8 });
    if (!said.some((m) => m.type === "error")) send({ type: "train", maxSteps: 3 });
  });
}

(async () => {
  const out = {};
  for (const [name, text] of Object.entries(texts)) {
    const controller = new charrnn.TrainerController(data, { makeWorker: () => null });
    const start = performance.now();
    let page = "ok";
    try {
      controller.settings(asked(text));
    } catch (error) {
      page = error.message;
    }
    out[name] = { page, pageMs: performance.now() - start };
    if (page !== "ok") continue;
    const said = await runWorker(text);
    const error = said.find((m) => m.type === "error");
    const weights = said.filter((m) => m.type === "weights").pop();
    out[name].worker = error ? { error: error.message } : {
      tokens: said.find((m) => m.type === "ready").tokens.length,
      heldOut: said.filter((m) => m.type === "point").map((m) => m.heldOut),
      train: said.filter((m) => m.type === "point").pop().train,
      sample: weights && charrnn.visible(weights.sample),
    };
  }
  console.log(JSON.stringify(out));
})();
