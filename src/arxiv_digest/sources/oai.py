"""Parse OAI-PMH ListRecords answers (arxiv.org/oai) in the `arXiv` and `arXivRaw` formats: backfills.

`parse_oai(bytes) -> OaiPage` is pure. `noRecordsMatch` is an empty page, any other OAI error raises
ArxivAPIError, deleted records are skipped, and one unreadable record is skipped with a warning.
Titles and comments are hard-wrapped source text (collapsed to one line); abstracts are unwrapped
paragraph-aware, like the query API's (see `unwrap_abstract`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from lxml import etree

from arxiv_digest.errors import ArxivAPIError, ArxivParseError
from arxiv_digest.models import Paper, split_version
from arxiv_digest.sources.xml import collapse, local_name, opt_text, parse_xml, text, unwrap_abstract

log = logging.getLogger(__name__)

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
ARXIV_NS = "http://arxiv.org/OAI/arXiv/"
ARXIVRAW_NS = "http://arxiv.org/OAI/arXivRaw/"
_O = f"{{{OAI_NS}}}"


@dataclass
class OaiPage:
    """One ListRecords page; ask again with `resumption_token` until it is None."""

    papers: list[Paper] = field(default_factory=list)
    resumption_token: str | None = None
    complete_list_size: int | None = None  # records in the whole list, when the server says


def parse_oai(data: bytes) -> OaiPage:
    """Parse one OAI-PMH answer; metadataPrefix must be arXiv or arXivRaw."""
    root = parse_xml(data, "OAI-PMH")
    if root.tag != f"{_O}OAI-PMH":
        raise ArxivParseError(f"not an OAI-PMH answer (root element <{local_name(root)}>)")
    errors = root.findall(f"{_O}error")
    if errors:
        codes = [e.get("code", "") for e in errors]
        if all(code == "noRecordsMatch" for code in codes):
            return OaiPage()
        raise ArxivAPIError(f"OAI-PMH error {codes[0]}: {collapse(text(errors[0]))}")
    listing = root.find(f"{_O}ListRecords")
    if listing is None:
        raise ArxivParseError("OAI-PMH answer without ListRecords")
    page = OaiPage()
    for n, record in enumerate(listing.iterfind(f"{_O}record"), start=1):
        header = record.find(f"{_O}header")
        if header is not None and header.get("status") == "deleted":
            continue
        try:
            page.papers.append(_record(record))
        except ValueError as exc:
            log.warning("skipping OAI record %d: %s", n, exc)
    token = listing.find(f"{_O}resumptionToken")
    if token is not None:
        page.resumption_token = opt_text(token)  # empty on the last page
        size = token.get("completeListSize")
        page.complete_list_size = int(size) if size and size.isdigit() else None
    return page


def _record(record: etree._Element) -> Paper:
    metadata = record.find(f"{_O}metadata")
    if metadata is None or len(metadata) == 0:
        raise ValueError("no metadata")
    meta = metadata[0]
    if meta.tag == f"{{{ARXIV_NS}}}arXiv":
        return _arxiv(meta)
    if meta.tag == f"{{{ARXIVRAW_NS}}}arXivRaw":
        return _arxiv_raw(meta)
    raise ArxivParseError(f"unsupported OAI metadata format <{local_name(meta)}> (use arXiv or arXivRaw)")


def _common(meta: etree._Element, ns: str, version: int, authors: list[str]) -> Paper:
    """The fields both formats share."""
    arxiv_id, _ = split_version(text(meta.find(f"{ns}id")))
    title = opt_text(meta.find(f"{ns}title"), clean=True)
    categories = list(dict.fromkeys(text(meta.find(f"{ns}categories")).split()))  # primary first
    if not title or not categories:
        raise ValueError(f"{arxiv_id}: no title or no categories")
    return Paper(
        id=arxiv_id,
        version=version,
        title=title,
        authors=authors,
        abstract=unwrap_abstract(text(meta.find(f"{ns}abstract"))),
        categories=categories,
        comment=opt_text(meta.find(f"{ns}comments"), clean=True),
        journal_ref=opt_text(meta.find(f"{ns}journal-ref"), clean=True),
        doi=opt_text(meta.find(f"{ns}doi"), clean=True),
    )


def _arxiv(meta: etree._Element) -> Paper:
    """metadataPrefix=arXiv: structured authors, dates only, no version numbers."""
    ns = f"{{{ARXIV_NS}}}"
    authors, affiliations = [], []
    for author in meta.iterfind(f"{ns}authors/{ns}author"):
        parts = [collapse(text(author.find(f"{ns}{p}"))) for p in ("forenames", "keyname", "suffix")]
        name = " ".join(p for p in parts if p)
        if name:
            authors.append(name)
            affiliations.append([collapse(text(a)) for a in author.iterfind(f"{ns}affiliation") if text(a).strip()])
    # This format names no version: 1 is the floor; the query API tells the real one.
    paper = _common(meta, ns, 1, authors)
    paper.affiliations = affiliations if any(affiliations) else []
    paper.published = _day(opt_text(meta.find(f"{ns}created")))
    paper.updated = _day(opt_text(meta.find(f"{ns}updated"))) or paper.published
    return paper


def _arxiv_raw(meta: etree._Element) -> Paper:
    """metadataPrefix=arXivRaw: one <version> per version, authors as one free-text string."""
    ns = f"{{{ARXIVRAW_NS}}}"
    versions: list[tuple[int, datetime | None]] = []
    for v in meta.iterfind(f"{ns}version"):
        m = re.fullmatch(r"v(\d+)", v.get("version", "").strip())
        if m:
            versions.append((int(m.group(1)), _rfc822(opt_text(v.find(f"{ns}date")))))
    versions.sort(key=lambda pair: pair[0])
    authors, affiliations = split_raw_authors(text(meta.find(f"{ns}authors")))
    paper = _common(meta, ns, versions[-1][0] if versions else 1, authors)
    paper.affiliations = affiliations if any(affiliations) else []
    if versions:
        paper.published, paper.updated = versions[0][1], versions[-1][1]
    return paper


def split_raw_authors(raw: str) -> tuple[list[str], list[list[str]]]:
    """'A. One (MIT), B. Two, and C. Three' -> names and per-author affiliations.

    Splits on ',' and ' and ' outside parentheses; a trailing '(...)' is the author's affiliation.
    """
    pieces, depth, current = [], 0, ""
    raw = collapse(raw)
    i = 0
    while i < len(raw):
        ch = raw[i]
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and (ch == "," or raw.startswith(" and ", i)):
            pieces.append(current)
            current = ""
            i += 1 if ch == "," else 5
            continue
        current += ch
        i += 1
    pieces.append(current)
    names, affiliations = [], []
    for piece in pieces:
        piece = piece.strip()
        piece = piece[4:].strip() if piece.startswith("and ") else piece
        m = re.fullmatch(r"(?P<name>[^()]*?)\s*\((?P<aff>.*)\)", piece)
        name, aff = (m.group("name"), [m.group("aff").strip()]) if m else (piece, [])
        if name:
            names.append(name)
            affiliations.append(aff)
    return names, affiliations


def _day(value: str | None) -> datetime | None:
    """'2014-12-29' -> midnight UTC: the arXiv format gives dates only."""
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC) if value else None
    except ValueError:
        return None


def _rfc822(value: str | None) -> datetime | None:
    """'Tue, 3 Apr 2007 22:04:11 GMT' -> aware datetime."""
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
