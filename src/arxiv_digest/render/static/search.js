// Search across every day of the site. The index is built by render/search_index.py (see its docstring
// for the layout) and loaded here as <script> files, only those a query needs: that works from file://,
// where fetch() and XHR of local files are refused, and from any static host. The tokenizer below is
// the one of render/tokens.py, rule for rule; a browser test compares the two.
(function () {
  "use strict";

  // ---------------------------------------------------------------- data files

  var arrived = {};  // key -> payload delivered before anyone asked (a <script> in the page)
  var waiting = {};  // key -> resolve
  var loads = {};    // key -> Promise
  var base = (document.currentScript && document.currentScript.src.replace(/assets\/search\.js.*$/, "")) || "";
  var stats = { files: 0 };  // data files loaded, for the benchmark

  window.digestData = function (key, payload) {
    if (waiting[key]) { waiting[key](payload); delete waiting[key]; } else arrived[key] = payload;
  };

  function load(key) {
    if (loads[key]) return loads[key];
    if (key in arrived) { loads[key] = Promise.resolve(arrived[key]); delete arrived[key]; return loads[key]; }
    loads[key] = new Promise(function (resolve, reject) {
      waiting[key] = resolve;
      var s = document.createElement("script");
      s.src = base + "archive/" + key + ".js";
      s.onload = function () {
        s.remove();
        stats.files++;
        if (waiting[key]) { delete waiting[key]; reject(new Error("no data in " + s.src)); }
      };
      s.onerror = function () {
        s.remove();
        delete waiting[key]; delete loads[key];
        reject(new Error("cannot load " + s.src));
      };
      document.head.appendChild(s);
    });
    return loads[key];
  }

  // ---------------------------------------------------------------- tokenizer (= render/tokens.py)

  var WORDS = /[0-9a-z\u00df-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u04ff]+/g;
  var CJK_RUNS = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+/g;
  var MAX_WORD = 32;
  var STOP = new Set(("a an and are as at be been but by can do does for from had has have how however in into " +
    "is it its of on or our over such than that the their them then there these they this those thus to two " +
    "under up via was we were what when where which while who whose why will with within without would you").split(" "));

  function endsWith(w, ends) {
    for (var i = 0; i < ends.length; i++) if (w.slice(-ends[i].length) === ends[i]) return true;
    return false;
  }

  function stem(w) {
    var c = w.charCodeAt(0);
    if (w.length <= 3 || w[w.length - 1] !== "s" || (c >= 48 && c <= 57)) return w;
    if (endsWith(w, ["ies"]) && !endsWith(w, ["eies", "aies"])) return w.slice(0, -3) + "y";
    if (endsWith(w, ["es"]) && !endsWith(w, ["aes", "ees", "oes"])) return w.slice(0, -1);
    if (endsWith(w, ["us", "ss", "is"])) return w;
    return w.slice(0, -1);
  }

  var memo = new Map();
  function wordTerm(w) {
    var t = memo.get(w);
    if (t !== undefined) return t;
    t = w;
    if (t.length > MAX_WORD || STOP.has(t)) t = "";
    else {
      if (/[^\x00-\x7f]/.test(t)) t = t.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
      t = stem(t);
    }
    memo.set(w, t);
    return t;
  }

  function normalize(text) { return text.normalize("NFKC").toLowerCase(); }

  function terms(text) {
    text = normalize(text);
    var out = [], i;
    var words = text.match(WORDS) || [];
    for (i = 0; i < words.length; i++) { var t = wordTerm(words[i]); if (t) out.push(t); }
    var runs = text.match(CJK_RUNS) || [];
    for (i = 0; i < runs.length; i++) {
      var r = runs[i];
      if (r.length === 1) out.push(r);
      else for (var j = 0; j + 1 < r.length; j++) out.push(r.slice(j, j + 2));
    }
    return out;
  }

  // The query: distinct terms, all required; the word being typed (no space after it yet) also matches
  // the longer words it starts, when its group can tell (see group_key in search_index.py).
  function parse(query) {
    var text = normalize(query), list = terms(query), prefix = null, seen = new Set(), out = [];
    var last = /([0-9a-z\u00df-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u04ff]+|[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])$/.exec(text);
    if (last) {
      var run = last[1], isCjk = run.charCodeAt(0) >= 0x3040;
      var before = text.slice(0, last.index).match(/[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]$/);
      if (isCjk ? !before : wordTerm(run).length >= 3) prefix = isCjk ? run : wordTerm(run);
    }
    list.forEach(function (t) { if (!seen.has(t)) { seen.add(t); out.push({ term: t, prefix: false }); } });
    if (prefix) out.forEach(function (c) { if (c.term === prefix) c.prefix = true; });
    return out;
  }

  // ---------------------------------------------------------------- index

  var ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var VALUE = new Int8Array(128);
  for (var a = 0; a < ALPHA.length; a++) VALUE[ALPHA.charCodeAt(a)] = a;
  var K1 = 1.2;
  var TOP = 200;  // results kept, best first
  var COMPLETION = 0.8;  // a longer word matching the typed prefix counts this much of an exact match

  function fnv1a(s) {
    var h = 0x811c9dc5;
    for (var i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
    return h;
  }

  function Index(manifest) {
    var s = manifest.search;
    this.manifest = manifest;
    this.split = new Set(s.split);
    this.levels = s.levels;
    this.total = 0;
    var months = {};
    s.months.forEach(function (m) {
      var at = 0;
      m.start = [];
      m.days.forEach(function (d) { m.start.push(at); at += d[1]; });
      m.n = at;
      months[m.month] = m;
    });
    this.levels.forEach(function (lv) {
      var at = 0;
      lv.parts = lv.months.map(function (key) { var m = months[key]; var p = { month: m, start: at }; at += m.n; return p; });
      this.total += lv.n;
    }, this);
    this.decoded = new Map();  // postings string -> [docs, weights]
    this.dayIndex = {};
    manifest.days.forEach(function (d, i) { this.dayIndex[d[0]] = i; }, this);
  }

  Index.prototype.groupKey = function (term) {
    var key = term.slice(0, term.charCodeAt(0) >= 0x3040 ? 1 : 3);
    while (this.split.has(key) && key.length < term.length) key = term.slice(0, key.length + 1);
    return key;
  };

  Index.prototype.buckets = function (term) {
    var h = fnv1a(this.groupKey(term));
    return Promise.all(this.levels.map(function (lv) { return load("search/" + lv.id + "/p" + (h % lv.p)); }));
  };

  Index.prototype.decode = function (enc) {
    var hit = this.decoded.get(enc);
    if (hit) return hit;
    var docs = new Int32Array(enc.length), weights = new Uint8Array(enc.length), n = 0, doc = -1, i = 0;
    while (i < enc.length) {
      var x = 0, c;
      do { c = VALUE[enc.charCodeAt(i++)]; x = (x << 5) | (c & 31); } while (c & 32);
      doc += x + 1;
      docs[n] = doc; weights[n] = VALUE[enc.charCodeAt(i++)]; n++;
    }
    hit = [docs.subarray(0, n), weights.subarray(0, n)];
    if (enc.length > 64) this.decoded.set(enc, hit);
    return hit;
  };

  // Per level, the (term, factor) alternatives of a query term found in its bucket.
  Index.prototype.alternatives = function (clause, buckets) {
    var expand = clause.prefix && !this.split.has(this.groupKey(clause.term));
    return buckets.map(function (bucket) {
      var alts = [];
      if (!expand) { if (clause.term in bucket) alts.push([clause.term, 1]); return alts; }
      for (var t in bucket) if (t.lastIndexOf(clause.term, 0) === 0) alts.push([t, t === clause.term ? 1 : COMPLETION]);
      return alts;
    });
  };

  // Doc ranges [lo, hi) of each level that fall within the days from..to (ISO dates, either may be "").
  Index.prototype.ranges = function (from, to) {
    return this.levels.map(function (lv) {
      var lo = -1, hi = -1;
      lv.parts.forEach(function (p) {
        p.month.days.forEach(function (d, i) {
          if ((from && d[0] < from) || (to && d[0] > to)) return;
          var s = p.start + p.month.start[i];
          if (lo < 0) lo = s;
          hi = s + d[1];
        });
      });
      return lo < 0 ? [0, 0] : [lo, hi];
    });
  };

  Index.prototype.search = function (query, opts) {
    var self = this, clauses = parse(query);
    opts = opts || {};
    if (!clauses.length) return Promise.resolve({ total: 0, hits: [], clauses: clauses });
    return Promise.all(clauses.map(function (c) { return self.buckets(c.term); })).then(function (perClause) {
      performance.mark("digest-search-loaded");  // for benchmarks/site_bench.py: index files in, then scored
      return self.score(clauses, perClause, self.ranges(opts.from || "", opts.to || ""), opts.all ? 0 : opts.top || TOP);
    });
  };

  // Per level, reusable work arrays (a generation stamp per doc instead of clearing them) and each doc's
  // day, as an index into the manifest's days.
  Index.prototype.work = function (li) {
    var lv = this.levels[li];
    if (lv.work) return lv.work;
    var dayOf = new Int32Array(lv.n), at = 0, dayIndex = this.dayIndex;
    lv.parts.forEach(function (p) {
      p.month.days.forEach(function (d) { dayOf.fill(dayIndex[d[0]], at, at + d[1]); at += d[1]; });
    });
    lv.work = { stamp: new Int32Array(lv.n), cur: new Float32Array(lv.n), acc: new Float32Array(lv.n),
                cnt: new Uint8Array(lv.n), dayOf: dayOf };
    return lv.work;
  };

  Index.prototype.score = function (clauses, perClause, ranges, top) {
    var self = this, N = this.total, heap = new Heap(top), total = 0, every = top ? null : [];  // top 0: all, unsorted
    var alts = clauses.map(function (c, i) { return self.alternatives(c, perClause[i]); });
    // document frequency of each alternative over every level: its IDF
    var df = new Map(), size = clauses.map(function () { return 0; });
    alts.forEach(function (perLevel, ci) {
      perLevel.forEach(function (list, li) {
        list.forEach(function (alt) {
          var n = self.decode(perClause[ci][li][alt[0]])[0].length;
          df.set(alt[0], (df.get(alt[0]) || 0) + n);
          size[ci] += n;
        });
      });
    });
    // the rarest clause first: only its documents can match them all
    var order = clauses.map(function (c, i) { return i; }).sort(function (a, b) { return size[a] - size[b]; });
    var perDay = new Int32Array(this.manifest.days.length);
    this.levels.forEach(function (lv, li) {
      var lo = ranges[li][0], hi = ranges[li][1];
      if (hi <= lo) return;
      var wk = self.work(li), stamp = wk.stamp, cur = wk.cur, acc = wk.acc, cnt = wk.cnt, touched = [];
      var gen = (self.gen = (self.gen || 0) + 1) << 5;
      for (var rank = 0; rank < order.length; rank++) {
        var ci = order[rank], list = alts[ci][li], mark = gen | rank;
        for (var k = 0; k < list.length; k++) {
          var term = list[k][0], d = df.get(term);
          var idf = Math.log(1 + (N - d + 0.5) / (d + 0.5)) * (K1 + 1) / 63 * list[k][1];
          var p = self.decode(perClause[ci][li][term]), docs = p[0], w = p[1];
          for (var j = 0; j < docs.length; j++) {
            var doc = docs[j];
            if (doc < lo || doc >= hi) continue;
            var s = w[j] * idf, st = stamp[doc];
            if ((st & ~31) !== gen) {  // not seen in this search
              if (rank) continue;
              stamp[doc] = mark; cur[doc] = s; acc[doc] = s; cnt[doc] = 1; touched.push(doc);
            } else if (st !== mark) {  // seen for the clauses before: this one matches too
              if (cnt[doc] !== rank) continue;
              stamp[doc] = mark; cur[doc] = s; acc[doc] += s; cnt[doc]++;
            } else if (s > cur[doc]) { acc[doc] += s - cur[doc]; cur[doc] = s; }  // a better alternative
          }
        }
      }
      var need = clauses.length;
      for (var y = 0; y < touched.length; y++) {
        var t = touched[y];
        if (cnt[t] !== need) continue;
        total++;
        perDay[wk.dayOf[t]]++;
        if (every) { var hit = self.locate(li, t); hit.score = acc[t]; every.push(hit); }
        else heap.push({ score: acc[t], li: li, doc: t });
      }
    });
    var byDay = {}, days = this.manifest.days;
    for (var i = 0; i < perDay.length; i++) if (perDay[i]) byDay[days[i][0]] = perDay[i];
    var hits = every || heap.sorted().map(function (h) { var x = self.locate(h.li, h.doc); x.score = h.score; return x; });
    performance.mark("digest-search-scored");
    return { total: total, days: Object.keys(byDay).length, byDay: byDay, hits: hits, clauses: clauses };
  };

  // A level's doc number -> its month, the doc's number in the month, its day.
  Index.prototype.locate = function (li, doc) {
    var parts = this.levels[li].parts, lo = 0, hi = parts.length - 1;
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (parts[mid].start <= doc) lo = mid; else hi = mid - 1; }
    var m = parts[lo].month, local = doc - parts[lo].start, a = 0, b = m.start.length - 1;
    while (a < b) { var c = (a + b + 1) >> 1; if (m.start[c] <= local) a = c; else b = c - 1; }
    return { month: m, local: local, day: m.days[a][0], pos: local - m.start[a], score: 0 };
  };

  // The result's id, title, authors, category, TL;DR.
  Index.prototype.meta = function (hit) {
    var m = hit.month;
    return load("search/" + m.id + "/m" + Math.floor(hit.local / m.m)).then(function (chunk) {
      var r = chunk[hit.local % m.m];
      return { id: r[0], title: r[1], authors: r[2], category: r[3], tldr: r[4], day: hit.day, score: hit.score };
    });
  };

  // A bounded min-heap on score: the best `size` hits.
  function Heap(size) { this.size = size; this.items = []; }
  Heap.prototype.push = function (x) {
    var a = this.items;
    if (a.length >= this.size) {
      if (x.score <= a[0].score) return;
      a[0] = x; this.down(0); return;
    }
    a.push(x);
    var i = a.length - 1;
    while (i > 0) { var p = (i - 1) >> 1; if (a[p].score <= a[i].score) break; var t = a[p]; a[p] = a[i]; a[i] = t; i = p; }
  };
  Heap.prototype.down = function (i) {
    var a = this.items, n = a.length;
    for (;;) {
      var l = 2 * i + 1, r = l + 1, m = i;
      if (l < n && a[l].score < a[m].score) m = l;
      if (r < n && a[r].score < a[m].score) m = r;
      if (m === i) return;
      var t = a[m]; a[m] = a[i]; a[i] = t; i = m;
    }
  };
  Heap.prototype.sorted = function () { return this.items.slice().sort(function (x, y) { return y.score - x.score; }); };

  // ---------------------------------------------------------------- API

  var opened = null;
  window.DigestSearch = {
    terms: terms,
    parse: parse,
    load: load,
    stats: stats,
    open: function () {
      return opened = opened || load("index").then(function (manifest) { return new Index(manifest); });
    },
  };
})();
