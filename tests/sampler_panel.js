// The live sampler panel (charrnn/js/sampler.js) in Node, on just enough of a DOM to mount it:
// types each prefix into the panel and prints, as JSON, what a reader would then see.
//   node tests/sampler_panel.js WEIGHTS.json PREFIX...
const fs = require("fs");
const path = require("path");

globalThis.window = globalThis;
const js = path.join(__dirname, "..", "charrnn", "js");
for (const file of require(path.join(js, "bundles.json")).sampler) require(path.join(js, file));

// An element keeps its text, its children (a string child is a text node) and its listeners;
// it has no innerHTML, so markup built from strings never shows up in what the test reads.
function element(value = "") {
  const classes = new Set();
  return {
    value, textContent: "", style: {}, children: [], listeners: {},
    classList: { add: (name) => classes.add(name), remove: (name) => classes.delete(name), contains: (name) => classes.has(name) },
    append(...nodes) { this.children.push(...nodes); },
    replaceChildren(...nodes) { this.children = nodes; },
    addEventListener(type, listener) { this.listeners[type] = listener; },
  };
}
globalThis.document = { createElement: () => element() };

const parts = {
  '[name="prefix"]': element("a"), '[name="temperature"]': element("1"),
  '[name="length"]': element("20"), '[name="seed"]': element("0"),
  ".charrnn-temperature": element(), ".charrnn-length": element(), ".charrnn-resample": element(),
  ".charrnn-sample": element(), ".charrnn-next": element(),
};
charrnn.mountSampler({ querySelector: (selector) => parts[selector] }, JSON.parse(fs.readFileSync(process.argv[2], "utf8")));

const text = (node) => (typeof node === "string" ? node : node.textContent);
const prefix = parts['[name="prefix"]'], sample = parts[".charrnn-sample"], next = parts[".charrnn-next"];
const seen = process.argv.slice(3).map((typed) => {
  prefix.value = typed;
  prefix.listeners.input();
  return {
    sample: sample.textContent,
    error: sample.classList.contains("charrnn-error"),
    bars: next.children.map((row) => row.children.map(text)), // [label, bar, percentage] per row
  };
});
console.log(JSON.stringify(seen));
