// Any range of days in one list: range.html?from=2026-01-05&to=2026-01-30 (or ?week=2026-W05,
// ?month=2026-01). Each day's papers arrive as a data file (<script>, so file:// works) when the day
// comes near the screen, and its cards are rendered a batch at a time: a range of months stays light.
// Filters, highlighting and keys are the day page's; search goes through the archive's index.
(function () {
  "use strict";
  var C = window.DigestCards, $ = function (id) { return document.getElementById(id); };
  var BATCH = 30, EST = 230;  // cards rendered at a time; a card's estimated height before it is rendered
  var search = $("search"), onlyHl = $("only-hl"), status = $("status"), box = $("days"), none = $("no-results");
  var activeCats = new Set(), matches = null, run = 0, current = null;
  var keywords, authors, kwRe, days = [], byDay = {};

  function params() {
    var p = new URLSearchParams(location.search), all = manifest.days.map(function (d) { return d[0]; });
    var from = p.get("from"), to = p.get("to"), week = p.get("week"), month = p.get("month");
    if (week && /^\d{4}-W\d{2}$/.test(week)) { from = isoWeekMonday(week); to = C.addDays(from, 6); }
    if (month && /^\d{4}-\d{2}$/.test(month)) { from = month + "-01"; to = month + "-31"; }
    if (!from && !to && all.length) { to = all[all.length - 1]; from = all[Math.max(0, all.length - 5)]; }
    return { from: from || (all[0] || ""), to: to || (all[all.length - 1] || "") };
  }

  function isoWeekMonday(week) {
    var y = +week.slice(0, 4), w = +week.slice(6), jan4 = C.parseDay(y + "-01-04");
    var monday = C.addDays(y + "-01-04", -((jan4.getUTCDay() + 6) % 7));
    return C.addDays(monday, (w - 1) * 7);
  }

  function spanDays(a, b) { return Math.round((C.parseDay(b) - C.parseDay(a)) / 864e5) + 1; }

  // ---------------------------------------------------------------- header, chips, day sections

  function header(range) {
    var first = days.length ? days[0].day : range.from, last = days.length ? days[days.length - 1].day : range.to;
    $("range-title").textContent = C.longDate(range.from).replace(/^\w+, /, "") + " – " + C.longDate(range.to).replace(/^\w+, /, "");
    var total = days.reduce(function (s, d) { return s + d.n; }, 0);
    $("range-lede").textContent = total.toLocaleString("en-US") + " papers · " + days.length + (days.length === 1 ? " day" : " days") +
      (days.length ? " (" + C.shortDate(first) + " – " + C.shortDate(last) + ")" : "");
    $("from").value = range.from; $("to").value = range.to;
    var len = spanDays(range.from, range.to);
    $("range-prev").href = "range.html?from=" + C.addDays(range.from, -len) + "&to=" + C.addDays(range.from, -1);
    $("range-next").href = "range.html?from=" + C.addDays(range.to, 1) + "&to=" + C.addDays(range.to, len);
    document.title = "arXiv digest — " + range.from + " to " + range.to;
  }

  function chips() {
    var totals = {}, order = [];
    days.forEach(function (d) {
      d.cats.forEach(function (c) { if (!(c[0] in totals)) { totals[c[0]] = 0; order.push(c[0]); } totals[c[0]] += c[1]; });
    });
    var followed = manifest.categories;
    order.sort(function (a, b) {
      var ia = followed.indexOf(a), ib = followed.indexOf(b);
      return (ia < 0 ? 999 : ia) - (ib < 0 ? 999 : ib) || (a < b ? -1 : 1);
    });
    var row = $("filters"), toggle = row.querySelector(".toggle");
    $("all-count").textContent = days.reduce(function (s, d) { return s + d.n; }, 0);
    order.forEach(function (cat) {
      var chip = C.el("button", "chip", cat + " ");
      chip.type = "button"; chip.dataset.filter = cat; chip.setAttribute("aria-pressed", "false");
      if (manifest.names[cat]) chip.title = manifest.names[cat];
      chip.appendChild(C.el("b", "", String(totals[cat])));
      row.insertBefore(chip, toggle);
    });
    row.addEventListener("click", function (ev) {
      var chip = ev.target.closest(".chip[data-filter]");
      if (!chip) return;
      var cat = chip.dataset.filter;
      if (cat === "*") activeCats.clear(); else if (activeCats.has(cat)) activeCats.delete(cat); else activeCats.add(cat);
      row.querySelectorAll(".chip[data-filter]").forEach(function (c) {
        var on = c.dataset.filter === "*" ? activeCats.size === 0 : activeCats.has(c.dataset.filter);
        c.classList.toggle("active", on);
        c.setAttribute("aria-pressed", on ? "true" : "false");
      });
      refresh();
    });
  }

  function sections() {
    var toc = $("toc");
    days.forEach(function (d) {
      var s = C.el("section", "range-day");
      s.id = "day-" + d.day;
      s.dataset.day = d.day;
      var h = C.el("h2", "cat-title range-day-title");
      h.appendChild(C.link(d.day + ".html", "", C.longDate(d.day)));
      d.countEl = C.el("span", "count", String(d.n));
      h.appendChild(d.countEl);
      s.appendChild(h);
      d.cards = C.el("div", "day-cards");
      s.appendChild(d.cards);
      d.section = s;
      box.appendChild(s);
      var li = C.el("li"), a = C.link("#day-" + d.day, "", C.shortDate(d.day) + " ");
      d.tocCount = C.el("span", "count", String(d.n));
      a.appendChild(d.tocCount);
      li.appendChild(a);
      toc.appendChild(li);
      d.tocLink = a;
    });
  }

  // ---------------------------------------------------------------- highlighting

  function classify(p) {
    if (p._hl !== undefined) return p._hl;
    var why = [];
    if (authors.length) p.a.forEach(function (name) { if (C.authorMatch(authors, name)) why.push(name); });
    if (kwRe) {
      kwRe.lastIndex = 0;
      (C.haystack(p).match(kwRe) || []).forEach(function (k) { if (why.indexOf(k) < 0) why.push(k); });
    }
    p._hl = why.length ? why : null;
    return p._hl;
  }

  function decorate(el, p) {
    var why = classify(p);
    if (!why) return;
    el.classList.add("has-hl");
    el.querySelectorAll(".author").forEach(function (a) { if (C.authorMatch(authors, a.textContent)) a.classList.add("hl-author"); });
    el.querySelector(".tags").appendChild(C.el("span", "badge hl-why", "\u2605 " + why.join(", ")));
    if (kwRe) el.querySelectorAll(".txt").forEach(function (t) { C.markText(t, kwRe, "hl"); });
  }

  // ---------------------------------------------------------------- filtering and rendering

  function passes(d, p, pos) {
    if (activeCats.size && !activeCats.has(p.s)) return false;
    if (matches && !(matches[d.day] && matches[d.day].has(pos))) return false;
    return !onlyHl.checked || !!classify(p);
  }

  // How many papers of the day pass, without its data when that is known from the manifest.
  function expected(d) {
    if (d.list) return d.list.length;
    if (onlyHl.checked) return null;
    if (matches) {
      if (!activeCats.size) return matches[d.day] ? matches[d.day].size : 0;
      return null;
    }
    if (!activeCats.size) return d.n;
    return d.cats.reduce(function (s, c) { return s + (activeCats.has(c[0]) ? c[1] : 0); }, 0);
  }

  function renderMore(d) {
    var end = Math.min(d.list.length, d.shown + BATCH);
    var frag = document.createDocumentFragment();
    for (var i = d.shown; i < end; i++) {
      var p = d.list[i], card = C.card(p, manifest.ui);
      decorate(card, p);
      window.DigestSaved.decorate(card, { id: p.id, title: p.t, authors: p.a, categories: p.c, day: d.day });
      frag.appendChild(card);
    }
    if (d.sentinel) d.sentinel.remove();
    d.cards.appendChild(frag);
    for (var j = d.shown; j < end; j++) C.renderMath(d.cards.children[j]);
    d.shown = end;
    d.cards.style.minHeight = "";
    if (d.shown < d.list.length) {
      d.sentinel = C.el("div", "sentinel");
      d.sentinel.style.height = (d.list.length - d.shown) * EST + "px";
      d.cards.appendChild(d.sentinel);
      batches.observe(d.sentinel);
      d.sentinel.day = d;
    } else d.sentinel = null;
  }

  function render(d) {
    d.list = d.data.papers.filter(function (p, pos) { return passes(d, p, pos); });
    d.cards.textContent = "";
    d.shown = 0; d.sentinel = null;
    if (d.list.length) renderMore(d);
    counts(d);
  }

  function counts(d) {
    var n = expected(d);
    d.countEl.textContent = d.tocCount.textContent = n === null ? "…" : String(n);
    d.section.hidden = n === 0;
    d.tocLink.classList.toggle("empty-cat", n === 0);
    if (!d.data) d.cards.style.minHeight = (n === null ? d.n : n) * EST + "px";
  }

  function statusLine() {
    var total = days.reduce(function (s, d) { return s + d.n; }, 0), shown = 0, known = true;
    days.forEach(function (d) { var n = expected(d); if (n === null) known = false; else shown += n; });
    var filtered = activeCats.size || matches || onlyHl.checked;
    status.textContent = !filtered ? "" : (known ? "" : "at least ") + shown.toLocaleString("en-US") + " of " + total.toLocaleString("en-US") + " papers";
    none.hidden = !(known && shown === 0 && filtered);
  }

  function refresh() {
    days.forEach(function (d) { if (d.data) render(d); else counts(d); });
    statusLine();
    if (current && !current.isConnected) current = null;
  }

  function loadDay(d) {
    if (!d.loading) {
      d.loading = DigestSearch.load("days/" + d.day).then(function (data) { d.data = data; render(d); statusLine(); });
    }
    return d.loading;
  }

  var near = new IntersectionObserver(function (entries) {
    entries.forEach(function (en) { if (en.isIntersecting) { near.unobserve(en.target); loadDay(byDay[en.target.dataset.day]); } });
  }, { rootMargin: "1200px 0px" });
  var batches = new IntersectionObserver(function (entries) {
    entries.forEach(function (en) {
      if (en.isIntersecting && en.target.day && en.target.isConnected) { batches.unobserve(en.target); renderMore(en.target.day); }
    });
  }, { rootMargin: "1200px 0px" });

  // ---------------------------------------------------------------- search

  function runSearch(ev) {
    var token = ++run, q = search.value.trim();
    if (ev) performance.mark("digest-search-start", { startTime: ev.timeStamp });
    var done = function () {
      if (token !== run) return;
      refresh();
      performance.mark("digest-search-end");
      requestAnimationFrame(function () { setTimeout(function () { performance.mark("digest-search-painted"); }, 0); });
    };
    if (!q) { matches = null; done(); return; }
    DigestSearch.open().then(function (ix) {
      return ix.search(q, { from: days.length ? days[0].day : "", to: days.length ? days[days.length - 1].day : "", all: true });
    }).then(function (res) {
      if (token !== run) return;
      matches = {};
      res.hits.forEach(function (h) { (matches[h.day] = matches[h.day] || new Set()).add(h.pos); });
      done();
    });
  }

  // ---------------------------------------------------------------- keyboard and clicks

  function visibleCards() { return Array.prototype.slice.call(box.querySelectorAll(".range-day:not([hidden]) .card")); }

  function setCurrent(card) {
    if (current) current.classList.remove("current");
    current = card;
    if (!card) return;
    card.classList.add("current");
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "start" });
  }

  function step(delta) {
    var list = visibleCards(), i = current ? list.indexOf(current) : -1;
    if (delta > 0 && i === list.length - 1) {  // at the end of what is rendered: render (or load) what follows
      var d = days.find(function (x) { return current && x.day === current.closest(".range-day").dataset.day; }) || days[0];
      if (d && d.list && d.shown < d.list.length) renderMore(d);
      else {
        var next = days.slice(days.indexOf(d) + (current ? 1 : 0)).find(function (x) { return !x.section.hidden && !x.data; });
        if (next) { loadDay(next).then(function () { step(delta); }); return; }
      }
      list = visibleCards();
    }
    if (!list.length) return;
    var n = i < 0 ? (delta > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, i + delta));
    setCurrent(list[n]);
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    var tag = ev.target.tagName;
    if (ev.target === search) {
      if (ev.key === "Escape") { search.blur(); ev.preventDefault(); }
      if (ev.key === "Enter") { search.blur(); step(1); ev.preventDefault(); }
      return;
    }
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || ev.target.isContentEditable) return;
    if (document.querySelector("dialog[open]")) return;
    var onControl = tag === "A" || tag === "BUTTON" || tag === "SUMMARY";
    var det = current && current.querySelector("details.more");
    switch (ev.key) {
      case "j": step(1); break;
      case "k": step(-1); break;
      case "/": search.focus(); search.select(); break;
      case "o": if (!current) return; window.open(current.querySelector(".link-abs").href, "_blank", "noopener"); break;
      case "Enter": case " ": if (onControl || !det) return; det.open = !det.open; break;
      case "?": $("help").showModal(); break;
      case "d": if (window.digestToggleTheme) window.digestToggleTheme(); break;
      default: return;
    }
    ev.preventDefault();
  });

  document.addEventListener("click", function (ev) {
    var long = ev.target.closest && ev.target.closest(".authors.long");
    if (long) long.classList.add("open");
    var card = ev.target.closest && ev.target.closest("#days .card");
    if (card && card !== current) { if (current) current.classList.remove("current"); current = card; card.classList.add("current"); }
  });

  // ---------------------------------------------------------------- highlight settings

  function readLists() {
    keywords = C.loadList(C.KEY_KW, manifest.keywords);
    authors = C.loadList(C.KEY_AU, manifest.authors);
    kwRe = C.keywordRe(keywords);
    days.forEach(function (d) { if (d.data) d.data.papers.forEach(function (p) { delete p._hl; }); });
  }

  function lines(text) {
    var seen = new Set(), out = [];
    text.split(/\n/).forEach(function (l) {
      l = l.trim();
      if (l && !seen.has(l.toLowerCase())) { seen.add(l.toLowerCase()); out.push(l); }
    });
    return out;
  }

  $("open-help").addEventListener("click", function () { $("help").showModal(); });
  $("open-settings").addEventListener("click", function () {
    $("kw-input").value = keywords.join("\n");
    $("au-input").value = authors.join("\n");
    $("settings").showModal();
  });
  $("settings-cancel").addEventListener("click", function () { $("settings").close(); });
  $("settings-save").addEventListener("click", function () {
    C.saveList(C.KEY_KW, lines($("kw-input").value));
    C.saveList(C.KEY_AU, lines($("au-input").value));
    $("settings").close();
    readLists();
    refresh();
  });
  window.addEventListener("storage", function (ev) {
    if (ev.key === C.KEY_KW || ev.key === C.KEY_AU) { readLists(); refresh(); }
  });
  search.addEventListener("input", runSearch);
  onlyHl.addEventListener("change", refresh);

  // ---------------------------------------------------------------- start

  var manifest;
  DigestSearch.load("index").then(function (m) {
    manifest = m;
    var range = params();
    days = manifest.days.filter(function (d) { return d[0] >= range.from && d[0] <= range.to; })
      .map(function (d) { return { day: d[0], n: d[1], cats: d[2] }; });
    days.forEach(function (d) { byDay[d.day] = d; });
    header(range);
    readLists();
    chips();
    sections();
    refresh();
    days.forEach(function (d) { near.observe(d.section); });
    if (search.value) runSearch();
    performance.mark("digest-ready");
  });
})();
