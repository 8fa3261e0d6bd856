"""The store's schema: named forward migrations, applied in order, each once, recorded in `_migrations`.
Append new ones to MIGRATIONS; never edit one that has shipped (stores out there have run it)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from .. import __version__, search
from ..errors import StoreError
from ._tables import now as _now


def _script(db: sqlite3.Connection, sql: str) -> None:
    """Run several statements inside the caller's transaction (`executescript` would commit it first)."""
    statement = ""
    for line in sql.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise sqlite3.ProgrammingError(f"incomplete SQL statement in a migration: {statement.strip()[:60]!r}")


def m001_initial(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        CREATE TABLE papers (
            id TEXT PRIMARY KEY,            -- arXiv id without version
            version INTEGER NOT NULL,
            title TEXT NOT NULL,
            authors TEXT NOT NULL,          -- JSON list, in order
            affiliations TEXT NOT NULL DEFAULT '[]',
            abstract TEXT NOT NULL,
            categories TEXT NOT NULL,       -- JSON list, primary first
            primary_category TEXT NOT NULL,
            comment TEXT, journal_ref TEXT, doi TEXT,
            published TEXT, updated TEXT,
            fetched_at TEXT NOT NULL
        );
        CREATE TABLE announcements (
            date TEXT NOT NULL,             -- announcement day, YYYY-MM-DD
            paper_id TEXT NOT NULL REFERENCES papers(id),
            section TEXT NOT NULL,          -- category it is listed under in the digest
            announce_type TEXT NOT NULL,    -- new | cross | replace | replace-cross
            position INTEGER NOT NULL,      -- order in the announcement source
            is_cross INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (date, paper_id)
        );
        CREATE INDEX announcements_paper ON announcements(paper_id);
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            command TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running',   -- running | ok | failed | empty
            detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE summaries (
            paper_id TEXT NOT NULL REFERENCES papers(id),
            language TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            kind TEXT NOT NULL,             -- llm | extractive | imported
            tldr TEXT NOT NULL, motivation TEXT NOT NULL, method TEXT NOT NULL,
            result TEXT NOT NULL, conclusion TEXT NOT NULL,
            keywords TEXT NOT NULL DEFAULT '[]',
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            PRIMARY KEY (paper_id, language, model, prompt_version)
        );
        CREATE TABLE summary_failures (
            paper_id TEXT NOT NULL REFERENCES papers(id),
            language TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            reason TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (paper_id, language, model, prompt_version)
        );
        CREATE TABLE endpoint_modes (      -- which structured-output mode worked
            endpoint TEXT NOT NULL, model TEXT NOT NULL, mode TEXT NOT NULL, updated_at TEXT NOT NULL,
            PRIMARY KEY (endpoint, model)
        );
        CREATE TABLE embeddings (
            paper_id TEXT NOT NULL, model TEXT NOT NULL, vector BLOB NOT NULL,
            PRIMARY KEY (paper_id, model)
        );
        CREATE TABLE scores (
            date TEXT NOT NULL, paper_id TEXT NOT NULL, score REAL NOT NULL,
            reasons TEXT NOT NULL DEFAULT '[]', profile TEXT NOT NULL,
            PRIMARY KEY (date, paper_id)
        );
        """
    )


def m009_run_pid(db: sqlite3.Connection) -> None:
    """Which process a run belongs to: a run whose process is gone (killed) is shown as interrupted."""
    db.execute("ALTER TABLE runs ADD COLUMN pid INTEGER")


def m012_fulltext(db: sqlite3.Connection) -> None:
    """Full text fetched from arxiv.org/html (parsed sections, compressed; never published) or why there is
    none, per paper version; and what each summary was written from."""
    _script(
        db,
        """
        CREATE TABLE fulltexts (
            paper_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            status TEXT NOT NULL,           -- ok | none (no HTML version, an error page, a failed conversion)
            body BLOB,                      -- zlib-compressed JSON of the parsed sections (status ok)
            reason TEXT NOT NULL DEFAULT '',
            chars INTEGER NOT NULL DEFAULT 0,
            fetched_at TEXT NOT NULL,
            PRIMARY KEY (paper_id, version)
        );
        ALTER TABLE summaries ADD COLUMN source TEXT NOT NULL DEFAULT 'abstract';   -- abstract | fulltext
        ALTER TABLE summaries ADD COLUMN unverified TEXT NOT NULL DEFAULT '[]';    -- JSON list of numbers
        """
    )


def m013_search_and_readers(db: sqlite3.Connection) -> None:
    """The search index over papers and summaries (search.py), and scores per named reader."""
    search.create(db)
    _script(
        db,
        """
        CREATE TABLE reader_scores (
            reader TEXT NOT NULL, date TEXT NOT NULL, paper_id TEXT NOT NULL, score REAL NOT NULL,
            reasons TEXT NOT NULL DEFAULT '[]', profile TEXT NOT NULL,
            PRIMARY KEY (reader, date, paper_id)
        );
        """,
    )


def m014_first_announcement_only(db: sqlite3.Connection) -> None:
    """A paper is listed on the day it was first announced, once. daily-arXiv-ai-enhanced wrote a file on
    days without an announcement (a copy of the day before), and importing those made days out of
    repeats: drop every new/cross row of a paper that a day before already listed (replacements stay,
    they are announcements of their own), and the scores of rows that went."""
    _script(
        db,
        """
        DELETE FROM announcements
         WHERE announce_type IN ('new', 'cross')
           AND EXISTS (SELECT 1 FROM announcements e
                        WHERE e.paper_id = announcements.paper_id AND e.date < announcements.date
                          AND e.announce_type IN ('new', 'cross'));
        DELETE FROM scores
         WHERE NOT EXISTS (SELECT 1 FROM announcements a WHERE a.date = scores.date AND a.paper_id = scores.paper_id);
        """,
    )


def m010_search_segments(db: sqlite3.Connection) -> None:
    """The site search's tokenized days and months (render/search_build.py): derived data, cached so that
    adding a day tokenizes only that day. `fingerprint` covers what the index depends on (format,
    language, categories); `digest` the content it was built from."""
    _script(
        db,
        """
        CREATE TABLE search_segments (
            fingerprint TEXT NOT NULL, key TEXT NOT NULL, digest TEXT NOT NULL,
            docs INTEGER NOT NULL, data BLOB NOT NULL, updated_at TEXT NOT NULL,
            PRIMARY KEY (fingerprint, key)
        );
        """,
    )


def m011_feedback_themes(db: sqlite3.Connection) -> None:
    for sql in (
        """CREATE TABLE feedback (
            paper_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('saved', 'dismissed')),
            day TEXT,                      -- the digest day it was starred on, when known
            at TEXT NOT NULL               -- when (UTC, ISO 8601)
        )""",
        """CREATE TABLE themes (
            scope TEXT NOT NULL,           -- 'day' | 'week'
            start TEXT NOT NULL,           -- the day, or the week's Monday
            position INTEGER NOT NULL,     -- 1-based, largest theme first
            label TEXT NOT NULL,
            terms TEXT NOT NULL,           -- JSON list of distinctive terms
            papers TEXT NOT NULL,          -- JSON list of arXiv ids, most central first
            overview TEXT,                 -- the LLM's 2-3 sentences, when an LLM was configured
            fingerprint TEXT NOT NULL,     -- what the grouping was computed from (papers + embedder)
            PRIMARY KEY (scope, start, position)
        )""",
        """CREATE TABLE llm_answers (      -- cached answers of theme overviews and relevance judgments
            key TEXT PRIMARY KEY,          -- hash of task, prompt version, model, language and input
            task TEXT NOT NULL,
            model TEXT NOT NULL,
            answer TEXT NOT NULL,          -- JSON
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        )""",
    ):
        db.execute(sql)


def m015_themes_per_reader(db: sqlite3.Connection) -> None:
    """Themes belong to a reader: with several [[readers]], each has their own papers and language."""
    for sql in (
        """CREATE TABLE themes_by_reader (
            reader TEXT NOT NULL DEFAULT '',  -- '' for the single reader, else the [[readers]] name
            scope TEXT NOT NULL, start TEXT NOT NULL, position INTEGER NOT NULL, label TEXT NOT NULL,
            terms TEXT NOT NULL, papers TEXT NOT NULL, overview TEXT, fingerprint TEXT NOT NULL,
            PRIMARY KEY (reader, scope, start, position)
        )""",
        "INSERT INTO themes_by_reader SELECT '', scope, start, position, label, terms, papers, overview, fingerprint "
        "FROM themes",
        "DROP TABLE themes",
        "ALTER TABLE themes_by_reader RENAME TO themes",
    ):
        db.execute(sql)


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    m001_initial, m009_run_pid, m011_feedback_themes, m012_fulltext, m013_search_and_readers,
    m014_first_announcement_only, m015_themes_per_reader, m010_search_segments,
]


def wal(db: sqlite3.Connection, patience: float = 30.0) -> None:
    """Switch a new database to WAL (it stays so). SQLite answers "locked" at once, without waiting, when
    another connection is switching it at the same moment: try again for a while."""
    deadline = time.monotonic() + patience
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _applied(db: sqlite3.Connection) -> set[str]:
    if db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='_migrations'").fetchone() is None:
        return set()
    return {r[0] for r in db.execute("SELECT name FROM _migrations")}


def _refuse_newer(applied: set[str]) -> None:
    """A store that a newer arxiv-digest has migrated has tables and columns this version does not know:
    writing to it could break it for the newer version. Refuse it, naming both versions."""
    unknown = sorted(applied - {fn.__name__ for fn in MIGRATIONS})
    if unknown:
        raise StoreError(
            f"the store was made by a newer arxiv-digest (its latest migration is {unknown[-1]}; this is "
            f"arxiv-digest {__version__}, whose latest is {MIGRATIONS[-1].__name__}); upgrade arxiv-digest"
        )


def migrate(db: sqlite3.Connection) -> None:
    """Apply the pending migrations in ONE transaction: a crash half-way leaves the store as it was, and
    processes opening a new store at once take turns (the others wait, then find the work done)."""
    applied = _applied(db)
    _refuse_newer(applied)
    if {fn.__name__ for fn in MIGRATIONS} <= applied:
        return  # the usual case; needs no write access
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        done = _applied(db)
        for fn in MIGRATIONS:
            if fn.__name__ not in done:
                fn(db)
                db.execute("INSERT INTO _migrations VALUES (?, ?)", (fn.__name__, _now()))
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
