"""An Atom feed (RFC 4287) of one day's digest: one entry per paper, in the digest's order.

Built with lxml, so every text is escaped by the serializer; the entry content is HTML that we escape
ourselves (type="html"), so a `<script>` in a title or summary reaches a feed reader as text.
"""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime, time

from lxml import etree

from ..models import DayDigest, DayEntry
from .markdown import EXTRACTIVE, language_key, localized, pending_marker
from .provenance import note
from .sections import build_sections

ATOM = "http://www.w3.org/2005/Atom"
_LANG_TAGS = {"chinese": "zh", "english": "en", "japanese": "ja", "korean": "ko", "french": "fr", "german": "de",
              "spanish": "es", "russian": "ru"}  # fmt: skip
# Characters XML 1.0 cannot carry at all; arXiv text occasionally has stray control characters.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _stamp(dt: datetime) -> str:
    """RFC 3339 in UTC; a naive time is taken as UTC."""
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ATOM}}}{tag}", {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        el.text = _clean(text)
    return el


def entry_content(e: DayEntry, language: str) -> tuple[str, str]:
    """(plain-text summary line, escaped HTML content) of one paper."""
    esc = html.escape
    if e.summary is None:
        marker = pending_marker(e, language)
        return marker, f"<p><em>{esc(marker)}</em></p>\n<p><b>Abstract:</b> {esc(e.paper.abstract)}</p>"
    s = e.summary.summary
    parts = []
    if e.summary.kind == "extractive":
        parts.append(f"<p>{esc(localized(EXTRACTIVE, language).strip('*'))}</p>")
    if note(e.summary, language):  # what it was written from: the full text or the abstract
        parts.append(f"<p><i>{esc(note(e.summary, language))}</i></p>")
    parts.append(f"<p><b>TL;DR:</b> {esc(s.tldr)}</p>")
    for label, text in (("Motivation", s.motivation), ("Method", s.method), ("Result", s.result),
                        ("Conclusion", s.conclusion), ("Abstract", e.paper.abstract)):  # fmt: skip
        parts.append(f"<p><b>{label}:</b> {esc(text)}</p>")
    return s.tldr.strip(), "\n".join(parts)  # imported text keeps its spacing in the store, not here


def _entry(feed: etree._Element, e: DayEntry, fallback: str, language: str) -> None:
    p = e.paper
    entry = _sub(feed, "entry")
    _sub(entry, "id", p.abs_url)
    _sub(entry, "title", p.title, type="text")
    _sub(entry, "link", rel="alternate", type="text/html", href=p.abs_url)
    _sub(entry, "link", rel="related", type="application/pdf", href=p.pdf_url, title="PDF")
    _sub(entry, "updated", _stamp(p.updated) if p.updated else fallback)
    if p.published:
        _sub(entry, "published", _stamp(p.published))
    for name in p.authors:
        _sub(_sub(entry, "author"), "name", name)
    for cat in p.categories:
        _sub(entry, "category", term=cat)
    summary, content = entry_content(e, language)
    _sub(entry, "summary", summary, type="text")
    _sub(entry, "content", content, type="html")


def render_atom(digest: DayDigest) -> bytes:
    """The day's feed as UTF-8 XML."""
    cats = ", ".join(digest.categories)
    day_stamp = _stamp(datetime.combine(digest.date, time()))
    lang = _LANG_TAGS.get(language_key(digest.language))
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    if lang:
        feed.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
    # A stable id per day and category list, so a reader does not see a re-rendered day as a new feed.
    _sub(feed, "id", uuid.uuid5(uuid.NAMESPACE_URL, f"arxiv-digest:{digest.date}:{cats}").urn)
    _sub(feed, "title", f"arXiv digest {digest.date.isoformat()}: {cats}", type="text")
    updated = _sub(feed, "updated", day_stamp)
    _sub(_sub(feed, "author"), "name", "arxiv-digest")  # entries without authors stay valid Atom
    _sub(feed, "generator", "arxiv-digest")
    for sec in build_sections(digest):
        for _n, e in sec.entries:
            _entry(feed, e, day_stamp, digest.language)
    # the feed changed when its newest entry did (same format, so strings compare as times)
    updated.text = max([day_stamp, *(el.text or "" for el in feed.iterfind(f"{{{ATOM}}}entry/{{{ATOM}}}updated"))])
    return bytes(etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True))
