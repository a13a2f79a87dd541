// Names for the controls the Jupyter widget manager draws from a page's stored widgets. A slider's
// handle is a <div role="slider"> beside the slider's label, and nothing ties the two together:
// as the widgets are drawn (and drawn again), the handle is labelled by its label.
document.addEventListener("DOMContentLoaded", () => {
  let next = 0;
  function name(root) {
    root.querySelectorAll(".widget-slider").forEach((slider) => {
      const label = slider.querySelector(".widget-label");
      const handle = slider.querySelector('[role="slider"]');
      if (!label || !handle || handle.hasAttribute("aria-labelledby")) return;
      label.id = label.id || `charrnn-widget-label-${next++}`;
      handle.setAttribute("aria-labelledby", label.id);
    });
  }
  new MutationObserver((changes) => {
    for (const { target } of changes) {
      const element = target.nodeType === Node.ELEMENT_NODE ? target : target.parentElement;
      const widgets = element?.closest(".widget-subarea");
      if (widgets) name(widgets);
    }
  }).observe(document.body, { childList: true, subtree: true });
  name(document);
});
