// The in-page trainer's training step, timed in a Web Worker after the "node" bundle
// (benchmarks/bench.py --page): random windows, loss and gradients, clipping at 1, Adam, as
// train_worker.js runs it. `kernels`: "wasm" (float32 WebAssembly SIMD, what the page runs where
// it can) or "plain" (the readable float64 JavaScript: model.js's RNN, or cells.js on plain
// kernels for the GRU and the LSTM).
onmessage = ({ data: { text, cell, kernels, H, B, T, warmup, steps } }) => {
  const data = charrnn.prepareText(text, { numSteps: T });
  const random = charrnn.seededRandom(0);
  const fast = kernels === "wasm" ? charrnn.wasmKernels() : null;
  if (kernels === "wasm" && !fast) throw new Error("this browser cannot run WebAssembly SIMD");
  const model = fast ? new charrnn.Cell(cell, data.tokens.length, H, { kernels: fast, random })
    : charrnn.readableModel(cell, data.tokens, H, null, random);
  const optimizer = new charrnn.Adam(0.01), windows = charrnn.seededRandom(1);
  const inputs = new Int32Array(T * B), targets = new Int32Array(T * B);
  let start = 0, loss = 0;
  for (let step = 0; step < warmup + steps; step++) {
    if (step === warmup) start = performance.now();
    charrnn.randomWindows(data.train, B, T, windows, inputs, targets);
    loss = model.lossAndGradients(inputs, targets, B, T);
    model.clipGradients(1);
    optimizer.step(model);
  }
  postMessage({ seconds: (performance.now() - start) / 1000, loss });
};
