// The saved papers page: every paper starred on any day (newest first), grouped by the day it was
// announced, with exports for BibTeX and for the profile, and the papers marked "not for me".
(function () {
  "use strict";
  var C = window.DigestCards, S = window.DigestSaved, $ = function (id) { return document.getElementById(id); };
  var words = JSON.parse($("digest-config").textContent).ui || {};

  function item(r, dismissed) {
    var li = C.el("li", "result");
    li.dataset.id = r.id;
    var h = C.el("h3", "result-title");
    h.appendChild(C.link(r.day + ".html#" + r.id, "txt", r.title || r.id));
    li.appendChild(h);
    if (r.authors && r.authors.length) li.appendChild(C.el("p", "authors", r.authors.join(", ")));
    var meta = C.el("p", "result-meta");
    (r.categories || []).slice(0, 1).forEach(function (c) { meta.appendChild(C.el("span", "tag primary", c)); });
    meta.appendChild(C.link("https://arxiv.org/abs/" + r.id, "arxiv-id", "arXiv:" + r.id));
    meta.appendChild(C.el("span", "hint", C.fmt(dismissed ? words.dismissed_on : words.saved_on, { d: r.at.slice(0, 10) })));
    var undo = C.el("button", "btn act-remove", dismissed ? words.undo : words.remove);
    undo.type = "button";
    undo.addEventListener("click", function () { if (dismissed) S.undismiss(r.id); else S.unsave(r.id); show(); });
    meta.appendChild(undo);
    if (!dismissed) {
      var cite = C.el("button", "btn act-copy", words.copy_bibtex);
      cite.type = "button";
      cite.addEventListener("click", function () {
        S.copy(S.bibtex([r])).then(function () { cite.textContent = words.copied; }, function () { cite.textContent = words.copy_failed; });
      });
      meta.appendChild(cite);
    }
    li.appendChild(meta);
    return li;
  }

  function show() {
    var saved = S.saved(), dismissed = S.dismissed(), box = $("saved");
    box.textContent = "";
    var byDay = {};
    saved.forEach(function (r) { (byDay[r.day] = byDay[r.day] || []).push(r); });
    Object.keys(byDay).sort().reverse().forEach(function (day) {
      var sec = C.el("section", "result-day");
      var h = C.el("h2", "result-day-title");
      h.appendChild(C.link(day + ".html", "", C.longDate(day, words)));
      h.appendChild(C.el("span", "count", String(byDay[day].length)));
      sec.appendChild(h);
      var ol = C.el("ol", "result-list");
      byDay[day].forEach(function (r) { ol.appendChild(item(r, false)); });
      sec.appendChild(ol);
      box.appendChild(sec);
    });
    C.renderMath(box);
    $("saved-lede").textContent = saved.length ? C.count(words, "saved_count", saved.length) : words.saved_none;
    $("export-bibtex").disabled = !saved.length;
    $("export-feedback").disabled = !saved.length && !dismissed.length;
    $("dismissed-box").hidden = !dismissed.length;
    $("dismissed-count").textContent = String(dismissed.length);
    var dl = $("dismissed");
    dl.textContent = "";
    dismissed.forEach(function (r) { dl.appendChild(item(r, true)); });
  }

  $("export-bibtex").addEventListener("click", function () {
    S.download("arxiv-digest-saved.bib", S.bibtex(S.saved()), "application/x-bibtex");
    $("status").textContent = C.fmt(words.downloaded, { file: "arxiv-digest-saved.bib" });
  });
  $("export-feedback").addEventListener("click", function () {
    S.download("arxiv-digest-feedback.json", JSON.stringify(S.feedback(), null, 2) + "\n", "application/json");
    $("status").textContent = C.fmt(words.downloaded, { file: "arxiv-digest-feedback.json" });
  });
  S.onChange(show);
  show();
  performance.mark("digest-ready");
})();
