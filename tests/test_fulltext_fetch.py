"""Fetching full text politely: robots.txt read once and honoured (Crawl-delay, Disallow, conservative when it
cannot be read), the same client rules as the rest of arXiv, outcomes cached per version, compressed."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from arxiv_digest.config import Settings, load_settings
from arxiv_digest.models import Paper
from arxiv_digest.sources.fulltext import _group_delay, fetch_fulltexts, stored_texts
from arxiv_digest.store import Store
from fake_arxiv import FakeArxiv, Fault, html_error_page, unavailable

HTML = Path(__file__).parent / "fixtures" / "arxiv-html"
PAGE = (HTML / "arxiv-html_2508.08468v6_2026.html").read_bytes()
FAILED = (HTML / "arxiv-html_2608.30667v1_2026.failed-conversion.html").read_bytes()
CRAWL = 0.15  # the fake's robots.txt Crawl-delay (arxiv.org's is 15 s), refereed by the fake


def papers(n: int = 3) -> list[Paper]:
    return [Paper(id=f"2601.{10001 + i}", version=1, title=f"Paper {i}", authors=["A. Author"],
                  abstract="An abstract.", categories=["cs.LG"]) for i in range(n)]  # fmt: skip


@pytest.fixture
def fake() -> Iterator[FakeArxiv]:
    with FakeArxiv(min_spacing=0.02, crawl_delay=CRAWL) as f:
        yield f


def settings(fake: FakeArxiv, **kw: Any) -> Settings:
    base = {**fake.overrides(), "contact": "me@example.org", "arxiv.timeout_seconds": 2.0,
            "arxiv.max_retry_seconds": 3.0}  # fmt: skip
    return load_settings(overrides={**base, **kw}, environ={})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "data") as s:
        for p in papers():
            s.upsert_paper(p)
        yield s


def test_pages_at_the_robots_crawl_delay_through_the_polite_client(fake: FakeArxiv, store: Store) -> None:
    fake.serve_html("2601.10001", 1, PAGE)
    fake.serve_html("2601.10002", 1, FAILED)  # a conversion that failed: HTTP 200 but no text
    report = fetch_fulltexts(settings(fake), store, papers())  # 2601.10003: arXiv's 404 "No HTML for ..."
    assert (report.fetched, report.none, report.cached, report.skipped) == (1, 2, 0, 0)
    assert fake.counts["robots"] == 1 and fake.counts["html"] == 3 and report.requests == 4
    assert report.delay == CRAWL  # spacing refereed by the fake on exit
    assert all("mailto:me@example.org" in ua for ua in fake.user_agents)
    reasons = dict(report.reasons)
    assert "failed conversion" in reasons["2601.10002"]
    assert reasons["2601.10003"] == "HTTP 404: arXiv has no HTML version (No HTML for '2601.10003v1')"
    texts = stored_texts(store, papers())
    assert list(texts) == ["2601.10001"] and texts["2601.10001"].sections[0].title == "Introduction"
    body = store.db.execute("SELECT body FROM fulltexts WHERE paper_id='2601.10001'").fetchone()[0]
    assert b"Speech" not in body and len(body) < len(PAGE) // 5  # compressed parsed text, not the page
    assert zlib.decompress(body).startswith(b'{"v": 1')


def test_a_rerun_fetches_and_asks_nothing_a_new_version_or_an_old_none_is_asked_again(
    fake: FakeArxiv, store: Store
) -> None:
    fake.serve_html("2601.10001", 1, PAGE)
    fetch_fulltexts(settings(fake), store, papers())
    fake.next_run()
    again = fetch_fulltexts(settings(fake), store, papers())
    assert (again.requests, again.cached, again.none) == (0, 1, 2)
    assert fake.counts["html"] == 3
    # a new version of one paper, and another's "no HTML" found long ago: both asked for once more
    newer = [*papers()[:2], Paper(**{**papers()[2].__dict__, "version": 2})]
    store.db.execute("UPDATE fulltexts SET fetched_at='2020-01-01T00:00:00+00:00' WHERE paper_id='2601.10002'")
    fake.next_run()
    third = fetch_fulltexts(settings(fake), store, newer)
    assert fake.requests[-2:] == [("html", "/html/2601.10002v1"), ("html", "/html/2601.10003v2")]
    assert (third.cached, third.none, third.fetched) == (1, 2, 0)


def test_a_disallowed_path_is_never_requested(fake: FakeArxiv, store: Store) -> None:
    fake.robots = b"User-agent: *\nCrawl-delay: 1\nDisallow: /html\n"
    report = fetch_fulltexts(settings(fake), store, papers())
    assert fake.counts["html"] == 0 and report.skipped == 3
    assert report.stopped is not None and "disallows /html/2601.10001v1" in report.stopped
    assert store.db.execute("SELECT COUNT(*) FROM fulltexts").fetchone()[0] == 0  # tried again next run


@pytest.mark.parametrize("trouble", ["missing", "server-error", "not-text"])
def test_no_pages_when_robots_txt_cannot_be_read(fake: FakeArxiv, store: Store, trouble: str) -> None:
    if trouble == "missing":
        fake.robots = None  # 404
    elif trouble == "server-error":
        fake.fault("robots", *[unavailable("1")] * 10)  # retried until the budget (3 s) is spent
    else:
        fake.fault("robots", Fault(200, b"\x89PNG", "image/png"))
    report = fetch_fulltexts(settings(fake), store, papers())
    assert fake.counts["html"] == 0 and report.fetched == 0 and report.skipped == 3
    assert report.stopped is not None and "no full text this run" in report.stopped


def test_the_group_for_our_agent_wins_and_fractions_and_request_rates_count() -> None:
    lines = ["User-agent: *", "Crawl-delay: 15", "", "User-agent: arxiv-digest", "User-agent: other",
             "Crawl-delay: 0.5 # ours", "Disallow: /src"]  # fmt: skip
    assert _group_delay(lines, "arxiv-digest") == 0.5
    assert _group_delay(lines, "someone-else") == 15
    assert _group_delay(["User-agent: *", "Request-rate: 1/20s"], "arxiv-digest") == 20
    assert _group_delay(["User-agent: *", "Disallow:"], "arxiv-digest") is None


def test_access_denied_stops_at_once(fake: FakeArxiv, store: Store) -> None:
    fake.fault("html", Fault(403, b"<html><body>Access denied</body></html>"))
    report = fetch_fulltexts(settings(fake), store, papers())
    assert fake.counts["html"] == 1 and report.skipped == 3
    assert report.stopped is not None and "403" in report.stopped
    assert store.db.execute("SELECT COUNT(*) FROM fulltexts").fetchone()[0] == 0


def test_transient_errors_are_retried_within_the_budget(fake: FakeArxiv, store: Store) -> None:
    fake.serve_html("2601.10001", 1, PAGE)
    fake.fault("html", unavailable("0"))
    report = fetch_fulltexts(settings(fake), store, papers()[:1])
    assert report.fetched == 1 and fake.counts["html"] == 2


def test_an_error_page_served_as_200_is_no_full_text(fake: FakeArxiv, store: Store) -> None:
    fake.fault("html", html_error_page())
    report = fetch_fulltexts(settings(fake), store, papers()[:1])
    assert report.none == 1 and "not a LaTeXML paper page" in report.reasons[0][1]


def test_the_per_run_cap_leaves_the_rest_for_the_next_run(fake: FakeArxiv, store: Store) -> None:
    for p in papers():
        fake.serve_html(p.id, 1, PAGE)
    first = fetch_fulltexts(settings(fake, **{"fulltext.max_papers": 2}), store, papers())
    assert (first.fetched, first.skipped) == (2, 1)
    fake.next_run()
    second = fetch_fulltexts(settings(fake, **{"fulltext.max_papers": 2}), store, papers())
    assert (second.cached, second.fetched) == (2, 1)
