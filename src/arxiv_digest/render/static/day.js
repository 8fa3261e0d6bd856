// One day's page: search, category filter, highlighting, sorting, keyboard navigation, KaTeX.
// The cards arrive rendered and escaped by the server. This script never builds HTML from data: it
// only toggles attributes and classes, and wraps matches in <mark> elements through text nodes.
(function () {
  "use strict";
  performance.mark("digest-init");

  var KEY_KW = "arxiv-digest:keywords";
  var KEY_AU = "arxiv-digest:authors";
  var config = JSON.parse(document.getElementById("digest-config").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var search = $("search");
  var sortSel = $("sort");
  var onlyHl = $("only-hl");
  var sectionsBox = $("sections");
  var rankedBox = $("ranked");
  var status = $("status");
  var noResults = $("no-results");
  var chips = Array.prototype.slice.call(document.querySelectorAll(".filter-row .chip[data-filter]"));
  var sections = Array.prototype.slice.call(document.querySelectorAll(".cat-section"));
  var sectionCounts = {};  // category -> the count elements (section heading, TOC) to keep current
  document.querySelectorAll(".cat-section, .toc a[data-cat]").forEach(function (el) {
    var cat = el.dataset.cat;
    (sectionCounts[cat] = sectionCounts[cat] || []).push(el.querySelector(".count"));
  });

  // ---------------------------------------------------------------- storage

  function load(key, fallback) {
    try {
      var raw = localStorage.getItem(key);
      if (raw !== null) {
        var v = JSON.parse(raw);
        if (Array.isArray(v)) return v.filter(function (x) { return typeof x === "string"; });
      }
    } catch (e) { /* blocked or malformed: use the defaults */ }
    return fallback.slice();
  }

  function save(key, list) {
    try { localStorage.setItem(key, JSON.stringify(list)); } catch (e) { /* kept for this visit only */ }
  }

  var keywords = load(KEY_KW, config.keywords || []);
  var authors = load(KEY_AU, config.authors || []);

  // ---------------------------------------------------------------- the index (built once)

  // Per card: a lowercase haystack of everything searchable, computed before KaTeX touches the text.
  var items = Array.prototype.slice.call(document.querySelectorAll("#sections .card")).map(function (el, i) {
    var parts = [el.id];
    var texts = el.querySelectorAll(".txt, .author");
    for (var j = 0; j < texts.length; j++) parts.push(texts[j].textContent);
    var score = parseFloat(el.dataset.score);
    return {
      el: el, order: i, home: el.parentNode, section: el.dataset.section,
      hay: parts.join("\n").toLowerCase(),
      authorEls: Array.prototype.slice.call(el.querySelectorAll(".author")),
      details: el.querySelector("details"),
      abs: el.querySelector(".link-abs").href,
      score: isNaN(score) ? -Infinity : score,
      visible: true, hl: false, hydrated: false, whyEl: null,
    };
  });
  var total = items.length;

  // ---------------------------------------------------------------- math (KaTeX, text nodes only)

  var MATH = {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
    ],
    throwOnError: false,
    trust: false,   // no \href, \url, \includegraphics, \htmlClass...: TeX from arXiv cannot make links or HTML
    strict: "ignore",
    maxExpand: 200,
  };

  function renderMath(root) {
    if (typeof window.renderMathInElement !== "function") return;  // KaTeX missing: plain TeX stays readable
    var nodes = root.querySelectorAll(".txt");
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i].textContent.indexOf("$") >= 0 || nodes[i].textContent.indexOf("\\") >= 0) {
        window.renderMathInElement(nodes[i], MATH);
      }
    }
  }

  // ---------------------------------------------------------------- highlighting

  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  // A keyword matches at the start of a word ("graph" finds "graphs", not "paragraph").
  function keywordRe() {
    var terms = keywords.map(function (k) { return k.trim(); }).filter(Boolean).map(escapeRe);
    return terms.length ? new RegExp("(?<![A-Za-z0-9])(?:" + terms.join("|") + ")", "gi") : null;
  }

  var kwRe = keywordRe();

  function authorMatch(name) {
    var n = name.toLowerCase();
    for (var i = 0; i < authors.length; i++) {
      var a = authors[i].trim().toLowerCase();
      if (a && n.indexOf(a) >= 0) return true;
    }
    return false;
  }

  function unmark(root) {
    var marks = root.querySelectorAll("mark.hl");
    for (var i = 0; i < marks.length; i++) {
      var m = marks[i], parent = m.parentNode;
      parent.replaceChild(document.createTextNode(m.textContent), m);
      parent.normalize();
    }
  }

  function markText(root, re) {
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
        var mark = document.createElement("mark");
        mark.className = "hl";
        mark.textContent = m[0];
        frag.appendChild(mark);
        last = m.index + m[0].length;
      }
      if (frag) {
        frag.appendChild(document.createTextNode(text.slice(last)));
        node.parentNode.replaceChild(frag, node);
      }
    });
  }

  function markCard(item) {
    unmark(item.el);
    if (!kwRe || !item.hl) return;
    var nodes = item.el.querySelectorAll(".txt");
    for (var i = 0; i < nodes.length; i++) markText(nodes[i], kwRe);
  }

  // Marks the card (and its matching authors) and says why on the card: the match may be in the
  // collapsed details, where the reader would not see a <mark>.
  function classify(item) {
    var why = [];
    for (var i = 0; i < item.authorEls.length; i++) {
      var name = item.authorEls[i].textContent;
      var hit = authors.length > 0 && authorMatch(name);
      item.authorEls[i].classList.toggle("hl-author", hit);
      if (hit) why.push(name);
    }
    if (kwRe) {
      kwRe.lastIndex = 0;
      var found = item.hay.match(kwRe) || [];
      found.forEach(function (k) { if (why.indexOf(k) < 0) why.push(k); });
    }
    item.hl = why.length > 0;
    item.el.classList.toggle("has-hl", item.hl);
    if (item.whyEl) { item.whyEl.remove(); item.whyEl = null; }
    if (item.hl) {
      item.whyEl = document.createElement("span");
      item.whyEl.className = "badge hl-why";
      item.whyEl.textContent = "\u2605 " + why.join(", ");
      item.el.querySelector(".tags").appendChild(item.whyEl);
    }
  }

  function refreshHighlights() {
    kwRe = keywordRe();
    items.forEach(function (item) {
      classify(item);
      if (item.hydrated) markCard(item);
    });
  }

  // Cards get their math and <mark>s when they come near the viewport: a 600-paper day stays fast.
  function hydrate(item) {
    if (item.hydrated) return;
    item.hydrated = true;
    renderMath(item.el);
    if (item.hl) markCard(item);
  }

  var byEl = new Map(items.map(function (it) { return [it.el, it]; }));
  var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (en) {
      if (en.isIntersecting) { hydrate(byEl.get(en.target)); observer.unobserve(en.target); }
    });
  }, { rootMargin: "600px 0px" }) : null;

  // ---------------------------------------------------------------- filtering

  var activeCats = new Set();
  var current = null;

  function apply() {
    var terms = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var only = onlyHl.checked;
    var counts = {}, shown = 0;
    for (var i = 0; i < items.length; i++) {
      var it = items[i];
      var ok = (activeCats.size === 0 || activeCats.has(it.section)) && (!only || it.hl);
      for (var t = 0; ok && t < terms.length; t++) ok = it.hay.indexOf(terms[t]) >= 0;
      if (ok !== it.visible) { it.el.hidden = !ok; it.visible = ok; }
      if (ok) { counts[it.section] = (counts[it.section] || 0) + 1; shown++; }
    }
    sections.forEach(function (s) { s.hidden = !counts[s.dataset.cat]; });
    Object.keys(sectionCounts).forEach(function (cat) {
      var n = String(counts[cat] || 0);
      sectionCounts[cat].forEach(function (el) {
        if (!el || el.textContent === n) return;
        el.textContent = n;
        el.parentNode.classList.toggle("empty-cat", n === "0");
      });
    });
    status.textContent = shown === total ? "" : shown + " of " + total + " papers";
    noResults.hidden = shown > 0;
    if (current && !current.visible) setCurrent(null);
  }

  search.addEventListener("input", function (ev) {
    // Keystroke latency, for benchmarks/site_bench.py: from the event to the filtered list painted.
    performance.mark("digest-search-start", { startTime: ev.timeStamp });
    apply();
    performance.mark("digest-search-end");
    requestAnimationFrame(function () {
      setTimeout(function () { performance.mark("digest-search-painted"); }, 0);
    });
  });

  chips.forEach(function (chip) {
    chip.addEventListener("click", function () {
      var cat = chip.dataset.filter;
      if (cat === "*") activeCats.clear();
      else if (activeCats.has(cat)) activeCats.delete(cat);
      else activeCats.add(cat);
      chips.forEach(function (c) {
        var on = c.dataset.filter === "*" ? activeCats.size === 0 : activeCats.has(c.dataset.filter);
        c.classList.toggle("active", on);
        c.setAttribute("aria-pressed", on ? "true" : "false");
      });
      apply();
    });
  });

  onlyHl.addEventListener("change", apply);

  // ---------------------------------------------------------------- sorting

  function sortBy(mode) {
    if (mode === "relevance") {
      var ranked = items.slice().sort(function (a, b) { return (b.score - a.score) || (a.order - b.order); });
      ranked.forEach(function (it) { rankedBox.appendChild(it.el); });
    } else {
      items.forEach(function (it) { it.home.appendChild(it.el); });
    }
    rankedBox.hidden = mode !== "relevance";
    sectionsBox.hidden = mode === "relevance";
  }

  if (sortSel) sortSel.addEventListener("change", function () { sortBy(sortSel.value); });

  // ---------------------------------------------------------------- keyboard

  function visibleInOrder() {
    var list = items.filter(function (it) { return it.visible; });
    if (sortSel && sortSel.value === "relevance") {
      list.sort(function (a, b) { return (b.score - a.score) || (a.order - b.order); });
    }
    return list;
  }

  function setCurrent(item) {
    if (current) current.el.classList.remove("current");
    current = item;
    if (!item) return;
    item.el.classList.add("current");
    hydrate(item);
    item.el.focus({ preventScroll: true });
    item.el.scrollIntoView({ block: "start" });
  }

  function step(delta) {
    var list = visibleInOrder();
    if (!list.length) return;
    var i = current ? list.indexOf(current) : -1;
    var next = i < 0 ? (delta > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, i + delta));
    setCurrent(list[next]);
  }

  function anyDialogOpen() { return !!document.querySelector("dialog[open]"); }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    var tag = ev.target.tagName;
    if (ev.target === search) {
      if (ev.key === "Escape") { search.blur(); ev.preventDefault(); }
      if (ev.key === "Enter") { search.blur(); step(1); ev.preventDefault(); }
      return;
    }
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || ev.target.isContentEditable) return;
    if (anyDialogOpen()) return;  // the dialog handles its own keys (Esc closes it)
    var onControl = tag === "A" || tag === "BUTTON" || tag === "SUMMARY";
    switch (ev.key) {
      case "j": step(1); break;
      case "k": step(-1); break;
      case "/": search.focus(); search.select(); break;
      case "o": if (current) window.open(current.abs, "_blank", "noopener"); else return; break;
      case "Enter":
      case " ":
        if (onControl || !current || !current.details) return;
        current.details.open = !current.details.open;
        break;
      case "?": $("help").showModal(); break;
      case "d": if (window.digestToggleTheme) window.digestToggleTheme(); break;
      default: return;
    }
    ev.preventDefault();
  });

  // Clicking in a card makes it the current one, so j/k continue from where the reader is.
  document.addEventListener("click", function (ev) {
    var long = ev.target.closest && ev.target.closest(".authors.long");
    if (long) long.classList.add("open");
    var card = ev.target.closest && ev.target.closest(".card");
    if (card && byEl.has(card) && byEl.get(card) !== current) {
      if (current) current.el.classList.remove("current");
      current = byEl.get(card);
      current.el.classList.add("current");
    }
  });

  // ---------------------------------------------------------------- dialogs

  $("open-help").addEventListener("click", function () { $("help").showModal(); });

  var settings = $("settings");
  $("open-settings").addEventListener("click", function () {
    $("kw-input").value = keywords.join("\n");
    $("au-input").value = authors.join("\n");
    settings.showModal();
  });
  $("settings-cancel").addEventListener("click", function () { settings.close(); });

  function lines(text) {
    var seen = new Set(), out = [];
    text.split(/\n/).forEach(function (l) {
      l = l.trim();
      if (l && !seen.has(l.toLowerCase())) { seen.add(l.toLowerCase()); out.push(l); }
    });
    return out;
  }

  $("settings-save").addEventListener("click", function () {
    keywords = lines($("kw-input").value);
    authors = lines($("au-input").value);
    save(KEY_KW, keywords);
    save(KEY_AU, authors);
    settings.close();
    refreshHighlights();
    apply();
  });

  // Another tab changed the lists: follow it.
  window.addEventListener("storage", function (ev) {
    if (ev.key !== KEY_KW && ev.key !== KEY_AU) return;
    keywords = load(KEY_KW, config.keywords || []);
    authors = load(KEY_AU, config.authors || []);
    refreshHighlights();
    apply();
  });

  // ---------------------------------------------------------------- start

  items.forEach(classify);
  if (observer) items.forEach(function (it) { observer.observe(it.el); });
  else items.forEach(hydrate);
  var picks = document.querySelector(".top-picks");
  if (picks) renderMath(picks);
  if (search.value) apply();  // the browser restored a query (back/forward)
  performance.mark("digest-ready");
})();
