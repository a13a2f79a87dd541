// The in-page trainer's logic, with no DOM: the reader's settings checked, two runs each in its
// own Web Worker (train_worker.js), turns for the workers on a machine with few cores, and what
// each run has reported. The panel (train_panel.js) reads the reader's input, shows this state
// and draws the curves; the tests drive this class in Node with stand-in workers.
globalThis.charrnn = globalThis.charrnn || {};

charrnn.TrainerController = class TrainerController {
  // `data`: the panel's data (text, maxHeldOut, prefix, seed, ranges, runs). `makeWorker()`: a
  // new Worker running the "trainer-worker" scripts. `cores`: navigator.hardwareConcurrency.
  // `notify(event, run)`: something the panel shows has changed ("point", "sample", "weights",
  // "status", "done").
  constructor(data, { makeWorker, cores = 1, notify = () => {} }) {
    Object.assign(this, { data, makeWorker, notify });
    this.runs = data.runs.map((spec, index) => ({
      index, label: charrnn.say(["run A", "run B"][index]), cell: spec.cell, hidden: spec.hidden,
      ...TrainerController.fresh(),
    }));
    // Two workers that never rest need two cores. With fewer than three, the page's own thread
    // would wait for a core (on 2 cores a 10 ms timer on the page was held up by 100 ms at
    // times), so the runs take turns: one worker trains a slice, then the next.
    this.takeTurns = cores < this.runs.length + 1;
    this.turnHolder = null; // the run whose worker may train a slice now, when taking turns
    this.wanted = false; // the reader pressed Train and has not paused since
    this.temperature = 0.8; // of the runs' samples
    this.drawings = new Map(); // id -> the function that takes the sampler's drawing
    this.drawingId = 0;
  }

  // What a run knows before it has trained at all.
  static fresh() {
    return {
      worker: null, key: null, text: null, points: [], model: null, tokens: null, step: 0, tokensPerSecond: null,
      training: false, problem: "", sampleText: "", preparing: false, waiting: null,
      parameters: null, kernels: null, fallback: false, // what the worker reports when ready
    };
  }

  // `typed` (a setting as the reader typed it), checked against its range in data.ranges.
  read(name, typed) {
    const { label, min, max, integer } = this.data.ranges[name], text = String(typed).trim(), v = Number(text);
    if (text === "" || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
      const rule = integer ? "{label} must be a whole number from {min} to {max}, got {got}"
        : "{label} must be a number from {min} to {max}, got {got}";
      const values = { label: charrnn.say(label), min, max, got: JSON.stringify(String(typed)) };
      throw new charrnn.InputError(charrnn.say(rule, values));
    }
    return v;
  }

  // What the reader asked for, checked: `asked` is {own, ownText, lr, numSteps, batchSize,
  // cells: [one per run], hidden: [one per run]}, as typed or chosen. An InputError names the
  // first thing that is wrong.
  settings(asked) {
    const text = asked.own ? asked.ownText : this.data.text;
    const shared = {};
    for (const name of ["lr", "numSteps", "batchSize"]) shared[name] = this.read(name, asked[name]);
    if (asked.own) {
      if (!text) throw new charrnn.InputError(charrnn.say("paste a text into the box first"));
      // Refuses a text too short or too long to train on, in the same short time for any text.
      charrnn.checkTextQuickly(text, { numSteps: shared.numSteps, maxHeldOut: this.data.maxHeldOut });
    }
    for (const cell of asked.cells) {
      if (!charrnn.CELLS.includes(cell)) {
        throw new charrnn.InputError(charrnn.say("cell must be one of {cells}, got {got}",
          { cells: charrnn.CELLS.join(", "), got: JSON.stringify(cell) }));
      }
    }
    return {
      text, own: asked.own, ...shared, cells: asked.cells, hidden: asked.hidden.map((typed) => this.read("hidden", typed)),
    };
  }

  // Start (or go on with) both runs; a run whose settings changed starts again from scratch.
  // Throws an InputError, having paused, if a setting cannot be used.
  train(asked, maxSteps) {
    let chosen;
    try {
      chosen = this.settings(asked);
    } catch (error) {
      this.pause();
      throw error;
    }
    this.wanted = true;
    for (const run of this.runs) {
      // The text is compared as it is, not copied into the key: it may be megabytes long.
      const key = JSON.stringify([chosen.lr, chosen.numSteps, chosen.batchSize, chosen.cells[run.index],
        chosen.hidden[run.index]]);
      if (run.key !== key || run.text !== chosen.text || run.problem) this.start(run, chosen, key);
      run.training = true;
      this.post(run, { type: "train", maxSteps, turns: this.takeTurns });
    }
    if (this.takeTurns && !this.turnHolder) this.giveTurn(this.runs[this.runs.length - 1]);
  }

  pause() {
    this.wanted = false;
    for (const run of this.runs) if (run.training) this.post(run, { type: "pause" });
  }

  reset() {
    this.wanted = false;
    for (const run of this.runs) this.stop(run);
  }

  // A setting moved: while training, the runs it concerns start again at once (this throws as
  // train does); otherwise, what the panel should say ("" if nothing).
  changed(asked) {
    if (this.wanted) this.train(asked);
    else if (this.runs.some((run) => run.worker || run.waiting)) return charrnn.say("settings changed: Train starts again");
    return "";
  }

  // The temperature of the runs' samples; each worker sends its sample again.
  setTemperature(temperature) {
    this.temperature = temperature;
    for (const run of this.runs) if (run.worker || run.waiting) this.post(run, { type: "temperature", temperature });
  }

  // Chapter 4's sampler on run `index`, drawn in its worker from the weights it last sent (at
  // hidden 256 a drawing takes tens of milliseconds that the page's thread cannot spare): a
  // promise of what charrnn.drawSampler gives, or null while the run has no model.
  draw(index, settings) {
    const run = this.runs[index];
    if (!run.model) return null;
    const id = ++this.drawingId;
    this.post(run, { type: "draw", id, settings });
    return new Promise((resolve) => this.drawings.set(id, resolve));
  }

  // End every worker: the panel has gone (its output was cleared or its cell run again).
  dispose() {
    this.reset();
    this.drawings.clear();
  }

  stop(run) {
    if (run.worker) run.worker.terminate();
    if (this.turnHolder === run) this.turnHolder = null;
    const wasPreparing = run.preparing;
    Object.assign(run, TrainerController.fresh());
    if (wasPreparing) this.prepareNext();
  }

  // A message for `run`'s worker, or for its queue while it waits to prepare its text.
  post(run, message) {
    if (run.waiting) run.waiting.push(message);
    else run.worker.postMessage(message);
  }

  // On a machine with few cores the workers prepare their texts one after another (a 3 MB text
  // takes a worker a second), and no run trains meanwhile, so that the page's own thread keeps
  // a core: the next waiting run gets its setup, and what was queued behind it, once no other
  // run is preparing; once none is, the turns start.
  prepareNext() {
    if (this.runs.some((run) => run.preparing)) return;
    const next = this.runs.find((run) => run.waiting);
    if (next) this.prepare(next);
    else if (this.takeTurns && !this.turnHolder) this.giveTurn(this.runs[this.runs.length - 1]);
  }

  // A fresh worker for `run`, given its setup and what was queued behind it; its messages drive
  // the run.
  prepare(run) {
    const worker = (run.worker = this.makeWorker());
    // Only the run's current worker speaks for it: not one stopped since.
    worker.onmessage = ({ data: m }) => run.worker === worker && this.handle(run, m);
    worker.onerror = (event) => {
      event.preventDefault?.();
      if (run.worker !== worker) return;
      this.fail(run, charrnn.say("the training worker stopped: {problem}", { problem: event.message }));
    };
    const queued = run.waiting;
    Object.assign(run, { waiting: null, preparing: true });
    for (const message of queued) worker.postMessage(message);
  }

  // Start `run` afresh with `chosen`: its setup waits in its queue until prepare() gives it a
  // worker (at once, or after the other run's, on few cores).
  start(run, chosen, key) {
    this.stop(run);
    run.key = key;
    run.cell = chosen.cells[run.index];
    run.hidden = chosen.hidden[run.index];
    run.prefix = chosen.own ? charrnn.firstCharacters(chosen.text, 12) : this.data.prefix;
    const { text, lr, numSteps, batchSize } = chosen;
    run.text = text;
    run.waiting = [{
      type: "setup", text, maxHeldOut: this.data.maxHeldOut, cell: run.cell, hidden: run.hidden, lr, numSteps, batchSize,
      seed: this.data.seed, prefix: run.prefix, temperature: this.temperature, translations: charrnn.translations,
    }];
    if (this.takeTurns) this.prepareNext();
    else this.prepare(run); // with cores to spare, every run prepares its text at once
  }

  // A message from `run`'s worker (train_worker.js lists them).
  handle(run, m) {
    if ((m.type === "ready" || m.type === "error") && run.preparing) {
      run.preparing = false;
      this.prepareNext();
    }
    if (m.type === "ready") {
      Object.assign(run, { tokens: m.tokens, parameters: m.parameters, kernels: m.kernels, fallback: m.fallback });
    }
    else if (m.type === "point") {
      run.points.push(m);
      this.notify("point", run);
    } else if (m.type === "progress") {
      Object.assign(run, { step: m.step, tokensPerSecond: m.tokensPerSecond });
      if (this.turnHolder === run) this.giveTurn(run);
    } else if (m.type === "weights") {
      run.model = charrnn.readableModel(m.cell, run.tokens, run.hidden, m.weights);
      this.takeSample(run, m);
      this.notify("weights", run);
    } else if (m.type === "sample") this.takeSample(run, m);
    else if (m.type === "stopped") {
      Object.assign(run, { training: false, step: m.step });
      if (m.reason === "diverged") run.problem = m.message;
      if (this.turnHolder === run) this.giveTurn(run);
      this.notify(m.reason === "done" ? "done" : "status", run);
    } else if (m.type === "drawn") {
      this.drawings.get(m.id)?.(m.drawn);
      this.drawings.delete(m.id);
    } else if (m.type === "error") this.fail(run, m.message);
  }

  // The worker's sample for the run, unless the temperature has moved since (a new one is coming).
  takeSample(run, m) {
    if (m.temperature !== this.temperature) return;
    run.sampleText = m.sample;
    this.notify("sample", run);
  }

  fail(run, text) {
    Object.assign(run, { training: false, problem: text });
    if (this.turnHolder === run) this.giveTurn(run);
    this.notify("status", run);
  }

  // The turn goes to the next run after `after` that is training (itself, if it is the only one),
  // unless a worker is preparing its text (prepareNext gives the turn then).
  giveTurn(after) {
    this.turnHolder = null;
    if (this.runs.some((run) => run.preparing || run.waiting)) return;
    for (let k = 1; k <= this.runs.length; k++) {
      const run = this.runs[(after.index + k) % this.runs.length];
      if (run.training) {
        this.turnHolder = run;
        return void this.post(run, { type: "turn" });
      }
    }
  }
};
