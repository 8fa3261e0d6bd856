// The search page: every day of the archive, results grouped by day, each linking to its card on the
// day page. The query and dates live in the URL (search.html?q=...&from=...&to=...).
(function () {
  "use strict";
  var C = window.DigestCards, $ = function (id) { return document.getElementById(id); };
  var words = JSON.parse($("digest-config").textContent).ui || {};
  var input = $("q"), from = $("from"), to = $("to"), results = $("results"), status = $("status");
  var more = $("more"), none = $("no-results"), intro = $("intro");
  var PAGE = 6;  // results rendered at a time (each needs its result file); more when the reader scrolls
  var index = null, run = 0, shown = [], hits = [], current = -1, re = null;

  // The query in the URL, shareable and kept on reload; a moment after typing stops, off the keystroke's path.
  var urlTimer = null;
  function setUrl() {
    clearTimeout(urlTimer);
    urlTimer = setTimeout(function () {
      var p = new URLSearchParams();
      if (input.value) p.set("q", input.value);
      if (from.value) p.set("from", from.value);
      if (to.value) p.set("to", to.value);
      var q = p.toString();
      try { history.replaceState(null, "", q ? "?" + q : location.pathname); } catch (e) { /* some file:// setups refuse */ }
    }, 300);
  }

  function dayGroup(day, matches) {
    var id = "day-" + day;
    var box = document.getElementById(id);
    if (box) return box.querySelector(".result-list");
    box = C.el("section", "result-day");
    box.id = id;
    var h = C.el("h2", "result-day-title");
    h.appendChild(C.link(day + ".html", "", C.longDate(day, words)));
    h.appendChild(C.el("span", "count", C.count(words, "matches", matches)));
    box.appendChild(h);
    var list = C.el("ol", "result-list");
    box.appendChild(list);
    results.appendChild(box);
    return list;
  }

  function item(r) {
    var li = C.el("li", "result");
    li.dataset.id = r.id;
    var title = C.el("h3", "result-title");
    title.appendChild(C.link(r.day + ".html#" + r.id, "txt", r.title));
    li.appendChild(title);
    li.appendChild(C.el("p", "authors", r.authors));
    if (r.tldr) li.appendChild(C.el("p", "tldr txt", r.tldr));
    var meta = C.el("p", "result-meta");
    meta.appendChild(C.el("span", "tag primary", r.category));
    meta.appendChild(C.link("https://arxiv.org/abs/" + r.id, "arxiv-id", "arXiv:" + r.id));
    li.appendChild(meta);
    if (re) C.markText(li, re, "hl");
    return li;
  }

  function painted(name) {
    requestAnimationFrame(function () { setTimeout(function () { performance.mark(name); }, 0); });
  }

  // The next PAGE hits (sorted: newest day first, best first within a day), each shown as soon as its
  // result file is in and those before it are shown. The very first result's file is asked for alone:
  // files asked for together arrive together, and the first result should not wait for the others.
  function showMore(token, before) {
    var next = hits.slice(shown.length, shown.length + PAGE), chain = Promise.resolve(), metas = [];
    var ask = function (i) { if (!metas[i]) metas[i] = index.meta(next[i]); return metas[i]; };
    next.forEach(function (h, i) {
      chain = chain.then(function () {
        if (i === 0 && !shown.length) return ask(0);
        for (var j = i; j < next.length; j++) ask(j);
        return metas[i];
      }).then(function (r) {
        if (token !== run) return;
        if (i === 0 && before) before();
        var li = item(r);
        dayGroup(r.day, h.matchesThatDay).appendChild(li);
        C.renderMath(li);
        shown.push(r);
        if (shown.length === 1) { performance.mark("digest-search-end"); painted("digest-search-painted"); }
        if (i === next.length - 1) painted("digest-search-complete");
      });
    });
    return chain.then(function () { if (token === run) more.hidden = shown.length >= hits.length; });
  }

  function search(ev) {
    var token = ++run, q = input.value.trim();
    if (ev) performance.mark("digest-search-start", { startTime: ev.timeStamp });
    setUrl();
    intro.hidden = !!q;
    if (!q) { results.textContent = ""; status.textContent = ""; none.hidden = true; more.hidden = true; return; }
    DigestSearch.open().then(function (ix) {
      index = ix;
      return ix.search(q, { from: from.value, to: to.value });
    }).then(function (res) {
      if (token !== run) return;
      re = C.queryRe(q);
      hits = res.hits.sort(function (a, b) { return a.day < b.day ? 1 : a.day > b.day ? -1 : b.score - a.score; });
      hits.forEach(function (h) { h.matchesThatDay = res.byDay[h.day]; });
      shown = []; current = -1;
      // The page changes once the first result is in: one frame for all of it, the old results meanwhile
      var swap = function () {
        results.textContent = "";
        none.hidden = res.total > 0;
        status.textContent = !res.total ? "" : C.fmt(words.found, { papers: C.count(words, "papers", res.total),
          days: C.count(words, "days", res.days) }) + (res.total > hits.length ? C.count(words, "best", hits.length) : "");
      };
      if (!hits.length) {
        swap();
        performance.mark("digest-search-end"); painted("digest-search-painted"); painted("digest-search-complete");
      }
      return showMore(token, swap);
    }).catch(function (e) {
      status.textContent = C.fmt(words.failed, { error: e.message });
    });
  }

  function focusResult(i) {
    var items = results.querySelectorAll(".result");
    if (!items.length) return;
    current = Math.max(0, Math.min(items.length - 1, i));
    items.forEach(function (x, j) { x.classList.toggle("current", j === current); });
    items[current].querySelector("a").focus({ preventScroll: true });
    items[current].scrollIntoView({ block: "nearest" });
  }

  input.addEventListener("input", search);
  from.addEventListener("change", function () { search(); });
  to.addEventListener("change", function () { search(); });
  $("search-form").addEventListener("submit", function (ev) { ev.preventDefault(); input.blur(); focusResult(0); });
  more.addEventListener("click", function () { showMore(run); });
  // More results as the reader scrolls down to them (not before: a keystroke should not wait for them).
  // The observer says when the button is near; a scroll asks for more. A button that is already near when
  // the results appear is not reported again however far the reader then scrolls, so scrolling checks too.
  var nearMore = false, loadingMore = false;
  function moreIfScrolled() {
    if (!nearMore || more.hidden || !shown.length || window.scrollY <= 0 || loadingMore) return;
    loadingMore = true;
    var done = function () { loadingMore = false; };
    showMore(run).then(done, done);
  }
  new IntersectionObserver(function (entries) { nearMore = entries[0].isIntersecting; moreIfScrolled(); },
    { rootMargin: "400px 0px" }).observe(more);
  window.addEventListener("scroll", moreIfScrolled, { passive: true });

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    var tag = ev.target.tagName;
    if (ev.target === input) { if (ev.key === "Escape") input.blur(); return; }
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    if (ev.key === "/") { input.focus(); input.select(); }
    else if (ev.key === "j") focusResult(current + 1);
    else if (ev.key === "k") focusResult(current - 1);
    else if (ev.key === "o" && current >= 0) {
      window.open("https://arxiv.org/abs/" + results.querySelectorAll(".result")[current].dataset.id, "_blank", "noopener");
    } else if (ev.key === "d" && window.digestToggleTheme) window.digestToggleTheme();
    else return;
    ev.preventDefault();
  });

  var params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  from.value = params.get("from") || "";
  to.value = params.get("to") || "";
  if (input.value) search();
  performance.mark("digest-ready");
})();
