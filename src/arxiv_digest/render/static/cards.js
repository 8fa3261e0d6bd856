// Building blocks of the archive pages (search, range, saved): elements made from data with
// textContent only (never innerHTML), <mark>s added through text nodes, math, dates, the reader's
// highlight lists, and the paper card the range view and the saved list show.
(function () {
  "use strict";

  var KEY_KW = "arxiv-digest:keywords";
  var KEY_AU = "arxiv-digest:authors";
  var DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];
  var WORD = "0-9a-z\\u00df-\\u00f6\\u00f8-\\u024f\\u0370-\\u03ff\\u0400-\\u04ff";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function link(href, cls, text) {
    var a = el("a", cls, text);
    a.href = href;
    return a;
  }

  function parseDay(iso) { var p = iso.split("-"); return new Date(Date.UTC(+p[0], +p[1] - 1, +p[2])); }

  // "Wednesday, 28 January 2026", as the day pages say it.
  function longDate(iso) {
    var d = parseDay(iso);
    return DAYS[d.getUTCDay()] + ", " + String(d.getUTCDate()).padStart(2, "0") + " " + MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear();
  }

  function shortDate(iso) {
    var d = parseDay(iso);
    return DAYS[d.getUTCDay()].slice(0, 3) + " " + d.getUTCDate() + " " + MONTHS[d.getUTCMonth()].slice(0, 3);
  }

  function addDays(iso, n) {
    var d = parseDay(iso);
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }

  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  // Words of a query as they should be marked in text: a Latin word at the start of a word, CJK as is.
  function queryRe(query) {
    var text = query.normalize("NFKC").toLowerCase();
    var parts = (text.match(new RegExp("[" + WORD + "]{2,}|[\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\uac00-\\ud7af]+", "g")) || [])
      .map(function (w) { return /^[\u3040-\uffff]/.test(w) ? escapeRe(w) : "(?<![" + WORD + "])" + escapeRe(w); });
    return parts.length ? new RegExp(parts.join("|"), "gi") : null;
  }

  // A keyword matches at the start of a word ("graph" finds "graphs", not "paragraph").
  function keywordRe(keywords) {
    var terms = keywords.map(function (k) { return k.trim(); }).filter(Boolean).map(escapeRe);
    return terms.length ? new RegExp("(?<![A-Za-z0-9])(?:" + terms.join("|") + ")", "gi") : null;
  }

  function unmark(root, cls) {
    root.querySelectorAll("mark." + cls).forEach(function (m) {
      var parent = m.parentNode;
      parent.replaceChild(document.createTextNode(m.textContent), m);
      parent.normalize();
    });
  }

  function markText(root, re, cls) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (n) {
        return n.parentNode.closest(".katex, mark") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      },
    });
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    nodes.forEach(function (node) {
      var text = node.data, last = 0, frag = null, m;
      re.lastIndex = 0;
      while ((m = re.exec(text)) !== null) {
        if (!m[0]) { re.lastIndex++; continue; }
        frag = frag || document.createDocumentFragment();
        frag.appendChild(document.createTextNode(text.slice(last, m.index)));
        frag.appendChild(el("mark", cls || "hl", m[0]));
        last = m.index + m[0].length;
      }
      if (frag) {
        frag.appendChild(document.createTextNode(text.slice(last)));
        node.parentNode.replaceChild(frag, node);
      }
    });
  }

  function renderMath(root) {
    if (window.DigestMath) window.DigestMath.render(root);  // math.js: the day page's rules for TeX
  }

  function loadList(key, fallback) {
    try {
      var raw = localStorage.getItem(key);
      if (raw !== null) {
        var v = JSON.parse(raw);
        if (Array.isArray(v)) return v.filter(function (x) { return typeof x === "string"; });
      }
    } catch (e) { /* blocked or malformed: the defaults */ }
    return (fallback || []).slice();
  }

  function saveList(key, list) {
    try { localStorage.setItem(key, JSON.stringify(list)); } catch (e) { /* this visit only */ }
  }

  function authorMatch(authors, name) {
    var n = name.toLowerCase();
    return authors.some(function (a) { a = a.trim().toLowerCase(); return a && n.indexOf(a) >= 0; });
  }

  // ---------------------------------------------------------------- the card

  var LABELS = ["Motivation", "Method", "Result", "Conclusion"];

  function details(p, lang) {
    var d = el("details", "more");
    d.appendChild(el("summary", "", "Details"));
    // the fields are made when the reader first opens it: a long range stays light
    d.addEventListener("toggle", function fill() {
      if (!d.open || d.dataset.filled) return;
      d.dataset.filled = "1";
      var dl = el("dl", "fields");
      if (lang) dl.lang = lang;
      LABELS.forEach(function (label, i) { dl.appendChild(el("dt", "", label)); dl.appendChild(el("dd", "txt", p.sum[i + 1])); });
      dl.appendChild(el("dt", "", "Abstract"));
      var abs = el("dd", "txt abstract", p.abs);
      abs.lang = "en";
      dl.appendChild(abs);
      if (p.cm) { dl.appendChild(el("dt", "", "Comments")); dl.appendChild(el("dd", "comment", p.cm)); }
      d.appendChild(dl);
      renderMath(dl);
      d.dispatchEvent(new CustomEvent("digest-filled", { bubbles: true }));
    });
    return d;
  }

  // One paper as the day page shows it (templates/_card.html), from a day file's record.
  // ui: {lang, pending, extractive} in the reader's language.
  function card(p, ui) {
    var a = el("article", "card" + (p.sum ? "" : " pending"));
    a.id = p.id;
    a.dataset.section = p.s;
    a.dataset.cats = p.c.join(" ");
    a.dataset.index = p.n;
    if (p.sc !== undefined) a.dataset.score = p.sc;
    a.tabIndex = -1;
    var head = el("div", "card-head");
    head.appendChild(el("span", "card-index", String(p.n)));
    var h = el("h3", "card-title");
    h.appendChild(link("https://arxiv.org/abs/" + p.id, "txt title-link", p.t));
    head.appendChild(h);
    a.appendChild(head);
    var au = el("p", "authors" + (p.a.length > 12 ? " long" : ""));
    if (p.a.length > 12) au.title = p.a.length + " authors: click to show all";
    p.a.forEach(function (name, i) {
      au.appendChild(el("span", "author", name));
      if (i < p.a.length - 1) au.appendChild(document.createTextNode(", "));
    });
    a.appendChild(au);
    var tags = el("div", "tags");
    p.c.forEach(function (c, i) { tags.appendChild(el("span", "tag" + (i ? "" : " primary"), c)); });
    if (p.x) tags.appendChild(el("span", "badge", "cross-list"));
    if (p.v) tags.appendChild(el("span", "badge", "updated v" + p.v));
    if (p.sc !== undefined) {
      var b = el("span", "badge score", "relevance " + p.sc.toFixed(2));
      if (p.r) b.title = p.r.join("; ");
      tags.appendChild(b);
    }
    a.appendChild(tags);
    var lang = p.ex ? "en" : ui.lang;
    if (p.sum) {
      var tl = el("p", "tldr");
      tl.appendChild(el("span", "label", "TL;DR"));
      tl.appendChild(document.createTextNode(" "));
      var t = el("span", "txt", p.sum[0]);
      if (lang) t.lang = lang;
      tl.appendChild(t);
      a.appendChild(tl);
      if (p.ex) a.appendChild(el("p", "note extractive", ui.extractive));
      a.appendChild(details(p, lang));
    } else {
      var note = el("p", "note pending-marker", ui.pending);
      note.setAttribute("role", "note");
      if (ui.lang) note.lang = ui.lang;
      if (p.f) note.title = p.f;
      a.appendChild(note);
      a.appendChild(el("p", "txt abstract", p.abs));
      if (p.cm) {
        var cm = el("p", "comment");
        cm.appendChild(el("span", "label", "Comments"));
        cm.appendChild(document.createTextNode(" " + p.cm));
        a.appendChild(cm);
      }
    }
    var nav = el("nav", "links");
    nav.setAttribute("aria-label", "Links");
    nav.appendChild(link("https://arxiv.org/abs/" + p.id, "link-abs", "abs"));
    nav.appendChild(link("https://arxiv.org/pdf/" + p.id, "link-pdf", "pdf"));
    nav.appendChild(link("https://arxiv.org/html/" + p.id, "link-html", "html"));
    if (p.code) nav.appendChild(link(p.code, "link-code", "code"));
    nav.appendChild(el("span", "arxiv-id", "arXiv:" + p.id));
    a.appendChild(nav);
    return a;
  }

  // Everything searchable in a record, lowercased (what the day page's search looks through).
  function haystack(p) {
    return [p.id, p.t].concat(p.a, [p.abs], p.sum || []).join("\n").toLowerCase();
  }

  window.DigestCards = {
    card: card, haystack: haystack,
    KEY_KW: KEY_KW, KEY_AU: KEY_AU,
    el: el, link: link, longDate: longDate, shortDate: shortDate, addDays: addDays, parseDay: parseDay,
    queryRe: queryRe, keywordRe: keywordRe, markText: markText, unmark: unmark, renderMath: renderMath,
    loadList: loadList, saveList: saveList, authorMatch: authorMatch,
  };
})();
