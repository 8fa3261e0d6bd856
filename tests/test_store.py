"""The store: migrations, newer-version-wins upserts, all-or-nothing transactions, the write lock."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from arxiv_digest.errors import StoreError, StoreLocked
from arxiv_digest.models import Paper, StoredSummary, Summary
from arxiv_digest.store import MIGRATIONS, AnnouncementRow, Store

DAY = date(2026, 1, 28)


def paper(pid: str = "2601.00001", version: int = 1, title: str = "A title") -> Paper:
    return Paper(id=pid, version=version, title=title, authors=["A B", "C D"], abstract="Abs.",
                 categories=["cs.LG", "stat.ML"])  # fmt: skip


def summary(text: str = "x") -> Summary:
    return Summary(tldr=text, motivation=text, method=text, result=text, conclusion=text)


def test_migrations_recorded_once(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    with Store.open(tmp_path) as s:
        names = [r[0] for r in s.db.execute("SELECT name FROM _migrations ORDER BY rowid")]
        assert names == [fn.__name__ for fn in MIGRATIONS] and names[0] == "m001_initial"
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_upsert_keeps_newest_version(tmp_path: Path) -> None:
    with Store.open(tmp_path) as s:
        s.upsert_paper(paper(version=2, title="v2"))
        s.upsert_paper(paper(version=1, title="v1"))
        got = s.get_paper("2601.00001")
        assert got is not None and got.version == 2 and got.title == "v2"
        s.upsert_paper(paper(version=3, title="v3"))
        assert s.versions(["2601.00001"]) == {"2601.00001": 3}
        assert got.authors == ["A B", "C D"] and got.categories == ["cs.LG", "stat.ML"]


def test_transaction_rolls_back_everything(tmp_path: Path) -> None:
    with Store.open(tmp_path) as s:
        with pytest.raises(RuntimeError), s.transaction():
            s.upsert_paper(paper())
            s.add_announcements(DAY, [AnnouncementRow("2601.00001", "cs.LG", "new", 1, False)])
            raise RuntimeError("network died")
        assert s.get_paper("2601.00001") is None
        assert s.last_announced() is None


def test_announcements_and_day(tmp_path: Path) -> None:
    with Store.open(tmp_path) as s, s.transaction():
        s.upsert_paper(paper("2601.00002"))
        s.upsert_paper(paper("2601.00001"))
        s.add_announcements(DAY, [AnnouncementRow("2601.00002", "cs.LG", "new", 1, False),
                                  AnnouncementRow("2601.00001", "stat.ML", "cross", 2, True)])  # fmt: skip
    with Store.open(tmp_path) as s:
        assert s.has_day(DAY) and not s.has_day(date(2026, 1, 29))
        assert [p.id for p in s.day_papers(DAY)] == ["2601.00002", "2601.00001"]
        assert s.announced_earlier(["2601.00001", "2601.99999"], date(2026, 1, 29)) == {"2601.00001"}
        assert s.announced_earlier(["2601.00001"], DAY) == set()


def test_summaries_failures_and_best_choice(tmp_path: Path) -> None:
    with Store.open(tmp_path) as s:
        s.upsert_paper(paper())
        s.add_announcements(DAY, [AnnouncementRow("2601.00001", "cs.LG", "new", 1, False)])
        assert s.record_failure("2601.00001", "Chinese", "m", "v1", "bad json") == 1
        assert s.record_failure("2601.00001", "Chinese", "m", "v1", "bad json again") == 2
        assert s.failures(["2601.00001"], "Chinese", "m", "v1") == {"2601.00001": (2, "bad json again")}
        day = s.load_day(DAY, ["cs.LG"], "Chinese")
        assert day.entries[0].summary is None and day.entries[0].failure == "bad json again"

        s.save_summary("2601.00001", StoredSummary(summary("en"), "extractive", "English", "offline", "x1"))
        assert s.best_summaries(["2601.00001"], "Chinese")["2601.00001"].kind == "extractive"
        s.save_summary("2601.00001", StoredSummary(summary("中文"), "llm", "Chinese", "m", "v1"), 10, 5, 0.01)
        best = s.best_summaries(["2601.00001"], "Chinese")["2601.00001"]
        assert best.kind == "llm" and best.summary.tldr == "中文"
        assert s.failures(["2601.00001"], "Chinese", "m", "v1") == {}  # success clears the failure
        assert s.summarized_ids(["2601.00001"], "Chinese", "m", "v1") == {"2601.00001"}
        assert s.summary_usage(["2601.00001"]) == (10, 5, 0.01)


def test_second_writer_gets_a_clear_message(tmp_path: Path) -> None:
    with Store.open(tmp_path) as s:
        s.acquire_lock()
        code = (
            "import sys; from pathlib import Path; from arxiv_digest.store import Store\n"
            "from arxiv_digest.errors import StoreLocked\n"
            f"s = Store.open(Path({str(tmp_path)!r}))\n"
            "try:\n    s.acquire_lock()\nexcept StoreLocked as e:\n    print(e); sys.exit(3)\n"
        )
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert r.returncode == 3
        assert "another arxiv-digest process" in r.stdout and "is writing to" in r.stdout
    # released on close: a new writer gets it
    with Store.open(tmp_path) as s2:
        s2.acquire_lock()


def test_lock_in_same_process_second_handle(tmp_path: Path) -> None:
    with Store.open(tmp_path) as a, Store.open(tmp_path) as b:
        a.acquire_lock()
        with pytest.raises(StoreLocked):
            b.acquire_lock()


def test_future_migration_applies_on_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import arxiv_digest.store.migrations as store_mod

    Store.open(tmp_path).close()

    def m999_test_column(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE papers ADD COLUMN extra TEXT")

    monkeypatch.setattr(store_mod, "MIGRATIONS", [*store_mod.MIGRATIONS, m999_test_column])
    with Store.open(tmp_path) as s:
        cols = [r[1] for r in s.db.execute("PRAGMA table_info(papers)")]
        assert "extra" in cols


def test_a_failed_migration_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration that dies half-way (a crash, a full disk) is rolled back whole, so the next open retries it
    instead of failing forever on 'table ... already exists'."""
    import arxiv_digest.store.migrations as store_mod

    def m999_half_done(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half (x INTEGER)")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store_mod, "MIGRATIONS", [*store_mod.MIGRATIONS, m999_half_done])
    with pytest.raises(StoreError, match="disk I/O error"):
        Store.open(tmp_path)
    monkeypatch.setattr(store_mod, "MIGRATIONS", [store_mod.m001_initial])
    with Store.open(tmp_path) as s:
        tables = {r[0] for r in s.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "half" not in tables and "papers" in tables
        assert [r[0] for r in s.db.execute("SELECT name FROM _migrations")] == ["m001_initial"]


def test_the_initial_migration_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import arxiv_digest.store.migrations as store_mod

    def m001_initial(db: sqlite3.Connection) -> None:  # the real one, then a crash before it is recorded
        store_mod.m001_initial(db)
        raise sqlite3.OperationalError("killed")

    monkeypatch.setattr(store_mod, "MIGRATIONS", [m001_initial])
    with pytest.raises(StoreError):
        Store.open(tmp_path)
    monkeypatch.setattr(store_mod, "MIGRATIONS", [store_mod.m001_initial])
    Store.open(tmp_path).close()  # not "table papers already exists"


def test_writers_opening_a_new_store_at_once_all_succeed(tmp_path: Path) -> None:
    """The first `fetch` and a `status` started together must not trip over each other's migration."""
    import threading

    def open_at_once(path: Path, barrier: threading.Barrier, results: list[str]) -> None:
        barrier.wait()
        try:
            Store.open(path).close()
            results.append("ok")
        except StoreError as e:
            results.append(str(e))

    results: list[str] = []
    for n in range(10):
        barrier = threading.Barrier(4)
        threads = [threading.Thread(target=open_at_once, args=(tmp_path / str(n), barrier, results)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert results == ["ok"] * 40


def _trigger_failure(s: Store, table: str) -> None:
    """Make the next INSERT into `table` fail the way a full disk does."""
    s.db.execute(f"CREATE TRIGGER full_disk BEFORE INSERT ON {table} BEGIN "
                 "SELECT RAISE(ABORT, 'database or disk is full'); END")  # fmt: skip


def test_a_failed_write_is_one_store_error_and_leaves_nothing(tmp_path: Path) -> None:
    with Store.open(tmp_path) as s:
        _trigger_failure(s, "announcements")
        full = r"^cannot write to the store in .*: database or disk is full$"
        with pytest.raises(StoreError, match=full), s.transaction():
            s.upsert_paper(paper())
            s.add_announcements(DAY, [AnnouncementRow("2601.00001", "cs.LG", "new", 1, False)])
        assert s.get_paper("2601.00001") is None and not s.db.in_transaction


def test_scores_are_replaced_all_or_nothing(tmp_path: Path) -> None:
    with Store.open(tmp_path) as s:
        s.save_scores(DAY, "p", [("2601.00001", 0.5, ["keyword: x"])])
        _trigger_failure(s, "scores")
        with pytest.raises(StoreError):
            s.save_scores(DAY, "p", [("2601.00001", 0.9, ["keyword: y"])])
        assert s.get_scores(DAY) == {"2601.00001": (0.5, ["keyword: x"])}  # yesterday's ranking is kept


def test_a_summary_and_its_cleared_failure_are_one_write(tmp_path: Path) -> None:
    with Store.open(tmp_path) as s:
        s.upsert_paper(paper())
        s.record_failure("2601.00001", "Chinese", "m", "v1", "timeout")
        s.db.execute("CREATE TRIGGER full_disk BEFORE DELETE ON summary_failures BEGIN "
                     "SELECT RAISE(ABORT, 'database or disk is full'); END")  # fmt: skip
        with pytest.raises(StoreError):
            s.save_summary("2601.00001", StoredSummary(summary(), "llm", "Chinese", "m", "v1"))
        assert s.summarized_ids(["2601.00001"], "Chinese", "m", "v1") == set()


def test_transactions_nest(tmp_path: Path) -> None:
    """A store method that writes atomically can be called inside a caller's transaction."""
    with Store.open(tmp_path) as s:
        with pytest.raises(RuntimeError), s.transaction():
            s.upsert_paper(paper())
            s.save_scores(DAY, "p", [("2601.00001", 0.5, [])])
            raise RuntimeError("later failure")
        assert s.get_paper("2601.00001") is None and s.get_scores(DAY) == {}


def test_an_unusable_lock_file_is_one_store_error(tmp_path: Path) -> None:
    """A lock that cannot be created (read-only data dir, a directory in its place) is a clear error."""
    with Store.open(tmp_path) as s:
        (tmp_path / "arxiv-digest.lock").mkdir()
        with pytest.raises(StoreError, match=r"^cannot take the write lock .*arxiv-digest\.lock: "):
            s.acquire_lock()


def test_a_killed_run_is_shown_as_interrupted_not_running_forever(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from arxiv_digest.cli import app
    from fake_llm import SEED, FakeLLM, fill_store, seed_paper

    data = tmp_path / "data"
    fill_store(data, [seed_paper(p) for p in SEED[:2]])
    fake = FakeLLM().start()
    fake.script("hang", "hang")  # the requests never get an answer: the run is busy until killed
    env = {**os.environ, "OPENAI_BASE_URL": fake.url, "OPENAI_API_KEY": "sk-test-0000",
           "ARXIV_DIGEST_DATA_DIR": str(data)}  # fmt: skip
    cmd = [sys.executable, "-c", "from arxiv_digest.cli import main; main()", "summarize"]
    status = ["status", "--data-dir", str(data)]
    try:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert fake.wait_for_calls(1, timeout=60), "summarize sent no request"
            assert "summarize  running" in CliRunner().invoke(app, status).stdout
        finally:
            proc.kill()
            proc.wait(timeout=30)
    finally:
        fake.stop()
    assert "summarize  interrupted" in CliRunner().invoke(app, status).stdout
    with Store.open(data) as s:
        s.acquire_lock()  # the next writer records it for good
        assert [r[0] for r in s.db.execute("SELECT status FROM runs")] == ["interrupted"]


def test_migration_lists_each_paper_on_its_first_day_only(tmp_path: Path) -> None:
    """Stores that imported daily-arXiv-ai-enhanced's copies of earlier days (before import knew better)
    hold days made of repeats: the migration keeps each paper's first day, and replacements."""
    d1, d2, d3 = date(2026, 6, 26), date(2026, 6, 27), date(2026, 6, 29)
    with Store.open(tmp_path) as s, s.transaction():
        for pid in ("2606.00001", "2606.00002", "2606.00003"):
            s.upsert_paper(paper(pid))
        s.add_announcements(d1, [AnnouncementRow("2606.00001", "cs.LG", "new", 1, False)])
        s.add_announcements(d2, [AnnouncementRow("2606.00001", "cs.LG", "new", 1, False)])  # a copy
        s.add_announcements(d3, [AnnouncementRow("2606.00001", "cs.LG", "replace", 1, False),
                                 AnnouncementRow("2606.00002", "cs.LG", "new", 2, False)])  # fmt: skip
        s.save_scores(d2, "p", [("2606.00001", 0.5, [])])
        s.db.execute("DELETE FROM _migrations WHERE name = 'm014_first_announcement_only'")
    with Store.open(tmp_path) as s:  # opening applies the migration again
        assert s.announced_dates() == [d1, d3]
        assert [r["announce_type"] for r in s.day_rows(d3)] == ["replace", "new"]
        assert s.get_scores(d2) == {}
        assert s.first_days(["2606.00001", "2606.00002"], d3) == {"2606.00001": d1}
