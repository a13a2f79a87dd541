// The in-page trainer made by charrnn.live.LiveTrainer: the view. Two runs side by side, each
// training in its own Web Worker, their perplexity curves on one plot, a sample from each that
// refreshes as they learn, and chapter 4's sampler on either model. What the runs do is
// charrnn.TrainerController's (train_controller.js); this file reads the reader's input, shows
// the controller's state and draws. The worker's scripts are the panel's script block of type
// text/plain, and run from a Blob, so the panel works from file://, in the built book, in Jupyter
// and in Colab's output frame alike.
globalThis.charrnn = globalThis.charrnn || {};

charrnn.RUN_COLOURS = ["#1f6fc5", "#d9640b"];

charrnn.mountTrainer = function (root, data) {
  charrnn.translatePanel(root);
  const $ = (selector) => root.querySelector(selector);
  const message = $(".charrnn-message");
  const canvas = $(".charrnn-curves");
  const sampleTemperature = $('[name="sample-temperature"]');
  const part = (index, selector) => $(`.charrnn-run[data-run="${index}"] ${selector}`);
  // A run's cell and hidden size, in words: those it trains with, or before it starts, those chosen.
  // The cell's name is its option's (charrnn.live.CELLS names them).
  const modelShown = (run) => {
    const cell = run.key ? run.cell : part(run.index, '[name="cell"]').value;
    return charrnn.say("{cell}, hidden {size}", {
      cell: part(run.index, `[name="cell"] option[value="${cell}"]`).textContent,
      size: run.key ? run.hidden : part(run.index, '[name="hidden"]').value,
    });
  };

  let workerUrl = null;
  function makeWorker() {
    workerUrl = workerUrl || URL.createObjectURL(new Blob([$(".charrnn-trainer-worker").textContent],
      { type: "text/javascript" }));
    return new Worker(workerUrl);
  }
  const controller = new charrnn.TrainerController(data, {
    makeWorker, cores: navigator.hardwareConcurrency || 1, notify,
  });
  const { runs } = controller;
  controller.setTemperature(Number(sampleTemperature.value));

  // What the controller reports, shown.
  function notify(event, run) {
    if (event === "point") drawCurves();
    else if (event === "sample") part(run.index, ".charrnn-run-sample").textContent = charrnn.visible(run.sampleText);
    else if (event === "weights" && Number($('[name="run"]').value) === run.index) redrawSampler();
    else if (event === "done") root.dispatchEvent(new CustomEvent("charrnn-done", { detail: run.index }));
    showStatus(run);
  }

  // A long pasted text is kept here, not in the box: a browser lays out all of a text box's text,
  // and 3 MB of it would hold the page up for most of a second. The box says what was pasted;
  // typing in it, or pasting a shorter text, replaces it.
  let longPaste = null;
  const box = $('[name="own"]');

  // What the reader asked for, as typed; the controller checks it.
  function asked() {
    return {
      own: $('[name="source"][value="own"]').checked, ownText: longPaste ?? box.value,
      lr: $('[name="lr"]').value, numSteps: $('[name="numSteps"]').value, batchSize: $('[name="batchSize"]').value,
      cells: runs.map((run) => part(run.index, '[name="cell"]').value),
      hidden: runs.map((run) => part(run.index, '[name="hidden"]').value),
    };
  }
  // Runs `act`; an InputError becomes the panel's message. Whether `act` went through.
  function attempt(act) {
    try {
      act();
    } catch (error) {
      if (!(error instanceof charrnn.InputError)) throw error;
      message.textContent = error.message;
      return false;
    }
    return true;
  }
  function train(maxSteps) {
    message.textContent = "";
    return attempt(() => controller.train(asked(), maxSteps));
  }
  function pause() {
    controller.pause();
  }
  function reset() {
    controller.reset();
    for (const run of runs) part(run.index, ".charrnn-run-sample").textContent = "";
    message.textContent = "";
    drawCurves();
    redrawSampler();
    runs.forEach(showStatus);
  }
  // A setting moved: while training, the runs it concerns start again at once.
  function changed() {
    attempt(() => { message.textContent = controller.changed(asked()); });
  }

  // Each setting is a slider and a box that follow each other; the box takes typed values,
  // which the controller checks against the slider's range when training starts.
  function pairUp(slider, box, log) {
    const fromSlider = (v) => (log ? Number((10 ** v).toPrecision(2)) : v);
    slider.addEventListener("input", () => { box.value = fromSlider(Number(slider.value)); changed(); });
    box.addEventListener("change", () => {
      const v = Number(box.value);
      if (Number.isFinite(v) && v > 0) slider.value = log ? Math.log10(v) : v;
      changed();
    });
  }
  for (const run of runs) pairUp(part(run.index, '[name="hidden-slider"]'), part(run.index, '[name="hidden"]'), false);
  for (const [name, log] of [["lr", true], ["numSteps", false], ["batchSize", false]]) {
    pairUp($(`[name="${name}-slider"]`), $(`[name="${name}"]`), log);
  }
  $(".charrnn-train").addEventListener("click", () => train());
  $(".charrnn-pause").addEventListener("click", pause);
  $(".charrnn-reset").addEventListener("click", reset);
  for (const input of root.querySelectorAll('[name="source"], [name="own"], [name="cell"]')) {
    input.addEventListener("change", changed);
  }

  box.addEventListener("paste", (event) => {
    const text = event.clipboardData?.getData("text/plain") ?? "";
    if (text.length < charrnn.LONG_PASTE) return void (longPaste = null);
    event.preventDefault();
    longPaste = text;
    box.value = charrnn.say("(a pasted text of {count} characters, not shown here: type or paste to replace it)",
      { count: text.length.toLocaleString("en") });
    $('[name="source"][value="own"]').checked = true;
    changed();
  });
  box.addEventListener("input", () => { longPaste = null; });
  sampleTemperature.addEventListener("input", () => {
    const temperature = Number(sampleTemperature.value);
    $(".charrnn-sample-temperature").textContent = temperature.toFixed(2);
    controller.setTemperature(temperature);
  });

  if (controller.takeTurns) {
    const note = document.createElement("div");
    note.className = "charrnn-turns";
    note.textContent = charrnn.say("This machine has {cores} cores, so the runs take turns and the page " +
      "keeps a core: each run's characters/s counts its own turns.", { cores: navigator.hardwareConcurrency || 1 });
    canvas.after(note);
  }

  function showStatus(run) {
    const say = charrnn.say, status = part(run.index, ".charrnn-run-status");
    const parts = [modelShown(run)];
    if (run.parameters) parts.push(say("{count} parameters", { count: run.parameters.toLocaleString("en") }));
    if (run.kernels) parts.push(say(run.kernels));
    if (run.worker) parts.push(say("step {step}", { step: run.step.toLocaleString("en") }));
    if (run.tokensPerSecond) {
      const speed = Math.round(run.tokensPerSecond).toLocaleString("en");
      parts.push(say(controller.takeTurns ? "{speed} characters/s in its turns" : "{speed} characters/s", { speed }));
    }
    const last = run.points[run.points.length - 1];
    if (last?.train) parts.push(say("training {perplexity}", { perplexity: last.train.toFixed(2) }));
    if (last) parts.push(say("held-out {perplexity}", { perplexity: last.heldOut.toFixed(2) }));
    status.replaceChildren(say("{run}: {details}", { run: run.label, details: parts.join(say(" · ")) }));
    if (run.fallback) {
      const note = document.createElement("div");
      note.className = "charrnn-turns";
      note.textContent = say("This browser cannot run WebAssembly SIMD, so this run trains on the readable " +
        "JavaScript in float64, several times slower.");
      status.append(note);
    }
    if (run.problem) {
      const problem = document.createElement("div");
      problem.className = "charrnn-error";
      problem.textContent = run.problem;
      status.append(problem);
    }
  }
  // The status lines follow the runs; once the panel has left the page (its output cleared, its
  // cell run again), the timer and the workers end with it.
  const ticker = setInterval(() => {
    if (!root.isConnected) {
      clearInterval(ticker);
      controller.dispose();
      if (workerUrl) URL.revokeObjectURL(workerUrl);
      return;
    }
    runs.forEach(showStatus);
  }, 250);

  const redrawSampler = charrnn.wireSampler($(".charrnn-sampler"),
    (settings) => controller.draw(Number($('[name="run"]').value), settings),
    "press Train: the sampler draws from the chosen run as it learns");
  $('[name="run"]').addEventListener("change", redrawSampler);

  // The chart's text alternative follows it: the latest figures of both runs.
  function drawCurves() {
    charrnn.drawPerplexityCurves(canvas, runs, modelShown);
    canvas.setAttribute("aria-label", curvesInWords());
  }
  function curvesInWords() {
    const say = charrnn.say;
    const latest = runs.map((run) => {
      const last = run.points[run.points.length - 1];
      const model = modelShown(run);
      if (!last) return say("{run}, {model}: not trained yet", { run: run.label, model });
      const figures = { run: run.label, model, step: last.step.toLocaleString("en"), heldOut: last.heldOut.toFixed(2) };
      return last.train
        ? say("{run}, {model}, step {step}: training {train}, held-out {heldOut}",
          { ...figures, train: last.train.toFixed(2) })
        : say("{run}, {model}, step {step}: held-out {heldOut}", figures);
    });
    return say("training and held-out perplexity of both runs: {latest}", { latest: latest.join(say("; ")) });
  }
  drawCurves();
  runs.forEach(showStatus);
  root.charrnnTrainer = { controller, runs, train, pause, reset, takeTurns: controller.takeTurns };
};

// Training (solid) and held-out (dashed) perplexity against characters trained, both runs.
// The x axis is logarithmic: a small run trains many times more characters per second than a
// large one, and on a linear axis the large run's curve would be squeezed against the left.
// The y axis is linear from zero.
charrnn.drawPerplexityCurves = function (canvas, runs, modelShown) {
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
    g.strokeStyle = g.fillStyle = charrnn.RUN_COLOURS[i];
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
    const legend = "{run}, {model}: training ───, held-out - - -";
    g.fillText(charrnn.say(legend, { run: run.label, model: modelShown(run) }), right, top + 14 + 16 * i);
  });

  function niceCeiling(v) {
    const step = 10 ** Math.floor(Math.log10(v));
    return [1, 2, 2.5, 5, 10].map((m) => m * step).find((c) => c >= v);
  }
  function shortNumber(v) {
    if (v >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
    if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
    return `${+v.toFixed(2)}`;
  }
};
