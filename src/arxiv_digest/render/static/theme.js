// Runs in <head>, before the first paint: apply the reader's saved theme so the page never flashes.
(function () {
  try {
    var t = localStorage.getItem("arxiv-digest:theme");
    if (t === "dark" || t === "light") document.documentElement.dataset.theme = t;
  } catch (e) { /* storage blocked: follow the system setting */ }
})();
