"""fetch_day against the fake arXiv (real HTTP on 127.0.0.1, refereed spacing): selection, batching,
fallbacks, and every injected fault ending as specified - recovered, or a clear error with the store
byte-for-byte as before."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from arxiv_digest.config import Settings, load_settings
from arxiv_digest.errors import ArxivAPIError, ArxivError, ArxivHTTPError, ArxivParseError
from arxiv_digest.models import Announcement
from arxiv_digest.sources.fetch import FetchReport, fetch_day, inconsistency, select
from arxiv_digest.sources.http import ArxivClient
from arxiv_digest.sources.rss import parse_rss
from arxiv_digest.store import Store
from fake_arxiv import (
    REAL,
    RSS_TYPE,
    Day,
    FakeArxiv,
    Fault,
    error_feed,
    html_error_page,
    not_found,
    rss_feed,
    synthetic_day,
    timeout,
    too_many,
    truncated,
    unavailable,
    weekend,
)

DELAY = 0.05
CATS = ["cs.LG", "stat.ML", "eess.SP"]
DAY = date(2026, 1, 28)


@pytest.fixture
def fake() -> Iterator[FakeArxiv]:
    with FakeArxiv(min_spacing=DELAY) as server:
        server.set_day(synthetic_day(230, CATS, cross_in=4, replacements=3))
        yield server


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "store") as s:
        yield s


def settings_for(fake: FakeArxiv, **over: Any) -> Settings:
    base = {**fake.overrides(), "categories": CATS, "arxiv.timeout_seconds": 1.0, "arxiv.max_retry_seconds": 5.0}
    return load_settings(None, {**base, **over}, environ={})


@pytest.fixture
def client(fake: FakeArxiv) -> Iterator[ArxivClient]:
    """One client for the whole test, as one process has: spacing holds across fetches."""
    with ArxivClient(settings_for(fake).arxiv, "me@example.org", backoff_seconds=0.05) as c:
        yield c


def run(fake: FakeArxiv, store: Store, client: ArxivClient, **kw: Any) -> FetchReport:
    over = {k.replace("__", "."): v for k, v in kw.items() if k.startswith("arxiv__") or k == "categories"}
    call = {k: v for k, v in kw.items() if k in ("day", "use_listing")}
    return fetch_day(settings_for(fake, **over), store, client, **call)


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: 'exactly as before' means this is equal."""
    names = [r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    return {n: sorted(tuple(r) for r in store.db.execute(f"SELECT * FROM {n}")) for n in names}


def announcements(store: Store, day: date = DAY) -> dict[str, tuple[str, str, bool]]:
    return {r["paper_id"]: (r["section"], r["announce_type"], bool(r["is_cross"])) for r in store.day_rows(day)}


def primaries(fake: FakeArxiv, kind: str = "new") -> dict[str, str]:
    assert fake.day is not None
    return {dp.paper.id: dp.paper.categories[0] for dp in fake.day.papers
            if dp.kind == kind and dp.paper.categories[0] in CATS}  # fmt: skip


# ---------------------------------------------------------------- the normal day


def test_one_feed_request_and_batches_of_100(fake: FakeArxiv, store: Store, client: ArxivClient) -> None:
    report = run(fake, store, client)
    expected = primaries(fake)
    assert report.status == "stored" and report.source == "rss" and report.day == DAY
    assert report.sections == {c: sum(1 for p in expected.values() if p == c) for c in CATS}
    assert fake.counts == {"rss": 1, "api": math.ceil(230 / 100)}
    assert [len(b) for b in fake.api_ids] == [100, 100, 30]
    assert (report.requests, report.api_batches, report.skipped_known) == (4, 3, 0)
    assert announcements(store) == {pid: (cat, "new", False) for pid, cat in expected.items()}
    # The API is the authority: comment, dates and affiliations exist only there.
    for pid in expected:
        assert store.get_paper(pid) == fake.papers[pid]
    assert report.message == "2026-01-28: stored 230 papers for cs.LG, stat.ML, eess.SP from the RSS feed"
    run_row = store.runs()[0]
    assert (run_row["command"], run_row["status"]) == ("fetch", "ok")


def test_second_fetch_of_the_same_day_asks_the_api_nothing(fake: FakeArxiv, store: Store, client: ArxivClient) -> None:
    run(fake, store, client)
    before, api_before = dump(store), fake.counts["api"]
    report = run(fake, store, client)
    assert report.status == "no-announcement"
    assert fake.counts["api"] == api_before and report.requests == 1
    assert report.message == ("no new announcement for cs.LG, stat.ML, eess.SP since 2026-01-28 "
                              "(arXiv still shows 2026-01-28, which is already stored); nothing written")  # fmt: skip
    assert dump(store) == before


def test_cross_lists_and_replacements_only_on_request(fake: FakeArxiv, store: Store, client: ArxivClient) -> None:
    assert fake.day is not None
    cross_in = {dp.paper.id: dp.paper.categories[1] for dp in fake.day.papers if dp.paper.categories[0] == "math.OC"}
    replaced = {dp.paper.id: dp.paper.categories[0] for dp in fake.day.papers if dp.kind == "replace"}
    run(fake, store, client)
    assert not (set(cross_in) | set(replaced)) & set(announcements(store))
    report = run(fake, store, client, arxiv__cross_lists=True, arxiv__replacements=True)
    got = announcements(store)
    assert {pid: got[pid] for pid in cross_in} == {pid: (cat, "cross", True) for pid, cat in cross_in.items()}
    assert {pid: got[pid] for pid in replaced} == {pid: (cat, "replace", False) for pid, cat in replaced.items()}
    assert (report.cross_lists, report.replacements, report.papers) == (4, 3, 7)
    assert fake.api_ids[-1] == [*cross_in, *replaced]  # only the newcomers were asked for


def test_listing_pages_give_the_same_day_with_each_paper_once(
    fake: FakeArxiv, store: Store, client: ArxivClient, tmp_path: Path
) -> None:
    assert fake.day is not None
    twice = [dp.paper.id for dp in fake.day.papers if len(set(dp.paper.categories) & set(CATS)) > 1]
    assert len(twice) > 20  # the day has papers on two followed listings
    report = run(fake, store, client, use_listing=True)
    assert report.source == "listing" and fake.counts == {"listing": 3, "api": 3}
    via_listing = announcements(store)
    with Store.open(tmp_path / "other") as other:
        run(fake, other, client)
        assert announcements(other) == via_listing
    asked = [i for batch in fake.api_ids[:3] for i in batch]
    assert sorted(asked) == sorted(primaries(fake))  # each paper asked for once


def test_papers_already_stored_at_this_version_are_not_asked_for(
    fake: FakeArxiv, store: Store, client: ArxivClient
) -> None:
    known = list(primaries(fake))[:30]
    with store.transaction():
        for pid in known:
            store.upsert_paper(fake.papers[pid])
    report = run(fake, store, client)
    assert report.skipped_known == 30 and report.papers == 230
    assert not set(known) & {i for batch in fake.api_ids for i in batch}
    assert set(known) <= set(announcements(store))


def test_a_newly_followed_category_adds_to_a_stored_day(fake: FakeArxiv, store: Store, client: ArxivClient) -> None:
    run(fake, store, client, categories=["cs.LG"])
    report = run(fake, store, client, categories=["cs.LG", "stat.ML"])
    assert report.sections == {"stat.ML": sum(1 for c in primaries(fake).values() if c == "stat.ML")}
    assert {s for s, _, _ in announcements(store).values()} == {"cs.LG", "stat.ML"}


def test_a_paper_announced_earlier_is_never_new_again(fake: FakeArxiv, store: Store, client: ArxivClient) -> None:
    run(fake, store, client)
    assert fake.day is not None
    old = fake.day.papers[:5]
    nxt = synthetic_day(20, CATS, date(2026, 1, 29), id_prefix="2602", seed=1)
    fake.set_day(Day(nxt.day, [*old, *nxt.papers]))
    report = run(fake, store, client)
    assert report.day == date(2026, 1, 29) and report.papers == 20
    assert not {dp.paper.id for dp in old} & set(announcements(store, nxt.day))


# ---------------------------------------------------------------- days without an announcement


def test_an_empty_weekend_feed_writes_nothing(fake: FakeArxiv, store: Store, client: ArxivClient) -> None:
    fake.fault("rss", weekend())
    before = dump(store)
    report = run(fake, store, client)
    assert report.status == "no-announcement" and fake.counts == {"rss": 1}
    assert report.message == (
        "no new announcement for cs.LG, stat.ML, eess.SP yet (arXiv's feed for 2026-01-31 is empty: "
        "no announcements on Friday/Saturday evenings or holidays); nothing written"
    )
    assert dump(store) == before


def test_the_real_weekend_capture_is_no_announcement(fake: FakeArxiv, store: Store, client: ArxivClient) -> None:
    run(fake, store, client)
    fake.static["/rss/cs.CL"] = (200, RSS_TYPE, (REAL / "rss_new_2026-08-01_cs.CL_weekend_empty.xml").read_bytes())
    before = dump(store)
    report = run(fake, store, client, categories=["cs.CL"])
    assert report.status == "no-announcement"
    assert report.message.startswith("no new announcement for cs.CL since 2026-01-28 (arXiv's feed for 2026-08-01")
    assert dump(store) == before


def test_a_date_that_is_not_the_feeds_day(fake: FakeArxiv, store: Store, client: ArxivClient) -> None:
    report = run(fake, store, client, day=date(2026, 1, 27))
    assert report.status == "no-announcement" and fake.counts == {"rss": 1}
    assert report.message == ("no announcement for 2026-01-27 can be fetched: arXiv's feeds only serve the "
                              "latest day (2026-01-28); nothing written")  # fmt: skip
    assert store.last_announced() is None


def test_a_stored_date_needs_no_request(fake: FakeArxiv, store: Store, client: ArxivClient) -> None:
    run(fake, store, client, day=DAY)
    requests = sum(fake.counts.values())
    report = run(fake, store, client, day=DAY)
    assert sum(fake.counts.values()) == requests
    assert report.message == "2026-01-28 is already in the store (230 papers)"


# ---------------------------------------------------------------- the feed fails: listing pages instead


@pytest.mark.parametrize(
    ("fault", "why"),
    [
        (truncated(), "malformed or truncated RSS XML"),
        (html_error_page(), "but got text/html (HTTP 200; an error page?)"),
        (not_found(), "arXiv answered HTTP 404"),
        (Fault(body=rss_feed(synthetic_day(3, ["cs.AI"]), ["cs.AI"], DAY), content_type=RSS_TYPE),
         "the feed covers cs.AI, not cs.LG+stat.ML+eess.SP"),
    ],
)  # fmt: skip
def test_an_unusable_feed_falls_back_to_the_listing_pages(
    fake: FakeArxiv, store: Store, client: ArxivClient, fault: Fault, why: str
) -> None:
    fake.fault("rss", fault)
    report = run(fake, store, client)
    assert report.status == "stored" and report.source == "listing"
    assert report.fallback is not None and why in report.fallback
    assert fake.counts == {"rss": 1, "listing": 3, "api": 3}
    assert set(announcements(store)) == set(primaries(fake))


def test_feed_consistency_checks() -> None:
    assert inconsistency(None, ["cs.LG"], [], ["cs.LG"]) == "the feed has no readable pubDate"
    assert inconsistency(DAY, ["cs.lg"], [], ["cs.LG"]) is None
    feed = parse_rss(rss_feed(synthetic_day(4, ["cs.LG"]), ["cs.LG"], DAY))
    assert inconsistency(DAY, [], feed.items, ["stat.ML"]) == "4 feed items are in none of stat.ML (e.g. 2601.10000)"


# ---------------------------------------------------------------- the API fails


@pytest.mark.parametrize("fault", [unavailable("0"), unavailable("Wed, 21 Oct 2015 07:28:00 GMT"), too_many("0"),
                                   timeout()])  # fmt: skip
def test_transient_api_failures_are_retried(fake: FakeArxiv, store: Store, client: ArxivClient, fault: Fault) -> None:
    fake.fault("api", fault)
    report = run(fake, store, client)
    assert report.status == "stored" and report.papers == 230
    assert fake.counts["api"] == 4 and client.retries == 1


@pytest.mark.parametrize(
    ("faults", "error", "message"),
    [
        ([error_feed()], ArxivAPIError, "arXiv API error: incorrect id format for abc"),
        ([truncated()], ArxivParseError, "malformed or truncated Atom XML"),
        ([html_error_page()], ArxivParseError, "but got text/html (HTTP 200; an error page?)"),
        ([not_found()], ArxivHTTPError, "arXiv answered HTTP 404 for http://127.0.0.1"),
        ([unavailable("60")], ArxivHTTPError, "HTTP 503 (Retry-After 60 s); gave up after 0 retries"),
        ([timeout()] * 3, ArxivError, "timed out ("),  # httpx's read timeout or our deadline, the same moment
    ],
)
def test_api_failures_leave_the_store_exactly_as_before(
    fake: FakeArxiv, store: Store, faults: list[Fault], error: type[Exception], message: str
) -> None:
    impatient = settings_for(fake, **{"arxiv.max_retry_seconds": 0.6}).arxiv
    client = ArxivClient(impatient, backoff_seconds=0.05)  # replaces the fixture's for the whole test
    run(fake, store, client, categories=["cs.LG"])  # something already stored, to be kept intact
    before = dump(store)
    fake.fault("api", Fault(), *faults)  # the first batch succeeds; the failure comes mid-way
    with client, pytest.raises(error) as exc:
        run(fake, store, client)
    assert message in str(exc.value) and "\n" not in str(exc.value)
    assert dump(store) == before


def test_an_id_missing_once_is_asked_for_again(fake: FakeArxiv, store: Store, client: ArxivClient) -> None:
    gone = list(primaries(fake))[7]
    fake.missing[gone] = 1
    report = run(fake, store, client)
    assert fake.api_ids[-1] == [gone] and report.api_batches == 4 and report.from_feed == []
    assert store.get_paper(gone) == fake.papers[gone]


def test_an_id_the_api_never_returns_is_stored_from_the_feed(
    fake: FakeArxiv, store: Store, client: ArxivClient, caplog: pytest.LogCaptureFixture
) -> None:
    gone = list(primaries(fake))[7]
    fake.missing[gone] = -1
    with caplog.at_level(logging.WARNING):
        report = run(fake, store, client)
    assert report.from_feed == [gone] and report.papers == 230
    paper, truth = store.get_paper(gone), fake.papers[gone]
    assert paper is not None
    assert (paper.title, paper.authors, paper.abstract) == (truth.title, truth.authors, truth.abstract)
    assert paper.version == 1
    assert paper.published is None  # only the API knows it; nothing invented
    assert f"the API never returned {gone}; storing it from the feed's data" in caplog.text


def test_selection_prefers_the_papers_own_listing() -> None:
    def ann(cat: str, kind: str, primary: str, pos: int) -> Announcement:
        return Announcement("2601.00001", None, "T", ["A"], "X", [primary, cat], kind, pos,  # type: ignore[arg-type]
                            listing_category=cat)  # fmt: skip

    items = [ann("cs.LG", "cross", "stat.ML", 9), ann("stat.ML", "new", "stat.ML", 2)]
    (pick,) = select(items, ["cs.LG", "stat.ML"], cross_lists=True, replacements=False)
    assert (pick.section, pick.item.announce_type, pick.item.position, pick.is_cross) == ("stat.ML", "new", 2, False)
    (pick,) = select(items[:1], ["cs.LG"], cross_lists=True, replacements=False)
    assert (pick.section, pick.is_cross) == ("cs.LG", True)
    assert select(items[:1], ["cs.LG"], cross_lists=False, replacements=False) == []


@pytest.mark.parametrize("use_listing", [False, True])
def test_an_archive_follows_its_subcategories(
    fake: FakeArxiv, store: Store, client: ArxivClient, use_listing: bool
) -> None:
    """`cond-mat` is a valid category to follow (it is in the taxonomy, and rss/cond-mat serves every
    cond-mat.* paper): its papers are taken, grouped under their own primary category."""
    subs = ["cond-mat.soft", "cond-mat.str-el"]
    fake.set_day(synthetic_day(12, subs, cross_in=2, outside="quant-ph"))
    report = run(fake, store, client, categories=["cond-mat"], use_listing=use_listing)
    assert report.status == "stored" and report.fallback is None
    assert report.sections == {"cond-mat.soft": 6, "cond-mat.str-el": 6}
    report = run(fake, store, client, categories=["cond-mat"], use_listing=use_listing, arxiv__cross_lists=True)
    assert report.sections == {"cond-mat": 2} and report.cross_lists == 2


def test_an_alias_is_the_same_category() -> None:
    """math.IT is an alias of cs.IT: arXiv lists such papers as cs.IT."""
    item = Announcement("2601.00001", 1, "T", ["A"], "X", ["cs.IT", "eess.SP"], "new", 1)
    (pick,) = select([item], ["math.IT"], cross_lists=False, replacements=False)
    assert (pick.section, pick.is_cross) == ("cs.IT", False)
    assert inconsistency(DAY, ["math.IT"], [item], ["math.IT"]) is None
