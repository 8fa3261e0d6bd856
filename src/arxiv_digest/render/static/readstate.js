// Which papers this reader has read, kept in this browser (localStorage), shared by every page that
// shows papers (a day, the archive).
//
// Key format: "arxiv-digest:read:<arXiv id without version>" -> the day it was first read, "YYYY-MM-DD"
// (the reader's clock), e.g. "arxiv-digest:read:2601.18927" = "2026-01-29". One key a paper: marking
// one paper never rewrites the others, and a year of papers stays small. A paper is shown on one day
// only, so its id is enough.
//
// What counts as read is the pages' choice; the day page marks a paper read when the reader opens it
// (expands it or its details, follows one of its links) or visits it with j / k / n.
(function () {
  "use strict";
  var PREFIX = "arxiv-digest:read:";
  var memory = {};  // storage blocked (some file:// setups): remembered for this visit only
  var listeners = [];

  function today() {
    var d = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  function isRead(id) {
    if (memory[id]) return true;
    try { return localStorage.getItem(PREFIX + id) !== null; } catch (e) { return false; }
  }

  function markRead(id) {
    if (isRead(id)) return false;
    memory[id] = today();
    try { localStorage.setItem(PREFIX + id, memory[id]); } catch (e) { /* kept for this visit */ }
    listeners.forEach(function (fn) { fn(id, true); });
    return true;
  }

  function markUnread(id) {
    delete memory[id];
    try { localStorage.removeItem(PREFIX + id); } catch (e) { /* nothing stored */ }
    listeners.forEach(function (fn) { fn(id, false); });
  }

  // Another tab read (or unread) a paper.
  window.addEventListener("storage", function (ev) {
    if (ev.key && ev.key.indexOf(PREFIX) === 0) {
      var id = ev.key.slice(PREFIX.length);
      listeners.forEach(function (fn) { fn(id, ev.newValue !== null); });
    }
  });

  window.DigestRead = {
    PREFIX: PREFIX,
    isRead: isRead,
    markRead: markRead,
    markUnread: markUnread,
    onChange: function (fn) { listeners.push(fn); },  // fn(id, read)
  };
})();
