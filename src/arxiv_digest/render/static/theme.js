// Runs in <head>, before the first paint, so nothing jumps: the theme is the reader's saved choice, else
// the system setting (followed live while no choice is saved), and the card density is the saved one.
// The dark palette and the densities live once, in site.css.
(function () {
  var root = document.documentElement;
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function saved() {
    try {
      var t = localStorage.getItem("arxiv-digest:theme");
      return t === "dark" || t === "light" ? t : null;
    } catch (e) { return null; /* storage blocked: follow the system setting */ }
  }

  function apply() {
    root.dataset.theme = saved() || (media && media.matches ? "dark" : "light");
  }

  apply();
  try {
    var density = localStorage.getItem("arxiv-digest:density");
    if (density === "compact" || density === "titles") root.dataset.density = density;
  } catch (e) { /* storage blocked: full cards */ }
  if (media && media.addEventListener) media.addEventListener("change", apply);
})();
