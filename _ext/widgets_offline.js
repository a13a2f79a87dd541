// Loaded before the Jupyter widget manager on pages with stored widgets.
(function () {
  // The manager's bundles load their icon fonts from the folder require.js says each came from;
  // unmapped, that is a folder named after the module next to the page, which does not exist.
  const manager = new URL("vendor/html-manager/", document.currentScript.src).href;
  window.require = {
    paths: {
      "@jupyter-widgets/html-manager": manager + "embed-amd",
      "@jupyter-widgets/html-manager/dist": manager.slice(0, -1),
    },
  };

  // ipywidgets 8 typesets widget labels with MathJax 2's `MathJax.Hub.Queue`; the book loads
  // MathJax 3, which has no Hub. Give every MathJax object the page gets (the configuration
  // first, then MathJax itself when it loads) a Hub that forwards to MathJax 3's typesetter.
  const hub = {
    Queue(command) {
      const element = command[2];
      const mathjax = window.MathJax;
      if (mathjax && mathjax.startup && mathjax.startup.promise) {
        mathjax.startup.promise.then(() => mathjax.typesetPromise([element]));
      }
    },
  };
  let current = window.MathJax;
  const withHub = (mathjax) => {
    if (mathjax && typeof mathjax === "object" && !mathjax.Hub) mathjax.Hub = hub;
    return mathjax;
  };
  withHub(current);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: () => current,
    set: (value) => { current = withHub(value); },
  });

  // A widget stored without a tooltip gets its labels titled "null" (the manager writes the
  // missing value as text), which the reader would see on hovering a label: take such titles off.
  new MutationObserver((changes) => {
    for (const { target } of changes) {
      if (target.nodeType !== Node.ELEMENT_NODE) continue;
      if (target.getAttribute("title") === "null") target.removeAttribute("title");
      target.querySelectorAll('[title="null"]').forEach((element) => element.removeAttribute("title"));
    }
  }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["title"] });
})();
