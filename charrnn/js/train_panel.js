// The in-page trainer made by charrnn.live.LiveTrainer: two runs side by side, each training in
// its own Web Worker (train_worker.js), their perplexity curves on one plot, a sample from each
// that refreshes as they learn, and chapter 4's sampler on either model. Needs random.js,
// words.js, sampler.js and trainer.js (to check the text as the worker will); the worker's source arrives
// as text and runs from a Blob, so the panel works from file://, in the built book, in Jupyter
// and in Colab's output frame alike.
globalThis.charrnn = globalThis.charrnn || {};

charrnn.RUN_COLOURS = ["#1f6fc5", "#d9640b"];

charrnn.mountTrainer = function (root, data) {
  charrnn.translatePanel(root);
  const $ = (selector) => root.querySelector(selector);
  const message = $(".charrnn-message");
  const canvas = $(".charrnn-curves");
  const sampleTemperature = $('[name="sample-temperature"]');

  // Each setting is a slider and a box that follow each other; the box takes typed values,
  // which are checked against the slider's range when training starts.
  function pairUp(name, log) {
    const slider = $(`[name="${name}-slider"]`), box = $(`[name="${name}"]`);
    const fromSlider = (v) => (log ? Number((10 ** v).toPrecision(2)) : v);
    slider.addEventListener("input", () => { box.value = fromSlider(Number(slider.value)); changed(); });
    box.addEventListener("change", () => {
      const v = Number(box.value);
      if (Number.isFinite(v) && v > 0) slider.value = log ? Math.log10(v) : v;
      changed();
    });
  }
  function read(name, box) {
    const { label, min, max, integer } = data.ranges[name], text = box.value.trim(), v = Number(text);
    if (text === "" || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
      const rule = integer ? "{label} must be a whole number from {min} to {max}, got {got}"
        : "{label} must be a number from {min} to {max}, got {got}";
      const values = { label: charrnn.say(label), min, max, got: JSON.stringify(box.value) };
      throw new charrnn.InputError(charrnn.say(rule, values));
    }
    return v;
  }

  const runs = data.runs.map((spec, index) => {
    const element = $(`.charrnn-run[data-run="${index}"]`);
    return {
      index, element, label: charrnn.say(["run A", "run B"][index]), colour: charrnn.RUN_COLOURS[index],
      hiddenBox: element.querySelector('[name="hidden"]'),
      status: element.querySelector(".charrnn-run-status"),
      sample: element.querySelector(".charrnn-run-sample"),
      worker: null, key: null, points: [], model: null, tokens: null, step: 0,
      tokensPerSecond: null, training: false, problem: "",
    };
  });
  for (const run of runs) {
    const slider = run.element.querySelector('[name="hidden-slider"]');
    slider.addEventListener("input", () => { run.hiddenBox.value = slider.value; changed(); });
    run.hiddenBox.addEventListener("change", () => { slider.value = run.hiddenBox.value; changed(); });
  }
  pairUp("lr", true);
  pairUp("numSteps", false);
  pairUp("batchSize", false);

  // What the reader asked for, checked; an InputError names the first thing that is wrong.
  function settings() {
    const own = $('[name="source"][value="own"]').checked;
    const text = own ? $('[name="own"]').value : data.text;
    const shared = {};
    for (const name of ["lr", "numSteps", "batchSize"]) shared[name] = read(name, $(`[name="${name}"]`));
    if (own) {
      if (!text) throw new charrnn.InputError(charrnn.say("paste a text into the box first"));
      // Refuses a text too short to train on, as the worker would. (The book always passes; it is
      // not read here, which would hold up the page for a tenth of a second.)
      charrnn.prepareText(text, { numSteps: shared.numSteps, maxHeldOut: data.maxHeldOut });
    }
    return { text, own, ...shared, hidden: runs.map((run) => read("hidden", run.hiddenBox)) };
  }

  function stopWorker(run) {
    if (run.worker) run.worker.terminate();
    if (turnHolder === run) turnHolder = null;
    Object.assign(run, { worker: null, key: null, points: [], model: null, step: 0, tokens: null });
    Object.assign(run, { tokensPerSecond: null, training: false, problem: "" });
  }

  // A fresh worker for `run`, set up with `chosen`; its messages drive the page.
  function startWorker(run, chosen, key) {
    stopWorker(run);
    run.key = key;
    run.hidden = chosen.hidden[run.index];
    run.prefix = chosen.own ? Array.from(chosen.text).slice(0, 12).join("") : data.prefix;
    run.worker = new Worker(workerUrl);
    run.worker.onmessage = ({ data: m }) => handlers[m.type](run, m);
    run.worker.onerror = (event) => {
      event.preventDefault();
      fail(run, charrnn.say("the training worker stopped: {problem}", { problem: event.message }));
    };
    run.worker.postMessage({
      type: "setup", text: chosen.text, maxHeldOut: data.maxHeldOut, hidden: run.hidden, lr: chosen.lr,
      numSteps: chosen.numSteps, batchSize: chosen.batchSize, seed: data.seed,
      prefix: run.prefix, temperature: Number(sampleTemperature.value), translations: charrnn.translations,
    });
  }

  const handlers = {
    ready(run, m) { run.tokens = m.tokens; },
    point(run, m) { run.points.push(m); drawCurves(); },
    progress(run, m) {
      Object.assign(run, { step: m.step, tokensPerSecond: m.tokensPerSecond });
      if (turnHolder === run) giveTurn(run);
    },
    weights(run, m) {
      run.model = new charrnn.CharRNN({ tokens: run.tokens, num_hiddens: run.hidden, nonlinearity: "tanh", ...m.weights });
      handlers.sample(run, m);
      if (Number($('[name="run"]').value) === run.index) redrawSampler();
    },
    stopped(run, m) {
      run.training = false;
      run.step = m.step;
      if (m.reason === "diverged") run.problem = m.message;
      if (m.reason === "done") root.dispatchEvent(new CustomEvent("charrnn-done", { detail: run.index }));
      if (turnHolder === run) giveTurn(run);
    },
    // The worker's sample for the run, unless the temperature has moved since (a new one is coming).
    sample(run, m) {
      if (m.temperature === Number(sampleTemperature.value)) run.sample.textContent = m.sample;
    },
    drawn(run, m) {
      drawings.get(m.id)?.(m.drawn);
      drawings.delete(m.id);
    },
    error(run, m) { fail(run, m.message); },
  };
  function fail(run, text) {
    run.training = false;
    run.problem = text;
    showStatus(run);
    if (turnHolder === run) giveTurn(run);
  }

  // Two workers that never rest need two cores. With fewer than three, the page's own thread
  // would wait for a core (on 2 cores a 10 ms timer on the page was held up by 100 ms at times),
  // so the runs take turns: one worker trains a slice, then the next, and a core stays free.
  const takeTurns = (navigator.hardwareConcurrency || 1) < runs.length + 1;
  let turnHolder = null; // the run whose worker may train a slice now, when taking turns
  if (takeTurns) {
    const note = document.createElement("div");
    note.className = "charrnn-turns";
    note.textContent = charrnn.say("This machine has {cores} cores, so the runs take turns and the page " +
      "keeps a core: each run's characters/s counts its own turns.", { cores: navigator.hardwareConcurrency || 1 });
    canvas.after(note);
  }
  // The turn goes to the next run after `after` that is training (itself, if it is the only one).
  function giveTurn(after) {
    turnHolder = null;
    for (let k = 1; k <= runs.length; k++) {
      const run = runs[(after.index + k) % runs.length];
      if (run.training) {
        turnHolder = run;
        return void run.worker.postMessage({ type: "turn" });
      }
    }
  }

  let wanted = false; // the reader pressed Train and has not paused since
  let workerUrl = null;

  // Start (or go on with) both runs; a run whose settings changed starts again from scratch.
  function train(maxSteps) {
    let chosen;
    try {
      chosen = settings();
    } catch (error) {
      if (!(error instanceof charrnn.InputError)) throw error;
      message.textContent = error.message;
      pause();
      return false;
    }
    message.textContent = "";
    workerUrl = workerUrl || URL.createObjectURL(new Blob([data.worker], { type: "text/javascript" }));
    wanted = true;
    for (const run of runs) {
      const key = JSON.stringify([chosen.text, chosen.lr, chosen.numSteps, chosen.batchSize, chosen.hidden[run.index]]);
      if (run.key !== key || run.problem) startWorker(run, chosen, key);
      run.training = true;
      run.worker.postMessage({ type: "train", maxSteps, turns: takeTurns });
    }
    if (takeTurns && !turnHolder) giveTurn(runs[runs.length - 1]);
    return true;
  }
  function pause() {
    wanted = false;
    for (const run of runs) if (run.training) run.worker.postMessage({ type: "pause" });
  }
  function reset() {
    wanted = false;
    for (const run of runs) {
      stopWorker(run);
      run.sample.textContent = "";
    }
    message.textContent = "";
    drawCurves();
    redrawSampler();
  }
  // A setting moved: while training, the runs it concerns start again at once.
  function changed() {
    if (wanted) train();
    else if (runs.some((run) => run.worker)) message.textContent = charrnn.say("settings changed: Train starts again");
  }

  $(".charrnn-train").addEventListener("click", () => train());
  $(".charrnn-pause").addEventListener("click", pause);
  $(".charrnn-reset").addEventListener("click", reset);
  for (const input of root.querySelectorAll('[name="source"], [name="own"]')) input.addEventListener("change", changed);
  sampleTemperature.addEventListener("input", () => {
    const temperature = Number(sampleTemperature.value);
    $(".charrnn-sample-temperature").textContent = temperature.toFixed(2);
    for (const run of runs) if (run.worker) run.worker.postMessage({ type: "temperature", temperature });
  });

  function showStatus(run) {
    const say = charrnn.say;
    const parts = [say("hidden {size}", { size: run.hidden ?? run.hiddenBox.value })];
    if (run.worker) parts.push(say("step {step}", { step: run.step.toLocaleString("en") }));
    if (run.tokensPerSecond) {
      const speed = Math.round(run.tokensPerSecond).toLocaleString("en");
      parts.push(say(takeTurns ? "{speed} characters/s in its turns" : "{speed} characters/s", { speed }));
    }
    const last = run.points[run.points.length - 1];
    if (last?.train) parts.push(say("training {perplexity}", { perplexity: last.train.toFixed(2) }));
    if (last) parts.push(say("held-out {perplexity}", { perplexity: last.heldOut.toFixed(2) }));
    run.status.replaceChildren(`${run.label}: ${parts.join(" · ")}`);
    if (run.problem) {
      const problem = document.createElement("div");
      problem.className = "charrnn-error";
      problem.textContent = run.problem;
      run.status.append(problem);
    }
  }
  setInterval(() => runs.forEach(showStatus), 250);

  const samplerRoot = $(".charrnn-sampler");
  // The sampler draws in the chosen run's worker, from the weights it last sent: at hidden 256 a
  // drawing takes tens of milliseconds that the page's thread cannot spare.
  const drawings = new Map(); // id -> the function that takes the drawing
  let drawingId = 0;
  function drawInWorker(settings) {
    const run = runs[Number($('[name="run"]').value)];
    if (!run.model) return null;
    const id = ++drawingId;
    run.worker.postMessage({ type: "draw", id, settings });
    return new Promise((resolve) => drawings.set(id, resolve));
  }
  const redrawSampler = charrnn.wireSampler(samplerRoot, drawInWorker,
    "press Train: the sampler draws from the chosen run as it learns");
  $('[name="run"]').addEventListener("change", redrawSampler);

  // Training (solid) and held-out (dashed) perplexity against characters trained, both runs.
  // The x axis is logarithmic: a small run trains many times more characters per second than a
  // large one, and on a linear axis the large run's curve would be squeezed against the left.
  // The y axis is linear from zero.
  function drawCurves() {
    const scale = window.devicePixelRatio || 1, width = canvas.clientWidth || 600, height = canvas.clientHeight || 260;
    canvas.width = width * scale;
    canvas.height = height * scale;
    const g = canvas.getContext("2d");
    g.setTransform(scale, 0, 0, scale, 0, 0);
    g.clearRect(0, 0, width, height);
    const left = 48, right = width - 12, top = 12, bottom = height - 36;
    const points = runs.flatMap((run) => run.points).filter((p) => p.tokens > 0);
    const V = Math.max(2, ...runs.map((run) => (run.tokens ? run.tokens.length : 2)));
    const values = points.flatMap((p) => [p.train, p.heldOut]).filter((v) => v !== null && v <= 2 * V);
    const decades = points.map((p) => Math.log10(p.tokens));
    const xLow = Math.floor(Math.min(4, ...decades)), xHigh = Math.max(xLow + 1, Math.ceil(Math.max(...decades)));
    const yMax = niceCeiling(Math.max(1, ...values));
    const x = (tokens) => left + ((right - left) * (Math.log10(tokens) - xLow)) / (xHigh - xLow);
    const y = (v) => bottom - ((bottom - top) * Math.min(v, yMax)) / yMax;

    g.font = "12px sans-serif";
    g.strokeStyle = g.fillStyle = "#555";
    g.lineWidth = 1;
    g.beginPath();
    g.moveTo(left, top);
    g.lineTo(left, bottom);
    g.lineTo(right, bottom);
    g.stroke();
    g.textAlign = "center";
    for (let d = xLow; d <= xHigh; d++) g.fillText(shortNumber(10 ** d), x(10 ** d), bottom + 14);
    g.textAlign = "right";
    for (let i = 0; i <= 4; i++) g.fillText(shortNumber((yMax * i) / 4), left - 4, y((yMax * i) / 4) + 4);
    g.textAlign = "center";
    g.fillText(charrnn.say("characters trained (log scale)"), (left + right) / 2, height - 4);
    g.save();
    g.translate(12, (top + bottom) / 2);
    g.rotate(-Math.PI / 2);
    g.fillText(charrnn.say("perplexity"), 0, 0);
    g.restore();

    runs.forEach((run, i) => {
      g.strokeStyle = g.fillStyle = run.colour;
      g.lineWidth = 2;
      for (const [field, dash] of [["train", []], ["heldOut", [6, 4]]]) {
        const line = run.points.filter((p) => p.tokens > 0 && p[field] !== null);
        g.setLineDash(dash);
        g.beginPath();
        line.forEach((p, k) => (k ? g.lineTo : g.moveTo).call(g, x(p.tokens), y(p[field])));
        g.stroke();
      }
      g.setLineDash([]);
      g.textAlign = "right";
      const hidden = run.hidden ?? run.hiddenBox.value;
      const legend = "{run}, hidden {size}: training ───, held-out - - -";
      g.fillText(charrnn.say(legend, { run: run.label, size: hidden }), right, top + 14 + 16 * i);
    });
  }
  function niceCeiling(v) {
    const step = 10 ** Math.floor(Math.log10(v));
    return [1, 2, 2.5, 5, 10].map((m) => m * step).find((c) => c >= v);
  }
  function shortNumber(v) {
    if (v >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
    if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
    return `${+v.toFixed(2)}`;
  }

  drawCurves();
  runs.forEach(showStatus);
  root.charrnnTrainer = { runs, train, pause, reset, takeTurns };
};
