"""The site's feeds, at stable URLs, each covering the most recent days only (`[feeds] days`, `max_entries`):

- `feed.atom`: the digest, one entry per announcement day (its real categories, top picks, titles, a link
  to the day's page);
- `feeds/picks.atom`: the top picks of each day, with the reasons (when a profile is configured);
- `feeds/<category>.atom`: the papers of one followed category;
- `feeds/search-<name>.atom`: the papers matching a saved search (`[[feeds.searches]]`);
- `feeds.opml`: all of them, for a feed reader to import at once.

They replace the one file per day of earlier versions (`YYYY-MM-DD.atom`): a whole day in every feed
reader's list, at a URL nobody could subscribe to, and 2 MB a day on a big day. Old files are left as they
are. Links are absolute under `output.site_url` when it is set, else relative to the feed's own location.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from email.utils import format_datetime
from functools import partial
from hashlib import sha1
from pathlib import Path

from lxml import etree

from ..config import Settings, taxonomy
from ..models import DayDigest, DayEntry
from ..readers import load_day
from ..records import announced_at, ordered, page_url
from ..render.sections import top_picks
from ..search import search
from ..sources.listing import within
from ..store import Store
from .atom import day_entry, feed_id, finish, new_feed, paper_entry
from .output import write_bytes

MAIN = "feed.atom"
OPML = "feeds.opml"
TITLES_PER_DAY = 150  # the main feed lists at most this many titles per day (then "N more")


@dataclass
class Feed:
    path: str  # relative to the site root
    title: str
    group: str  # its heading in the OPML file


def slug(name: str) -> str:
    """A file-name-safe form of a saved search's name ('Diffusion models' -> 'diffusion-models')."""
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]
    return s or sha1(name.encode()).hexdigest()[:10]  # a name in Chinese, say


class _Site:
    """Where links point: under output.site_url, or relative to a feed at `path`."""

    def __init__(self, settings: Settings, path: str) -> None:
        self.url = settings.output.site_url
        self.base = self.url or "../" * path.count("/")
        self.self_url = f"{self.url.rstrip('/')}/{path}" if self.url else Path(path).name

    def page(self, day: date | None = None, paper_id: str | None = None) -> str:
        if day is None:
            return f"{self.base.rstrip('/') + '/' if self.base else ''}index.html"
        return page_url(self.base, day, paper_id)


def recent_days(store: Store, until: date | None, n: int) -> list[date]:
    """The n most recent stored announcement days up to `until`, newest first."""
    return [d for d in reversed(store.announced_dates()) if until is None or d <= until][:n]


def write_feeds(settings: Settings, store: Store, site: Path, until: date | None = None) -> Path:
    """Write every feed and the OPML file into `site` (each file atomically); returns the main feed's path."""
    days = recent_days(store, until, settings.feeds.days)
    digests = [load_day(store, settings, d) for d in days]
    feeds: list[Feed] = []

    def write(path: str, title: str, group: str, build: Callable[[etree._Element, _Site], None]) -> None:
        where = _Site(settings, path)
        key = f"{settings.output.site_url or ''}|{settings.reader or ''}|{path}"
        feed = new_feed(feed_id(key), title, where.self_url, where.page(), settings.language)
        build(feed, where)
        write_bytes(site / path, finish(feed, days[0] if days else None))
        feeds.append(Feed(path, title, group))

    prefix = f"arXiv digest ({settings.reader})" if settings.reader else "arXiv digest"
    shown = list(dict.fromkeys(e.section for d in digests for e in ordered(d))) or settings.categories
    write(MAIN, f"{prefix}: {', '.join(shown)}", "Digest", partial(_days, digests=digests, settings=settings))
    if settings.profile.configured:
        picks = [(d.date, e) for d in digests for e in top_picks(d.entries, settings.profile.top_k)]
        write("feeds/picks.atom", f"{prefix}: top picks", "Digest",
              partial(_papers, entries=picks, settings=settings, reasons=True))  # fmt: skip
    names = taxonomy()
    for cat in settings.categories:
        entries = [(d.date, e) for d in digests for e in ordered(d) if within(e.section, cat)]
        title = f"{prefix}: {cat}" + (f" ({names[cat]})" if cat in names else "")
        write(f"feeds/{cat}.atom", title, "Categories", partial(_papers, entries=entries, settings=settings))
    for saved in settings.feeds.searches:
        entries = _matches(store, settings, digests, saved.query)
        write(f"feeds/search-{slug(saved.name)}.atom", f"{prefix}: search “{saved.name}”", "Searches",
              partial(_papers, entries=entries, settings=settings))  # fmt: skip
    write_bytes(site / OPML, opml(feeds, settings, days[0] if days else None))
    return site / MAIN


def _papers(feed: etree._Element, where: _Site, entries: list[tuple[date, DayEntry]], settings: Settings,
            reasons: bool = False) -> None:  # fmt: skip
    for day, e in entries[: settings.feeds.max_entries]:
        link = where.page(day, e.paper.id) if settings.output.site_url else e.paper.abs_url
        paper_entry(feed, e, day, link, settings.language, reasons)


def _matches(store: Store, settings: Settings, digests: list[DayDigest], query: str) -> list[tuple[date, DayEntry]]:
    """The recent papers of this reader that match a saved search, newest day first, best match first."""
    if not digests:
        return []
    hits = search(store.db, query, since=digests[-1].date, until=digests[0].date,
                  categories=settings.categories, limit=10 * settings.feeds.max_entries)  # fmt: skip
    by_id = {e.paper.id: (d.date, e) for d in digests for e in d.entries}
    found = [by_id[h.paper_id] for h in hits if h.paper_id in by_id]
    return sorted(found, key=lambda de: de[0], reverse=True)  # stable: best match first within a day


def _days(feed: etree._Element, where: _Site, digests: list[DayDigest], settings: Settings) -> None:
    for d in digests[: settings.feeds.max_entries]:
        entries = ordered(d)
        cats = list(dict.fromkeys(e.section for e in entries))
        n = len(entries)
        title = f"{d.date.isoformat()}: {n} paper{'s' if n != 1 else ''} in {', '.join(cats)}"
        eid = feed_id(f"{settings.output.site_url or ''}|{settings.reader or ''}|day|{d.date.isoformat()}")
        day_entry(feed, eid, title, where.page(d.date), d.date, _day_html(d, entries, where, settings))


def _day_html(d: DayDigest, entries: list[DayEntry], where: _Site, settings: Settings) -> str:
    """Top picks with TL;DR and reasons, then each section's titles (linked to their cards)."""
    esc = html.escape
    parts: list[str] = []
    picks = top_picks(entries, settings.profile.top_k)
    if picks:
        parts.append("<h3>Top picks</h3><ol>")
        for e in picks:
            tldr = f"<br>{esc(e.summary.summary.tldr)}" if e.summary else ""
            parts.append(f'<li><a href="{esc(where.page(d.date, e.paper.id))}" lang="en">{esc(e.paper.title)}</a>'
                         f"{tldr}<br><small>{esc(' · '.join(e.reasons))}</small></li>")  # fmt: skip
        parts.append("</ol>")
    shown = 0
    for cat in dict.fromkeys(e.section for e in entries):
        section = [e for e in entries if e.section == cat]
        parts.append(f"<h3>{esc(cat)} ({len(section)})</h3><ul>")
        for e in section[: max(TITLES_PER_DAY - shown, 0)]:
            parts.append(f'<li><a href="{esc(where.page(d.date, e.paper.id))}" lang="en">{esc(e.paper.title)}</a></li>')
        shown += len(section)
        parts.append("</ul>")
    if shown > TITLES_PER_DAY:
        parts.append(f"<p>… and {shown - TITLES_PER_DAY} more on the day's page.</p>")
    parts.append(f'<p><a href="{esc(where.page(d.date))}">Read the digest</a></p>')
    return "\n".join(parts)


def opml(feeds: list[Feed], settings: Settings, newest: date | None) -> bytes:
    """OPML 2.0 listing the feeds, grouped; dated by the newest day so that rendering again changes nothing."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = f"arXiv digest feeds{f' ({settings.reader})' if settings.reader else ''}"
    if newest is not None:
        etree.SubElement(head, "dateCreated").text = format_datetime(announced_at(newest))
    etree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = etree.SubElement(root, "body")
    groups: dict[str, etree._Element] = {}
    where = _Site(settings, OPML)
    for f in feeds:
        if f.group not in groups:
            groups[f.group] = etree.SubElement(body, "outline", text=f.group, title=f.group)
        xml_url = f"{settings.output.site_url.rstrip('/')}/{f.path}" if settings.output.site_url else f.path
        etree.SubElement(groups[f.group], "outline", type="rss", text=f.title, title=f.title, xmlUrl=xml_url,
                         htmlUrl=where.page())  # fmt: skip
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))
