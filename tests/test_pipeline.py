"""The whole job end to end: `run` against the fake arXiv and the fake OpenAI-compatible server, and
`demo` offline. The golden check: the reference digest, byte for byte, out of the real pipeline."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import feedparser
import pytest
from typer.testing import CliRunner, Result

from arxiv_digest.cli import app
from fake_arxiv import FakeArxiv, day_from_seed, synthetic_day, weekend
from fake_llm import FakeLLM

REFERENCE = Path(__file__).parent / "fixtures" / "seed-digest.md"
CATS = "eess.SP,cs.LG,stat.ML"
KEY = "sk-test-not-a-real-key-123"


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch, seed_papers: list[dict[str, Any]]) -> Iterator[tuple[FakeArxiv, FakeLLM]]:
    """Both fakes, reached as a user would point the tool at them: environment variables only."""
    llm = FakeLLM().start()
    with FakeArxiv(min_spacing=0.02) as arxiv:
        arxiv.set_day(day_from_seed(seed_papers))
        for var, url in (("RSS", arxiv.rss_url), ("LISTING", arxiv.listing_url), ("API", arxiv.api_url)):
            monkeypatch.setenv(f"ARXIV_DIGEST_{var}_URL", url)
        monkeypatch.setenv("ARXIV_DIGEST_DELAY", "0.02")
        monkeypatch.setenv("OPENAI_BASE_URL", llm.url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("CATEGORIES", CATS)
        yield arxiv, llm
    llm.stop()


def test_run_reproduces_the_reference_digest(servers: tuple[FakeArxiv, FakeLLM]) -> None:
    arxiv, llm = servers
    result = cli("run")
    assert result.exit_code == 0, result.output
    site = Path("arxiv-digest-site")
    assert (site / "2026-01-28.md").read_bytes() == REFERENCE.read_bytes()
    assert llm.calls == 131
    assert arxiv.counts["rss"] == 1 and arxiv.counts["api"] == 2
    # every other format of the same day, from the same store
    feeds = [feedparser.parse((site / f"feeds/{c}.atom").read_bytes()) for c in CATS.split(",")]
    assert not any(f.bozo for f in feeds) and sum(len(f.entries) for f in feeds) == 131
    assert json.loads((site / "data" / "days.json").read_text("utf-8"))["days"][0]["data_url"] == (
        "data/2026-01-28_AI_enhanced_Chinese.jsonl")  # fmt: skip
    lines = (site / "data" / "2026-01-28_AI_enhanced_Chinese.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 131 and json.loads(lines[0])["AI"]["tldr"].startswith("本文全面综述")
    assert "2026-01-28" in (site / "index.html").read_text("utf-8")
    assert KEY not in result.output


def test_second_run_same_day_costs_nothing(servers: tuple[FakeArxiv, FakeLLM]) -> None:
    arxiv, llm = servers
    assert cli("run").exit_code == 0
    arxiv.next_run()
    llm.reset_counts()
    result = cli("run")
    assert result.exit_code == 0, result.output
    assert "no new announcement for eess.SP, cs.LG, stat.ML since 2026-01-28" in result.stdout
    assert llm.calls == 0 and arxiv.counts["api"] == 2  # only the first run's batches


def test_failed_summary_is_published_as_pending_and_retried(
    servers: tuple[FakeArxiv, FakeLLM], seed_papers: list[dict[str, Any]]
) -> None:
    _, llm = servers
    bad = seed_papers[4]
    llm.for_paper(bad["id"], "apology", "apology", "apology")  # every attempt of this run is refused
    result = cli("run")
    assert result.exit_code == 1
    assert "1 of 131 papers could not be summarized" in result.output
    md = Path("arxiv-digest-site/2026-01-28.md").read_text("utf-8")
    entry = md[md.index(bad["title"]) :].split("\n### ", 1)[0]
    assert "摘要生成中" in entry and bad["abstract"] in entry and "TL;DR" not in entry
    assert "TL;DR: I'm sorry" not in md and "Motivation: I'm sorry" not in md  # a refusal is no summary
    assert "[Total: 18]" in md  # the pending paper is still counted and listed
    # next run (same day given explicitly): only the failed paper is asked for again
    llm.reset_counts()
    result = cli("run", "--date", "2026-01-28")
    assert result.exit_code == 0, result.output
    assert {c.paper_id for c in llm.log} == {bad["id"]}
    assert Path("arxiv-digest-site/2026-01-28.md").read_bytes() == REFERENCE.read_bytes()


def test_next_days_run_retries_an_earlier_days_failures(
    servers: tuple[FakeArxiv, FakeLLM], seed_papers: list[dict[str, Any]]
) -> None:
    arxiv, llm = servers
    bad = seed_papers[7]["id"]
    llm.for_paper(bad, "apology", "apology", "apology")
    assert cli("run").exit_code == 1
    # the next announcement day arrives; the run for it also retries yesterday's failed paper
    arxiv.next_run()
    arxiv.set_day(synthetic_day(6, ["cs.LG"], date(2026, 1, 29)))
    llm.reset_counts()
    result = cli("run")
    assert result.exit_code == 0, result.output
    assert "2026-01-29: stored 6 papers" in result.stdout
    assert sorted(c.paper_id or "" for c in llm.log) == sorted([bad, *(f"2601.{10000 + i:05d}" for i in range(6))])
    assert Path("arxiv-digest-site/2026-01-28.md").read_bytes() == REFERENCE.read_bytes()  # re-rendered whole
    assert Path("arxiv-digest-site/2026-01-29.md").read_text("utf-8").count("\n### [") == 6


def test_an_earlier_failure_under_an_old_prompt_does_not_resummarize_its_day(
    servers: tuple[FakeArxiv, FakeLLM], seed_papers: list[dict[str, Any]]
) -> None:
    """After an upgrade changes the prompt version, yesterday's leftover failure must not make the next run
    pay again for yesterday's 130 papers that were summarized under the old prompt."""
    arxiv, llm = servers
    bad = seed_papers[7]["id"]
    llm.for_paper(bad, "apology", "apology", "apology")
    assert cli("run").exit_code == 1
    with sqlite3.connect(Path(os.environ["ARXIV_DIGEST_DATA_DIR"]) / "arxiv-digest.db") as db:
        for table in ("summaries", "summary_failures"):
            db.execute(f"UPDATE {table} SET prompt_version = 'an-older-prompt'")
    arxiv.next_run()
    arxiv.set_day(synthetic_day(6, ["cs.LG"], date(2026, 1, 29)))
    llm.reset_counts()
    result = cli("run")
    assert result.exit_code == 0, result.output
    assert llm.calls == 6


def test_a_rejected_key_still_publishes_the_day_with_papers_pending(
    servers: tuple[FakeArxiv, FakeLLM], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, llm = servers
    llm.api_key = "sk-the-right-key"  # the reader's key (KEY) is wrong
    result = cli("run")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith("error: the API key was rejected by ")
    assert "the digest was published with its papers marked pending" in result.stderr
    assert llm.calls <= 16  # stopped at once: at most what was already in flight
    md = Path("arxiv-digest-site/2026-01-28.md").read_text("utf-8")
    assert md.count("摘要生成中") == 131 and "TL;DR" not in md and "[Total: 106]" in md
    assert KEY not in result.output
    # with the key fixed, the next run summarizes them all and the digest is the reference
    monkeypatch.setenv("OPENAI_API_KEY", "sk-the-right-key")
    result = cli("run", "--date", "2026-01-28")
    assert result.exit_code == 0, result.output
    assert Path("arxiv-digest-site/2026-01-28.md").read_bytes() == REFERENCE.read_bytes()


def test_run_on_a_day_without_announcement_writes_nothing(servers: tuple[FakeArxiv, FakeLLM]) -> None:
    arxiv, llm = servers
    arxiv.fault("rss", weekend())
    result = cli("run")
    assert result.exit_code == 0, result.output
    assert "no new announcement" in result.stdout
    assert not Path("arxiv-digest-site").exists() and llm.calls == 0


def test_demo_offline_every_format(monkeypatch: pytest.MonkeyPatch) -> None:
    result = cli("demo")
    assert result.exit_code == 0, result.output
    site = Path("arxiv-digest-site")
    md = (site / "2026-01-28.md").read_text("utf-8")
    assert md.count("\n### [") == 131 and "[Total: 106]" in md
    assert md.count("抽取式摘要") == 131  # every summary labelled as extractive
    assert (site / "index.html").is_file() and (site / "2026-01-28.html").is_file()
    assert (site / "feed.atom").is_file() and (site / "data" / "2026-01-28_AI_enhanced_Chinese.jsonl").is_file()
    assert (site / "data" / "days.json").is_file() and (site / "feeds.opml").is_file()
    assert "open " in result.stdout and "index.html" in result.stdout
    # the demo keeps its own store, not the reader's
    assert Path("arxiv-digest-demo-data").is_dir()
    again = cli("demo")
    assert again.exit_code == 0 and "131 already done" in again.stdout
