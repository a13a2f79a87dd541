// The in-page trainer's training step, timed in a Web Worker after the "node" bundle
// (benchmarks/bench.py --page): random windows, loss and gradients, clipping at 1, Adam.
onmessage = ({ data: { text, H, B, T, warmup, steps } }) => {
  const data = charrnn.prepareText(text, { numSteps: T });
  const model = new charrnn.RNN(data.tokens.length, H, { random: charrnn.seededRandom(0) });
  const optimizer = new charrnn.Adam(0.01), random = charrnn.seededRandom(1);
  const inputs = new Int32Array(T * B), targets = new Int32Array(T * B);
  let start = 0, loss = 0;
  for (let step = 0; step < warmup + steps; step++) {
    if (step === warmup) start = performance.now();
    charrnn.randomWindows(data.train, B, T, random, inputs, targets);
    loss = model.lossAndGradients(inputs, targets, B, T);
    model.clipGradients(1);
    optimizer.step(model);
  }
  postMessage({ seconds: (performance.now() - start) / 1000, loss });
};
