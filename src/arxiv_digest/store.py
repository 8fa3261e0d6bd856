"""The local store: one SQLite file, the single source of truth between the stages.

WAL mode, foreign keys, forward migrations recorded in `_migrations`, and a write lock (flock on a
file next to the database) so that two processes never interleave their writes.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from . import __version__, search
from .errors import StoreError, StoreLocked
from .models import DayDigest, DayEntry, Paper, StoredSummary, Summary
from .personal_store import PersonalTables, m011_feedback_themes, m015_themes_per_reader
from .redact import NO_SECRETS, Secrets

LOCK_NAME = "arxiv-digest.lock"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------- migrations


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


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    m001_initial, m009_run_pid, m011_feedback_themes, m012_fulltext, m013_search_and_readers,
    m014_first_announcement_only, m015_themes_per_reader, m010_search_segments,
]


def _wal(db: sqlite3.Connection, patience: float = 30.0) -> None:
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


def _migrate(db: sqlite3.Connection) -> None:
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


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this pid exists (None, a run from before pids were kept: no)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True


# ---------------------------------------------------------------- rows


def _paper_row(p: Paper, x: Secrets) -> tuple[Any, ...]:
    return (
        p.id, p.version, x.scrub(p.title), json.dumps(x.scrub_json(p.authors), ensure_ascii=False),
        json.dumps(x.scrub_json(p.affiliations), ensure_ascii=False), x.scrub(p.abstract),
        json.dumps(p.categories), p.categories[0], x.scrub_opt(p.comment), x.scrub_opt(p.journal_ref),
        x.scrub_opt(p.doi),
        p.published.isoformat() if p.published else None,
        p.updated.isoformat() if p.updated else None, _now(),
    )  # fmt: skip


def _paper(r: sqlite3.Row) -> Paper:
    return Paper(
        id=r["id"], version=r["version"], title=r["title"], authors=json.loads(r["authors"]),
        abstract=r["abstract"], categories=json.loads(r["categories"]), comment=r["comment"],
        journal_ref=r["journal_ref"], doi=r["doi"],
        published=datetime.fromisoformat(r["published"]) if r["published"] else None,
        updated=datetime.fromisoformat(r["updated"]) if r["updated"] else None,
        affiliations=json.loads(r["affiliations"]),
    )  # fmt: skip


def _summary(r: sqlite3.Row) -> StoredSummary:
    fields = {k: r[k] for k in ("tldr", "motivation", "method", "result", "conclusion")}
    # verbatim: the stored text is given back as it was stored (an imported summary keeps its spacing)
    s = Summary.model_validate({**fields, "keywords": json.loads(r["keywords"])}, context={"verbatim": True})
    return StoredSummary(s, r["kind"], r["language"], r["model"], r["prompt_version"], r["source"],
                         json.loads(r["unverified"]))  # fmt: skip


@dataclass
class AnnouncementRow:
    paper_id: str
    section: str
    announce_type: str
    position: int
    is_cross: bool


# ---------------------------------------------------------------- the store


class Store(PersonalTables):
    """A handle on the data directory's database. Use `Store.open(data_dir)`."""

    def __init__(self, data_dir: Path, db: sqlite3.Connection, secrets: Secrets = NO_SECRETS) -> None:
        self.data_dir = data_dir
        self.db = db
        # scrubbed from every text written here (papers, summaries, failure reasons, run details)
        self.secrets = secrets
        self._lock_fd: int | None = None
        self._unindexed: set[str] = set()  # papers written in the open transaction, indexed before COMMIT

    @classmethod
    def open(cls, data_dir: Path, secrets: Secrets = NO_SECRETS) -> Store:
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(data_dir / "arxiv-digest.db", timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            _wal(db)
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=NORMAL")
            _migrate(db)
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"cannot open store in {data_dir}: {e}") from None
        except StoreError as e:
            db.close()
            raise StoreError(f"cannot open store in {data_dir}: {e}") from None
        return cls(data_dir, db, secrets)

    @classmethod
    def open_readonly(cls, data_dir: Path) -> Store:
        """A connection that cannot write (the MCP server's). An older store is upgraded first, the one
        write it may need; a missing one is an error rather than an empty new store."""
        path = data_dir / "arxiv-digest.db"
        if not path.is_file():
            raise StoreError(f"no store in {data_dir}: run `arxiv-digest fetch` (or `run`) first")
        cls.open(data_dir).close()  # applies pending migrations, if any
        try:
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA query_only=ON")
        except sqlite3.Error as e:
            raise StoreError(f"cannot open store in {data_dir}: {e}") from None
        return cls(data_dir, db)

    def close(self) -> None:
        self.release_lock()
        self.db.close()

    def files(self) -> list[Path]:
        """The store's own files (the database and its journals, the lock, anything else in the data dir):
        no output may replace one."""
        db = self.data_dir / "arxiv-digest.db"
        named = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"), self.data_dir / LOCK_NAME]
        try:
            others = [p for p in self.data_dir.iterdir() if p.is_file() and p not in named]
        except OSError:
            others = []
        return named + others

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- concurrency

    def acquire_lock(self) -> None:
        """Take the data directory's write lock, or fail at once naming the holder."""
        if self._lock_fd is not None:
            return
        path = self.data_dir / LOCK_NAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise StoreError(f"cannot take the write lock {path}: {e.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise StoreLocked(
                f"another arxiv-digest process (pid {holder}) is writing to {self.data_dir}; "
                "wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._lock_fd = fd
        self._close_interrupted_runs()

    def _close_interrupted_runs(self) -> None:
        """Runs are written under the lock, so with the lock held no other run can still be going: one left
        "running" was killed before it could finish."""
        try:
            with self.transaction():
                self.db.execute("UPDATE runs SET status='interrupted' WHERE status='running' AND "
                                "(pid IS NULL OR pid != ?)", (os.getpid(),))  # fmt: skip
        except StoreError:
            self.release_lock()
            raise

    def release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing releases the flock
            self._lock_fd = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All-or-nothing: on any exception the store is exactly as before. Inside another transaction it
        joins that one. A database failure (a full disk...) becomes one StoreError."""
        if self.db.in_transaction:
            yield self.db
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
                search.reindex(self.db, sorted(self._unindexed))
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
            finally:
                self._unindexed.clear()
        except sqlite3.Error as e:
            raise StoreError(f"cannot write to the store in {self.data_dir}: {e}") from None

    # -- papers

    def upsert_paper(self, paper: Paper) -> None:
        """Insert, or replace only if this version is at least as new as the stored one."""
        self.db.execute(
            """INSERT INTO papers VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
               ON CONFLICT(id) DO UPDATE SET
                 version=excluded.version, title=excluded.title, authors=excluded.authors,
                 affiliations=excluded.affiliations, abstract=excluded.abstract,
                 categories=excluded.categories, primary_category=excluded.primary_category,
                 comment=excluded.comment, journal_ref=excluded.journal_ref, doi=excluded.doi,
                 published=excluded.published, updated=excluded.updated, fetched_at=excluded.fetched_at
               WHERE excluded.version >= papers.version""",
            _paper_row(paper, self.secrets),
        )
        self._index(paper.id)

    def _index(self, paper_id: str) -> None:
        """Keep the search index in step with a write: at once, or at the end of the open transaction (FTS5
        flushes its pending changes between statements, so a batch is far cheaper indexed once at the end)."""
        if self.db.in_transaction:
            self._unindexed.add(paper_id)
        else:
            search.reindex(self.db, [paper_id])

    def get_paper(self, paper_id: str) -> Paper | None:
        r = self.db.execute("SELECT * FROM papers WHERE id=?", (paper_id,)).fetchone()
        return _paper(r) if r else None

    def _rows_for(self, query: str, ids: Iterable[str], *params: Any) -> list[sqlite3.Row]:
        """Run `query` (with one `{}` for the IN list, after `params`) over ids in chunks, so a long
        history is never scanned whole and SQLite's variable limit is never hit."""
        ids = list(dict.fromkeys(ids))
        rows: list[sqlite3.Row] = []
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows += self.db.execute(query.format(",".join("?" * len(chunk))), [*params, *chunk])
        return rows

    def papers(self, ids: Iterable[str]) -> dict[str, Paper]:
        return {r["id"]: _paper(r) for r in self._rows_for("SELECT * FROM papers WHERE id IN ({})", ids)}

    def versions(self, ids: Iterable[str]) -> dict[str, int]:
        return {pid: p.version for pid, p in self.papers(ids).items()}

    # -- announcements

    def add_announcements(self, day: date, rows: Iterable[AnnouncementRow]) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO announcements VALUES (?,?,?,?,?,?)",
            [(day.isoformat(), r.paper_id, r.section, r.announce_type, r.position, int(r.is_cross))
             for r in rows],
        )  # fmt: skip

    def announced_dates(self) -> list[date]:
        rows = self.db.execute("SELECT DISTINCT date FROM announcements ORDER BY date")
        return [date.fromisoformat(r[0]) for r in rows]

    def last_announced(self) -> date | None:
        r = self.db.execute("SELECT MAX(date) FROM announcements").fetchone()
        return date.fromisoformat(r[0]) if r and r[0] else None

    def has_day(self, day: date) -> bool:
        q = "SELECT 1 FROM announcements WHERE date=? LIMIT 1"
        return self.db.execute(q, (day.isoformat(),)).fetchone() is not None

    def announced_earlier(self, ids: Iterable[str], day: date) -> set[str]:
        """Of these ids, those already announced on a day before `day`."""
        return set(self.first_days(ids, day))

    def first_days(self, ids: Iterable[str], before: date) -> dict[str, date]:
        """Of these ids, those announced on a day before `before`, with the first such day."""
        q = "SELECT paper_id, MIN(date) FROM announcements WHERE date < ? AND paper_id IN ({}) GROUP BY paper_id"
        return {r[0]: date.fromisoformat(r[1]) for r in self._rows_for(q, ids, before.isoformat())}

    def unannounce_after(self, ids: Iterable[str], day: date) -> dict[date, int]:
        """Take these papers off the days after `day` that list them as new or cross (and drop those
        rows' scores): they belong to `day`, the first to announce them. Returns rows removed per day."""
        q = ("SELECT date, paper_id FROM announcements WHERE date > ? AND announce_type IN ('new', 'cross') "
             "AND paper_id IN ({})")  # fmt: skip
        rows = [(r[0], r[1]) for r in self._rows_for(q, ids, day.isoformat())]
        self.db.executemany("DELETE FROM announcements WHERE date=? AND paper_id=?", rows)
        self.db.executemany("DELETE FROM scores WHERE date=? AND paper_id=?", rows)
        return dict(Counter(date.fromisoformat(d) for d, _ in rows))

    def day_rows(self, day: date) -> list[sqlite3.Row]:
        q = "SELECT * FROM announcements WHERE date=? ORDER BY position"
        return list(self.db.execute(q, (day.isoformat(),)))

    def first_announcement(self, paper_id: str) -> sqlite3.Row | None:
        """The announcement row of the day that first listed the paper (None: never announced)."""
        q = "SELECT * FROM announcements WHERE paper_id=? ORDER BY date LIMIT 1"
        return self.db.execute(q, (paper_id,)).fetchone()

    def day_papers(self, day: date) -> list[Paper]:
        rows = self.day_rows(day)
        papers = self.papers(r["paper_id"] for r in rows)
        return [papers[r["paper_id"]] for r in rows]

    # -- runs

    def _detail(self, detail: dict[str, Any] | None) -> str:
        return json.dumps(self.secrets.scrub_json(json.loads(json.dumps(detail or {}, default=str))))

    def start_run(self, command: str, detail: dict[str, Any] | None = None) -> int:
        cur = self.db.execute(
            "INSERT INTO runs (command, started_at, detail, pid) VALUES (?,?,?,?)",
            (command, _now(), self._detail(detail), os.getpid()),
        )
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, status: str, detail: dict[str, Any] | None = None) -> None:
        self.db.execute(
            "UPDATE runs SET finished_at=?, status=?, detail=? WHERE id=?",
            (_now(), status, self._detail(detail), run_id),
        )

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """The last runs, newest first; one still marked running whose process is gone says "interrupted"."""
        rows = [dict(r) for r in self.db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))]
        for r in rows:
            if r["status"] == "running" and not pid_alive(r["pid"]):
                r["status"] = "interrupted"
        return rows

    # -- summaries

    def save_summary(
        self, paper_id: str, s: StoredSummary, prompt_tokens: int = 0, completion_tokens: int = 0,
        cost_usd: float = 0.0,
    ) -> None:  # fmt: skip
        """Commit one summary at once (a crash loses only what is in flight) and clear its failure."""
        key = (paper_id, s.language, s.model, s.prompt_version)
        with self.transaction():
            self._insert_summary(paper_id, s, prompt_tokens, completion_tokens, cost_usd)
            self.db.execute(
                "DELETE FROM summary_failures WHERE paper_id=? AND language=? AND model=? AND prompt_version=?",
                key,
            )

    def put_summary(self, paper_id: str, s: StoredSummary) -> None:
        """Write one summary without committing, for callers inside `transaction()` (JSONL import)."""
        self._insert_summary(paper_id, s)

    def _insert_summary(self, paper_id: str, s: StoredSummary, prompt_tokens: int = 0, completion_tokens: int = 0,
                        cost_usd: float = 0.0) -> None:  # fmt: skip
        sm = self.secrets.summary(s.summary)
        self.db.execute(
            """INSERT OR REPLACE INTO summaries (paper_id, language, model, prompt_version, kind, tldr, motivation,
                 method, result, conclusion, keywords, prompt_tokens, completion_tokens, cost_usd, created_at,
                 source, unverified) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
            (paper_id, s.language, s.model, s.prompt_version, s.kind, sm.tldr, sm.motivation, sm.method,
             sm.result, sm.conclusion, json.dumps(sm.keywords, ensure_ascii=False), prompt_tokens,
             completion_tokens, cost_usd, _now(), s.source, json.dumps(s.unverified, ensure_ascii=False)),
        )  # fmt: skip
        self._index(paper_id)

    def record_failure(self, paper_id: str, language: str, model: str, prompt_version: str, reason: str) -> int:
        """Count one more failed attempt; returns the attempt count."""
        reason = self.secrets.scrub(reason)
        with self.transaction():
            self.db.execute(
                """INSERT INTO summary_failures VALUES (?,?,?,?,1,?,?)
                   ON CONFLICT DO UPDATE SET attempts=attempts+1, reason=excluded.reason,
                   updated_at=excluded.updated_at""",
                (paper_id, language, model, prompt_version, reason, _now()),
            )
            r = self.db.execute(
                "SELECT attempts FROM summary_failures WHERE paper_id=? AND language=? AND model=? "
                "AND prompt_version=?",
                (paper_id, language, model, prompt_version),
            ).fetchone()
        return int(r[0])

    def summarized_ids(self, ids: Iterable[str], language: str, model: str, prompt_version: str) -> set[str]:
        q = "SELECT paper_id FROM summaries WHERE language=? AND model=? AND prompt_version=? AND paper_id IN ({})"
        return {r[0] for r in self._rows_for(q, ids, language, model, prompt_version)}

    def failures(
        self, ids: Iterable[str], language: str, model: str, prompt_version: str
    ) -> dict[str, tuple[int, str]]:
        """paper_id -> (attempts, last reason) for this summary key."""
        q = ("SELECT paper_id, attempts, reason FROM summary_failures "
             "WHERE language=? AND model=? AND prompt_version=? AND paper_id IN ({})")  # fmt: skip
        return {r[0]: (r[1], r[2]) for r in self._rows_for(q, ids, language, model, prompt_version)}

    def days_with_failures(
        self, language: str, model: str, max_attempts: int, since: date, prompt_version: str | None = None
    ) -> list[date]:
        """Stored days since `since` with papers whose summary failed and may still be retried (under this
        prompt version when given: a failure under an older prompt is no reason to redo its whole day)."""
        q = """SELECT DISTINCT a.date FROM announcements a JOIN summary_failures f ON f.paper_id = a.paper_id
               WHERE a.date >= ? AND f.language = ? AND f.model = ? AND f.attempts < ?
                 AND (? IS NULL OR f.prompt_version = ?) ORDER BY a.date"""
        rows = self.db.execute(q, (since.isoformat(), language, model, max_attempts, prompt_version, prompt_version))
        return [date.fromisoformat(r[0]) for r in rows]

    def best_summaries(self, ids: Iterable[str], language: str) -> dict[str, StoredSummary]:
        """The summary to show per paper: in the reader's language (llm/imported, newest first),
        else an extractive one (English, labelled as such by the renderers)."""
        rank = {"llm": 0, "imported": 0, "extractive": 1}
        best: dict[str, tuple[int, StoredSummary]] = {}
        for r in self._rows_for("SELECT * FROM summaries WHERE paper_id IN ({}) ORDER BY created_at DESC", ids):
            if r["kind"] != "extractive" and r["language"].lower() != language.lower():
                continue
            cur = best.get(r["paper_id"])
            if cur is None or rank[r["kind"]] < cur[0]:  # newest first, so ties keep the newest
                best[r["paper_id"]] = (rank[r["kind"]], _summary(r))
        return {pid: v[1] for pid, v in best.items()}

    def summary_usage(self, ids: Iterable[str]) -> tuple[int, int, float]:
        """Summed prompt tokens, completion tokens and cost for these papers' summaries."""
        tot = [0, 0, 0.0]
        q = "SELECT prompt_tokens, completion_tokens, cost_usd FROM summaries WHERE paper_id IN ({})"
        for r in self._rows_for(q, ids):
            tot[0] += r[0]
            tot[1] += r[1]
            tot[2] += r[2]
        return int(tot[0]), int(tot[1]), float(tot[2])

    def tokens_by_source(self, ids: Iterable[str], language: str, model: str) -> dict[str, tuple[int, int]]:
        """source -> (summaries, prompt + completion tokens) of these papers' LLM summaries for this key."""
        q = ("SELECT source, COUNT(*), SUM(prompt_tokens + completion_tokens) FROM summaries WHERE kind = 'llm' "
             "AND language = ? AND model = ? AND paper_id IN ({}) GROUP BY source")  # fmt: skip
        out: dict[str, list[int]] = {}
        for r in self._rows_for(q, ids, language, model):  # chunks of ids: add them up
            cur = out.setdefault(r[0], [0, 0])
            cur[0] += r[1]
            cur[1] += r[2] or 0
        return {k: (v[0], v[1]) for k, v in out.items()}

    # -- full text (never published: arXiv's terms allow re-serving metadata, not papers)

    def save_fulltext(self, paper_id: str, version: int, status: str, body: bytes | None, reason: str = "",
                      chars: int = 0) -> None:  # fmt: skip
        """Record one page's outcome at once: a crash never costs a page fetched at robots.txt's pace."""
        with self.transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO fulltexts VALUES (?,?,?,?,?,?,?)",
                (paper_id, version, status, body, reason, chars, _now()),
            )

    def fulltexts(self, ids: Iterable[str]) -> dict[str, sqlite3.Row]:
        """The newest version's full-text record per paper id (body still compressed)."""
        q = "SELECT * FROM fulltexts WHERE paper_id IN ({}) ORDER BY version"
        return {r["paper_id"]: r for r in self._rows_for(q, ids)}

    # -- structured-output mode memory

    def get_mode(self, endpoint: str, model: str) -> str | None:
        q = "SELECT mode FROM endpoint_modes WHERE endpoint=? AND model=?"
        r = self.db.execute(q, (endpoint, model)).fetchone()
        return r[0] if r else None

    def set_mode(self, endpoint: str, model: str, mode: str) -> None:
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO endpoint_modes VALUES (?,?,?,?)", (endpoint, model, mode, _now()))

    # -- embeddings and scores (personalization)

    def get_embeddings(self, ids: Iterable[str], model: str) -> dict[str, bytes]:
        q = "SELECT paper_id, vector FROM embeddings WHERE model=? AND paper_id IN ({})"
        return {r[0]: r[1] for r in self._rows_for(q, ids, model)}

    def save_embeddings(self, model: str, vectors: dict[str, bytes]) -> None:
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?,?,?)", [(k, model, v) for k, v in vectors.items()]
            )

    def save_scores(
        self, day: date, profile: str, scores: Iterable[tuple[str, float, list[Any]]], reader: str | None = None
    ) -> None:
        """Replace the day's scores: the single reader's, or a named reader's ([[readers]])."""
        table, key = ("scores", ()) if reader is None else ("reader_scores", (reader,))
        with self.transaction():
            self.db.execute(f"DELETE FROM {table} WHERE {'reader=? AND ' * len(key)}date=?", (*key, day.isoformat()))
            self.db.executemany(
                f"INSERT INTO {table} VALUES ({'?,' * len(key)}?,?,?,?,?)",
                [(*key, day.isoformat(), pid, sc, json.dumps(self.secrets.scrub_json(rs), ensure_ascii=False), profile)
                 for pid, sc, rs in scores],
            )  # fmt: skip

    def get_scores(self, day: date, reader: str | None = None) -> dict[str, tuple[float, list[Any]]]:
        table, key = ("scores", ()) if reader is None else ("reader_scores", (reader,))
        q = f"SELECT paper_id, score, reasons FROM {table} WHERE {'reader=? AND ' * len(key)}date=?"
        return {r[0]: (r[1], json.loads(r[2])) for r in self.db.execute(q, (*key, day.isoformat()))}

    # -- across days (render/trends.py, render/week.py)

    def score_reasons(self, reader: str | None = None) -> list[tuple[date, list[Any]]]:
        """(day, reasons) of every scored paper: the reader's keyword and author hits over time."""
        table, key = ("scores", ()) if reader is None else ("reader_scores", (reader,))
        rows = self.db.execute(f"SELECT date, reasons FROM {table} {'WHERE reader=? ' * len(key)}ORDER BY date", key)
        return [(date.fromisoformat(r[0]), json.loads(r[1])) for r in rows]

    # -- the site search's cache (render/search_build.py)

    def search_segment_digests(self, fingerprint: str) -> dict[str, tuple[str, int]]:
        """key -> (digest, documents) of every cached segment."""
        rows = self.db.execute("SELECT key, digest, docs FROM search_segments WHERE fingerprint=?", (fingerprint,))
        return {r[0]: (r[1], r[2]) for r in rows}

    def get_search_segment(self, fingerprint: str, key: str, digest: str | None = None) -> bytes | None:
        """The cached segment under `key` (only if made from `digest`, when given)."""
        q = "SELECT data FROM search_segments WHERE fingerprint=? AND key=? AND (? IS NULL OR digest=?)"
        r = self.db.execute(q, (fingerprint, key, digest, digest)).fetchone()
        return bytes(r[0]) if r else None

    def drop_search_segments(self, keep: str) -> None:
        """Forget cached segments whose fingerprint does not start with `keep` (another format's)."""
        stale = "FROM search_segments WHERE fingerprint NOT LIKE ?"
        if self.db.execute(f"SELECT 1 {stale} LIMIT 1", (keep + "%",)).fetchone():  # writes only when needed
            with self.transaction():
                self.db.execute(f"DELETE {stale}", (keep + "%",))

    def put_search_segment(self, fingerprint: str, key: str, digest: str, docs: int, data: bytes) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO search_segments VALUES (?,?,?,?,?,?)",
                (fingerprint, key, digest, docs, data, _now()),
            )

    # -- the day, for render

    def load_day(self, day: date, categories: list[str], language: str, reader: str | None = None) -> DayDigest:
        rows = self.day_rows(day)
        ids = [r["paper_id"] for r in rows]
        papers = self.papers(ids)
        summaries = self.best_summaries(ids, language)
        scores = self.get_scores(day, reader)
        q = "SELECT paper_id, reason FROM summary_failures WHERE paper_id IN ({}) ORDER BY updated_at"
        fails = {r[0]: r[1] for r in self._rows_for(q, ids)}
        entries = [
            DayEntry(
                paper=papers[r["paper_id"]], section=r["section"], position=r["position"],
                announce_type=r["announce_type"], is_cross=bool(r["is_cross"]),
                summary=summaries.get(r["paper_id"]),
                failure=None if r["paper_id"] in summaries else fails.get(r["paper_id"]),
                score=scores[r["paper_id"]][0] if r["paper_id"] in scores else None,
                reasons=scores[r["paper_id"]][1] if r["paper_id"] in scores else [],
            )
            for r in rows
        ]
        themes = self.get_themes("day", day, reader)[1]
        return DayDigest(date=day, categories=categories, entries=entries, language=language, themes=themes)
