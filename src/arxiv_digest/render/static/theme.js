// Runs in <head>, before the first paint: the theme is the reader's saved choice, else the system
// setting (followed live while no choice is saved). The dark palette lives once, in site.css.
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
  if (media && media.addEventListener) media.addEventListener("change", apply);
})();
