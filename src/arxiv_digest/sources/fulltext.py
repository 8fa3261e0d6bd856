"""Full text from arXiv's HTML pages (arxiv.org/html/<id>v<N>, LaTeXML), fetched politely into the store.

Politeness: the same `ArxivClient` as every other request to arXiv (one connection, a User-Agent with the
contact, retries within one budget, spacing shared across processes through the data dir's pace file), at
the pace the HTML host's robots.txt asks of robots. It is read once per run: its Crawl-delay (or
Request-rate) for our User-Agent becomes the spacing when it is longer than arXiv's 3 s, and a path it
disallows is never requested. When robots.txt cannot be read (an error status, a network failure, a body
that is not text), no page is fetched this run: the papers fall back to their abstracts and are tried
again on the next run. A 403 stops fetching at once: arXiv treats further requests after "access denied"
as an attack.

Each paper version's outcome is committed at once (a crash never costs a page fetched at that pace):
- ok: the parsed sections (sources/latexml.py) as zlib-compressed JSON, never written to any output
  (arXiv's terms allow re-serving metadata, not the papers);
- none: arXiv has no HTML version (its 404 "No HTML for ..."), the page is not a LaTeXML paper, or the
  conversion failed; recorded with the reason so that it is not asked for on every run, and asked for
  again after `fulltext.retry_days` or when a new version appears.
Network trouble that outlasts the retry budget ends fetching for this run and records nothing.
"""

from __future__ import annotations

import logging
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from .. import USER_AGENT_NAME
from ..config import Settings
from ..errors import ArxivError, ArxivHTTPError
from ..models import Paper
from ..store import Store
from .fetch import pace_file
from .http import Answer, ArxivClient, short_url
from .latexml import FullText, NoFullText, parse_latexml

log = logging.getLogger(__name__)


@dataclass
class FetchReport:
    """What one full-text fetch did (the pages it asked for and why some papers have no text)."""

    wanted: int = 0  # papers the run wanted full text for
    cached: int = 0  # text already in the store: nothing fetched
    fetched: int = 0  # pages fetched now that hold a text
    none: int = 0  # no usable HTML version (found now, or recorded by an earlier run)
    skipped: int = 0  # not asked for this run: over the per-run cap, or fetching stopped
    requests: int = 0  # HTTP requests, robots.txt and retries included
    delay: float = 0.0  # the spacing between pages, seconds
    elapsed: float = 0.0
    stopped: str | None = None  # why no (more) pages were fetched this run
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (paper id, why it has no full text)


@dataclass
class Robots:
    """robots.txt of the HTML host, read once per run."""

    parser: RobotFileParser
    delay: float | None  # Crawl-delay, or the interval a Request-rate implies, for our User-Agent

    def allows(self, url: str) -> bool:
        return self.parser.can_fetch(USER_AGENT_NAME, url)


def page_url(html_url: str, paper: Paper) -> str:
    """arxiv.org/html/2601.12345v2, or /html/cond-mat/0603029v1 for an old-style id."""
    return f"{html_url.rstrip('/')}/{paper.id}v{paper.version}"


def robots_url(html_url: str) -> str:
    return urljoin(html_url, "/robots.txt")


def _group_delay(lines: list[str], agent: str) -> float | None:
    """Crawl-delay (fractions allowed; the stdlib parser keeps integers only) or Request-rate n/s for
    the group that names our agent, else the '*' group. Groups as RFC 9309 defines them."""
    groups: list[tuple[list[str], dict[str, str]]] = []
    in_agents = False
    for raw in lines:
        key, _, value = raw.split("#", 1)[0].partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "user-agent":
            if not in_agents:
                groups.append(([], {}))
            groups[-1][0].append(value.lower())
            in_agents = True
        elif key and groups:
            in_agents = False
            groups[-1][1].setdefault(key, value)
    mine = [g for g in groups if any(a != "*" and a in agent.lower() for a in g[0])]
    chosen = mine or [g for g in groups if "*" in g[0]]
    if not chosen:
        return None
    rules = chosen[0][1]
    try:
        if "crawl-delay" in rules:
            return max(0.0, float(rules["crawl-delay"]))
        if "request-rate" in rules:
            n, _, secs = rules["request-rate"].partition("/")
            return max(0.0, float(secs.rstrip("smh")) / max(1, int(n)))
    except ValueError:
        return None
    return None


def read_robots(client: ArxivClient, html_url: str) -> Robots:
    """Fetch and parse robots.txt; raises NoRobots when it cannot be read (then be conservative)."""
    url = robots_url(html_url)
    try:
        answer = client.get(url, expect="any")
    except ArxivError as e:
        raise NoRobots(f"cannot read {url} ({e}); no full text this run") from None
    ctype = answer.content_type.split(";")[0].strip().lower()
    if ctype and not ctype.startswith("text/"):
        raise NoRobots(f"{url} answered {ctype}, not a robots.txt; no full text this run")
    lines = answer.content.decode("utf-8", "replace").splitlines()
    parser = RobotFileParser(url)
    parser.parse(lines)
    return Robots(parser, _group_delay(lines, USER_AGENT_NAME))


class NoRobots(Exception):
    """robots.txt could not be read: fetch nothing."""


# ---------------------------------------------------------------- store records


def compress(ft: FullText) -> bytes:
    return zlib.compress(ft.to_json().encode("utf-8"), 9)


def decompress(body: bytes) -> FullText:
    return FullText.from_json(zlib.decompress(body).decode("utf-8"))


def stored_texts(store: Store, papers: list[Paper]) -> dict[str, FullText]:
    """The full texts the store holds for these papers at their current version."""
    records = store.fulltexts(p.id for p in papers)
    out = {}
    for p in papers:
        r = records.get(p.id)
        if r is not None and r["version"] == p.version and r["status"] == "ok" and r["body"]:
            out[p.id] = decompress(r["body"])
    return out


def _todo(settings: Settings, store: Store, papers: list[Paper], report: FetchReport) -> list[Paper]:
    """Papers whose page is worth asking for: no text yet, and no recent 'none' for this version."""
    records = store.fulltexts(p.id for p in papers)
    retry_after = timedelta(days=settings.fulltext.retry_days)
    todo = []
    for p in papers:
        r = records.get(p.id)
        if r is not None and r["version"] == p.version:
            if r["status"] == "ok":
                report.cached += 1
                continue
            if datetime.now(UTC) - datetime.fromisoformat(r["fetched_at"]) < retry_after:
                report.none += 1
                report.reasons.append((p.id, r["reason"]))
                continue
        todo.append(p)
    return todo


# ---------------------------------------------------------------- fetching


def _outcome(answer: Answer) -> tuple[str, bytes | None, str, int]:
    """(status, compressed body, reason, characters) for one page."""
    if answer.status in (404, 410):
        try:
            parse_latexml(answer.content)
        except NoFullText as e:
            return "none", None, f"HTTP {answer.status}: {e}", 0
        return "none", None, f"HTTP {answer.status}", 0
    ctype = answer.content_type.split(";")[0].strip().lower()
    if ctype and "html" not in ctype:
        return "none", None, f"not an HTML page ({ctype})", 0
    try:
        ft = parse_latexml(answer.content)
    except NoFullText as e:
        return "none", None, str(e), 0
    return "ok", compress(ft), "", ft.chars


def fetch_fulltexts(settings: Settings, store: Store, papers: list[Paper],
                    client: ArxivClient | None = None) -> FetchReport:  # fmt: skip
    """Get full text for these papers into the store (those it lacks), at most `fulltext.max_papers` pages.
    The caller holds the store's write lock."""
    started = time.monotonic()
    report = FetchReport(wanted=len(papers))
    todo = _todo(settings, store, papers, report)
    cap = settings.fulltext.max_papers
    if len(todo) > cap:
        report.skipped += len(todo) - cap
        todo = todo[:cap]
    if not todo:
        return report
    own = client is None
    client = client or ArxivClient(settings.arxiv, settings.contact, pace_file=pace_file(store))
    first = client.requests
    try:
        _fetch(settings, store, client, todo, report)
    finally:
        report.requests = client.requests - first
        report.elapsed = time.monotonic() - started
        if own:
            client.close()
    return report


def _fetch(settings: Settings, store: Store, client: ArxivClient, todo: list[Paper], report: FetchReport) -> None:
    html_url = settings.fulltext.html_url
    try:
        robots = read_robots(client, html_url)
    except NoRobots as e:
        report.stopped, report.skipped = str(e), report.skipped + len(todo)
        log.warning("%s", e)
        return
    # The host's robots.txt pace, when it asks for more than arXiv's API terms do (the client keeps 3 s).
    client.delay = max(client.delay, robots.delay or 0.0)
    report.delay = client.delay
    for i, paper in enumerate(todo):
        url = page_url(html_url, paper)
        if not robots.allows(url):
            report.stopped = f"robots.txt of {urlsplit(url).netloc} disallows {urlsplit(url).path}"
        else:
            report.stopped = _fetch_one(store, client, paper, url, report)
        if report.stopped:
            report.skipped += len(todo) - i
            log.warning("full text: %s; the remaining papers use their abstracts", report.stopped)
            return


def _fetch_one(store: Store, client: ArxivClient, paper: Paper, url: str, report: FetchReport) -> str | None:
    """Fetch and record one page; returns why fetching must stop, if it must."""
    try:
        answer = client.get(url, expect="any", error_bodies=(404, 410))
    except ArxivHTTPError as e:
        if e.status == 403:
            return f"arXiv denied access (403) to {short_url(url)}; stopped at once, as arXiv asks"
        if e.status and e.status < 500:  # another final answer about this paper: no text for it
            store.save_fulltext(paper.id, paper.version, "none", None, f"HTTP {e.status}")
            report.none += 1
            report.reasons.append((paper.id, f"HTTP {e.status}"))
            return None
        return str(e)
    except ArxivError as e:  # the retry budget is spent: later pages would only wait again
        return str(e)
    status, body, reason, chars = _outcome(answer)
    store.save_fulltext(paper.id, paper.version, status, body, reason, chars)
    if status == "ok":
        report.fetched += 1
    else:
        report.none += 1
        report.reasons.append((paper.id, reason))
    return None
