// TeX in titles, abstracts and summaries, rendered by KaTeX into text nodes only (no HTML from data).
// Dollars are math only the way pandoc reads them: an opening $ has a non-space after it, the closing $
// a non-space before it and no digit after it, and nothing between them is another $. So prices and
// lone dollars stay text ("成本仅需$28-$41", "between $5 and $10 (US$ 3)"; see inlineMath for the two
// rules we add), while "$k$-means",
// "$O(n^2)$" and "$10^5$" are math; "$$...$$", "\[...\]" and "\(...\)" are math too, and "\$" is a dollar.
(function () {
  "use strict";
  var OPTIONS = {
    throwOnError: false,
    trust: false,   // no \href, \url, \includegraphics, \htmlClass...: TeX from arXiv cannot make links or HTML
    strict: "ignore",
    maxExpand: 200,
    errorColor: "var(--tex-error)",  // TeX KaTeX cannot read: shown as is, in a colour each theme can read
  };
  var PAIRS = [["$$", "$$", true], ["\\[", "\\]", true], ["\\(", "\\)", false]];

  function space(ch) { return ch === undefined || /\s/.test(ch); }

  // The next "$" at or after i that is not escaped as "\$".
  function nextDollar(text, i) {
    for (var j = text.indexOf("$", i); j >= 0; j = text.indexOf("$", j + 1)) {
      if (text[j - 1] !== "\\") return j;
    }
    return -1;
  }

  // $ at open and close delimit inline math? Besides pandoc's rules: no CJK inside ("$28，另一个$x$" is a
  // price), and a span that starts with a digit and holds a space must hold some TeX ("$10 (US$" is
  // money, "$2 \\times 3$" is math).
  function inlineMath(text, open, close) {
    if (space(text[open + 1]) || space(text[close - 1]) || /[0-9]/.test(text[close + 1] || "")) return false;
    var tex = text.slice(open + 1, close);
    if (/[\u3000-\u9fff\uff00-\uffef]/.test(tex)) return false;  // CJK text between two prices is no TeX
    return !(/^[0-9]/.test(tex) && /\s/.test(tex) && !/[\\^_{}=<>]/.test(tex));
  }

  // text -> pieces: strings, and {tex, display} for math.
  function split(text) {
    var out = [], plain = "", i = 0;
    function flush() { if (plain) out.push(plain.replace(/\\\$/g, "$")); plain = ""; }
    while (i < text.length) {
      var pair = null;
      for (var p = 0; p < PAIRS.length; p++) {
        if (text.startsWith(PAIRS[p][0], i) && (PAIRS[p][0] !== "$$" || text[i - 1] !== "\\")) { pair = PAIRS[p]; break; }
      }
      if (pair) {
        var end = text.indexOf(pair[1], i + pair[0].length);
        if (end > i + pair[0].length) {
          flush();
          out.push({ tex: text.slice(i + pair[0].length, end), display: pair[2] });
          i = end + pair[1].length;
          continue;
        }
      }
      if (text[i] === "$" && text[i - 1] !== "\\") {
        var close = nextDollar(text, i + 1);
        if (close > i + 1 && inlineMath(text, i, close)) {
          flush();
          out.push({ tex: text.slice(i + 1, close), display: false });
          i = close + 1;
          continue;
        }
      }
      plain += text[i];
      i++;
    }
    flush();
    return out;
  }

  function hasMath(pieces) {
    for (var i = 0; i < pieces.length; i++) if (typeof pieces[i] !== "string") return true;
    return false;
  }

  // Render the math in every text node under root (not inside KaTeX's own output or <mark>s).
  function render(root) {
    if (!window.katex) return;  // KaTeX missing: the TeX stays readable as it is
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (n) {
        if (n.data.indexOf("$") < 0 && n.data.indexOf("\\") < 0) return NodeFilter.FILTER_REJECT;
        return n.parentNode.closest(".katex, mark, script, template") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      },
    });
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    nodes.forEach(function (node) {
      var pieces = split(node.data);
      if (!hasMath(pieces)) {
        if (pieces.length && pieces[0] !== node.data) node.data = pieces[0];  // only "\$": a dollar
        return;
      }
      var frag = document.createDocumentFragment();
      pieces.forEach(function (piece) {
        if (typeof piece === "string") { frag.appendChild(document.createTextNode(piece)); return; }
        var span = document.createElement("span");
        var opts = Object.assign({ displayMode: piece.display }, OPTIONS);
        try { window.katex.render(piece.tex, span, opts); } catch (e) { span.textContent = piece.tex; }
        frag.appendChild(span);
      });
      node.parentNode.replaceChild(frag, node);
    });
  }

  window.DigestMath = { split: split, render: render };
})();
