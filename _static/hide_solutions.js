// The search page previews each result with text cut from that page (Sphinx's
// Search.htmlToText). Solutions to exercises are removed from the page's text first, so that a
// preview never shows part of a solution the reader has not opened (_ext/exercises.py).
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined") return; // only the search page loads searchtools.js
  const htmlToText = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const page = new DOMParser().parseFromString(htmlString, "text/html");
    page.querySelectorAll(".solution").forEach((solution) => solution.remove());
    return htmlToText(page.documentElement.outerHTML, anchor);
  };
});
