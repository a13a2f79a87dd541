// The link to this page in the book's other edition (English or 中文), at the start of the
// page's header buttons; _ext/editions.py writes where it leads into a <meta> tag.
document.addEventListener("DOMContentLoaded", () => {
  const meta = document.querySelector('meta[name="charrnn-other-edition"]');
  if (!meta) return;
  const link = document.createElement("a");
  link.className = "charrnn-edition btn btn-sm";
  link.href = meta.content;
  link.hreflang = meta.dataset.language;
  link.lang = meta.dataset.language;
  link.textContent = meta.dataset.label;
  link.title = meta.dataset.language === "en" ? "Read this page in English" : "阅读本页的中文版";
  const buttons = document.querySelector(".article-header-buttons");
  if (buttons) buttons.prepend(link);
  else document.body.prepend(link);
});

// In an edition with its own words for the panels (the Chinese one defines charrnn.translations),
// the stored ipywidgets panels are translated as the widget manager draws them. A widget may
// write its words after it is placed (a button's label, a readout), so every change inside a
// widget sends the whole widget through again; words already translated match nothing.
document.addEventListener("DOMContentLoaded", () => {
  if (!globalThis.charrnn?.translations || !charrnn.translatePanel) return;
  new MutationObserver((changes) => {
    const widgets = new Set();
    for (const { target } of changes) {
      const element = target.nodeType === Node.ELEMENT_NODE ? target : target.parentElement;
      const widget = element?.closest(".jupyter-widgets");
      if (widget) widgets.add(widget);
      element?.querySelectorAll(".jupyter-widgets").forEach((inner) => widgets.add(inner));
    }
    widgets.forEach(charrnn.translatePanel);
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
  document.querySelectorAll(".jupyter-widgets").forEach(charrnn.translatePanel);
});
