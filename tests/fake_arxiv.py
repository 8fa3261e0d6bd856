"""A fake arXiv on 127.0.0.1: real HTTP, arXiv's formats, a referee for the politeness rules, faults on demand.

It serves the combined RSS feed (`/rss/A+B`), listing pages (`/list/CAT/new`), the query API
(`/api/query?id_list=...`), full-text pages (`/html/IDvN`: real captures put there with `serve_html`, else
arXiv's 404 "No HTML for ..." page) and a robots.txt with a Crawl-delay, for one announcement `Day`, built
the way arXiv builds them: an item's announce type depends on the categories asked for, cross-lists show up
on every listing they are listed in. It counts requests per kind, records User-Agents, and collects
violations of the spacing and single-request rules (html pages: the robots.txt Crawl-delay), which the
context manager asserts are empty on exit (so a test fails when the client is rude).
Faults are queued per kind ("rss", "listing", "api", "html", "robots") and consumed one per request.

Also used by benchmarks/fetch_bench.py, hence no pytest import here.
"""

from __future__ import annotations

import random
import select
import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from html import escape as html_escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from arxiv_digest.config import ArxivSettings, taxonomy
from arxiv_digest.models import Paper, split_version

REAL = Path(__file__).parent / "fixtures" / "arxiv-real"
RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
SPACING_TOLERANCE = 0.001  # seconds; the server marks a request's end before the client can see it


# ---------------------------------------------------------------- the day's data


@dataclass
class DayPaper:
    """A paper announced on the day: new submission or replacement (cross-ness depends on who asks)."""

    paper: Paper
    kind: Literal["new", "replace"] = "new"


@dataclass
class Day:
    day: date
    papers: list[DayPaper] = field(default_factory=list)

    def ids(self) -> list[str]:
        return [p.paper.id for p in self.papers]


def _in(category: str, cats: list[str]) -> bool:
    """Is `category` served by a feed or listing of `cats`? An archive (astro-ph, cond-mat) serves its own."""
    return any(category == c or category.startswith(c + ".") for c in cats)


def _type_for(dp: DayPaper, cats: list[str]) -> str:
    cross = not _in(dp.paper.categories[0], cats)
    if dp.kind == "new":
        return "cross" if cross else "new"
    return "replace-cross" if cross else "replace"


_TYPE_ORDER = {"new": 0, "cross": 1, "replace": 2, "replace-cross": 3}


def feed_items(day: Day, cats: list[str]) -> list[tuple[DayPaper, str]]:
    """What a combined feed for `cats` lists: each paper once, new before cross before replacements."""
    items = [(dp, _type_for(dp, cats)) for dp in day.papers if any(_in(c, cats) for c in dp.paper.categories)]
    return sorted(items, key=lambda it: _TYPE_ORDER[it[1]])


def synthetic_day(
    n: int,
    categories: list[str],
    day: date = date(2026, 1, 28),
    *,
    cross_within: float = 0.25,
    cross_in: int = 0,
    replacements: int = 0,
    outside: str = "math.OC",
    seed: int = 0,
    id_prefix: str | None = None,
) -> Day:
    """`n` new papers whose primary is one of `categories` (some cross-listed among them), plus `cross_in`
    papers from `outside` cross-listed into them and `replacements` replaced papers (v2)."""
    rng = random.Random(seed)
    prefix = id_prefix or f"{day.year % 100:02d}{day.month:02d}"
    out: list[DayPaper] = []

    def make(i: int, primary: str, extra: list[str], version: int) -> Paper:
        k = len(out)
        return Paper(
            id=f"{prefix}.{10000 + i:05d}", version=version,
            title=f"Synthetic study {i} of {primary}: A & B <under> $\\alpha$-noise",
            authors=[f"Author{i}a Surname{k}", f"B. {rng.choice(['Müller', 'Ng', 'O’Brien', 'Li'])}"],
            abstract=f"We study problem {i} in {primary}. Results: {rng.randint(1, 99)}% better & faster.",
            categories=[primary, *extra],
            comment=f"{rng.randint(5, 40)} pages" if i % 3 else None,
            journal_ref=f"J. Synth. {i} (2026)" if i % 7 == 0 else None,
            doi=f"10.1234/synth.{i}" if i % 5 == 0 else None,
            published=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i),
            updated=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i, days=version - 1),
            affiliations=[["Uni A"], []],
        )  # fmt: skip

    for i in range(n):
        primary = categories[i % len(categories)]
        others = [c for c in categories if c != primary]
        extra = [rng.choice(others)] if others and rng.random() < cross_within else []
        out.append(DayPaper(make(i, primary, extra, 1)))
    for j in range(cross_in):
        out.append(DayPaper(make(n + j, outside, [categories[j % len(categories)]], 1)))
    for j in range(replacements):
        out.append(DayPaper(make(n + cross_in + j, categories[j % len(categories)], [], 2), "replace"))
    return Day(day, out)


def day_from_seed(seed_papers: list[dict[str, Any]], day: date = date(2026, 1, 28)) -> Day:
    """The reference digest's papers as an announcement day (primary = the digest's section)."""
    papers = [
        DayPaper(Paper(id=s["id"], version=1, title=s["title"], authors=list(s["authors"]),
                       abstract=s["abstract"], categories=[s["category"]]))
        for s in seed_papers
    ]  # fmt: skip
    return Day(day, papers)


# ---------------------------------------------------------------- arXiv's formats


def _rfc822(d: date) -> str:
    # Announcement day at midnight US Eastern, as rss.arxiv.org writes it (EST/EDT guessed by month).
    offset = "-0400" if 3 < d.month < 11 else "-0500"
    return datetime(d.year, d.month, d.day).strftime("%a, %d %b %Y 00:00:00 ") + offset


def rss_feed(day: Day | None, cats: list[str], announced: date) -> bytes:
    """rss.arxiv.org/rss/A+B for `cats`; day=None gives the empty weekend channel."""
    joined = "+".join(cats)
    pub = _rfc822(announced)
    parts = [
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'version="2.0">\n  <channel>\n'
        f"    <title>{escape(', '.join(cats))} updates on arXiv.org</title>\n"
        f"    <link>http://rss.arxiv.org/rss/{joined}</link>\n"
        f"    <description>{escape(', '.join(cats))} updates on the arXiv.org e-print archive.</description>\n"
        f'    <atom:link href="http://rss.arxiv.org/rss/{joined}" rel="self" type="application/rss+xml"/>\n'
        "    <docs>http://www.rssboard.org/rss-specification</docs>\n    <language>en-us</language>\n"
        f"    <lastBuildDate>{pub}</lastBuildDate>\n    <managingEditor>rss-help@arxiv.org</managingEditor>\n"
        f"    <pubDate>{pub}</pubDate>\n"
        "    <skipDays>\n      <day>Sunday</day>\n      <day>Saturday</day>\n    </skipDays>\n"
    ]
    for dp, kind in feed_items(day, cats) if day else []:
        p = dp.paper
        vid = f"{p.id}v{p.version}"
        extra = f"      <arxiv:DOI>{escape(p.doi)}</arxiv:DOI>\n" if p.doi else ""
        if p.journal_ref:
            extra += f"      <arxiv:journal_reference>{escape(p.journal_ref)}</arxiv:journal_reference>\n"
        parts.append(
            f"    <item>\n      <title>{escape(p.title)}</title>\n"
            f"      <link>https://arxiv.org/abs/{p.id}</link>\n"
            f"      <description>arXiv:{vid} Announce Type: {kind} \nAbstract: {escape(p.abstract)}</description>\n"
            f'      <guid isPermaLink="false">oai:arXiv.org:{vid}</guid>\n'
            + "".join(f"      <category>{c}</category>\n" for c in p.categories)
            + f"      <pubDate>{pub}</pubDate>\n      <arxiv:announce_type>{kind}</arxiv:announce_type>\n"
            "      <dc:rights>http://arxiv.org/licenses/nonexclusive-distrib/1.0/</dc:rights>\n"
            f"{extra}      <dc:creator>{escape(', '.join(p.authors))}</dc:creator>\n    </item>\n"
        )
    parts.append("  </channel>\n</rss>\n")
    return "".join(parts).encode()


def _listing_entry(n: int, p: Paper, note: str) -> str:
    names = taxonomy()
    authors = ", ".join(
        f'<a href="https://arxiv.org/search/cs?searchtype=author&amp;query={html_escape(a)}">{html_escape(a)}</a>'
        for a in p.authors
    )
    subjects = "; ".join(
        (f'<span class="primary-subject">{names.get(c, c)} ({c})</span>' if i == 0 else f"{names.get(c, c)} ({c})")
        for i, c in enumerate(p.categories)
    )
    comments = (
        f"        <div class='list-comments mathjax'><span class='descriptor'>Comments:</span>\n"
        f"          {html_escape(p.comment)}\n        </div>\n" if p.comment else ""
    )
    jref = (
        f"        <div class='list-journal-ref'><span class='descriptor'>Journal-ref:</span>\n"
        f"          {html_escape(p.journal_ref)}\n        </div>\n" if p.journal_ref else ""
    )
    return (
        f"    <dt>\n      <a name='item{n}'>[{n}]</a>\n"
        f'      <a href ="/abs/{p.id}" title="Abstract" id="{p.id}">\n        arXiv:{p.id}\n      </a>\n'
        f"{note}\n"
        f'        [<a href="/pdf/{p.id}" title="Download PDF" id="pdf-{p.id}">pdf</a>, '
        f'<a href="https://arxiv.org/html/{p.id}v{p.version}" title="View HTML" id="html-{p.id}">html</a>]\n'
        "    </dt>\n    <dd>\n      <div class='meta'>\n"
        "        <div class='list-title mathjax'><span class='descriptor'>Title:</span>\n"
        f"          {html_escape(p.title)}\n        </div>\n"
        f"        <div class='list-authors'>{authors}</div>\n\n{comments}{jref}\n"
        "        <div class='list-subjects'><span class='descriptor'>Subjects:</span>\n"
        f"          {subjects}\n        </div>\n\n"
        f"        <p class='mathjax'>\n          {html_escape(p.abstract)}\n        </p>\n      </div>\n    </dd>\n"
    )


def listing_page(day: Day, cat: str) -> bytes:
    """arxiv.org/list/CAT/new: new submissions, cross-lists, replacements, numbered across sections."""
    sections: dict[str, list[tuple[Paper, str]]] = {"New submissions": [], "Cross submissions": [],
                                                    "Replacement submissions": []}  # fmt: skip
    for dp in day.papers:
        p = dp.paper
        if not any(_in(c, [cat]) for c in p.categories):
            continue
        if dp.kind == "replace":
            sections["Replacement submissions"].append((p, "          (replaced)\n"))
        elif _in(p.categories[0], [cat]):
            sections["New submissions"].append((p, ""))
        else:
            sections["Cross submissions"].append((p, f"          (cross-list from {p.categories[0]})\n"))
    n, body = 0, []
    for title, entries in sections.items():
        if not entries:
            continue
        k = len(entries)
        body.append(f"      <dl id='articles'>\n    <h3>{title} (showing {k} of {k} entries)</h3>\n")
        for p, note in entries:
            n += 1
            body.append(_listing_entry(n, p, note))
        body.append("</dl>\n")
    when = datetime(day.day.year, day.day.month, day.day.day).strftime("%A, %d %B %Y").replace(" 0", " ")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><title>" + html_escape(taxonomy().get(cat, cat))
        + " </title></head>\n<body>\n<main><div id=\"content\"><div id='content-inner'>\n<div id='dlpage'>\n"
        f"  <h1>{html_escape(taxonomy().get(cat, cat))}</h1>\n"
        f"<h3>Showing new listings for {when}</h3>\n      <div class='paging'>Total of {n} entries\n    </div>\n"
        + "".join(body) + "</div>\n</div></div></main>\n</body>\n</html>\n"
    ).encode()  # fmt: skip


def _iso(d: datetime | None) -> str:
    return (d or datetime(2026, 1, 1, tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def api_feed(papers: list[Paper], query: str) -> bytes:
    """export.arxiv.org/api/query Atom answer (the 2026 serializer: prefixes on the root, no wrapping)."""
    parts = [
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns="http://www.w3.org/2005/Atom">\n  <id>https://arxiv.org/api/fake</id>\n'
        f"  <title>arXiv Query: {escape(query)}</title>\n  <updated>{_iso(None)}</updated>\n"
        f"  <opensearch:itemsPerPage>{len(papers)}</opensearch:itemsPerPage>\n"
        f"  <opensearch:totalResults>{len(papers)}</opensearch:totalResults>\n"
        "  <opensearch:startIndex>0</opensearch:startIndex>\n"
    ]
    for p in papers:
        vid = f"{p.id}v{p.version}"
        opt = "".join(
            f"    <arxiv:{tag}>{escape(v)}</arxiv:{tag}>\n"
            for tag, v in (("comment", p.comment), ("journal_ref", p.journal_ref), ("doi", p.doi)) if v
        )
        authors = "".join(
            f"    <author>\n      <name>{escape(a)}</name>\n"
            + "".join(f"      <arxiv:affiliation>{escape(f)}</arxiv:affiliation>\n"
                      for f in (p.affiliations[i] if i < len(p.affiliations) else []))
            + "    </author>\n"
            for i, a in enumerate(p.authors)
        )  # fmt: skip
        parts.append(
            f"  <entry>\n    <id>http://arxiv.org/abs/{vid}</id>\n    <title>{escape(p.title)}</title>\n"
            f"    <updated>{_iso(p.updated)}</updated>\n"
            f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>\n'
            f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>\n'
            f"    <summary>{escape(p.abstract)}</summary>\n"
            + "".join(f'    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>\n' for c in p.categories)
            + f"    <published>{_iso(p.published)}</published>\n{opt}"
            f'    <arxiv:primary_category term="{p.categories[0]}"/>\n{authors}  </entry>\n'
        )
    parts.append("</feed>\n")
    return "".join(parts).encode()


def api_error_feed(bad_id: str) -> bytes:
    """The API's error answer for a malformed id (served with HTTP 400), shaped like the real capture."""
    real = (REAL / "api_atom_2026_error_incorrect_id_http400.xml").read_text("utf-8")
    return real.replace("abc", escape(bad_id)).encode()


# ---------------------------------------------------------------- faults


@dataclass
class Fault:
    """What to do instead of (or to) the next normal answer of one kind."""

    status: int = 200
    body: bytes | None = None  # None: the normal answer
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hold: bool = False  # never answer (until the server stops): the client times out
    truncate: bool = False  # cut the normal answer in half, keep HTTP 200
    empty_feed: bool = False  # an RSS channel with no items (a weekend)
    trickle: float = 0.0  # send the answer one byte every this many seconds (headers at once)
    slow_status: bool = False  # with trickle: the status line and headers a byte at a time too
    gate: threading.Event | None = None  # answer only once this is set (the request stays in flight)
    entered: threading.Event = field(default_factory=threading.Event)  # set when the request is being held


def unavailable(retry_after: str | None = "0") -> Fault:
    return Fault(503, b"<html><body>Service Unavailable</body></html>", HTML_TYPE,
                 {"Retry-After": retry_after} if retry_after is not None else {})  # fmt: skip


def too_many(retry_after: str | None = "0") -> Fault:
    return Fault(429, b"Rate exceeded.", "text/plain",
                 {"Retry-After": retry_after} if retry_after is not None else {})  # fmt: skip


def timeout() -> Fault:
    return Fault(hold=True)


def truncated() -> Fault:
    return Fault(truncate=True)


def trickle(every: float = 0.5, status_line: bool = False) -> Fault:
    """A server that never stops answering: one byte every `every` seconds, until the client hangs up."""
    return Fault(trickle=every, slow_status=status_line)


def html_error_page() -> Fault:
    """What a proxy or arXiv's front end serves during trouble: HTML, yet HTTP 200."""
    return Fault(200, b"<!DOCTYPE html><html><body><h1>We are experiencing difficulties</h1></body></html>",
                 HTML_TYPE)  # fmt: skip


def not_found() -> Fault:
    return Fault(404, b"<html><body>Not Found</body></html>", HTML_TYPE)


def error_feed() -> Fault:
    """The API's real error feed (HTTP 400, one entry titled "Error")."""
    return Fault(400, (REAL / "api_atom_2026_error_incorrect_id_http400.xml").read_bytes(), ATOM_TYPE)


def weekend() -> Fault:
    return Fault(empty_feed=True)


def no_html_page(idv: str) -> bytes:
    """arXiv's answer (HTTP 404) for a paper without an HTML version. Its words are those of arxiv-browse's
    template browse/templates/dissemination/no_html.html; the page around them is ours, not a capture."""
    return (f"<!DOCTYPE html><html lang=\"en\"><head><title>No HTML for '{idv}'</title></head><body>"
            f"<main><h1>No HTML for '{idv}'</h1><p>HTML is not available for the source.</p>"
            "<p>This could be due to the source files not being HTML, LaTeX, or a conversion failure.</p>"
            "</main></body></html>").encode()  # fmt: skip


def robots_txt(crawl_delay: float) -> bytes:
    """A robots.txt shaped like arxiv.org's (User-agent: *, Crawl-delay, Allow: /html ...)."""
    return (f"User-agent: *\nCrawl-delay: {crawl_delay:g}\nAllow: /abs\nAllow: /pdf\nAllow: /html\n"
            "Disallow: /user\nDisallow: /e-print\nDisallow: /src\n").encode()


# ---------------------------------------------------------------- the server


class FakeArxiv:
    """Start with `with FakeArxiv(min_spacing=0.05) as fake:`; exiting asserts the client was polite."""

    def __init__(self, min_spacing: float = 0.0, day: Day | None = None, crawl_delay: float = 0.0) -> None:
        self.min_spacing = min_spacing
        self.crawl_delay = crawl_delay  # what robots.txt asks between html pages (refereed too)
        self.robots: bytes | None = robots_txt(crawl_delay)
        self.html: dict[str, bytes] = {}  # /html/IDvN -> a page (real captures)
        self.day: Day | None = None
        self.feed_day: date | None = None  # the day the RSS feed and listings claim (default: day.day)
        self.papers: dict[str, Paper] = {}  # what the API knows, by id without version
        self.static: dict[str, tuple[int, str, bytes]] = {}  # path -> canned answer (real captures)
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.missing: dict[str, int] = {}  # id -> how many more API answers leave it out (-1: always)
        self.counts: Counter[str] = Counter()
        self.requests: list[tuple[str, str]] = []  # (kind, path with query)
        self.api_ids: list[list[str]] = []  # the id_list of every API request, in order
        self.user_agents: list[str] = []
        self.violations: list[str] = []
        self.release = threading.Event()  # lets held ("timeout") requests finish at shutdown
        self._lock = threading.Lock()
        self._active = 0
        self._last_end: float | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)
        if day is not None:
            self.set_day(day)

    # -- set-up

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def rss_url(self) -> str:
        return f"{self.base_url}/rss"

    @property
    def listing_url(self) -> str:
        return f"{self.base_url}/list"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/query"

    @property
    def html_url(self) -> str:
        return f"{self.base_url}/html"

    def serve_html(self, paper_id: str, version: int, page: bytes) -> None:
        """Answer /html/<id>v<version> with this page (HTTP 200, text/html)."""
        self.html[f"/html/{paper_id}v{version}"] = page

    def overrides(self) -> dict[str, Any]:
        """Dotted settings pointing arXiv at this server, spaced as it referees."""
        return {"arxiv.rss_url": self.rss_url, "arxiv.listing_url": self.listing_url,
                "arxiv.api_url": self.api_url, "arxiv.delay_seconds": self.min_spacing,
                "fulltext.html_url": self.html_url}  # fmt: skip

    def arxiv_settings(self, **kw: Any) -> ArxivSettings:
        base = {"rss_url": self.rss_url, "listing_url": self.listing_url, "api_url": self.api_url,
                "delay_seconds": self.min_spacing, "timeout_seconds": 2.0, "max_retry_seconds": 10.0}  # fmt: skip
        return ArxivSettings(**{**base, **kw})

    def set_day(self, day: Day, feed_day: date | None = None) -> None:
        """Serve this day; the API also learns its papers (and keeps those of earlier days)."""
        self.day = day
        self.feed_day = feed_day or day.day
        self.papers.update((dp.paper.id, dp.paper) for dp in day.papers)

    def fault(self, kind: str, *faults: Fault) -> None:
        self.faults[kind].extend(faults)

    def next_run(self) -> None:
        """A new run (a new process, in real life) starts: spacing is refereed within each run."""
        with self._lock:
            self._last_end = None

    # -- lifecycle

    def __enter__(self) -> FakeArxiv:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if exc[0] is None:
            assert not self.violations, "the client broke arXiv's rules:\n" + "\n".join(self.violations)

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    # -- refereeing

    def _arrive(self, kind: str, target: str, agent: str) -> float:
        now = time.monotonic()
        with self._lock:
            if self._active:
                self.violations.append(f"{kind} {target}: started while another request was in flight")
            spacing = max(self.min_spacing, self.crawl_delay) if kind == "html" else self.min_spacing
            if self._last_end is not None and now - self._last_end < spacing - SPACING_TOLERANCE:
                gap = now - self._last_end
                self.violations.append(f"{kind} {target}: only {gap:.3f} s after the previous request "
                                       f"(minimum {spacing} s)")  # fmt: skip
            self._active += 1
            self.counts[kind] += 1
            self.requests.append((kind, target))
            self.user_agents.append(agent)
        return now

    def _ending(self, at: float | None = None) -> None:
        """Mark the end BEFORE writing: the client cannot have its answer any earlier than this."""
        with self._lock:
            self._last_end = time.monotonic() if at is None else at

    def _left(self) -> None:
        with self._lock:
            self._active -= 1

    # -- answering

    def answer(
        self, kind: str, path: str, query: dict[str, list[str]]
    ) -> tuple[int, dict[str, str], bytes, Fault | None]:
        """(status, headers, body, fault) for one request."""
        fault = self.faults[kind].popleft() if self.faults[kind] else None
        if fault and fault.hold:
            return 200, {}, b"", fault
        if fault and fault.gate is not None:
            fault.entered.set()
            fault.gate.wait(timeout=30)
        if fault and fault.body is not None:
            headers = {"Content-Type": fault.content_type or HTML_TYPE, **fault.headers}
            return fault.status, headers, fault.body, fault
        status, ctype, body = self._normal(kind, path, query, fault)
        if fault and fault.truncate:
            body = body[: len(body) // 2]
        return status, {"Content-Type": ctype}, body, fault

    def _normal(self, kind: str, path: str, query: dict[str, list[str]], fault: Fault | None) -> tuple[int, str, bytes]:
        if path in self.static:
            return self.static[path]
        if kind == "rss":
            cats = path.removeprefix("/rss/").split("+")
            empty = fault is not None and fault.empty_feed
            announced = self._weekend() if empty or self.day is None else self.feed_day or self.day.day
            return 200, RSS_TYPE, rss_feed(None if empty else self.day, cats, announced)
        if kind == "listing" and self.day is not None:
            cat = path.split("/")[2]
            return 200, HTML_TYPE, listing_page(replace(self.day, day=self.feed_day or self.day.day), cat)
        if kind == "api":
            return self._api(query)
        if kind == "robots" and self.robots is not None:
            return 200, "text/plain; charset=utf-8", self.robots
        if kind == "html":
            page = self.html.get(path)
            return (200, HTML_TYPE, page) if page is not None else (404, HTML_TYPE, no_html_page(path[6:]))
        return 404, HTML_TYPE, b"<html><body>Not Found</body></html>"

    def _weekend(self) -> date:
        d = (self.feed_day or date(2026, 1, 28)) + timedelta(days=1)
        while d.weekday() != 5:
            d += timedelta(days=1)
        return d

    def _api(self, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        raw = ",".join(query.get("id_list", []))
        ids = [i for i in raw.split(",") if i]
        with self._lock:
            self.api_ids.append(ids)
        found: list[Paper] = []
        for raw_id in ids:
            try:
                pid, _ = split_version(raw_id)
            except ValueError:
                return 400, ATOM_TYPE, api_error_feed(raw_id)
            left = self.missing.get(pid, 0)
            if left:
                self.missing[pid] = left - 1 if left > 0 else -1
                continue
            if pid in self.papers:
                found.append(self.papers[pid])
        max_results = int(query.get("max_results", ["10"])[0])
        return 200, ATOM_TYPE, api_feed(found[:max_results], f"id_list={raw}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a polite client reuses its one connection

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        fake: FakeArxiv = self.server.fake  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        kind = ("rss" if parts.path.startswith("/rss/") else "listing" if parts.path.startswith("/list/")
                else "api" if parts.path == "/api/query" else "html" if parts.path.startswith("/html/")
                else "robots" if parts.path == "/robots.txt" else "other")  # fmt: skip
        arrived = fake._arrive(kind, self.path, self.headers.get("User-Agent", ""))
        held = False
        try:
            status, headers, body, fault = fake.answer(kind, parts.path, parse_qs(parts.query))
            if fault is not None and fault.hold:
                held = True
                fake._ending(arrived)  # the client gives up on it; spacing counts from its own timeout
                fake._left()
                fake.release.wait()
                self.close_connection = True
                return
            if fault is not None and fault.trickle:
                held = True  # _trickle says when the client has left
                self._trickle(fake, status, headers, body, fault)
                return
            fake._ending()
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except OSError:  # the client went away (after a timeout); nothing to referee
            self.close_connection = True
        finally:
            if not held:
                fake._left()

    def _trickle(self, fake: FakeArxiv, status: int, headers: dict[str, str], body: bytes, fault: Fault) -> None:
        """Write the answer a byte at a time; the request ends (for the referee) when the client hangs up."""
        head = f"HTTP/1.1 {status} OK\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        head += f"Content-Length: {len(body)}\r\n\r\n"
        slow = head.encode() + body if fault.slow_status else body
        if not fault.slow_status:
            self.wfile.write(head.encode())
            self.wfile.flush()
        self.close_connection = True
        last = time.monotonic()  # the client was still there: the spacing counts from no earlier than this
        try:
            for i in range(len(slow)):
                # waiting for the next byte is waiting for the client to hang up: a readable socket at EOF
                readable, _, _ = select.select([self.connection], [], [], fault.trickle)
                if (readable and not self.connection.recv(1)) or fake.release.is_set():
                    return
                self.wfile.write(slow[i : i + 1])
                self.wfile.flush()
                last = time.monotonic()
        except OSError:
            return
        finally:
            fake._ending(last)
            fake._left()
