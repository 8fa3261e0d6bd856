// The papers this reader saved (starred) or dismissed ("not for me"), kept in this browser, one
// localStorage key a paper (like readstate.js):
//   "arxiv-digest:saved:<id>"     -> {"id", "title", "authors": [...], "categories": [...], "day", "at"}
//   "arxiv-digest:dismissed:<id>" -> {"id", "day", "at"}
// and what can be made of them: the feedback file the profile reads (profile.feedback), BibTeX, a
// reference to paste, each as a download (a Blob: works from file://) or on the clipboard.
(function () {
  "use strict";
  var SAVED = "arxiv-digest:saved:", DISMISSED = "arxiv-digest:dismissed:";
  var memory = {};  // storage blocked: this visit only
  var listeners = [];

  function now() { return new Date().toISOString().replace(/\.\d{3}Z$/, "Z"); }

  function get(key) {
    if (key in memory) return memory[key];
    try { var raw = localStorage.getItem(key); return raw === null ? null : JSON.parse(raw); } catch (e) { return null; }
  }

  function set(key, value) {
    if (value === null) delete memory[key]; else memory[key] = value;
    try {
      if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, JSON.stringify(value));
      delete memory[key];
    } catch (e) { /* kept for this visit */ }
  }

  function all(prefix) {
    var out = {}, i, k;
    try {
      for (i = 0; i < localStorage.length; i++) {
        k = localStorage.key(i);
        if (k && k.indexOf(prefix) === 0) { var v = get(k); if (v && v.id) out[v.id] = v; }
      }
    } catch (e) { /* nothing stored */ }
    Object.keys(memory).forEach(function (key) { if (key.indexOf(prefix) === 0 && memory[key]) out[memory[key].id] = memory[key]; });
    return Object.keys(out).map(function (id) { return out[id]; }).sort(function (a, b) { return a.at < b.at ? 1 : a.at > b.at ? -1 : 0; });
  }

  function changed(id) { listeners.forEach(function (fn) { fn(id); }); }

  // rec: {id, title, authors, categories, day}
  function save(rec) {
    set(SAVED + rec.id, { id: rec.id, title: rec.title, authors: rec.authors || [], categories: rec.categories || [],
      day: rec.day, at: now() });
    set(DISMISSED + rec.id, null);  // saving undoes "not for me"
    changed(rec.id);
  }

  function unsave(id) { set(SAVED + id, null); changed(id); }

  function dismiss(rec) {
    set(DISMISSED + rec.id, { id: rec.id, day: rec.day, at: now() });
    set(SAVED + rec.id, null);
    changed(rec.id);
  }

  function undismiss(id) { set(DISMISSED + id, null); changed(id); }

  window.addEventListener("storage", function (ev) {  // another tab saved or dismissed a paper
    [SAVED, DISMISSED].forEach(function (prefix) {
      if (ev.key && ev.key.indexOf(prefix) === 0) changed(ev.key.slice(prefix.length));
    });
  });

  // ---------------------------------------------------------------- exports

  // The file profile.feedback reads: saved papers count like the reader's own papers, dismissed ones
  // against.
  function feedback() {
    return {
      format: "arxiv-digest-feedback", version: 1,
      saved: all(SAVED).map(function (r) { return { id: r.id, title: r.title, day: r.day, at: r.at }; }),
      dismissed: all(DISMISSED).map(function (r) { return { id: r.id, day: r.day, at: r.at }; }),
    };
  }

  // BibTeX text: special characters escaped, braces kept balanced (BibTeX counts a brace even after a
  // backslash, so a literal one becomes \textbraceleft{}). $...$ math with balanced braces stays TeX.
  var TEX = { "\\": "\\textbackslash{}", "{": "\\textbraceleft{}", "}": "\\textbraceright{}", "&": "\\&", "%": "\\%",
    "$": "\\$", "#": "\\#", "_": "\\_", "~": "\\textasciitilde{}", "^": "\\textasciicircum{}" };

  function texText(s) { return s.replace(/[\\{}&%$#_~^]/g, function (c) { return TEX[c]; }); }

  function balanced(s) {
    var depth = 0;
    for (var i = 0; i < s.length; i++) {
      if (s[i] === "{") depth++;
      else if (s[i] === "}" && --depth < 0) return false;
    }
    return depth === 0;
  }

  function texTitle(s) {
    var parts = s.split("$");
    if (parts.length % 2 === 0) return texText(s);  // an odd number of $: no math to keep
    return parts.map(function (p, i) {
      if (i % 2 === 0) return texText(p);
      return balanced(p) && p.indexOf("\\$") < 0 ? "$" + p.replace(/%/g, "\\%") + "$" : texText("$" + p + "$");
    }).join("");
  }

  function year(r) {
    var m = /^(\d\d)(\d\d)\./.exec(r.id);
    return m ? "20" + m[1] : (r.day || "").slice(0, 4);
  }

  function keyWord(s) {
    return (s || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]/g, "");
  }

  function citeKey(r, used) {
    var last = r.authors && r.authors.length ? r.authors[0].trim().split(/\s+/).pop() : "arxiv";
    var first = (r.title || "").split(/\s+/).map(keyWord).filter(function (w) { return w.length > 3; })[0] || "";
    var base = (keyWord(last) || "arxiv") + year(r) + first, key = base, n = 0;
    while (used[key]) key = base + String.fromCharCode(97 + n++);
    used[key] = true;
    return key;
  }

  function bibtex(recs) {
    var used = {};
    return recs.map(function (r) {
      var fields = [
        ["title", "{" + texTitle(r.title || r.id) + "}"],
        ["author", (r.authors || []).map(texText).join(" and ")],
        ["year", year(r)],
        ["eprint", r.id],
        ["archivePrefix", "arXiv"],
        ["primaryClass", (r.categories || [])[0] || ""],
        ["url", "https://arxiv.org/abs/" + r.id],
      ].filter(function (f) { return f[1]; });
      return "@misc{" + citeKey(r, used) + ",\n" + fields.map(function (f) { return "  " + f[0] + " = {" + f[1] + "}"; }).join(",\n") + "\n}\n";
    }).join("\n");
  }

  // "Y. Liu, H. Jiang, X. Gan et al. (2026). Title. arXiv:2601.18927 [eess.SP]. https://arxiv.org/abs/2601.18927"
  function reference(r) {
    var names = (r.authors || []).slice(0, 3).join(", ") + ((r.authors || []).length > 3 ? " et al." : "");
    var cat = (r.categories || [])[0];
    return (names ? names + " " : "") + "(" + year(r) + "). " + r.title + ". arXiv:" + r.id + (cat ? " [" + cat + "]" : "") +
      ". https://arxiv.org/abs/" + r.id;
  }

  function download(name, text, type) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var a = document.createElement("a");
    a.href = url; a.download = name; a.hidden = true;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return legacyCopy(text); });
    }
    return Promise.resolve(legacyCopy(text));
  }

  function legacyCopy(text) {
    var t = document.createElement("textarea");
    t.value = text; t.setAttribute("readonly", ""); t.style.position = "fixed"; t.style.opacity = "0";
    document.body.appendChild(t);
    t.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    t.remove();
    if (!ok) throw new Error("copy refused");
  }

  // ---------------------------------------------------------------- buttons on a card

  // The page's words (its config's `ui`, from render/ui.py), English when a page has none.
  var words = null;
  function word(key, fallback) {
    if (words === null) {
      try { words = JSON.parse(document.getElementById("digest-config").textContent).ui || {}; } catch (e) { words = {}; }
    }
    return words[key] || fallback;
  }

  function button(cls, label, title) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "act " + cls; b.textContent = label; b.title = title;
    return b;
  }

  // Save / not-for-me / cite buttons on a card; rec as for save().
  function decorate(card, rec) {
    var row = document.createElement("span");
    row.className = "actions";
    var star = button("act-save", word("save", "\u2606 Save"), word("save_title", "Save this paper"));
    var no = button("act-dismiss", word("dismiss", "Not for me"), word("dismiss_title", "Fewer papers like this"));
    var cite = button("act-cite", word("cite", "Cite"), word("cite_title", "Copy a citation"));
    cite.setAttribute("aria-expanded", "false");
    var menu = document.createElement("span");
    menu.className = "cite-menu";
    menu.hidden = true;
    var bib = button("cite-bibtex", word("copy_bibtex", "Copy BibTeX"), "@misc{...}");
    var ref = button("cite-ref", word("copy_ref", "Copy reference"), "Authors (year). Title. arXiv:id");
    menu.appendChild(bib); menu.appendChild(ref);
    cite.addEventListener("click", function () {
      menu.hidden = !menu.hidden;
      cite.setAttribute("aria-expanded", menu.hidden ? "false" : "true");
    });
    row.appendChild(star); row.appendChild(no); row.appendChild(cite); row.appendChild(menu);
    function sync() {
      var on = isSaved(rec.id), off = isDismissed(rec.id);
      star.textContent = on ? word("saved", "\u2605 Saved") : word("save", "\u2606 Save");
      star.setAttribute("aria-pressed", on ? "true" : "false");
      no.setAttribute("aria-pressed", off ? "true" : "false");
      card.classList.toggle("saved", on);
      card.classList.toggle("dismissed", off);
    }
    star.addEventListener("click", function () { if (isSaved(rec.id)) unsave(rec.id); else save(rec); sync(); });
    no.addEventListener("click", function () { if (isDismissed(rec.id)) undismiss(rec.id); else dismiss(rec); sync(); });
    function copied(b, text) {
      copy(text).then(function () { b.textContent = word("copied", "Copied"); }, function () { b.textContent = word("copy_failed", "Copy failed"); })
        .then(function () {
          setTimeout(function () { bib.textContent = word("copy_bibtex", "Copy BibTeX"); ref.textContent = word("copy_ref", "Copy reference"); }, 1500);
        });
    }
    bib.addEventListener("click", function () { copied(bib, bibtex([rec])); });
    ref.addEventListener("click", function () { copied(ref, reference(rec)); });
    listeners.push(function (id) { if (id === rec.id) sync(); });
    sync();
    var links = card.querySelector(".links");
    (links || card).insertBefore(row, links ? links.querySelector(".arxiv-id") : null);
    return row;
  }

  function isSaved(id) { return !!get(SAVED + id); }
  function isDismissed(id) { return !!get(DISMISSED + id); }

  window.DigestSaved = {
    save: save, unsave: unsave, dismiss: dismiss, undismiss: undismiss, isSaved: isSaved, isDismissed: isDismissed,
    saved: function () { return all(SAVED); }, dismissed: function () { return all(DISMISSED); },
    feedback: feedback, bibtex: bibtex, reference: reference, download: download, copy: copy, decorate: decorate,
    word: word,
    onChange: function (fn) { listeners.push(fn); },
  };
})();
