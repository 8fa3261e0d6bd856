"""Parse the query API's Atom answers (export.arxiv.org/api/query).

`parse_api(bytes) -> ApiPage` is pure and handles both serializers seen in the wild:
- legacy (namespaces declared on each element): titles, comments and abstracts are hard-wrapped,
  so titles and comments are collapsed to one line and abstracts are unwrapped paragraph-aware
  (see `unwrap_abstract`);
- 2026 (prefixes declared on the root): text is kept verbatim apart from the ends, so the
  paragraph breaks ("\\n  ") in abstracts survive.
The error feed (one entry whose id is .../api/errors#...) raises ArxivAPIError: never a paper.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from arxiv_digest.errors import ArxivAPIError, ArxivParseError
from arxiv_digest.models import Paper, split_version
from arxiv_digest.sources.xml import collapse, local_name, opt_text, parse_xml, text, unwrap_abstract

log = logging.getLogger(__name__)

ATOM_NS = "http://www.w3.org/2005/Atom"
ARXIV_NS = "http://arxiv.org/schemas/atom"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
_A = f"{{{ATOM_NS}}}"
_X = f"{{{ARXIV_NS}}}"
_ERROR_IDS = ("https://arxiv.org/api/errors", "http://arxiv.org/api/errors")


@dataclass
class ApiPage:
    """One answer of the query API."""

    total: int  # opensearch:totalResults: matches in all pages, not just this one
    papers: list[Paper] = field(default_factory=list)


def parse_api(data: bytes) -> ApiPage:
    """Parse one query API answer. Raises ArxivAPIError for arXiv's error feed."""
    root = parse_xml(data, "Atom")
    if root.tag != f"{_A}feed":
        raise ArxivParseError(f"not an Atom feed (root element <{local_name(root)}>)")
    entries = root.findall(f"{_A}entry")
    for entry in entries:
        entry_id = text(entry.find(f"{_A}id")).strip()
        if entry_id.startswith(_ERROR_IDS):
            message = opt_text(entry.find(f"{_A}summary"), clean=True) or entry_id
            raise ArxivAPIError(f"arXiv API error: {message}")
    # The 2026 serializer declares the arxiv prefix on the root; the legacy one on each element.
    legacy = root.nsmap.get("arxiv") != ARXIV_NS
    papers = []
    for n, entry in enumerate(entries, start=1):
        try:
            papers.append(_paper(entry, legacy))
        except ValueError as exc:
            log.warning("skipping API entry %d: %s", n, exc)
    total_text = opt_text(root.find(f"{{{OPENSEARCH_NS}}}totalResults"))
    try:
        total = int(total_text) if total_text else len(papers)
    except ValueError:
        raise ArxivParseError(f"unreadable totalResults {total_text!r}") from None
    return ApiPage(total=total, papers=papers)


def _paper(entry: etree._Element, legacy: bool) -> Paper:
    """One Atom entry as a Paper; ValueError when it lacks an id, title or category."""
    arxiv_id, version = split_version(text(entry.find(f"{_A}id")))
    title = opt_text(entry.find(f"{_A}title"), clean=legacy)
    if not title:
        raise ValueError(f"{arxiv_id}: no title")
    summary = text(entry.find(f"{_A}summary"))
    primary = entry.find(f"{_X}primary_category")
    categories: list[str] = [primary.get("term", "").strip()] if primary is not None else []
    for cat in entry.iterfind(f"{_A}category"):
        term = cat.get("term", "").strip()
        if term not in categories:
            categories.append(term)
    categories = [c for c in categories if c]
    if not categories:
        raise ValueError(f"{arxiv_id}: no category")
    authors, affiliations = [], []
    for author in entry.iterfind(f"{_A}author"):
        name = collapse(text(author.find(f"{_A}name")))
        if name:
            authors.append(name)
            affiliations.append([a for a in (collapse(text(x)) for x in author.iterfind(f"{_X}affiliation")) if a])
    return Paper(
        id=arxiv_id,
        version=version or 1,  # the API's ids are always versioned; 1 is a safe floor otherwise
        title=title,
        authors=authors,
        abstract=unwrap_abstract(summary) if legacy else summary.strip(),
        categories=categories,
        comment=opt_text(entry.find(f"{_X}comment"), clean=legacy),
        journal_ref=opt_text(entry.find(f"{_X}journal_ref"), clean=legacy),
        doi=opt_text(entry.find(f"{_X}doi")),
        published=_when(entry.find(f"{_A}published")),
        updated=_when(entry.find(f"{_A}updated")),
        affiliations=affiliations if any(affiliations) else [],
    )


def _when(el: etree._Element | None) -> datetime | None:
    """Atom timestamps ('2011-11-08T18:48:36Z') as aware datetimes."""
    value = opt_text(el)
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        log.warning("unreadable timestamp %r", value)
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)  # arXiv's API times are UTC
