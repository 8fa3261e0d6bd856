// Shared by every page: the dark-mode toggle. The choice is saved in localStorage; without one the
// page follows prefers-color-scheme (see theme.js).
(function () {
  "use strict";
  var KEY = "arxiv-digest:theme";
  var root = document.documentElement;
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function current() {
    return root.dataset.theme || (media && media.matches ? "dark" : "light");
  }

  function toggle() {
    var next = current() === "dark" ? "light" : "dark";
    root.dataset.theme = next;
    try { localStorage.setItem(KEY, next); } catch (e) { /* not saved; still applied */ }
    sync();
  }

  function sync() {
    var btn = document.getElementById("theme-toggle");
    if (btn) btn.setAttribute("aria-pressed", current() === "dark" ? "true" : "false");
  }

  var btn = document.getElementById("theme-toggle");
  if (btn) btn.addEventListener("click", toggle);
  if (media && media.addEventListener) media.addEventListener("change", sync);
  sync();
  window.digestToggleTheme = toggle;
})();
