"""Fetch one announcement day into the store: what was announced, then the metadata, then one write.

1. What was announced: ONE request for the combined RSS feed of every followed category
   (`{rss_url}/A+B+C`). When it fails or looks inconsistent (unparseable, an HTTP error, no pubDate,
   items outside the categories asked for) the listing pages `{listing_url}/CAT/new` are read instead
   (also on request: `use_listing` or `arxiv.source = "listing"`). Network failures that outlast the
   retry budget are not "inconsistent": they end the fetch, as a fallback would only wait again.
2. Selection (the reference digest's): new submissions and cross-lists whose PRIMARY category is followed,
   grouped under it; `arxiv.cross_lists` adds papers cross-listed INTO a followed category (grouped under
   that category, marked as cross-lists); `arxiv.replacements` adds replacements. Each paper once.
   Following an archive (astro-ph, cond-mat) follows its subcategories; an alias (math.IT) its twin (cs.IT).
   A paper announced on an earlier stored day is never listed as new again.
3. Metadata: the query API in `id_list` batches of up to 100, only for papers not stored at this version.
   The API is the authority for metadata; the feed keeps the announce type and position. An id the API
   leaves out is asked for once more in a follow-up batch; if it is still missing it is stored from the
   feed's own data (title, authors, abstract, categories) with a warning, because losing a paper from the
   digest is worse than lacking its comment and dates (the run's detail lists those ids).
4. Everything is written in ONE transaction (papers, announcements, a runs row): a failure anywhere
   leaves the store exactly as it was. The caller holds the store's write lock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from ..config import Settings
from ..errors import ArxivHTTPError, ArxivParseError
from ..models import Announcement, Paper
from ..store import AnnouncementRow, Store
from .api import parse_api
from .http import ArxivClient, short_url
from .listing import parse_listing, within
from .rss import parse_rss
from .sample import sample_settings, serve_sample

log = logging.getLogger(__name__)

BatchProgress = Callable[[int, int], None]  # (API batches done, batches planned)
_REPLACE = ("replace", "replace-cross")


@dataclass
class FetchReport:
    """What one fetch did, for the CLI and the runs log."""

    day: date | None
    status: Literal["stored", "no-announcement"]
    categories: list[str]
    source: Literal["rss", "listing", "none"] = "none"
    sections: dict[str, int] = field(default_factory=dict)  # section -> papers stored, followed order first
    cross_lists: int = 0  # papers listed under a category they were cross-listed into
    replacements: int = 0
    requests: int = 0  # HTTP requests to arXiv, retries included
    api_batches: int = 0
    skipped_known: int = 0  # already stored at this version: no API request for them
    from_feed: list[str] = field(default_factory=list)  # ids the API never returned
    fallback: str | None = None  # why the RSS feed was not used, when it was not
    message: str = ""

    @property
    def papers(self) -> int:
        return sum(self.sections.values())


@dataclass
class _Announced:
    day: date | None
    items: list[Announcement]
    source: Literal["rss", "listing"]
    fallback: str | None = None


@dataclass
class Pick:
    """An announced paper chosen for the digest, and where it is listed."""

    item: Announcement
    section: str
    is_cross: bool

    @property
    def rank(self) -> int:
        """Which of several listings of one paper wins: its own category's, as new, over a cross-list."""
        if self.is_cross:
            return 2
        return 1 if self.item.announce_type in ("cross", "replace-cross") else 0


def pace_file(store: Store) -> Path:
    """Where every process using this data dir records its last request to arXiv (for the spacing)."""
    return store.data_dir / "arxiv-last-request"


def fetch_day(
    settings: Settings,
    store: Store,
    client: ArxivClient | None = None,
    day: date | None = None,
    use_listing: bool = False,
    sample: bool = False,
    progress: BatchProgress | None = None,
) -> FetchReport:
    """Fetch the latest announcement (which must be `day` when given) and store it in one transaction.

    `sample=True` serves the bundled sample day from 127.0.0.1 and fetches it the same way.
    """
    if sample:
        with serve_sample() as server:
            return fetch_day(sample_settings(settings, server), store, None, day, use_listing, False, progress)
    cats = settings.categories
    if day is not None and store.has_day(day):
        n = len(store.day_rows(day))
        return FetchReport(day, "no-announcement", cats, message=f"{day} is already in the store ({n} papers)")
    own = client is None
    client = client or ArxivClient(settings.arxiv, settings.contact, pace_file=pace_file(store))
    try:
        return _fetch(settings, store, client, day, use_listing or settings.arxiv.source == "listing", progress)
    finally:
        if own:
            client.close()


def _fetch(
    settings: Settings, store: Store, client: ArxivClient, day: date | None, use_listing: bool,
    progress: BatchProgress | None,
) -> FetchReport:  # fmt: skip
    started, first_request = time.monotonic(), client.requests
    cats = settings.categories
    got = _announcements(settings, client, use_listing)
    report = FetchReport(got.day, "no-announcement", cats, got.source, fallback=got.fallback)
    picks = select(got.items, cats, settings.arxiv.cross_lists, settings.arxiv.replacements)
    if got.day is not None:
        picks = _drop_known(store, picks, got.day)
    report.requests = client.requests - first_request
    if day is not None and got.day != day:
        report.message = (f"no announcement for {day} can be fetched: arXiv's feeds only serve the latest day "
                          f"({got.day or 'none'}); nothing written")  # fmt: skip
        return report
    if got.day is None or not picks:
        report.message = _nothing_new(store, cats, got)
        return report
    papers, report.api_batches, report.from_feed, report.skipped_known = _metadata(
        settings, store, client, picks, progress
    )
    report.requests = client.requests - first_request
    report.status = "stored"
    _summarize(report, picks)
    _write(store, got.day, picks, papers, report, time.monotonic() - started)
    return report


# ---------------------------------------------------------------- 1. what was announced


def _announcements(settings: Settings, client: ArxivClient, use_listing: bool) -> _Announced:
    cats = settings.categories
    if use_listing:
        return _listings(settings, client, fallback=None)
    url = f"{settings.arxiv.rss_url.rstrip('/')}/{'+'.join(cats)}"
    try:
        feed = parse_rss(_body(client, url, "xml"))
        problem = inconsistency(feed.announced, feed.categories, feed.items, cats)
    except (ArxivParseError, ArxivHTTPError) as e:
        problem = str(e)
    if problem is None:
        return _Announced(feed.announced, feed.items, "rss")
    log.warning("the RSS feed cannot be used (%s); reading the listing pages instead", problem)
    return _listings(settings, client, fallback=problem)


def inconsistency(
    announced: date | None, feed_cats: list[str], items: list[Announcement], cats: list[str]
) -> str | None:
    """Why a feed should not be trusted, or None. An empty feed is consistent: it is a day off."""
    if announced is None:
        return "the feed has no readable pubDate"
    if feed_cats and {c.lower() for c in feed_cats} != {c.lower() for c in cats}:
        return f"the feed covers {'+'.join(feed_cats)}, not {'+'.join(cats)}"
    strays = [it.arxiv_id for it in items if not any(_followed(c, cats) for c in it.categories)]
    if strays:
        return f"{len(strays)} feed items are in none of {', '.join(cats)} (e.g. {strays[0]})"
    return None


def _listings(settings: Settings, client: ArxivClient, fallback: str | None) -> _Announced:
    """One listing page per followed category; they must agree on the announcement day."""
    items: list[Announcement] = []
    days: set[date | None] = set()
    for cat in settings.categories:
        url = f"{settings.arxiv.listing_url.rstrip('/')}/{cat}/new"
        feed = parse_listing(_body(client, url, "html"), cat)
        days.add(feed.announced)
        for it in feed.items:
            it.listing_category = it.listing_category or cat
        items.extend(feed.items)
    if len(days) != 1 or None in days:
        shown = ", ".join(sorted(str(d) for d in days))
        raise ArxivParseError(f"the listing pages disagree on (or lack) the announcement day: {shown}")
    return _Announced(days.pop(), items, "listing", fallback)


def _body(client: ArxivClient, url: str, expect: Literal["xml", "html"]) -> bytes:
    return client.get(url, expect=expect).content


# ---------------------------------------------------------------- 2. selection


def select(items: list[Announcement], cats: list[str], cross_lists: bool, replacements: bool) -> list[Pick]:
    """The papers of the digest, each once, in the order they were first announced."""
    best: dict[str, Pick] = {}
    for it in items:
        if it.announce_type in _REPLACE and not replacements:
            continue
        if it.primary_category and _followed(it.primary_category, cats):
            pick = Pick(it, it.primary_category, is_cross=False)
        elif cross_lists:
            into = it.listing_category if it.listing_category in cats else None
            into = into or next((f for c in it.categories if (f := _followed(c, cats))), None)
            if into is None:
                continue
            pick = Pick(it, into, is_cross=True)
        else:
            continue
        prev = best.get(it.arxiv_id)
        if prev is None or pick.rank < prev.rank:
            best[it.arxiv_id] = pick
    return list(best.values())


def _followed(category: str, cats: list[str]) -> str | None:
    """The followed category that `category` belongs to: itself, its alias, or its archive (astro-ph)."""
    return next((c for c in cats if within(category, c)), None)


def _drop_known(store: Store, picks: list[Pick], day: date) -> list[Pick]:
    """Never list a paper as new twice: not if announced on an earlier day, not again on this day."""
    ids = [p.item.arxiv_id for p in picks]
    earlier = store.announced_earlier(ids, day)
    today = {r["paper_id"] for r in store.day_rows(day)}
    return [
        p for p in picks
        if p.item.arxiv_id not in today and (p.item.announce_type in _REPLACE or p.item.arxiv_id not in earlier)
    ]  # fmt: skip


def _nothing_new(store: Store, cats: list[str], got: _Announced) -> str:
    last = store.last_announced()
    since = f"since {last}" if last else "yet"
    if got.day is None or not got.items:
        why = f"arXiv's feed for {got.day} is empty: no announcements on Friday/Saturday evenings or holidays"
    elif store.has_day(got.day):
        why = f"arXiv still shows {got.day}, which is already stored"
    else:
        why = f"arXiv's announcement of {got.day} lists nothing new for them"
    return f"no new announcement for {', '.join(cats)} {since} ({why}); nothing written"


# ---------------------------------------------------------------- 3. metadata


def _metadata(
    settings: Settings, store: Store, client: ArxivClient, picks: list[Pick], progress: BatchProgress | None
) -> tuple[dict[str, Paper], int, list[str], int]:
    """(papers to write, API batches, ids stored from the feed, ids skipped as already stored)."""
    stored = store.versions(p.item.arxiv_id for p in picks)
    wanted = [p.item for p in picks if _needs_api(p.item, stored.get(p.item.arxiv_id))]
    ids = [it.arxiv_id for it in wanted]
    size = settings.arxiv.batch_size
    plan = _chunks(ids, size)
    got: dict[str, Paper] = {}
    done, retried = 0, False
    if progress and plan:
        progress(0, len(plan))
    while plan:
        got.update(_api_batch(settings, client, plan.pop(0)))
        done += 1
        if not plan and not retried:  # the first pass is over: ask once more for what it left out
            retried = True
            missing = [i for i in ids if i not in got]
            if missing:
                log.warning("the API left out %d ids (%s); asking once more", len(missing), ", ".join(missing[:5]))
                plan = _chunks(missing, size)
        if progress:
            progress(done, done + len(plan))
    from_feed = [it for it in wanted if it.arxiv_id not in got]
    for it in from_feed:
        log.warning("the API never returned %s; storing it from the feed's data", it.arxiv_id)
        got[it.arxiv_id] = _from_feed(it)
    return got, done, [it.arxiv_id for it in from_feed], len(picks) - len(wanted)


def _chunks(ids: list[str], size: int) -> list[list[str]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _needs_api(it: Announcement, stored_version: int | None) -> bool:
    if stored_version is None:
        return True
    if it.version is None:  # a listing page names no version: a replacement may be newer
        return it.announce_type in _REPLACE
    return it.version > stored_version


def _api_batch(settings: Settings, client: ArxivClient, ids: list[str]) -> dict[str, Paper]:
    params = {"id_list": ",".join(ids), "max_results": str(len(ids))}
    # HTTP 400 carries arXiv's error feed: parse_api turns it into ArxivAPIError with arXiv's words.
    answer = client.get(settings.arxiv.api_url, params, expect="xml", error_bodies=(400,))
    try:
        page = parse_api(answer.content)
    except ArxivParseError as e:
        raise type(e)(f"{e} (from {short_url(answer.url)})", url=answer.url, retries=answer.retries) from None
    asked = set(ids)
    return {p.id: p for p in page.papers if p.id in asked}


def _from_feed(it: Announcement) -> Paper:
    return Paper(
        id=it.arxiv_id, version=it.version or 1, title=it.title, authors=it.authors, abstract=it.abstract,
        categories=it.categories, comment=it.comment, journal_ref=it.journal_ref, doi=it.doi,
    )  # fmt: skip


# ---------------------------------------------------------------- 4. one write


def _summarize(report: FetchReport, picks: list[Pick]) -> None:
    order = {c: i for i, c in enumerate(report.categories)}
    counts: dict[str, int] = {}
    for p in sorted(picks, key=lambda p: order.get(p.section, len(order))):
        counts[p.section] = counts.get(p.section, 0) + 1
    report.sections = counts
    report.cross_lists = sum(p.is_cross for p in picks)
    report.replacements = sum(p.item.announce_type in _REPLACE for p in picks)
    source = "RSS feed" if report.source == "rss" else "listing pages"
    report.message = f"{report.day}: stored {len(picks)} papers for {', '.join(report.categories)} from the {source}"


def _write(
    store: Store, day: date, picks: list[Pick], papers: dict[str, Paper], report: FetchReport, seconds: float
) -> None:
    rows = [
        AnnouncementRow(p.item.arxiv_id, p.section, p.item.announce_type, p.item.position, p.is_cross) for p in picks
    ]
    detail = {k: v for k, v in asdict(report).items() if k not in ("status", "message")}
    detail["seconds"] = round(seconds, 2)
    with store.transaction():
        run = store.start_run("fetch", {"day": day, "categories": report.categories})
        for paper in papers.values():
            store.upsert_paper(paper)
        store.add_announcements(day, rows)
        store.finish_run(run, "ok", detail)


# ---------------------------------------------------------------- what the store holds


@dataclass
class StoreStatus:
    data_dir: str
    days: list[tuple[date, int]]  # announcement day -> papers, oldest first
    papers: int
    summaries: int
    runs: list[str]  # one line per recent run, newest first


def store_status(store: Store, runs: int = 5) -> StoreStatus:
    """Counts for `arxiv-digest status` (read-only)."""
    db = store.db
    days = [(date.fromisoformat(r[0]), r[1])
            for r in db.execute("SELECT date, COUNT(*) FROM announcements GROUP BY date ORDER BY date")]  # fmt: skip
    papers = db.execute("SELECT COUNT(*) FROM papers").fetchone()[0]
    summaries = db.execute("SELECT COUNT(DISTINCT paper_id) FROM summaries").fetchone()[0]
    lines = [f"{r['started_at']}  {r['command']:<10} {r['status']}" for r in store.runs(runs)]
    return StoreStatus(str(store.data_dir), days, int(papers), int(summaries), lines)
