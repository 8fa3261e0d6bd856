// One day's page: lazy cards, search, category filter, highlighting, sorting, density, read state,
// keyboard navigation, the query in the URL. The cards arrive rendered and escaped by the server, in the
// day's card file that the range view reads too (archive/days-2/<day>.js, gzipped; the page itself is a
// shell); a card's body and details wait in inert <template>s until needed. What a card does (hydrating, search
// text, highlights, read state, the reader's buttons) is cards.js's, shared with the range view; this
// script never builds HTML from data.
(function () {
  "use strict";
  performance.mark("digest-init");

  var C = window.DigestCards;
  var KEY_DENSITY = "arxiv-digest:density";
  var DENSITIES = ["full", "compact", "titles"];
  var config = JSON.parse(document.getElementById("digest-config").textContent);
  var words = config.ui || {};
  var root = document.documentElement;
  var Read = window.DigestRead;
  var $ = function (id) { return document.getElementById(id); };
  var search = $("search");
  var sortSel = $("sort");
  var densitySel = $("density");
  var onlyHl = $("only-hl");
  var toolbar = $("toolbar");
  var dayHeader = document.querySelector(".day-header");
  var boxes = $("day-boxes");
  var sectionsBox = $("sections");
  var rankedBox = $("ranked");
  var status = $("status");
  var noResults = $("no-results");
  var dock = $("dock");
  var chips = Array.prototype.slice.call(document.querySelectorAll(".filter-row .chip[data-filter]"));
  var sections = Array.prototype.slice.call(document.querySelectorAll(".cat-section"));
  var tocLinks = {};
  var sectionCounts = {};  // category -> the count elements (section heading, TOC) to keep current
  document.querySelectorAll(".cat-section, .toc a[data-cat]").forEach(function (el) {
    var cat = el.dataset.cat;
    (sectionCounts[cat] = sectionCounts[cat] || []).push(el.querySelector(".count"));
    if (el.tagName === "A") tocLinks[cat] = el;
  });

  function fmt(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }

  // ---------------------------------------------------------------- storage

  function save(key, value) {
    try { localStorage.setItem(key, typeof value === "string" ? value : JSON.stringify(value)); }
    catch (e) { /* kept for this visit only */ }
  }

  C.readLists(config);

  // ---------------------------------------------------------------- cards

  // Filled when the day's card file has arrived (start, below).
  var items = [];
  var total = 0;
  var byEl = new Map();
  var byId = {};

  // The day's cards into their sections, in the file's order (the digest's).
  function place(html) {
    var homes = {};
    sections.forEach(function (s) { homes[s.dataset.cat] = s; });
    var parsed = C.parseCards(html);
    items = parsed.cards.map(function (el, i) {
      (homes[el.dataset.section] || sectionsBox).appendChild(el);
      return C.item(el, i, config.day);
    });
    total = items.length;
    items.forEach(function (it) { byEl.set(it.el, it); byId[it.id] = it; });
  }

  var hydrate = C.hydrate, hay = C.hay, markRead = C.markRead;

  function fillDetails(details) { C.fillDetails(details, byEl.get(details.closest(".card"))); }

  var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (en) {
      if (en.isIntersecting) { hydrate(byEl.get(en.target)); observer.unobserve(en.target); }
    });
  }, { rootMargin: "800px 0px" }) : null;

  // ---------------------------------------------------------------- read state

  Read.onChange(function (id, read) {
    if (byId[id]) byId[id].el.classList.toggle("read", read);
  });

  // ---------------------------------------------------------------- highlighting

  function refreshHighlights() { items.forEach(C.classify); }

  // ---------------------------------------------------------------- filtering

  var activeCats = new Set();
  var current = null;

  function filtering() { return !!(search.value.trim() || activeCats.size || onlyHl.checked); }

  function setCount(el, n) {
    if (!el || el.textContent === n) return;
    el.textContent = n;
    el.parentNode.classList.toggle("empty-cat", n === "0");
  }

  // Chips count what matches the query (and "highlighted only") in each category, whichever categories
  // are selected: what a click would add. The headings and the table of contents count what is shown.
  function apply() {
    var terms = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var only = onlyHl.checked;
    var matched = {}, shownBy = {}, matchedAll = 0, shown = 0;
    for (var i = 0; i < items.length; i++) {
      var it = items[i];
      var hit = !only || it.hl;
      for (var t = 0; hit && t < terms.length; t++) hit = hay(it).indexOf(terms[t]) >= 0;
      if (hit) { matched[it.section] = (matched[it.section] || 0) + 1; matchedAll++; }
      var ok = hit && (activeCats.size === 0 || activeCats.has(it.section));
      if (ok !== it.visible) { it.el.hidden = !ok; it.visible = ok; }
      if (ok) { shownBy[it.section] = (shownBy[it.section] || 0) + 1; shown++; }
    }
    sections.forEach(function (s) { s.hidden = !shownBy[s.dataset.cat]; });
    Object.keys(sectionCounts).forEach(function (cat) {
      sectionCounts[cat].forEach(function (el) { setCount(el, String(shownBy[cat] || 0)); });
    });
    chips.forEach(function (chip) {
      var cat = chip.dataset.filter;
      setCount(chip.querySelector("b"), String(cat === "*" ? matchedAll : matched[cat] || 0));
    });
    var active = filtering();
    status.textContent = active ? fmt(words.status || "{shown} of {total}", { shown: shown, total: total }) : "";
    boxes.hidden = active;
    noResults.hidden = shown > 0;
    if (current && !current.visible) setCurrent(null);
    writeURL();
  }

  // The hits start right under the toolbar, however far down the reader was.
  function revealResults() {
    var top = dayHeader.offsetTop + dayHeader.offsetHeight;
    if (window.scrollY > top) window.scrollTo(0, top);
  }

  search.addEventListener("input", function (ev) {
    // Keystroke latency, for benchmarks/site_bench.py: from the event to the filtered list painted.
    performance.mark("digest-search-start", { startTime: ev.timeStamp });
    apply();
    revealResults();
    performance.mark("digest-search-end");
    requestAnimationFrame(function () {
      setTimeout(function () { performance.mark("digest-search-painted"); }, 0);
    });
  });

  function syncChips() {
    chips.forEach(function (c) {
      var on = c.dataset.filter === "*" ? activeCats.size === 0 : activeCats.has(c.dataset.filter);
      c.classList.toggle("active", on);
      c.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  chips.forEach(function (chip) {
    chip.addEventListener("click", function () {
      var cat = chip.dataset.filter;
      if (cat === "*") activeCats.clear();
      else if (activeCats.has(cat)) activeCats.delete(cat);
      else activeCats.add(cat);
      syncChips();
      apply();
      revealResults();
    });
  });

  onlyHl.addEventListener("change", function () { apply(); revealResults(); });

  // ---------------------------------------------------------------- the URL: ?q=...&cat=a,b&hl=1&sort=relevance

  var urlTimer = null;
  var dayLinks = Array.prototype.slice.call(document.querySelectorAll('a[rel="prev"], a[rel="next"], .dock a[data-day]'));

  function stateQuery() {
    var p = new URLSearchParams();
    if (search.value.trim()) p.set("q", search.value.trim());
    if (activeCats.size) p.set("cat", Array.from(activeCats).join(","));
    if (onlyHl.checked) p.set("hl", "1");
    if (sortSel && sortSel.value === "relevance") p.set("sort", "relevance");
    var s = p.toString();
    return s ? "?" + s : "";
  }

  // Shareable and kept on reload; the previous / next day open with the same query.
  function writeURL() {
    var query = stateQuery();
    dayLinks.forEach(function (a) { a.search = query; });
    clearTimeout(urlTimer);
    urlTimer = setTimeout(function () {
      if (query === location.search) return;
      try { history.replaceState(history.state, "", location.pathname + query + location.hash); }
      catch (e) { /* some file:// setups refuse: the page still works */ }
    }, 200);
  }

  function readURL() {
    var p = new URLSearchParams(location.search);
    if (p.get("q")) search.value = p.get("q");
    (p.get("cat") || "").split(",").forEach(function (cat) {
      if (cat && sectionCounts[cat]) activeCats.add(cat);
    });
    if (p.get("hl") === "1") onlyHl.checked = true;
    if (sortSel && p.get("sort") === "relevance") sortSel.value = "relevance";
    syncChips();
  }

  // ---------------------------------------------------------------- sorting

  function byScore(a, b) { return (b.score - a.score) || (a.order - b.order); }

  function sortBy(mode) {
    if (mode === "relevance") items.slice().sort(byScore).forEach(function (it) { rankedBox.appendChild(it.el); });
    else items.forEach(function (it) { it.home.appendChild(it.el); });
    rankedBox.hidden = mode !== "relevance";
    sectionsBox.hidden = mode === "relevance";
  }

  if (sortSel) sortSel.addEventListener("change", function () { sortBy(sortSel.value); writeURL(); });

  // ---------------------------------------------------------------- density

  var density = C.density, toggleOpen = C.toggleOpen;

  function setDensity(mode) {
    if (mode === "full") delete root.dataset.density;
    else root.dataset.density = mode;
    densitySel.value = mode;
    save(KEY_DENSITY, mode);
    if (current) current.el.scrollIntoView({ block: "start" });
  }

  densitySel.value = density();
  densitySel.addEventListener("change", function () { setDensity(densitySel.value); });

  // ---------------------------------------------------------------- keyboard

  function visibleInOrder() {
    var list = items.filter(function (it) { return it.visible; });
    if (sortSel && sortSel.value === "relevance") list.sort(byScore);
    return list;
  }

  function atBottom() { return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2; }

  // Scroll el to the top (under the toolbar), and again for a few frames: cards around it come in and
  // change height as they do, which would leave the reader off target.
  function jumpTo(el) {
    var frames = 4;
    el.scrollIntoView({ block: "start" });
    (function again() {
      requestAnimationFrame(function () {
        var want = parseFloat(getComputedStyle(el).scrollMarginTop) || 0;
        if (Math.abs(el.getBoundingClientRect().top - want) > 2 && !atBottom()) el.scrollIntoView({ block: "start" });
        if (--frames > 0) again();
      });
    })();
  }

  function setCurrent(item) {
    if (current) current.el.classList.remove("current");
    current = item;
    if (!item) return;
    item.el.classList.add("current");
    hydrate(item);
    markRead(item);
    item.el.tabIndex = -1;  // focusable by script only (not a tab stop)
    item.el.focus({ preventScroll: true });
    jumpTo(item.el);
  }

  function step(delta) {
    var list = visibleInOrder();
    if (!list.length) return;
    var i = current ? list.indexOf(current) : -1;
    var next = i < 0 ? (delta > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, i + delta));
    setCurrent(list[next]);
  }

  // The first paper on screen, below the toolbar.
  function firstOnScreen(list) {
    var top = toolbar.getBoundingClientRect().bottom;
    for (var i = 0; i < list.length; i++) {
      if (list[i].el.getBoundingClientRect().bottom > top + 1) return i;
    }
    return list.length;
  }

  // The next paper not read yet after the current one (or from the top of the screen), wrapping round.
  function nextUnread() {
    var list = visibleInOrder();
    if (!list.length) return;
    var start = current ? list.indexOf(current) + 1 : firstOnScreen(list);
    for (var k = 0; k < list.length; k++) {
      var it = list[(start + k) % list.length];
      if (it !== current && !Read.isRead(it.id)) { setCurrent(it); return; }
    }
  }

  function goDay(rel) {
    var a = document.querySelector('a[rel="' + rel + '"]');
    if (a) window.location.href = a.href;
  }

  C.listKeys(search, {
    step: step, nextUnread: nextUnread, go: goDay, current: function () { return current; },
    cycleDensity: function () { setDensity(DENSITIES[(DENSITIES.indexOf(density()) + 1) % DENSITIES.length]); },
  });

  // A click in a card makes it the current one (j/k/n continue from there) and counts as reading it;
  // in the compact densities a click on the card (not on a link) opens it.
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!t.closest) return;
    var anchor = t.closest('a[href^="#"]');  // the table of contents, the top picks
    var target = anchor && document.getElementById(decodeURIComponent(anchor.hash.slice(1)));
    if (target) {
      ev.preventDefault();
      if (byEl.has(target)) hydrate(byEl.get(target));
      try { history.pushState(history.state, "", location.pathname + location.search + anchor.hash); } catch (e) { /* file:// refused */ }
      jumpTo(target);
      return;
    }
    var long = t.closest(".authors.long");
    if (long) long.classList.add("open");
    var summary = t.closest("details.more > summary");
    if (summary) fillDetails(summary.parentNode);  // before the browser opens it
    var item = byEl.get(t.closest(".card"));
    if (!item) return;
    if (item !== current) {
      if (current) current.el.classList.remove("current");
      current = item;
      item.el.classList.add("current");
    }
    markRead(item);
    if (density() !== "full" && !t.closest("a, button, summary, details, .authors.long")) toggleOpen(item);
  });

  // Details opened any other way (the browser's own find, a script) fill in too.
  document.addEventListener("toggle", function (ev) {
    if (ev.target.matches && ev.target.matches("details.more") && ev.target.open) fillDetails(ev.target);
  }, true);

  // ---------------------------------------------------------------- where the reader is

  var ticking = false;

  // The table of contents marks the section on screen; the dock (top, previous / next day) shows once
  // the top bar has scrolled away.
  function follow() {
    ticking = false;
    var line = toolbar.getBoundingClientRect().bottom + 40;  // a heading just under the toolbar counts
    var on = null;
    for (var i = 0; i < sections.length; i++) {
      if (sections[i].hidden || sectionsBox.hidden) continue;
      if (sections[i].getBoundingClientRect().top <= line) on = sections[i].dataset.cat;
      else break;
    }
    var shown = sections.filter(function (s) { return !s.hidden && !sectionsBox.hidden; });
    if (shown.length && atBottom()) {
      on = shown[shown.length - 1].dataset.cat;  // the bottom of the page: the last section, however short
    }
    Object.keys(tocLinks).forEach(function (cat) {
      var a = tocLinks[cat];
      if ((cat === on) !== a.classList.contains("here")) {
        a.classList.toggle("here", cat === on);
        if (cat === on) a.setAttribute("aria-current", "true"); else a.removeAttribute("aria-current");
      }
    });
    dock.hidden = window.scrollY < 600;
  }

  window.addEventListener("scroll", function () {
    if (!ticking) { ticking = true; requestAnimationFrame(follow); }
  }, { passive: true });

  $("to-top").addEventListener("click", function () { window.scrollTo(0, 0); search.focus({ preventScroll: true }); });

  // ---------------------------------------------------------------- dialogs

  $("open-help").addEventListener("click", function () { $("help").showModal(); });

  var settings = $("settings");
  $("open-settings").addEventListener("click", function () {
    $("kw-input").value = C.hl.keywords.join("\n");
    $("au-input").value = C.hl.authors.join("\n");
    settings.showModal();
  });
  $("settings-cancel").addEventListener("click", function () { settings.close(); });

  $("settings-save").addEventListener("click", function () {
    C.saveLists(C.lines($("kw-input").value), C.lines($("au-input").value));
    settings.close();
    refreshHighlights();
    apply();
  });

  // Another tab changed the lists or the density: follow it.
  window.addEventListener("storage", function (ev) {
    if (ev.key === KEY_DENSITY && DENSITIES.indexOf(ev.newValue) >= 0) { setDensity(ev.newValue); return; }
    if (ev.key !== C.KEY_KW && ev.key !== C.KEY_AU) return;
    C.readLists();
    refreshHighlights();
    apply();
  });

  // Printing: every card in full.
  window.addEventListener("beforeprint", function () {
    items.forEach(function (it) {
      hydrate(it);
      var d = it.el.querySelector("details.more");
      if (d) { fillDetails(d); d.open = true; }
    });
  });

  // ---------------------------------------------------------------- start

  function start(html) {
    place(html);
    items.forEach(C.showRead);
    if (C.hl.keywords.length || C.hl.authors.length) items.forEach(C.classify);
    if (observer) items.forEach(function (it) { observer.observe(it.el); });
    else items.forEach(hydrate);
    var picks = document.querySelector(".top-picks");
    if (picks) C.renderMath(picks);
    readURL();
    if (sortSel && sortSel.value === "relevance") sortBy("relevance");
    if (filtering()) apply();
    follow();
    var landing = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (landing) {  // a link to a paper or a section
      if (byEl.has(landing)) hydrate(byEl.get(landing));
      jumpTo(landing);
    }
    performance.mark("digest-ready");
    // The search index (each card's text) is built while the reader looks, so the first keystroke is quick.
    (window.requestIdleCallback || setTimeout)(function () { items.forEach(hay); performance.mark("digest-indexed"); });
  }

  // The card file (a <script> after this one, so it loads from file:// too) calls digestData.
  window.digestData = function (key, payload) {
    if (key === config.cards) C.gunzip(payload.gz).then(start);
  };
})();
