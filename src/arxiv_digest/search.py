"""Full-text search over the store: one SQLite FTS5 document per paper (title, authors, abstract, and the text
of all its summaries), kept in sync by the store on every write of a paper or a summary.

FTS5's own tokenizers do not cut Chinese or Japanese into words (unicode61 takes a whole run of CJK
characters as one token; the trigram tokenizer cannot match fewer than 3 characters, and its index is five
times larger). So CJK runs are indexed as overlapping character bigrams ("扩散模型" -> "扩散 散模 模型"),
the classic approach of CJK search engines, and a query is cut the same way: a 2-character query matches a
bigram, a longer one the phrase of its bigrams. Other text goes through unicode61 (case and diacritics
folded); a query word also matches longer words it begins ("diffus" finds "diffusion").

The SQL of the index lives here; the store calls `reindex` when it writes and `create` from its migration.
"""

from __future__ import annotations

import json
import re
import sqlite3
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .config import taxonomy
from .sources.listing import within

# Han (with extensions A and compatibility), kana, Hangul: scripts written without spaces between words.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u31f0-\u31ff]+")
# Title weighs most, then authors; abstract and summaries alike (bm25 column weights).
_WEIGHTS = (4.0, 2.0, 1.0, 1.0)
MAX_WORDS = 12


def index_text(text: str) -> str:
    """Text as the index sees it: every CJK run replaced by its overlapping bigrams, space-separated."""

    def bigrams(m: re.Match[str]) -> str:
        run = m.group(0)
        grams = [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
        return f" {' '.join(grams)} "

    return _CJK.sub(bigrams, text)


def create(db: sqlite3.Connection) -> None:
    """The index tables (called from the store's migration, inside its transaction), filled from the store.

    The FTS5 table is contentless (it keeps only the index, a third of the size of one with content); each
    document's text is kept compressed beside it, which is what deleting it from a contentless table needs.
    `index_text` must therefore never change without a migration that builds the index again."""
    # docid is an INTEGER PRIMARY KEY of our own: VACUUM may renumber the papers table's implicit rowids
    db.execute("CREATE TABLE search_docs (docid INTEGER PRIMARY KEY, paper_id TEXT NOT NULL UNIQUE, "
               "text BLOB NOT NULL)")  # fmt: skip
    db.execute(
        "CREATE VIRTUAL TABLE search_fts USING fts5(title, authors, abstract, summary, content='', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    ids = [r[0] for r in db.execute("SELECT id FROM papers")]
    for i in range(0, len(ids), 500):  # a long history in bounded memory
        reindex(db, ids[i : i + 500])


def _document(db: sqlite3.Connection, pid: str) -> tuple[str, str, str, str] | None:
    """A paper's searchable text as the store has it now: title, authors, abstract, all its summaries."""
    paper = db.execute("SELECT title, authors, abstract FROM papers WHERE id=?", (pid,)).fetchone()
    if paper is None:
        return None
    rows = db.execute(
        "SELECT tldr, motivation, method, result, conclusion, keywords FROM summaries WHERE paper_id=? "
        "ORDER BY language, model, prompt_version",
        (pid,),
    )
    summary = "\n".join(" ".join([*r[:5], " ".join(json.loads(r[5]))]) for r in rows)
    return paper[0], ", ".join(json.loads(paper[1])), paper[2], summary


def reindex(db: sqlite3.Connection, paper_ids: Iterable[str]) -> None:
    """Make these papers' documents match the store (call inside the writer's transaction). Reads first,
    then writes in batches: FTS5 flushes its pending changes at every writing statement, so interleaving
    reads and writes per paper would cost a flush each."""
    new: dict[str, bytes] = {}
    old: dict[str, tuple[int, bytes]] = {}
    for pid in paper_ids:
        doc = _document(db, pid)
        if doc is None:
            continue
        text = json.dumps(doc, ensure_ascii=False).encode()
        row = db.execute("SELECT docid, text FROM search_docs WHERE paper_id=?", (pid,)).fetchone()
        if row is not None and zlib.decompress(row[1]) == text:
            continue  # stored again as it was
        new[pid] = zlib.compress(text, 6)
        if row is not None:
            old[pid] = (row[0], row[1])
    if not new:
        return
    db.executemany(
        "INSERT INTO search_fts (search_fts, rowid, title, authors, abstract, summary) VALUES ('delete',?,?,?,?,?)",
        [(docid, *_tokens(text)) for docid, text in old.values()],
    )
    db.executemany(
        "INSERT INTO search_docs (paper_id, text) VALUES (?, ?) "
        "ON CONFLICT (paper_id) DO UPDATE SET text=excluded.text",
        list(new.items()),
    )
    docids = {pid: db.execute("SELECT docid FROM search_docs WHERE paper_id=?", (pid,)).fetchone()[0] for pid in new}
    db.executemany("INSERT INTO search_fts (rowid, title, authors, abstract, summary) VALUES (?,?,?,?,?)",
                   [(docids[pid], *_tokens(blob)) for pid, blob in new.items()])  # fmt: skip


def _tokens(blob: bytes) -> list[str]:
    """A stored document as the index saw it."""
    return [index_text(t) for t in json.loads(zlib.decompress(blob))]


def fts_query(words: str) -> str | None:
    """The user's words as an FTS5 query: every word must match (AND), each as a prefix phrase, so FTS5
    syntax in the input (quotes, NEAR, column filters, '*') is only ever text. None: no searchable word."""
    phrases = []
    for word in words.split()[:MAX_WORDS]:
        tokens = re.findall(r"\w+", index_text(word))
        if tokens:
            phrases.append('"' + " ".join(tokens) + '"*')
    return " AND ".join(phrases) or None


@dataclass
class Hit:
    paper_id: str
    day: date  # the day the paper was announced
    rank: float  # bm25: lower is better; 0 when there were no words


def expand_categories(categories: Iterable[str]) -> list[str]:
    """Every code a paper may carry to count as in these categories: themselves, their aliases (math.IT for
    cs.IT) and, for an archive (astro-ph), its subcategories."""
    wanted = list(categories)
    return sorted({*wanted, *(c for c in taxonomy() if any(within(c, w) for w in wanted))})


def search(
    db: sqlite3.Connection, words: str, since: date | None = None, until: date | None = None,
    categories: list[str] | None = None, limit: int = 20,
) -> list[Hit]:  # fmt: skip
    """Announced papers matching every word, best first (bm25), announced within [since, until] and carrying
    one of `categories` when given. Without words: the papers of the period, newest first."""
    where, params = [], []
    if since is not None:
        where.append("a.date >= ?")
        params.append(since.isoformat())
    if until is not None:
        where.append("a.date <= ?")
        params.append(until.isoformat())
    if categories:
        codes = expand_categories(categories)
        where.append(
            "EXISTS (SELECT 1 FROM papers p, json_each(p.categories) j WHERE p.id = a.paper_id "
            f"AND j.value IN ({','.join('?' * len(codes))}))"
        )
        params += codes
    cond = "".join(f" AND {w}" for w in where)
    query = fts_query(words)
    if query is None:
        sql = (f"SELECT a.paper_id, a.date, 0.0 FROM announcements a WHERE 1{cond} "
               "ORDER BY a.date DESC, a.position, a.paper_id")  # fmt: skip
        rows = db.execute(f"{sql} LIMIT ?", [*params, limit])
    else:
        weights = ", ".join(map(str, _WEIGHTS))
        # bm25() only works in a plain query of the FTS table: rank there, join and group outside
        sql = (
            f"WITH m AS MATERIALIZED (SELECT rowid AS docid, bm25(search_fts, {weights}) AS r FROM search_fts "
            "WHERE search_fts MATCH ?) "
            "SELECT d.paper_id, MIN(a.date), m.r FROM m JOIN search_docs d ON d.docid = m.docid "
            f"JOIN announcements a ON a.paper_id = d.paper_id WHERE 1{cond} "
            "GROUP BY d.paper_id ORDER BY m.r, MIN(a.date) DESC, d.paper_id LIMIT ?"
        )
        rows = db.execute(sql, [query, *params, limit])
    return [Hit(r[0], date.fromisoformat(r[1]), float(r[2])) for r in rows]
