// A hidden unit's activation over a passage, as the background colour of each character:
// red for positive, blue for negative, white for zero. The slider picks the unit.
globalThis.charrnn = globalThis.charrnn || {}; // after words.js

charrnn.mountUnitHeatmap = function (root, data) {
  charrnn.translatePanel(root);
  // Activations arrive as int8 (activation * 127, row-major: character by unit), base64.
  const bytes = Uint8Array.from(atob(data.activations), (c) => c.charCodeAt(0));
  const activations = new Int8Array(bytes.buffer), units = data.num_units;
  const slider = root.querySelector('input[name="unit"]'), label = root.querySelector(".charrnn-unit");
  const passage = root.querySelector(".charrnn-passage");
  const cells = [...data.text].map((char) => {
    const cell = document.createElement("span");
    cell.textContent = char;
    passage.appendChild(cell);
    return cell;
  });
  function colour(a) { // a in [-1, 1]
    const fade = Math.round(255 * (1 - 0.7 * Math.abs(a))); // never so dark that the text is hard to read
    return a >= 0 ? `rgb(255, ${fade}, ${fade})` : `rgb(${fade}, ${fade}, 255)`;
  }
  function show(unit) {
    slider.value = unit;
    const found = data.matches.filter((m) => m.unit === unit).map((m) => `${charrnn.say(m.feature)}, r = ${m.r.toFixed(2)}`);
    label.textContent = charrnn.say("unit {unit}", { unit }) + (found.length ? ` (${found.join("; ")})` : "");
    cells.forEach((cell, t) => {
      const a = activations[t * units + unit] / 127;
      cell.style.background = colour(a);
      cell.title = `${charrnn.say("unit {unit}", { unit })}: ${a.toFixed(2)}`;
    });
  }
  slider.addEventListener("input", () => show(Number(slider.value)));
  root.querySelectorAll("button[data-unit]").forEach((button) =>
    button.addEventListener("click", () => show(Number(button.dataset.unit))));
  show(Number(slider.value));
};
