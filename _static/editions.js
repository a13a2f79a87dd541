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
