"""Data passed between the stages: sources -> store -> summarize -> render.

Plain dataclasses for arXiv data; the summary is a pydantic model because it is also the
schema the LLM must fill.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

AnnounceType = Literal["new", "cross", "replace", "replace-cross"]

# New-style ids (2601.18927, 0704.0001) and old-style ones (astro-ph/0601001, math.GT/0309136).
_ID_RE = re.compile(r"^(?P<id>(\d{4}\.\d{4,5})|([a-z\-]+(\.[A-Z]{2})?/\d{7}))(v(?P<v>\d+))?$")


def split_version(raw: str) -> tuple[str, int | None]:
    """'2601.18927v2' -> ('2601.18927', 2); 'cond-mat/0603029' -> ('cond-mat/0603029', None).

    Accepts abs URLs and oai: guids too. Raises ValueError on anything else.
    """
    s = raw.strip()
    for prefix in ("oai:arXiv.org:", "http://arxiv.org/abs/", "https://arxiv.org/abs/", "arXiv:"):
        if s.startswith(prefix):
            s = s[len(prefix) :]
    m = _ID_RE.match(s)
    if not m:
        raise ValueError(f"not an arXiv id: {raw!r}")
    v = m.group("v")
    return m.group("id"), int(v) if v else None


@dataclass
class Announcement:
    """One paper as an announcement source (RSS item, listing entry) lists it."""

    arxiv_id: str
    version: int | None
    title: str
    authors: list[str]
    abstract: str
    categories: list[str]  # primary first when the source says which is primary
    announce_type: AnnounceType
    position: int  # 1-based order in the source
    listing_category: str | None = None  # the listing page it came from (None for a feed)
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None


@dataclass
class AnnouncementFeed:
    """What one RSS feed or listing page says was announced."""

    announced: date | None  # announcement day (ET) as the source states it
    categories: list[str]  # the categories the feed/listing covers
    items: list[Announcement] = field(default_factory=list)


@dataclass
class Paper:
    """A paper's metadata, as stored; the query API is the authority for it."""

    id: str  # without version
    version: int
    title: str
    authors: list[str]
    abstract: str
    categories: list[str]  # primary first
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    affiliations: list[list[str]] = field(default_factory=list)  # per author, may be empty

    @property
    def primary_category(self) -> str:
        return self.categories[0]

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.id}"

    @property
    def html_url(self) -> str:
        return f"https://arxiv.org/html/{self.id}"


class Summary(BaseModel):
    """The structured summary of one paper: the schema for prompts, parsing and storage."""

    tldr: str = Field(description="One or two sentences: what the paper does and finds.")
    motivation: str = Field(description="The problem and why it matters.")
    method: str = Field(description="What the authors do or propose.")
    result: str = Field(description="The main findings, with numbers where the abstract gives them.")
    conclusion: str = Field(description="What follows from the results.")
    keywords: list[str] = Field(default_factory=list, max_length=5, description="Up to 5 key terms.")

    @field_validator("tldr", "motivation", "method", "result", "conclusion")
    @classmethod
    def _not_blank(cls, v: str, info: ValidationInfo) -> str:
        """Never blank. Stripped, except with context={"verbatim": True}: imported text (and what the store
        gives back) keeps its bytes, so that the other tool's Markdown is reproduced exactly."""
        if not v.strip():
            raise ValueError("must not be empty")
        return v if isinstance(info.context, dict) and info.context.get("verbatim") else v.strip()


SummaryKind = Literal["llm", "extractive", "imported"]
SummarySource = Literal["abstract", "fulltext"]  # what the summary was written from


@dataclass
class StoredSummary:
    """A summary as the store keeps it, with where it came from."""

    summary: Summary
    kind: SummaryKind
    language: str
    model: str
    prompt_version: str
    source: SummarySource = "abstract"
    unverified: list[str] = field(default_factory=list)  # numbers it states that its source text does not


@dataclass
class DayEntry:
    """One paper of a day's digest, as the render stage gets it from the store."""

    paper: Paper
    section: str  # the category it is listed under
    position: int  # order within the announcement source
    announce_type: AnnounceType
    is_cross: bool  # listed under a followed category it was cross-listed into
    summary: StoredSummary | None = None
    failure: str | None = None  # last failure reason when the summary failed
    score: float | None = None  # relevance to the reader's profile, when ranked
    reasons: list[str] = field(default_factory=list)  # human-readable, e.g. "keyword: diffusion"


@dataclass
class Theme:
    """A group of papers on one subject within a day (or a week), found from their embeddings."""

    position: int  # 1-based, largest first
    label: str  # distinctive terms, e.g. "gaussian splatting · 3d reconstruction"
    terms: list[str]  # the distinctive terms, best first
    papers: list[str]  # arXiv ids, most central first
    overview: str | None = None  # 2-3 sentences by the LLM in the reader's language, naming papers as [n]


@dataclass
class DayDigest:
    """Everything render needs for one announcement day."""

    date: date
    categories: list[str]  # followed categories, in the reader's order
    entries: list[DayEntry]
    language: str = "Chinese"
    themes: list[Theme] = field(default_factory=list)  # the day's themes, when they were computed
