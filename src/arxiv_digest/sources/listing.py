"""Parse arXiv's "new" listing page (arxiv.org/list/CAT/new, the 2024+ layout).

`parse_listing(bytes, category) -> AnnouncementFeed` is pure. The page has up to three sections
(New submissions, Cross submissions, Replacement submissions), each a `<dl id='articles'>` of
`<dt>`/`<dd>` pairs. A page that is not a listing, or that lost entries (truncated), raises
ArxivParseError; one unreadable entry is skipped with a warning.

Abstracts: arXiv renders a paragraph break of the abstract source (a newline followed by spaces)
as "\\n<br />". We turn each `<br>` back into "\\n  ", so a listing abstract equals the 2026 API's.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime

import lxml.html
from lxml import etree

from arxiv_digest.errors import ArxivParseError
from arxiv_digest.models import Announcement, AnnouncementFeed, AnnounceType, split_version

log = logging.getLogger(__name__)

_ANNOUNCED = re.compile(r"Showing new listings for \w+,\s+(\d{1,2} \w+ \d{4})")
_SHOWING = re.compile(r"\(showing (\d+) of (\d+) entries\)")
_CODE = re.compile(r"\(([A-Za-z-]+(?:\.[A-Za-z-]+)?)\)\s*$")  # "Information Theory (cs.IT)" -> cs.IT
_PAGE_CATEGORY = re.compile(r"/list/([^/?#\s]+)/(?:new|recent|pastweek)")
_BR = "\x00"  # stands for a <br> while we collect an abstract's text

# Categories arXiv lists under two names (the listing shows the canonical one).
_ALIASES = {
    "math.IT": "cs.IT",
    "cs.SY": "eess.SY",
    "math.ST": "stat.TH",
    "math.MP": "math-ph",
    "cs.NA": "math.NA",
    "q-fin.EC": "econ.GN",
}


_SECTIONS: dict[str, AnnounceType] = {"New": "new", "Cross": "cross", "Replacement": "replace"}


class _BadEntry(ValueError):
    """One entry cannot be read; the caller skips it."""


def parse_listing(data: bytes, category: str | None = None) -> AnnouncementFeed:
    """Parse a listing page; `category` is the page's category (found in the page when not given)."""
    if not data or not data.strip():
        raise ArxivParseError("empty answer where an arXiv listing page was expected")
    try:
        doc = lxml.html.document_fromstring(data, parser=lxml.html.HTMLParser(encoding="utf-8", no_network=True))
    except (etree.ParserError, ValueError) as exc:
        raise ArxivParseError(f"unreadable listing page: {exc}") from None
    found = doc.xpath("//div[@id='dlpage']")
    if not found:
        raise ArxivParseError("not an arXiv listing page (no div#dlpage)")
    page = found[0]
    # arXiv's pages always end with </html>; a page without it was cut off in transit.
    if b"</html>" not in data[-4096:].lower():
        raise ArxivParseError("listing page truncated (no closing </html>)")
    category = category or _page_category(page)
    feed = AnnouncementFeed(announced=_announced(page), categories=[category] if category else [])
    sections = page.findall(".//dl")
    indexed = page.xpath("./ul[1]/li/a[starts-with(@href, '#item')]")  # the page's table of sections
    if len(sections) < len(indexed):
        raise ArxivParseError(f"listing page truncated: {len(indexed)} sections announced, {len(sections)} found")
    for dl in sections:
        feed.items.extend(_section(dl, category))
    return feed


def _page_category(page: lxml.html.HtmlElement) -> str | None:
    for href in page.xpath(".//a/@href"):
        m = _PAGE_CATEGORY.search(href)
        if m:
            return m.group(1)
    return None


def _announced(page: lxml.html.HtmlElement) -> date | None:
    for h3 in page.iterfind(".//h3"):
        m = _ANNOUNCED.search(h3.text_content())
        if m:
            try:
                return datetime.strptime(m.group(1), "%d %B %Y").date()
            except ValueError:
                break
    log.warning("listing page without a readable 'Showing new listings for ...' date")
    return None


def _section(dl: lxml.html.HtmlElement, category: str | None) -> list[Announcement]:
    h3 = dl.find("h3")
    heading = h3.text_content().strip() if h3 is not None else ""
    kind = _SECTIONS.get(heading.split(" ")[0])
    if kind is None:
        log.warning("skipping listing section %r", heading[:60])
        return []
    items: list[Announcement] = []
    dt: lxml.html.HtmlElement | None = None
    entries = 0
    for child in dl:
        if child.tag == "dt":
            dt = child
        elif child.tag == "dd" and dt is not None:
            entries += 1
            try:
                items.append(_entry(dt, child, kind, category))
            except _BadEntry as exc:
                log.warning("skipping listing entry in %r: %s", heading[:30], exc)
            dt = None
    m = _SHOWING.search(heading)
    if m and entries != int(m.group(1)):
        # The heading says how many entries this page holds; fewer means the page was cut off.
        raise ArxivParseError(f"listing page truncated: {heading.split(' (')[0]} shows {m.group(1)}, found {entries}")
    return items


def _entry(
    dt: lxml.html.HtmlElement, dd: lxml.html.HtmlElement, kind: AnnounceType, category: str | None
) -> Announcement:
    links = dt.xpath(".//a[@title='Abstract']")
    if not links:
        raise _BadEntry("no abstract link")
    raw_id = links[0].get("id") or links[0].get("href", "").rsplit("/abs/", 1)[-1]
    try:
        arxiv_id, _ = split_version(raw_id)
    except ValueError:
        raise _BadEntry(f"not an arXiv id: {raw_id!r}") from None
    title = _field(dd, "list-title")
    if not title:
        raise _BadEntry(f"{arxiv_id}: no title")
    categories = _subjects(dd)
    if kind == "replace" and category and categories and not within(categories[0], category):
        kind = "replace-cross"  # a replaced paper that is only cross-listed here
    return Announcement(
        arxiv_id=arxiv_id,
        version=_html_version(dt),
        title=title,
        authors=[a.text_content().strip() for a in dd.xpath(".//div[contains(@class,'list-authors')]//a")],
        abstract=_abstract(dd),
        categories=categories,
        announce_type=kind,
        position=_position(dt),
        listing_category=category,
        comment=_field(dd, "list-comments"),
        journal_ref=_field(dd, "list-journal-ref"),
    )


def _field(dd: lxml.html.HtmlElement, cls: str) -> str | None:
    """Text of div.`cls` without its 'Title:' / 'Comments:' descriptor; None when absent."""
    divs = dd.xpath(f".//div[contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')]")
    if not divs:
        return None
    parts = [divs[0].text or ""]
    for child in divs[0]:
        if "descriptor" not in (child.get("class") or ""):
            parts.append(child.text_content())
        parts.append(child.tail or "")
    return "".join(parts).strip() or None


def _subjects(dd: lxml.html.HtmlElement) -> list[str]:
    """Primary (span.primary-subject) first, then the others in page order: codes in parentheses."""
    primary = dd.xpath(".//div[contains(@class,'list-subjects')]//span[contains(@class,'primary-subject')]")
    names = [primary[0].text_content()] if primary else []
    names += (_field(dd, "list-subjects") or "").split(";")
    codes: list[str] = []
    for name in names:
        m = _CODE.search(name.strip())
        if m and m.group(1) not in codes:
            codes.append(m.group(1))
    return codes


def within(primary: str, category: str) -> bool:
    """Is `primary` `category` itself, an alias of it (math.IT = cs.IT) or, for an archive such as
    astro-ph, one of its subcategories? Then a paper with this primary is listed natively (not as a
    cross-list) on `category`'s page and feed."""
    primary, category = _ALIASES.get(primary, primary), _ALIASES.get(category, category)
    return primary == category or primary.startswith(category + ".")


def _abstract(dd: lxml.html.HtmlElement) -> str:
    ps = dd.xpath(".//p[contains(@class,'mathjax')]")
    if not ps:
        return ""
    parts = [ps[0].text or ""]
    for child in ps[0]:
        parts.append(_BR if child.tag == "br" else child.text_content())
        parts.append(child.tail or "")
    return re.sub(r"[ \t]*\n?" + _BR, "\n  ", "".join(parts)).strip()


def _html_version(dt: lxml.html.HtmlElement) -> int | None:
    """The listing names no version, except in the HTML link ('.../html/2609.30653v1') when there is one."""
    for href in dt.xpath(".//a[@title='View HTML']/@href"):
        try:
            return split_version(href.rstrip("/").rsplit("/html/", 1)[-1])[1]
        except ValueError:
            continue
    return None


def _position(dt: lxml.html.HtmlElement) -> int:
    """'[7]' in <a name='item7'>: the entry's 1-based place on the page."""
    for name in dt.xpath(".//a/@name"):
        if name.startswith("item") and name[4:].isdigit():
            return int(name[4:])
    raise _BadEntry("no item number")
