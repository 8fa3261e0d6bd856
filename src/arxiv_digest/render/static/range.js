// Any range of days in one list: range.html?from=2026-01-05&to=2026-01-30 (or ?week=2026-W05,
// ?month=2026-01). A day's cards (the day page's own, templates/_card.html) arrive as a data file
// (<script>, so file:// works) when the day comes near the screen, and each card's body when the card
// does (cards.js, as on the day page): a range of months stays light. Filters, highlighting, read state
// and keys are the day page's; search goes through the archive's index.
(function () {
  "use strict";
  var C = window.DigestCards, $ = function (id) { return document.getElementById(id); };
  var EST = 230;  // a card's height before its day is loaded (the placeholder's)
  var config = JSON.parse($("digest-config").textContent), words = config.ui || {};
  var search = $("search"), onlyHl = $("only-hl"), status = $("status"), box = $("days"), none = $("no-results");
  var activeCats = new Set(), matches = null, run = 0, current = null, manifest = null;
  var days = [], byDay = {}, byEl = new Map();

  var num = C.num;

  function params() {
    var p = new URLSearchParams(location.search), all = manifest.days.map(function (d) { return d[0]; });
    var from = p.get("from"), to = p.get("to"), week = p.get("week"), month = p.get("month");
    if (week && /^\d{4}-W\d{2}$/.test(week)) { from = isoWeekMonday(week); to = C.addDays(from, 6); }
    if (month && /^\d{4}-\d{2}$/.test(month)) { from = month + "-01"; to = C.addDays(C.addDays(month + "-28", 4).slice(0, 8) + "01", -1); }
    if (!from && !to && all.length) { to = all[all.length - 1]; from = all[Math.max(0, all.length - 5)]; }
    return { from: from || all[0] || "", to: to || all[all.length - 1] || "" };
  }

  function isoWeekMonday(week) {
    var y = +week.slice(0, 4), w = +week.slice(6), jan4 = C.parseDay(y + "-01-04");
    return C.addDays(C.addDays(y + "-01-04", -((jan4.getUTCDay() + 6) % 7)), (w - 1) * 7);
  }

  function spanDays(a, b) { return Math.round((C.parseDay(b) - C.parseDay(a)) / 864e5) + 1; }

  // ---------------------------------------------------------------- header, chips, day sections

  function header(range) {
    $("range-title").textContent = C.fmt(words.range_title || "{from} – {to}",
      { from: C.longDate(range.from, words), to: C.longDate(range.to, words) });
    var total = days.reduce(function (s, d) { return s + d.n; }, 0);
    $("range-lede").textContent = C.fmt(words.range_lede || "{papers} · {days}",
      { papers: C.count(words, "papers", total), days: C.count(words, "days", days.length) });
    $("from").value = range.from;
    $("to").value = range.to;
    var len = spanDays(range.from, range.to);
    $("range-prev").href = "range.html?from=" + C.addDays(range.from, -len) + "&to=" + C.addDays(range.from, -1);
    $("range-next").href = "range.html?from=" + C.addDays(range.to, 1) + "&to=" + C.addDays(range.to, len);
    document.title = "arXiv digest — " + range.from + " – " + range.to;
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
    $("all-count").textContent = num(days.reduce(function (s, d) { return s + d.n; }, 0));
    order.forEach(function (cat) {
      var chip = C.el("button", "chip", cat + " ");
      chip.type = "button"; chip.dataset.filter = cat; chip.setAttribute("aria-pressed", "false");
      if (manifest.names[cat]) chip.title = manifest.names[cat];
      chip.appendChild(C.el("b", "", num(totals[cat])));
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
      h.appendChild(C.link(d.day + ".html", "", C.longDate(d.day, words)));
      d.countEl = C.el("span", "count", num(d.n));
      h.appendChild(d.countEl);
      s.appendChild(h);
      d.cards = C.el("div", "day-cards");
      s.appendChild(d.cards);
      d.section = s;
      box.appendChild(s);
      var li = C.el("li"), a = C.link("#day-" + d.day, "", C.longDate(d.day, words) + " ");
      d.tocCount = C.el("span", "count", num(d.n));
      a.appendChild(d.tocCount);
      li.appendChild(a);
      toc.appendChild(li);
      d.tocLink = a;
    });
  }

  // ---------------------------------------------------------------- filtering

  function passes(d, it, pos) {
    if (activeCats.size && !activeCats.has(it.section)) return false;
    if (matches && !(matches[d.day] && matches[d.day].has(pos))) return false;
    return !onlyHl.checked || it.hl;
  }

  // How many papers of the day pass: counted on its cards once loaded, else from the manifest when it can tell.
  function expected(d) {
    if (d.items) return d.items.filter(function (it) { return it.visible; }).length;
    if (onlyHl.checked) return null;
    if (matches) return activeCats.size ? null : matches[d.day] ? matches[d.day].size : 0;
    if (!activeCats.size) return d.n;
    return d.cats.reduce(function (s, c) { return s + (activeCats.has(c[0]) ? c[1] : 0); }, 0);
  }

  function filter(d) {
    d.items.forEach(function (it, pos) {
      var ok = passes(d, it, pos);
      if (ok !== it.visible) { it.el.hidden = !ok; it.visible = ok; }
    });
  }

  function counts(d) {
    var n = expected(d);
    d.countEl.textContent = d.tocCount.textContent = n === null ? "…" : num(n);
    d.section.hidden = n === 0;
    d.tocLink.classList.toggle("empty-cat", n === 0);
    d.cards.style.minHeight = d.items ? "" : (n === null ? d.n : n) * EST + "px";
  }

  function statusLine() {
    var total = days.reduce(function (s, d) { return s + d.n; }, 0), shown = 0, known = true;
    days.forEach(function (d) { var n = expected(d); if (n === null) known = false; else shown += n; });
    var filtered = activeCats.size || matches || onlyHl.checked;
    status.textContent = !filtered ? "" : C.fmt(known ? words.status || "{shown} of {total}" : words.status_at_least || "at least {shown} of {total}",
      { shown: num(shown), total: num(total) });
    none.hidden = !(known && shown === 0 && filtered);
  }

  function refresh() {
    days.forEach(function (d) { if (d.items) filter(d); counts(d); });
    statusLine();
    if (current && (current.el.hidden || current.el.closest("[hidden]"))) setCurrent(null, true);
  }

  // ---------------------------------------------------------------- loading a day

  var hydrating = new IntersectionObserver(function (entries) {
    entries.forEach(function (en) {
      if (en.isIntersecting) { hydrating.unobserve(en.target); C.hydrate(byEl.get(en.target)); }
    });
  }, { rootMargin: "800px 0px" });

  // The server's own markup (templates/_card.html, escaped there).
  function cardsOf(d, html) {
    var parsed = C.parseCards(html);
    d.cards.appendChild(parsed.fragment);
    return parsed.cards.map(function (el, pos) {
      var it = C.item(el, pos, d.day);
      byEl.set(el, it);
      C.showRead(it);
      if (C.hl.keywords.length || C.hl.authors.length) C.classify(it);
      hydrating.observe(el);
      return it;
    });
  }

  function loadDay(d) {
    if (!d.loading) {
      var file = manifest.days_dir + "/" + d.day;
      d.loading = DigestSearch.load(file).then(function (data) { return C.gunzip(data.gz); }).then(function (html) {
        d.items = cardsOf(d, html);
        filter(d);
        counts(d);
        statusLine();
      });
    }
    return d.loading;
  }

  var near = new IntersectionObserver(function (entries) {
    entries.forEach(function (en) { if (en.isIntersecting) { near.unobserve(en.target); loadDay(byDay[en.target.dataset.day]); } });
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

  function visibleItems() {
    var out = [];
    days.forEach(function (d) { if (d.items && !d.section.hidden) d.items.forEach(function (it) { if (it.visible) out.push(it); }); });
    return out;
  }

  function setCurrent(it, quiet) {
    if (current) current.el.classList.remove("current");
    current = it;
    if (!it) return;
    it.el.classList.add("current");
    if (quiet) return;
    C.hydrate(it);
    C.markRead(it);
    it.el.tabIndex = -1;
    it.el.focus({ preventScroll: true });
    it.el.scrollIntoView({ block: "start" });
  }

  // j/k through the loaded days; past the last loaded card the next day is loaded first.
  function step(delta) {
    var list = visibleItems(), i = current ? list.indexOf(current) : -1;
    if (delta > 0 && i === list.length - 1) {
      var after = current ? days.indexOf(byDay[current.day]) + 1 : 0;
      var next = days.slice(after).find(function (d) { return !d.section.hidden && !d.items; });
      if (next) { loadDay(next).then(function () { step(delta); }); return; }
    }
    if (!list.length) return;
    setCurrent(list[i < 0 ? (delta > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, i + delta))]);
  }

  function nextUnread() {
    var list = visibleItems(), start = current ? list.indexOf(current) + 1 : 0;
    for (var k = 0; k < list.length; k++) {
      var it = list[(start + k) % list.length];
      if (it !== current && !(window.DigestRead && window.DigestRead.isRead(it.id))) { setCurrent(it); return; }
    }
  }

  var DENSITIES = ["full", "compact", "titles"];

  function cycleDensity() {
    var next = DENSITIES[(DENSITIES.indexOf(C.density()) + 1) % DENSITIES.length], root = document.documentElement;
    if (next === "full") delete root.dataset.density; else root.dataset.density = next;
    try { localStorage.setItem("arxiv-digest:density", next); } catch (e) { /* this visit only */ }
  }

  C.listKeys(search, {
    step: step, nextUnread: nextUnread, cycleDensity: cycleDensity, current: function () { return current; },
    go: function (where) { location.href = $("range-" + where).href; },
  });

  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!t.closest) return;
    var long = t.closest(".authors.long");
    if (long) long.classList.add("open");
    var it = byEl.get(t.closest(".card"));
    var summary = t.closest("details.more > summary");
    if (summary && it) C.fillDetails(summary.parentNode, it);  // before the browser opens it
    if (!it) return;
    if (it !== current) setCurrent(it, true);
    C.markRead(it);
    if (C.density() !== "full" && !t.closest("a, button, summary, details, .authors.long")) C.toggleOpen(it);
  });

  document.addEventListener("toggle", function (ev) {
    var t = ev.target;
    if (t.matches && t.matches("details.more") && t.open) C.fillDetails(t, byEl.get(t.closest(".card")));
  }, true);

  // ---------------------------------------------------------------- highlight settings

  function rehighlight() {
    days.forEach(function (d) { if (d.items) d.items.forEach(C.classify); });
    refresh();
  }

  $("open-help").addEventListener("click", function () { $("help").showModal(); });
  $("open-settings").addEventListener("click", function () {
    $("kw-input").value = C.hl.keywords.join("\n");
    $("au-input").value = C.hl.authors.join("\n");
    $("settings").showModal();
  });
  $("settings-cancel").addEventListener("click", function () { $("settings").close(); });
  $("settings-save").addEventListener("click", function () {
    C.saveLists(C.lines($("kw-input").value), C.lines($("au-input").value));
    $("settings").close();
    rehighlight();
  });
  window.addEventListener("storage", function (ev) {
    if (ev.key === C.KEY_KW || ev.key === C.KEY_AU) { C.readLists(); rehighlight(); }
  });
  search.addEventListener("input", runSearch);
  onlyHl.addEventListener("change", refresh);
  if (window.DigestRead) {
    window.DigestRead.onChange(function (id, read) {
      byEl.forEach(function (it) { if (it.id === id) it.el.classList.toggle("read", read); });
    });
  }

  // ---------------------------------------------------------------- start

  DigestSearch.load("index").then(function (m) {
    manifest = m;
    C.readLists({ keywords: manifest.keywords, authors: manifest.authors });
    var range = params();
    days = manifest.days.filter(function (d) { return d[0] >= range.from && d[0] <= range.to; })
      .map(function (d) { return { day: d[0], n: d[1], cats: d[2] }; });
    days.forEach(function (d) { byDay[d.day] = d; });
    header(range);
    chips();
    sections();
    refresh();
    days.forEach(function (d) { near.observe(d.section); });
    if (search.value) runSearch();
    performance.mark("digest-ready");
  });
})();
