"""Atom (RFC 4287) building blocks for the site's feeds (render/feeds.py): a feed with its self and site
links, a paper entry, a day entry.

Built with lxml, so every text is escaped by the serializer; entry content is HTML that we escape ourselves
(type="html"), so a `<script>` in a title or summary reaches a feed reader as text. Languages are marked
where they change: the feed carries the reader's language, arXiv's titles and abstracts are English
(xml:lang="en"), an extractive summary is English too. Entries are dated at the instant arXiv announced
them (20:00 US Eastern), and every date comes from the store, so rendering again gives the same bytes.
"""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, date, datetime

from lxml import etree

from ..models import DayEntry
from ..records import announced_at
from .markdown import EXTRACTIVE, language_key, localized, pending_marker
from .provenance import note

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_LANG_TAGS = {"chinese": "zh", "english": "en", "japanese": "ja", "korean": "ko", "french": "fr", "german": "de",
              "spanish": "es", "russian": "ru"}  # fmt: skip
# Characters XML 1.0 cannot carry at all; arXiv text occasionally has stray control characters.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def lang_tag(language: str) -> str | None:
    """'Chinese' -> 'zh' (BCP 47), None for a language we have no tag for."""
    return _LANG_TAGS.get(language_key(language))


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def stamp(dt: datetime) -> str:
    """RFC 3339 in UTC; a naive time is taken as UTC."""
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def sub(parent: etree._Element, tag: str, text: str | None = None, lang: str | None = None,
        **attrs: str) -> etree._Element:  # fmt: skip
    el = etree.SubElement(parent, f"{{{ATOM}}}{tag}", {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        el.text = _clean(text)
    if lang:
        el.set(XML_LANG, lang)
    return el


def feed_id(key: str) -> str:
    """A stable id for a feed: the same key (site, reader, file) always gives the same feed to a reader."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"arxiv-digest:{key}").urn


def new_feed(fid: str, title: str, self_url: str, site_url: str, language: str) -> etree._Element:
    """A feed without entries yet: id, English title, self link, link to the site, language."""
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    if tag := lang_tag(language):
        feed.set(XML_LANG, tag)
    sub(feed, "id", fid)
    sub(feed, "title", title, lang="en", type="text")
    sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    sub(feed, "link", rel="alternate", type="text/html", href=site_url)
    sub(feed, "updated", "")  # set by `finish`, from the entries
    sub(sub(feed, "author"), "name", "arxiv-digest")  # entries without authors stay valid Atom
    sub(feed, "generator", "arxiv-digest")
    return feed


def finish(feed: etree._Element, fallback: date | None) -> bytes:
    """The feed as UTF-8 XML; it was updated when its newest entry was (an empty feed: `fallback`'s
    announcement, or the epoch)."""
    times = [el.text or "" for el in feed.iterfind(f"{{{ATOM}}}entry/{{{ATOM}}}updated")]
    default = stamp(announced_at(fallback)) if fallback else "1970-01-01T00:00:00Z"
    feed.find(f"{{{ATOM}}}updated").text = max([default, *times])  # type: ignore[union-attr]
    return bytes(etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True))


def summary_html(e: DayEntry, language: str, reasons: bool = False) -> tuple[str, str, str | None]:
    """(plain-text summary, escaped HTML content, language tag of both) of one paper: the TL;DR and the four
    parts; a pending paper shows its marker and the abstract (English) instead."""
    esc = html.escape
    if e.summary is None:
        marker = pending_marker(e, language)
        body = f"<p><em>{esc(marker)}</em></p>\n<p lang=\"en\"><b>Abstract:</b> {esc(e.paper.abstract)}</p>"
        return marker, body, lang_tag(language)
    s, parts = e.summary.summary, []
    if reasons and e.reasons:
        parts.append(f"<p><b>Why:</b> {esc(' · '.join(e.reasons))}</p>")
    if e.summary.kind == "extractive":
        parts.append(f"<p>{esc(localized(EXTRACTIVE, language).strip('*'))}</p>")
    if note(e.summary, language):  # what it was written from: the full text or the abstract
        parts.append(f"<p><i>{esc(note(e.summary, language))}</i></p>")
    for label, text in (("TL;DR", s.tldr), ("Motivation", s.motivation), ("Method", s.method),
                        ("Result", s.result), ("Conclusion", s.conclusion)):  # fmt: skip
        parts.append(f"<p><b>{label}:</b> {esc(text)}</p>")
    # imported text keeps its spacing in the store, not here
    return s.tldr.strip(), "\n".join(parts), "en" if e.summary.kind == "extractive" else lang_tag(e.summary.language)


def paper_entry(feed: etree._Element, e: DayEntry, day: date, link: str, language: str, reasons: bool = False) -> None:
    """One paper, dated at its day's announcement; `link` is its card on the site (or its arXiv page)."""
    p, when = e.paper, stamp(announced_at(day))
    entry = sub(feed, "entry")
    sub(entry, "id", p.abs_url)
    sub(entry, "title", p.title, lang="en", type="text")
    sub(entry, "link", rel="alternate", type="text/html", href=link)
    if link != p.abs_url:
        sub(entry, "link", rel="related", type="text/html", href=p.abs_url, title="arXiv")
    sub(entry, "link", rel="related", type="application/pdf", href=p.pdf_url, title="PDF")
    sub(entry, "published", when)
    sub(entry, "updated", when)
    for name in p.authors:
        sub(sub(entry, "author"), "name", name)
    for cat in p.categories:
        sub(entry, "category", term=cat)
    summary, content, lang = summary_html(e, language, reasons)
    sub(entry, "summary", summary, lang=lang, type="text")
    sub(entry, "content", content, lang=lang, type="html")


def day_entry(feed: etree._Element, eid: str, title: str, link: str, day: date, content: str) -> None:
    """One announcement day (the site's main feed); `content` is escaped HTML."""
    when = stamp(announced_at(day))
    entry = sub(feed, "entry")
    sub(entry, "id", eid)
    sub(entry, "title", title, lang="en", type="text")
    sub(entry, "link", rel="alternate", type="text/html", href=link)
    sub(entry, "published", when)
    sub(entry, "updated", when)
    sub(entry, "content", content, type="html")
