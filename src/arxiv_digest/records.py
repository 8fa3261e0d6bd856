"""The public, versioned records of papers and days: what the site's JSON data files hold and what the MCP
server's tools return, so a program reads the digest without a browser.

Pydantic models, so the same classes give the JSON, its JSON Schema (published beside the data) and the
MCP tools' typed results. `version` changes only when a field changes meaning or goes away; new fields may
appear in any version.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from .models import DayDigest, DayEntry
from .render.sections import build_sections

# 2: a day's data is its JSONL (PaperLine records), no longer a `data/YYYY-MM-DD.json` DayRecord.
DAYS_VERSION = 2
ARXIV_TZ = ZoneInfo("America/New_York")


def announced_at(day: date) -> datetime:
    """When arXiv announced the listing of `day`: 20:00 US Eastern the evening before (Sunday evening for
    Monday's listing); the RSS feed carrying it is dated `day`."""
    return datetime.combine(day - timedelta(days=1), time(20, 0), tzinfo=ARXIV_TZ)


def page_url(base: str, day: date, paper_id: str | None = None) -> str:
    """A day page (or one paper's card on it) under the site's base URL ('' = relative to the site root)."""
    url = f"{base.rstrip('/') + '/' if base else ''}{day.isoformat()}.html"
    return f"{url}#{paper_id}" if paper_id else url


class _Record(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class SummaryRecord(_Record):
    kind: Literal["llm", "extractive", "imported"] = Field(
        description="llm: written by the model; imported: from daily-arXiv-ai-enhanced; extractive: sentences "
        "of the abstract picked offline (English)"
    )
    language: str
    model: str
    tldr: str
    motivation: str
    method: str
    result: str
    conclusion: str
    keywords: list[str] = Field(default_factory=list)
    source: Literal["abstract", "fulltext"] = Field("abstract", description="what the summary was written from")
    unverified: list[str] = Field(default_factory=list, description="numbers in a full-text summary that its "
                                  "source text does not contain")  # fmt: skip


class PaperBrief(_Record):
    """A paper in a list: enough to decide whether to read on."""

    id: str = Field(description="arXiv id without version, e.g. 2601.19280")
    title: str
    authors: list[str]
    categories: list[str] = Field(description="primary first")
    section: str = Field(description="the followed category the digest lists it under")
    date: dt.date = Field(description="the announcement day that listed it")
    tldr: str | None = Field(description="the summary's TL;DR; null while the summary is pending")
    score: float | None = Field(None, description="relevance to the reader's profile, when ranked")
    reasons: list[str] = Field(default_factory=list, description="why it scored, e.g. 'keyword: diffusion'")
    abs_url: str
    page_url: str = Field(description="its card on the site (relative to the site root without output.site_url)")


class PaperRecord(PaperBrief):
    """A paper with everything the store knows of it."""

    version: int
    abstract: str | None = Field(description="in a day's data file only while the summary is pending (the AI "
                                 "JSONL beside it has every abstract); always from the MCP server")  # fmt: skip
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    announce_type: Literal["new", "cross", "replace", "replace-cross"]
    is_cross: bool = Field(description="listed under a followed category it was cross-listed into")
    pdf_url: str
    html_url: str
    summary: SummaryRecord | None = Field(description="null while pending")
    pending: str | None = Field(None, description="why the summary is missing (the last failure), if known")


class AIFields(_Record):
    """daily-arXiv-ai-enhanced's `AI` object: the summary's five fields."""

    tldr: str
    motivation: str
    method: str
    result: str
    conclusion: str


class PaperLine(_Record):
    """One paper of a day's data file (`data/YYYY-MM-DD_AI_enhanced_<Language>.jsonl`, one a line):
    daily-arXiv-ai-enhanced's record, which that tool and `arxiv-digest import` read, then fields of ours (that
    tool ignores keys it does not know). Every paper of the day is there, in listing order; a paper without an
    LLM summary has no `AI` (it has `extractive` or `pending`); a field that is empty or at its default is left
    out. Its
    card is `<day's page_url>#<id>`, arXiv's HTML version `https://arxiv.org/html/<id>`."""

    id: str = Field(description="arXiv id without version, e.g. 2601.19280")
    categories: list[str] = Field(description="primary first")
    pdf: str
    abs: str
    authors: list[str]
    title: str
    comment: str | None
    summary: str = Field(description="the abstract")
    ai: AIFields | None = Field(None, alias="AI", description="the summary by the LLM (or imported from "
                                "daily-arXiv-ai-enhanced); absent while pending or when `extractive`")  # fmt: skip
    ai_source: Literal["abstract", "fulltext"] = Field("abstract", alias="AI_source",
                                                       description="what `AI` was written from")
    ai_unverified_numbers: list[str] | None = Field(None, alias="AI_unverified_numbers", description=(
        "numbers in `AI` that its source text does not contain"))  # fmt: skip
    ai_model: str | None = Field(None, alias="AI_model", description="the model that wrote `AI` ('imported': "
                                 "daily-arXiv-ai-enhanced's)")  # fmt: skip
    extractive: AIFields | None = Field(None, description="sentences of the abstract picked offline (English), "
                                        "instead of `AI`")  # fmt: skip
    pending: str | None = Field(None, description="why there is no summary yet (the last failure), if known")
    version: int
    journal_ref: str | None = None
    doi: str | None = None
    section: str = Field(description="the followed category the digest lists it under")
    announce_type: Literal["new", "cross", "replace", "replace-cross"] = "new"
    is_cross: bool = Field(False, description="listed under a followed category it was cross-listed into")
    score: float | None = Field(None, description="relevance to the reader's profile, when ranked")
    reasons: list[str] | None = Field(None, description="why it scored, e.g. 'keyword: diffusion'")
    pick: int | None = Field(None, description="its place among the day's top picks (1: the best)")


class DayInfo(_Record):
    date: dt.date
    announced_at: dt.datetime
    papers: int
    categories: dict[str, int] = Field(description="papers per section, in the digest's order")
    page_url: str
    data_url: str = Field(description="the day's papers: its JSONL, one PaperLine a line (relative to the site "
                          "root without output.site_url)")  # fmt: skip


class DaysRecord(_Record):
    """Every day on the site, newest first: `data/days.json`."""

    schema_name: Literal["arxiv-digest/days"] = Field("arxiv-digest/days", alias="schema")
    version: int = DAYS_VERSION
    language: str | None = Field(None, description="the summaries' language (extractive summaries are English)")
    days: list[DayInfo]


def brief(e: DayEntry, day: date, base: str) -> PaperBrief:
    p = e.paper
    return PaperBrief(
        id=p.id, title=p.title, authors=p.authors, categories=p.categories, section=e.section, date=day,
        tldr=e.summary.summary.tldr if e.summary else None, score=e.score, reasons=e.reasons, abs_url=p.abs_url,
        page_url=page_url(base, day, p.id),
    )  # fmt: skip


def paper_record(e: DayEntry, day: date, base: str, abstract: bool = True) -> PaperRecord:
    """The paper in full; `abstract=False` leaves out the abstract of a summarized paper (the data files)."""
    p, st = e.paper, e.summary
    text = p.abstract if abstract or st is None else None
    summary = None
    if st is not None:
        s = st.summary
        summary = SummaryRecord(kind=st.kind, language=st.language, model=st.model, tldr=s.tldr,
                                motivation=s.motivation, method=s.method, result=s.result, conclusion=s.conclusion,
                                keywords=s.keywords, source=st.source, unverified=st.unverified)  # fmt: skip
    return PaperRecord(
        **brief(e, day, base).model_dump(), version=p.version, abstract=text, comment=p.comment,
        journal_ref=p.journal_ref, doi=p.doi, announce_type=e.announce_type, is_cross=e.is_cross,
        pdf_url=p.pdf_url, html_url=p.html_url, summary=summary, pending=e.failure if st is None else None,
    )  # fmt: skip


def ordered(digest: DayDigest) -> list[DayEntry]:
    """The day's entries in the digest's order (sections in the reader's order, then listing order)."""
    return [e for s in build_sections(digest) for _, e in s.entries]
