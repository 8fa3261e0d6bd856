"""`arxiv-digest fetch` and `status` as the user sees them: exact messages and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from arxiv_digest.cli import app
from arxiv_digest.models import Paper
from arxiv_digest.sources.http import user_agent
from arxiv_digest.store import AnnouncementRow, Store
from fake_arxiv import FakeArxiv, error_feed, synthetic_day, weekend

CATS = ["cs.LG", "stat.ML"]


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def data_dir() -> Path:
    return Path(os.environ["ARXIV_DIGEST_DATA_DIR"])  # set per test by conftest


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    names = [r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    return {n: sorted(tuple(r) for r in store.db.execute(f"SELECT * FROM {n}")) for n in names}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArxiv]:
    """The fake arXiv, reached the way a user would point the tool elsewhere: environment variables."""
    with FakeArxiv(min_spacing=0.05) as server:
        server.set_day(synthetic_day(150, CATS, cross_in=3, replacements=2))
        for var, url in (("RSS", server.rss_url), ("LISTING", server.listing_url), ("API", server.api_url)):
            monkeypatch.setenv(f"ARXIV_DIGEST_{var}_URL", url)
        monkeypatch.setenv("ARXIV_DIGEST_DELAY", "0.05")
        monkeypatch.setenv("ARXIV_DIGEST_CONTACT", "reader@example.org")
        yield server


# ---------------------------------------------------------------- the sample day


def test_fetch_sample_stores_the_reference_day(seed_papers: list[dict[str, Any]]) -> None:
    result = cli("fetch", "--sample")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "2026-01-28: stored 131 papers for eess.SP, cs.LG, stat.ML from the RSS feed\n"
        "  eess.SP    18\n  cs.LG     106\n  stat.ML     7\n"
        "3 requests to arXiv (2 API batches); 0 papers already stored\n"
    )
    with Store.open(data_dir()) as store:
        rows = store.day_rows(date(2026, 1, 28))
        papers = store.papers(r["paper_id"] for r in rows)
        assert Counter(r["section"] for r in rows) == {"eess.SP": 18, "cs.LG": 106, "stat.ML": 7}
        assert len(papers) == 131 == len(seed_papers)
        for seed in seed_papers:  # every paper, every field the reference shows
            paper = papers[seed["id"]]
            assert paper.title == seed["title"], seed["id"]
            assert paper.authors == seed["authors"], seed["id"]
            assert paper.abstract == seed["abstract"], seed["id"]
            assert paper.primary_category == seed["category"], seed["id"]
        assert [r["paper_id"] for r in sorted(rows, key=lambda r: r["position"])] == [s["id"] for s in seed_papers]


def test_fetch_sample_twice_says_there_is_nothing_new() -> None:
    assert cli("fetch", "--sample").exit_code == 0
    with Store.open(data_dir()) as store:
        before = dump(store)
    result = cli("fetch", "--sample")
    assert result.exit_code == 0
    assert result.stdout == (
        "no new announcement for eess.SP, cs.LG, stat.ML since 2026-01-28 (arXiv still shows 2026-01-28, "
        "which is already stored); nothing written\n1 request to arXiv (0 API batches); 0 papers already stored\n"
    )
    with Store.open(data_dir()) as store:
        assert dump(store) == before


def test_fetch_sample_from_the_listing_pages_gives_the_same_day() -> None:
    result = cli("fetch", "--sample", "--listing")
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first == "2026-01-28: stored 131 papers for eess.SP, cs.LG, stat.ML from the listing pages"


# ---------------------------------------------------------------- against the fake arXiv


def test_fetch_with_flags_against_arxiv(fake: FakeArxiv) -> None:
    result = cli("fetch", "--categories", "cs.LG,stat.ML", "--cross-lists", "--replacements")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "2026-01-28: stored 155 papers for cs.LG, stat.ML from the RSS feed\n"
        "  cs.LG      78\n  stat.ML    77\n  of which 3 cross-lists, 2 replacements\n"
        "3 requests to arXiv (2 API batches); 0 papers already stored\n"
    )
    assert fake.counts == {"rss": 1, "api": 2}
    assert set(fake.user_agents) == {user_agent("reader@example.org")}


def test_fetch_on_a_weekend_exits_0_writing_nothing(fake: FakeArxiv) -> None:
    fake.fault("rss", weekend())
    result = cli("fetch", "--categories", "cs.LG")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == (
        "no new announcement for cs.LG yet (arXiv's feed for 2026-01-31 is empty: no announcements on "
        "Friday/Saturday evenings or holidays); nothing written"
    )
    with Store.open(data_dir()) as store:
        assert store.last_announced() is None and store.runs() == []


def test_an_api_error_exits_1_with_one_line_and_the_store_untouched(fake: FakeArxiv) -> None:
    assert cli("fetch", "--categories", "cs.LG").exit_code == 0
    with Store.open(data_dir()) as store:
        before = dump(store)
    fake.next_run()
    fake.set_day(synthetic_day(40, CATS, day=date(2026, 1, 29), id_prefix="2602"))
    fake.fault("api", error_feed())
    result = cli("fetch", "--categories", "cs.LG,stat.ML")
    assert result.exit_code == 1
    assert result.stderr == "error: arXiv API error: incorrect id format for abc\n"
    with Store.open(data_dir()) as store:
        assert dump(store) == before


def test_a_second_process_gets_a_clear_store_locked_message(fake: FakeArxiv) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from pathlib import Path; from arxiv_digest.store import Store\n"
         "s = Store.open(Path(sys.argv[1])); s.acquire_lock(); print('locked', flush=True); sys.stdin.read()",
         str(data_dir())],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        result = cli("fetch", "--categories", "cs.LG")
    finally:
        holder.communicate("")
    assert result.exit_code == 1
    assert result.stderr == (f"error: another arxiv-digest process (pid {holder.pid}) is writing to {data_dir()}; "
                             "wait for it to finish\n")  # fmt: skip
    assert sum(fake.counts.values()) == 0  # refused before asking arXiv anything


# ---------------------------------------------------------------- bad input: exit 2, one line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--categories", "cs.XX"], "error: unknown arXiv category 'cs.XX' (see https://arxiv.org/category_taxonomy)"),
        (["--categories", "cs.LG,  ,math.FOO"],
         "error: unknown arXiv category 'math.FOO' (see https://arxiv.org/category_taxonomy)"),
        (["--date", "2026-02-30"], "error: invalid date '2026-02-30': expected YYYY-MM-DD"),
        (["--date", "yesterday"], "error: invalid date 'yesterday': expected YYYY-MM-DD"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    result = cli("fetch", *args)
    assert (result.exit_code, result.stderr, result.stdout) == (2, message + "\n", "")


def test_a_malformed_config_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('categories = ["cs.LG"\n')
    result = cli("fetch", "--config", str(bad))
    assert result.exit_code == 2
    assert result.stderr == f"error: malformed config {bad}: Unclosed array (at end of document)\n"


def test_an_invalid_setting_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[arxiv]\ndelay_seconds = -1\n")
    result = cli("fetch", "--config", str(bad))
    assert result.exit_code == 2
    assert result.stderr == (f"error: invalid setting arxiv.delay_seconds in {bad}: "
                             "Input should be greater than or equal to 0\n")  # fmt: skip


# ---------------------------------------------------------------- status


def test_status_shows_days_papers_and_runs() -> None:
    assert cli("fetch", "--sample").exit_code == 0
    result = cli("status")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"store: {data_dir()} (1 day, 131 papers, 0 summaries)"
    assert lines[1] == "  2026-01-28    131 papers"
    assert lines[2].endswith("fetch      ok")


def test_status_says_when_it_cuts_the_list_of_days() -> None:
    with Store.open(data_dir()) as store:
        store.upsert_paper(Paper(id="2601.00001", version=1, title="T", authors=["A"], abstract="a",
                                 categories=["cs.LG"]))  # fmt: skip
        for d in range(1, 10):
            # one paper replaced day after day: each day is an announcement of its own
            store.add_announcements(date(2026, 1, d), [AnnouncementRow("2601.00001", "cs.LG", "replace", 1, False)])
    lines = cli("status").stdout.splitlines()
    assert lines[0].endswith("(9 days, 1 paper, 0 summaries)")
    assert lines[1] == "  the last 7 of 9 days (--all for every day):"
    assert lines[2] == "  2026-01-03      1 papers" and lines[8] == "  2026-01-09      1 papers"
    every = cli("status", "--all").stdout.splitlines()
    assert every[1] == "  2026-01-01      1 papers" and len([ln for ln in every if "papers" in ln]) == 9
