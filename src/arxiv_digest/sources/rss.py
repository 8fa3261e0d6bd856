"""Parse arXiv's announcement feeds: the RSS 2.0 feed (2024+) and the old RDF / RSS 1.0 feed.

`parse_rss(bytes) -> AnnouncementFeed` is pure. A broken document raises ArxivParseError; one bad
item inside a good feed is skipped with a warning, so one odd paper does not lose the day.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import get_args

import lxml.html
from lxml import etree

from arxiv_digest.errors import ArxivParseError
from arxiv_digest.models import Announcement, AnnouncementFeed, AnnounceType, split_version
from arxiv_digest.sources.xml import collapse, local_name, opt_text, parse_xml, text

log = logging.getLogger(__name__)

ARXIV_NS = "http://arxiv.org/schemas/atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RSS1_NS = "http://purl.org/rss/1.0/"

ANNOUNCE_TYPES: dict[str, AnnounceType] = {t: t for t in get_args(AnnounceType)}
# "arXiv:2609.26811v1 Announce Type: new \nAbstract: ..." (the abstract part may be missing)
_DESCRIPTION = re.compile(r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)[ \t]*(?:\n?Abstract:[ \t]?)?")
# Old feed: "Title. (arXiv:1805.09166v1 [hep-ex] CROSS LISTED)"
_OLD_TITLE = re.compile(
    r"^(?P<title>.*)\.\s+\(arXiv:(?P<id>\S+)\s+\[(?P<cat>[^\]]+)\](?:\s+(?P<flag>CROSS LISTED|UPDATED))?\)\s*$", re.S
)


class _BadItem(ValueError):
    """One item cannot be read; the caller skips it."""


def parse_rss(data: bytes) -> AnnouncementFeed:
    """Parse an arXiv RSS 2.0 or RDF/RSS 1.0 feed. An empty (weekend) feed has no items."""
    root = parse_xml(data, "RSS")
    if root.tag == "rss":
        return _parse_rss2(root)
    if root.tag == f"{{{RDF_NS}}}RDF":
        return _parse_rdf(root)
    raise ArxivParseError(f"not an arXiv RSS feed (root element <{local_name(root)}>)")


# --- RSS 2.0 (rss.arxiv.org, 2024+) ---------------------------------------------------------


def _parse_rss2(root: etree._Element) -> AnnouncementFeed:
    channel = root.find("channel")
    if channel is None:
        raise ArxivParseError("RSS feed without a <channel>")
    feed = AnnouncementFeed(
        announced=_rfc822_date(opt_text(channel.find("pubDate"))),
        categories=_feed_categories(opt_text(channel.find("link")), opt_text(channel.find("title"))),
    )
    for position, item in enumerate(channel.iterfind("item"), start=1):
        try:
            feed.items.append(_rss2_item(item, position))
        except _BadItem as exc:
            log.warning("skipping RSS item %d: %s", position, exc)
    return feed


def _rfc822_date(value: str | None) -> date | None:
    """'Thu, 24 Sep 2026 00:00:00 -0400' -> 2026-09-24: the date as written (ET), not converted."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError):
        log.warning("unreadable channel pubDate %r", value)
        return None


def _feed_categories(link: str | None, title: str | None) -> list[str]:
    """The categories a feed covers: 'http://rss.arxiv.org/rss/cs.LG+stat.ML' or 'cs.LG, stat.ML updates on ...'."""
    if link:
        m = re.search(r"/(?:rss|atom)/([^/?#\s]+)", link)
        if m:
            return [c for c in m.group(1).split("+") if c]
    if title and " updates on " in title:
        return [c.strip() for c in title.split(" updates on ")[0].split(",") if c.strip()]
    return []


def _rss2_item(item: etree._Element, position: int) -> Announcement:
    description = text(item.find("description"))
    m = _DESCRIPTION.match(description)
    raw_id = opt_text(item.find("guid")) or (m.group("id") if m else "")
    try:
        arxiv_id, version = split_version(raw_id)
    except ValueError:
        raise _BadItem(f"no arXiv id in guid/description ({raw_id!r})") from None
    if version is None and m:
        version = split_version(m.group("id"))[1]
    raw_type = opt_text(item.find(f"{{{ARXIV_NS}}}announce_type")) or (m.group("type") if m else "")
    announce_type = ANNOUNCE_TYPES.get(raw_type)
    if announce_type is None:
        raise _BadItem(f"{arxiv_id}: unknown announce type {raw_type!r}")
    title = opt_text(item.find("title"))
    if not title:
        raise _BadItem(f"{arxiv_id}: no title")
    return Announcement(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        authors=_split_creators(text(item.find(f"{{{DC_NS}}}creator"))),
        # Verbatim apart from the ends: inner newlines, LaTeX and (once-decoded) entities stay.
        abstract=(description[m.end() :] if m else description).strip(),
        categories=_unique(text(c).strip() for c in item.iterfind("category")),
        announce_type=announce_type,
        position=position,
        doi=opt_text(item.find(f"{{{ARXIV_NS}}}DOI")),
        journal_ref=opt_text(item.find(f"{{{ARXIV_NS}}}journal_reference")),
    )


def _split_creators(creators: str) -> list[str]:
    """dc:creator is every author in one string: 'A, B, C' (tolerating 'A, B, and C' / 'A and B')."""
    names = [collapse(n) for n in collapse(creators).split(",")]
    names = [n[4:] if n.startswith("and ") else n for n in names if n]
    if len(names) == 1 and " and " in names[0]:
        names = names[0].split(" and ")
    return [n for n in names if n]


def _unique(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        if v and v not in out:
            out.append(v)
    return out


# --- RDF / RSS 1.0 (export.arxiv.org/rss, before 2024) --------------------------------------


def _parse_rdf(root: etree._Element) -> AnnouncementFeed:
    channel = root.find(f"{{{RSS1_NS}}}channel")
    if channel is None:
        raise ArxivParseError("RDF feed without a <channel>")
    announced: date | None = None
    dc_date = opt_text(channel.find(f"{{{DC_NS}}}date"))
    if dc_date:
        try:
            announced = datetime.fromisoformat(dc_date).date()
        except ValueError:
            log.warning("unreadable channel dc:date %r", dc_date)
    categories = _feed_categories(None, opt_text(channel.find(f"{{{RSS1_NS}}}title")))
    feed = AnnouncementFeed(announced=announced, categories=categories)
    for position, item in enumerate(root.iterfind(f"{{{RSS1_NS}}}item"), start=1):
        try:
            feed.items.append(_rdf_item(item, position, categories))
        except _BadItem as exc:
            log.warning("skipping RDF item %d: %s", position, exc)
    return feed


def _rdf_item(item: etree._Element, position: int, feed_categories: list[str]) -> Announcement:
    raw_title = text(item.find(f"{{{RSS1_NS}}}title")).strip()
    m = _OLD_TITLE.match(raw_title)
    if not m:
        raise _BadItem(f"title without '(arXiv:ID [cat])': {raw_title[:80]!r}")
    try:
        arxiv_id, version = split_version(m.group("id"))
    except ValueError as exc:
        raise _BadItem(str(exc)) from None
    primary = m.group("cat").strip()
    categories = [primary]
    # A paper listed in a single-category feed is in that category, whatever its primary is.
    if len(feed_categories) == 1 and feed_categories[0] != primary:
        categories.append(feed_categories[0])
    announce_type: AnnounceType = "new"
    if m.group("flag") == "CROSS LISTED":
        announce_type = "cross"
    elif m.group("flag") == "UPDATED":
        # An update of a paper whose primary lies outside the feed is a replaced cross-list.
        announce_type = "replace" if not feed_categories or primary in feed_categories else "replace-cross"
    return Announcement(
        arxiv_id=arxiv_id,
        version=version,
        title=collapse(m.group("title")),
        authors=_html_authors(text(item.find(f"{{{DC_NS}}}creator"))),
        abstract=collapse(_html_text(text(item.find(f"{{{RSS1_NS}}}description")))),
        categories=categories,
        announce_type=announce_type,
        position=position,
    )


def _html_fragment(markup: str) -> lxml.html.HtmlElement | None:
    if not markup.strip():
        return None
    return lxml.html.fragment_fromstring(markup, create_parent="div")


def _html_text(markup: str) -> str:
    """The old feed's description is escaped HTML ('<p>...</p>'); its text, entities decoded."""
    frag = _html_fragment(markup)
    return frag.text_content() if frag is not None else ""


def _html_authors(markup: str) -> list[str]:
    """Authors as escaped '<a href=...>Name</a>, ...' (text outside the links, e.g. a collaboration, is dropped)."""
    frag = _html_fragment(markup)
    if frag is None:
        return []
    links = [collapse(a.text_content()) for a in frag.iter("a")]
    if links:
        return [n for n in links if n]
    return _split_creators(frag.text_content())
