// The words the in-page panels show, in the page's language. The book's Chinese edition defines
// charrnn.translations (English -> Chinese, from locale/zh_CN/panels.json) before any panel runs;
// everywhere else (the English edition, Jupyter, Colab) the panels speak English.
globalThis.charrnn = globalThis.charrnn || {};

// `text` in the page's language, its {name} placeholders filled from `values`.
charrnn.say = function (text, values = {}) {
  const said = charrnn.translations?.[text] ?? text;
  return said.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
};

// The panel's own markup (labels, buttons, placeholders, alt text) in the page's language. A key
// with {name} placeholders matches any text in their place, which the translation then keeps.
charrnn.translatePanel = function (root) {
  const translations = charrnn.translations;
  if (!translations) return;
  const patterns = Object.keys(translations).map((key) => {
    const names = [...key.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const source = key.split(/\{\w+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&")).join("(.+?)");
    return { key, names, pattern: new RegExp(`^${source}$`) };
  }).sort((a, b) => b.key.length - a.key.length); // longest first: "hidden size {size} (...)" wins
  function translate(text) {
    const trimmed = text.replace(/\s+/g, " ").trim();
    // A word of the table is itself ("hidden size" is not "hidden {size}" with size = "size").
    if (Object.hasOwn(translations, trimmed)) return translations[trimmed];
    for (const { key, names, pattern } of patterns) {
      const match = trimmed.match(pattern);
      // What fills a placeholder is translated too when it is a word of the table ("space").
      const value = (i) => translations[match[i + 1]] ?? match[i + 1];
      if (match) return charrnn.say(key, Object.fromEntries(names.map((name, i) => [name, value(i)])));
    }
    return null;
  }
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest("script, style, pre, textarea")) continue;
    const said = node.textContent.trim() && translate(node.textContent);
    if (said) node.textContent = node.textContent.replace(/\S[\s\S]*\S|\S/, said);
  }
  for (const element of [root, ...root.querySelectorAll("[placeholder], [aria-label], [title], [alt]")]) {
    for (const name of ["placeholder", "aria-label", "title", "alt"]) {
      const said = element.hasAttribute(name) && translate(element.getAttribute(name));
      if (said) element.setAttribute(name, said);
    }
  }
};
