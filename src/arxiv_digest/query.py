"""Read-only questions to the archive, answered as the public records (records.py): search, a day's digest,
one paper, the top picks, the list of days. The MCP server (mcp_server.py) exposes them as tools; they
need nothing but a store, which they never write.
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from .config import Settings, check_category
from .errors import BadInput, DigestError
from .models import DayEntry, split_version
from .rank.themes import stored_week_themes, themes_for_day, week_of
from .readers import load_day
from .records import DaysRecord, PaperBrief, PaperRecord, announced_at, brief, ordered, paper_record
from .render.data import day_info
from .render.sections import top_picks
from .search import search
from .store import Store


class NotFound(BadInput):
    """The archive has no such day or paper."""


class SearchResult(BaseModel):
    query: str
    papers: list[PaperBrief] = Field(description="best match first; newest first when the query has no words")


class DigestResult(BaseModel):
    date: dt.date
    announced_at: dt.datetime
    language: str
    categories: dict[str, int] = Field(description="papers per section, in the digest's order")
    total: int = Field(description="papers in the day (in `category` when given)")
    offset: int
    papers: list[PaperBrief]
    top_picks: list[str] = Field(description="ids of the day's top picks, best first (empty when not ranked)")


class TopPicksResult(BaseModel):
    date: dt.date
    ranked: bool = Field(description="whether the day was scored against the reader's profile")
    note: str | None = None
    picks: list[PaperBrief] = Field(description="best first, each with its score and reasons")


class ThemeRecord(BaseModel):
    position: int = Field(description="1-based, largest theme first")
    label: str = Field(description="the theme's distinctive terms")
    overview: str | None = Field(None, description="2-3 sentences by the LLM in the reader's language, naming "
                                 "papers as [n]: their number in the day's digest (in the theme, for a week)")
    papers: list[PaperBrief] = Field(description="the theme's papers, most central first")


class ThemesResult(BaseModel):
    scope: Literal["day", "week"]
    start: dt.date = Field(description="the day, or the week's Monday")
    note: str | None = Field(None, description="why there are no themes, when there are none")
    themes: list[ThemeRecord]


class Archive:
    """The store as one reader sees it (their categories, language and scores)."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings, self.store = settings, store
        self.base = settings.output.site_url or ""

    def _day(self, day: date | None) -> date:
        if day is None:
            last = self.store.last_announced()
            if last is None:
                raise NotFound("the archive has no announcement day yet")
            return last
        if not self.store.has_day(day):
            raise NotFound(f"no announcement stored for {day.isoformat()} (see list_days)")
        return day

    def search(self, query: str, since: date | None, until: date | None, categories: list[str],
               limit: int) -> SearchResult:  # fmt: skip
        if since and until and since > until:
            raise BadInput(f"since ({since}) is after until ({until})")
        cats = [check_category(c) for c in categories]
        hits = search(self.store.db, query, since, until, cats, limit)
        entries = self._entries([(h.paper_id, h.day) for h in hits])
        return SearchResult(query=query, papers=[brief(e, d, self.base) for d, e in entries])

    def _entries(self, keys: list[tuple[str, date]]) -> list[tuple[date, DayEntry]]:
        """Entries of these (paper, day) pairs with the reader's summaries and scores, in the given order."""
        s, ids = self.settings, [pid for pid, _ in keys]
        papers, summaries = self.store.papers(ids), self.store.best_summaries(ids, s.language)
        rows = {(r["paper_id"], d): r for d in {d for _, d in keys} for r in self.store.day_rows(d)}
        scores = {d: self.store.get_scores(d, s.reader) for d in {d for _, d in keys}}
        out = []
        for pid, d in keys:
            r, score = rows[(pid, d)], scores[d].get(pid)
            out.append((d, DayEntry(
                paper=papers[pid], section=r["section"], position=r["position"], announce_type=r["announce_type"],
                is_cross=bool(r["is_cross"]), summary=summaries.get(pid), score=score[0] if score else None,
                reasons=score[1] if score else [],
            )))  # fmt: skip
        return out

    def digest(self, day: date | None, category: str | None, offset: int, limit: int) -> DigestResult:
        digest = load_day(self.store, self.settings, self._day(day))
        entries = ordered(digest)
        counts = {c: sum(e.section == c for e in entries) for c in dict.fromkeys(e.section for e in entries)}
        if category is not None:
            category = check_category(category)
            entries = [e for e in entries if e.section == category]
        return DigestResult(
            date=digest.date, announced_at=announced_at(digest.date), language=digest.language, categories=counts,
            total=len(entries), offset=offset,
            papers=[brief(e, digest.date, self.base) for e in entries[offset : offset + limit]],
            top_picks=[e.paper.id for e in top_picks(ordered(digest), self.settings.profile.top_k)],
        )  # fmt: skip

    def paper(self, paper_id: str) -> PaperRecord:
        try:
            pid, _ = split_version(paper_id)
        except ValueError:
            raise BadInput(f"not an arXiv id: {paper_id!r} (e.g. 2601.19280 or hep-th/0601001)") from None
        row = self.store.first_announcement(pid)
        if row is None:
            raise NotFound(f"paper {pid} is not in the archive")
        day = date.fromisoformat(row["date"])
        entry = next((e for e in load_day(self.store, self.settings, day).entries if e.paper.id == pid), None)
        if entry is None:  # announced, but in another reader's categories
            raise NotFound(f"paper {pid} is not in this reader's digests")
        return paper_record(entry, day, self.base)

    def top_picks(self, day: date | None, limit: int) -> TopPicksResult:
        digest = load_day(self.store, self.settings, self._day(day))
        ranked = any(e.score is not None for e in digest.entries)
        picks = top_picks(ordered(digest), limit)
        note = None
        if not ranked and not self.settings.profile.configured:
            note = "no interest profile is configured ([profile] in arxiv-digest.toml)"
        elif not ranked:
            note = "this day has not been ranked (arxiv-digest rank)"
        return TopPicksResult(date=digest.date, ranked=ranked, note=note,
                              picks=[brief(e, digest.date, self.base) for e in picks])  # fmt: skip

    def themes(self, day: date | None, week: bool) -> ThemesResult:
        day = self._day(day)
        reader = self.settings.reader
        themes = stored_week_themes(self.store, day, reader) if week else themes_for_day(self.store, day, reader)
        start = week_of(day)[0] if week else day
        command = f"arxiv-digest themes --date {day.isoformat()}{' --week' if week else ''}"
        note = None if themes else f"no themes are stored for this {'week' if week else 'day'} (`{command}`)"
        keys = [(pid, self._first_day(pid, day) if week else day) for t in themes for pid in t.papers]
        briefs = {e.paper.id: brief(e, d, self.base) for d, e in self._entries(keys)}
        return ThemesResult(scope="week" if week else "day", start=start, note=note, themes=[
            ThemeRecord(position=t.position, label=t.label, overview=t.overview,
                        papers=[briefs[pid] for pid in t.papers if pid in briefs])
            for t in themes
        ])  # fmt: skip

    def _first_day(self, paper_id: str, fallback: date) -> date:
        row = self.store.first_announcement(paper_id)
        return date.fromisoformat(row["date"]) if row else fallback

    def days(self, limit: int) -> DaysRecord:
        days = list(reversed(self.store.announced_dates()))[:limit]
        return DaysRecord(language=self.settings.language,
                          days=[day_info(self.store, self.settings, d, self.base) for d in days])


__all__ = ["Archive", "DigestError", "DigestResult", "NotFound", "SearchResult", "ThemesResult", "TopPicksResult"]
