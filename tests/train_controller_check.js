// charrnn.TrainerController (charrnn/js/train_controller.js) in Node, with stand-in workers that
// record what they are sent; prints, as JSON, what each scenario observed.
//   node tests/train_controller_check.js RANGES   (RANGES: charrnn.live.TRAINER_RANGES as JSON)
const path = require("path");
const js = path.join(__dirname, "..", "charrnn", "js");
globalThis.window = globalThis;
for (const file of require(path.join(js, "bundles.json")).node) require(path.join(js, file));

const data = {
  text: "the time machine ".repeat(20), maxHeldOut: 10000, prefix: "the", seed: 0, runs: [{ cell: "rnn", hidden: 16 }, { cell: "rnn", hidden: 32 }],
  ranges: JSON.parse(process.argv[2]),
};
const good = {
  own: false, ownText: "", lr: "0.01", numSteps: "35", batchSize: "32", cells: ["rnn", "rnn"], hidden: ["16", "32"],
};

// A controller whose workers are records: sent messages (types, or the message for "setup"),
// whether terminated, and a way to answer as the worker would.
function make(cores) {
  const workers = [], events = [];
  const controller = new charrnn.TrainerController(data, {
    cores,
    notify: (event, run) => events.push([event, run.index]),
    makeWorker() {
      const worker = {
        id: workers.length, sent: [], terminated: false,
        postMessage(m) { this.sent.push(m.type); },
        terminate() { this.terminated = true; },
        say(m) { this.onmessage({ data: m }); },
      };
      workers.push(worker);
      return worker;
    },
  });
  return { controller, workers, events };
}
const refusal = (act) => {
  try {
    act();
    return null;
  } catch (error) {
    return `${error.constructor.name}: ${error.message}`;
  }
};
const out = {};

{ // Bad settings start nothing, and say what is wrong.
  const { controller, workers } = make(1);
  out.refused = [
    refusal(() => controller.train({ ...good, hidden: ["1000", "32"] })),
    refusal(() => controller.train({ ...good, lr: "" })),
    refusal(() => controller.train({ ...good, own: true, ownText: "" })),
    refusal(() => controller.train({ ...good, own: true, ownText: "too short" })),
    refusal(() => controller.train({ ...good, cells: ["rnn", "tanh"] })),
  ];
  out.refusedWorkers = workers.length;
}

{ // Two cores or fewer: the runs prepare their text one after the other, and no run trains until
  // both have; then they take turns, each "progress" passing the turn on.
  const { controller, workers } = make(2);
  controller.train(good, 10);
  out.turns = { takeTurns: controller.takeTurns, sent: workers.map((w) => [...w.sent]) };
  workers[0].say({ type: "ready", tokens: ["<unk>", "t"] });
  out.turns.afterA = workers.map((w) => [...w.sent]);
  workers[1].say({ type: "ready", tokens: ["<unk>", "t"] });
  out.turns.afterB = workers.map((w) => [...w.sent]);
  workers[0].say({ type: "progress", step: 1, tokensPerSecond: 100 });
  workers[1].say({ type: "progress", step: 1, tokensPerSecond: 100 });
  out.turns.after = workers.map((w) => w.sent.slice(-1)[0]);
  workers[1].say({ type: "stopped", step: 1, reason: "done" });
  workers[0].say({ type: "progress", step: 2, tokensPerSecond: 100 });
  out.turns.alone = workers.map((w) => w.sent.filter((type) => type === "turn").length);
}

{ // Enough cores: no turns. A moved setting restarts only the run it concerns.
  const { controller, workers, events } = make(8);
  controller.train(good);
  const first = workers.map((w) => w.sent.join(","));
  workers[0].say({ type: "ready", tokens: ["<unk>", "a", "b"] });
  workers[0].say({ type: "point", step: 0, tokens: 0, train: null, heldOut: 3 });
  const message = controller.changed({ ...good, hidden: ["16", "40"] });
  out.restart = {
    takeTurns: controller.takeTurns, first, message, workers: workers.length,
    terminated: workers.map((w) => w.terminated), hidden: controller.runs.map((r) => r.hidden),
    kept: controller.runs[0].points.length, events: [...events],
  };
  // A message from the stopped worker no longer reaches its run.
  workers[1].say({ type: "point", step: 9, tokens: 9, train: 2, heldOut: 2 });
  out.restart.stale = controller.runs[1].points.length;
  controller.pause();
  out.restart.paused = workers.map((w) => w.sent.slice(-1)[0]);
  out.restart.changedWhilePaused = controller.changed({ ...good, hidden: ["16", "48"] });
  // Choosing another cell for run A, while training, restarts run A with it.
  controller.train({ ...good, hidden: ["16", "40"] });
  const before = workers.length;
  controller.changed({ ...good, cells: ["lstm", "rnn"], hidden: ["16", "40"] });
  out.restart.cellChange = {
    workers: workers.length - before, cells: controller.runs.map((r) => r.cell), terminated: workers[0].terminated,
  };
}

{ // What a run reports: weights make a model, a sample counts at the current temperature only,
  // a drawing arrives for the sampler, a diverged or failed run shows its problem.
  const { controller, workers } = make(8);
  controller.train(good);
  const [a, b] = workers;
  a.say({ type: "ready", tokens: ["<unk>", "a", "b"], parameters: 387, kernels: "WebAssembly SIMD, float32", fallback: false });
  b.say({ type: "ready", tokens: ["<unk>", "a", "b"], parameters: 1, kernels: "JavaScript, float64", fallback: true });
  out.ready = controller.runs.map((r) => [r.parameters, r.kernels, r.fallback]);
  out.noModel = controller.draw(0, {}) === null;
  const H = 16, V = 3, zeros = (n) => new Float64Array(n);
  const weights = { W_xh: zeros(V * H), W_hh: zeros(H * H), b_h: zeros(H), W_hq: zeros(H * V), b_q: zeros(V) };
  a.say({ type: "weights", step: 5, cell: "rnn", weights, sample: "at 0.8", temperature: 0.8 });
  controller.setTemperature(0.5);
  a.say({ type: "sample", sample: "late, at 0.8", temperature: 0.8 });
  a.say({ type: "sample", sample: "at 0.5", temperature: 0.5 });
  const drawing = controller.draw(0, { prefix: "ab", temperature: 1, length: 3, seed: 0 });
  a.say({ type: "drawn", id: 1, drawn: { sample: "abba" } });
  b.say({ type: "stopped", step: 7, reason: "diverged", message: "training diverged at step 7" });
  drawing.then((drawn) => {
    const run = controller.runs[0];
    out.reports = {
      model: [run.model.constructor.name, run.model.V, run.model.H, run.model.nextProbabilities("ab").length],
      sample: run.sampleText,
      drawn: drawn.sample, sentToA: a.sent, problemB: controller.runs[1].problem, trainingB: controller.runs[1].training,
    };
    a.onerror({ message: "out of memory", preventDefault() {} });
    out.reports.problemA = controller.runs[0].problem;
    controller.dispose();
    out.disposed = { terminated: workers.map((w) => w.terminated), runs: controller.runs.map((r) => [r.worker, r.step]) };
    console.log(JSON.stringify(out));
  });
}
