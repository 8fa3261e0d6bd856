// The paper card, one implementation for every page that shows cards (the day page, day.js; the range
// view, range.js): the server renders it (templates/_card.html) with its body and details in inert
// <template>s; this brings them in when needed (math through math.js), searches and highlights them,
// keeps the read state (readstate.js) and adds the reader's own buttons (saved.js). It never builds HTML
// from data: it moves the templates' nodes in, toggles attributes and classes, and wraps matches in
// <mark>s through text nodes. Below that, the small helpers the archive pages share.
(function () {
  "use strict";

  var KEY_KW = "arxiv-digest:keywords";
  var KEY_AU = "arxiv-digest:authors";
  var root = document.documentElement;

  // ---------------------------------------------------------------- helpers

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

  function fmt(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }

  // 12345 -> "12,345". Not toLocaleString: its first call loads the locale data, 40 ms on a search's path.
  function num(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }

  // A {n} phrase from the page's words, with the singular where there is one (render/ui.py's count).
  function count(words, key, n, fallback) {
    var text = (n === 1 && words[key + "_one"]) || words[key] || fallback || "{n}";
    return fmt(text, { n: typeof n === "number" ? num(n) : n });
  }

  function parseDay(iso) { var p = iso.split("-"); return new Date(Date.UTC(+p[0], +p[1] - 1, +p[2])); }

  function addDays(iso, n) {
    var d = parseDay(iso);
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }

  // "Wednesday, 28 January 2026" or "2026年1月28日 星期三": the server's long_date (render/ui.py), with the
  // words of the page's config (date, weekdays from Monday, months).
  function longDate(iso, words) {
    var d = parseDay(iso), w = words || {};
    var days = w.weekdays || ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    var months = w.months || ["January", "February", "March", "April", "May", "June", "July", "August", "September",
      "October", "November", "December"];
    return fmt(w.date || "{weekday}, {d} {month} {y}", { weekday: days[(d.getUTCDay() + 6) % 7], d: d.getUTCDate(),
      m: d.getUTCMonth() + 1, month: months[d.getUTCMonth()], y: d.getUTCFullYear() });
  }

  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  var WORD = "0-9a-z\\u00df-\\u00f6\\u00f8-\\u024f\\u0370-\\u03ff\\u0400-\\u04ff";
  var CJK = "\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\uac00-\\ud7af";

  // The words of a query as they are marked in results: a Latin word at the start of a word, CJK as is.
  function queryRe(query) {
    var text = query.normalize("NFKC").toLowerCase();
    var parts = (text.match(new RegExp("[" + WORD + "]{2,}|[" + CJK + "]+", "g")) || []).map(function (w) {
      return new RegExp("^[" + CJK + "]").test(w) ? escapeRe(w) : "(?<![" + WORD + "])" + escapeRe(w);
    });
    return parts.length ? new RegExp(parts.join("|"), "gi") : null;
  }

  // A keyword matches at the start of a word ("graph" finds "graphs", not "paragraph").
  function keywordRe(keywords) {
    var terms = keywords.map(function (k) { return k.trim(); }).filter(Boolean).map(escapeRe);
    return terms.length ? new RegExp("(?<![A-Za-z0-9])(?:" + terms.join("|") + ")", "gi") : null;
  }

  function unmark(node, cls) {
    var marks = node.querySelectorAll("mark." + (cls || "hl"));
    for (var i = 0; i < marks.length; i++) {
      var m = marks[i], parent = m.parentNode;
      parent.replaceChild(document.createTextNode(m.textContent), m);
      parent.normalize();
    }
  }

  function markText(node, re, cls) {
    var walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT, {
      acceptNode: function (n) {
        return n.parentNode.closest(".katex, mark") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      },
    });
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    nodes.forEach(function (textNode) {
      var text = textNode.data, last = 0, frag = null, m;
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
        textNode.parentNode.replaceChild(frag, textNode);
      }
    });
  }

  function renderMath(node) { if (window.DigestMath) window.DigestMath.render(node); }

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
    try { localStorage.setItem(key, JSON.stringify(list)); } catch (e) { /* kept for this visit only */ }
  }

  // One entry a line, without repeats (case-insensitive).
  function lines(text) {
    var seen = new Set(), out = [];
    text.split(/\n/).forEach(function (l) {
      l = l.trim();
      if (l && !seen.has(l.toLowerCase())) { seen.add(l.toLowerCase()); out.push(l); }
    });
    return out;
  }

  // ---------------------------------------------------------------- the reader's highlights

  // The keywords and authors to highlight: the browser's lists, else the config's (the profile's).
  var hl = { keywords: [], authors: [], re: null, defaults: { keywords: [], authors: [] } };

  function readLists(defaults) {
    if (defaults) hl.defaults = { keywords: defaults.keywords || [], authors: defaults.authors || [] };
    hl.keywords = loadList(KEY_KW, hl.defaults.keywords);
    hl.authors = loadList(KEY_AU, hl.defaults.authors);
    hl.re = keywordRe(hl.keywords);
  }

  function saveLists(keywords, authors) {
    saveList(KEY_KW, keywords);
    saveList(KEY_AU, authors);
    readLists();
  }

  function authorMatch(name) {
    var n = name.toLowerCase();
    for (var i = 0; i < hl.authors.length; i++) {
      var a = hl.authors[i].trim().toLowerCase();
      if (a && n.indexOf(a) >= 0) return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- cards

  // A card element -> the state the pages keep about it. `day` is the day it was announced.
  function item(cardEl, order, day) {
    var score = parseFloat(cardEl.dataset.score);
    var title = cardEl.querySelector(".title-link");
    return {
      el: cardEl, id: cardEl.id, order: order, home: cardEl.parentNode, section: cardEl.dataset.section,
      score: isNaN(score) ? -Infinity : score, day: day, title: title ? title.textContent : cardEl.id,
      visible: true, hl: false, hydrated: false, hay: null, whyEl: null,
    };
  }

  // The card's elements matching sel, whether on the page or still in its templates.
  function parts(node, sel, out) {
    out = out || [];
    Array.prototype.push.apply(out, node.querySelectorAll(sel));
    var templates = node.querySelectorAll("template");
    for (var i = 0; i < templates.length; i++) parts(templates[i].content, sel, out);
    return out;
  }

  // A lowercase haystack of everything searchable, taken before KaTeX touches the text.
  function hay(it) {
    if (it.hay === null) {
      var texts = [it.id];
      parts(it.el, ".txt, .author").forEach(function (n) { texts.push(n.textContent); });
      it.hay = texts.join("\n").toLowerCase();
    }
    return it.hay;
  }

  // What saved.js keeps of a paper.
  function record(it) {
    return { id: it.id, title: it.title, day: it.day,
      authors: parts(it.el, ".author").map(function (a) { return a.textContent; }),
      categories: parts(it.el, ".tag").map(function (t) { return t.textContent; }) };
  }

  // The card's body comes in when it nears the screen: math, <mark>s, the reader's buttons.
  function hydrate(it) {
    if (it.hydrated) return;
    hay(it);
    it.hydrated = true;
    var tpl = it.el.querySelector("template.card-body");
    if (tpl) it.el.replaceChild(tpl.content, tpl);
    renderMath(it.el);
    if (it.hl) markCard(it);
    if (window.DigestSaved && it.day) window.DigestSaved.decorate(it.el, record(it));
  }

  // The details come in when the reader opens them.
  function fillDetails(details, it) {
    var tpl = details.querySelector("template.card-details");
    if (!tpl) return;
    details.replaceChild(tpl.content, tpl);
    renderMath(details);
    if (it && it.hl) markCard(it);
  }

  function markCard(it) {
    unmark(it.el);
    if (!hl.re || !it.hl) return;
    var nodes = it.el.querySelectorAll(".txt");
    for (var i = 0; i < nodes.length; i++) markText(nodes[i], hl.re);
  }

  // Marks the card (and its matching authors) and says why on the card: the match may be in the
  // collapsed details, where the reader would not see a <mark>.
  function classify(it) {
    var why = [];
    parts(it.el, ".author").forEach(function (a) {
      var hit = hl.authors.length > 0 && authorMatch(a.textContent);
      a.classList.toggle("hl-author", hit);
      if (hit) why.push(a.textContent);
    });
    if (hl.re) {
      hl.re.lastIndex = 0;
      (hay(it).match(hl.re) || []).forEach(function (k) { if (why.indexOf(k) < 0) why.push(k); });
    }
    it.hl = why.length > 0;
    it.el.classList.toggle("has-hl", it.hl);
    if (it.whyEl) { it.whyEl.remove(); it.whyEl = null; }
    if (it.hl) {
      it.whyEl = el("span", "badge hl-why", "\u2605 " + why.join(", "));
      parts(it.el, ".tags")[0].appendChild(it.whyEl);
    }
    if (it.hydrated) markCard(it);
  }

  function markRead(it) {
    if (!it || !window.DigestRead) return;
    window.DigestRead.markRead(it.id);
    it.el.classList.add("read");
  }

  function showRead(it) { if (window.DigestRead && window.DigestRead.isRead(it.id)) it.el.classList.add("read"); }

  function density() { return root.dataset.density || "full"; }

  // Open a paper: its details on a full card, the whole card in the compact densities.
  function toggleOpen(it) {
    hydrate(it);
    markRead(it);
    if (density() !== "full") {
      it.el.classList.toggle("open");
      return;
    }
    var details = it.el.querySelector("details.more");
    if (!details) return;
    if (!details.open) fillDetails(details, it);
    details.open = !details.open;
  }

  // The keys every page of cards shares (o, Enter / Space, ?, d); true when `key` was one of them.
  function cardKey(key, it, onControl) {
    switch (key) {
      case "o":
        if (!it) return false;
        markRead(it);
        window.open(it.el.querySelector(".title-link").href, "_blank", "noopener");
        return true;
      case "Enter":
      case " ":
        if (onControl || !it) return false;
        toggleOpen(it);
        return true;
      case "?": document.getElementById("help").showModal(); return true;
      case "d": if (window.digestToggleTheme) window.digestToggleTheme(); return true;
      default: return false;
    }
  }

  // A page's keys: `handle(key, onControl)` for a key pressed outside a text field or an open dialog
  // (true when it used the key); in the search box Escape leaves it and Enter goes to the first paper
  // (`first()`).
  function onKeys(search, first, handle) {
    document.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
      var tag = ev.target.tagName;
      if (ev.target === search) {
        if (ev.key === "Escape") { search.blur(); ev.preventDefault(); }
        if (ev.key === "Enter") { search.blur(); first(); ev.preventDefault(); }
        return;
      }
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || ev.target.isContentEditable) return;
      if (document.querySelector("dialog[open]")) return;  // the dialog handles its own keys (Esc closes it)
      if (handle(ev.key, tag === "A" || tag === "BUTTON" || tag === "SUMMARY")) ev.preventDefault();
    });
  }

  // The keys of a list of cards (the day page, the range view): `act` moves (step, nextUnread), cycles the
  // density, goes to the previous or next page, and says which card is current; the rest is cardKey's.
  function listKeys(search, act) {
    onKeys(search, function () { act.step(1); }, function (key, onControl) {
      switch (key) {
        case "j": act.step(1); break;
        case "k": act.step(-1); break;
        case "n": act.nextUnread(); break;
        case "c": act.cycleDensity(); break;
        case "[": act.go("prev"); break;
        case "]": act.go("next"); break;
        case "/": search.focus(); search.select(); break;
        default: return cardKey(key, act.current(), onControl);
      }
      return true;
    });
  }

  // ---------------------------------------------------------------- a day's card file

  // A day file's cards (archive/days-2/<day>.js: templates/_card.html, gzipped, base64) -> their markup.
  // The browser's own DecompressionStream unpacks them.
  function gunzip(b64) {
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
  }

  // The server's own markup (escaped there), parsed inert in a <template>: its fragment and its cards.
  function parseCards(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    var els = Array.prototype.filter.call(tpl.content.children, function (e) { return e.matches("article.card"); });
    return { fragment: tpl.content, cards: els };
  }

  window.DigestCards = {
    gunzip: gunzip, parseCards: parseCards,
    KEY_KW: KEY_KW, KEY_AU: KEY_AU,
    el: el, link: link, fmt: fmt, num: num, count: count, parseDay: parseDay, addDays: addDays, longDate: longDate,
    queryRe: queryRe, keywordRe: keywordRe, markText: markText, unmark: unmark, renderMath: renderMath,
    loadList: loadList, saveList: saveList, lines: lines,
    hl: hl, readLists: readLists, saveLists: saveLists, authorMatch: authorMatch,
    item: item, parts: parts, hay: hay, record: record, hydrate: hydrate, fillDetails: fillDetails,
    markCard: markCard, classify: classify, markRead: markRead, showRead: showRead, density: density,
    toggleOpen: toggleOpen, cardKey: cardKey, onKeys: onKeys, listKeys: listKeys,
  };
})();
