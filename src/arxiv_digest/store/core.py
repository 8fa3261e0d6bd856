"""`Store`: opening the database, the write lock, transactions, papers, announcements, runs, and the day
as render reads it. The other tables' methods come from the mixins."""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .. import search
from ..errors import StoreError, StoreLocked
from ..models import DayDigest, DayEntry, Paper
from ..redact import NO_SECRETS, Secrets
from ._tables import now as _now
from .derived import DerivedTables
from .migrations import migrate, wal
from .personal import PersonalTables
from .summaries import SummaryTables

LOCK_NAME = "arxiv-digest.lock"


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


def _connect(data_dir: Path) -> sqlite3.Connection:
    db = sqlite3.connect(data_dir / "arxiv-digest.db", timeout=30, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


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


@dataclass
class AnnouncementRow:
    paper_id: str
    section: str
    announce_type: str
    position: int
    is_cross: bool


# ---------------------------------------------------------------- the store


class Store(SummaryTables, DerivedTables, PersonalTables):
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
            db = _connect(data_dir)
            wal(db)
            migrate(db)
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"cannot open store in {data_dir}: {e}") from None
        except StoreError as e:
            db.close()
            raise StoreError(f"cannot open store in {data_dir}: {e}") from None
        return cls(data_dir, db, secrets)

    def sibling(self) -> Store:
        """Another connection to this store, for a thread of its own (SQLite connections stay in the thread
        that made them). It writes under this handle's lock and holds none of its own; close it in its thread."""
        try:
            return Store(self.data_dir, _connect(self.data_dir), self.secrets)
        except sqlite3.Error as e:
            raise StoreError(f"cannot open store in {self.data_dir}: {e}") from None

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
