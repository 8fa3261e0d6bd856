"""Summaries from full text: which papers, their pages (sources/fulltext.py), the full-text prompt.

This step runs between ranking and summarizing. Ranking needs only titles and abstracts, so the day's top
picks are known before any summary is written. Their pages are fetched at robots.txt's pace, parsed,
fitted to the token budget (grounded.fit_text) and summarized with the full-text prompt. Every other
paper, and every pick without a usable HTML version, is then summarized from its abstract as before:
`summarize_day` never redoes from the abstract what has a full-text summary. A full-text summary that
fails falls back the same way, so a pick is never left pending because its full text was the problem.

`fulltext.mode`: "off"; "top-picks" (the default: does something only once a profile exists); "all"
(every paper of the day: slow, one page per Crawl-delay, 15 s on arxiv.org: two hours for 500 papers).
`fulltext.max_papers` caps the pages fetched per run; the rest wait for the next run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from ..config import Settings
from ..errors import ProfileError
from ..models import Paper
from ..rank import rank_day
from ..readers import day_papers
from ..sources.fulltext import FetchReport, fetch_fulltexts, stored_texts
from ..store import Store
from .factory import backend_name, make_summarizer
from .grounded import fit_text
from .runner import SummarizeReport, summarize_day


@dataclass
class TokensPerPaper:
    """What a summary cost on this day, by what it was written from (the store's token counts)."""

    fulltext: tuple[int, int] = (0, 0)  # (summaries, tokens)
    abstract: tuple[int, int] = (0, 0)

    @staticmethod
    def _mean(pair: tuple[int, int]) -> float:
        return pair[1] / pair[0] if pair[0] else 0.0

    @property
    def ratio(self) -> float | None:
        a = self._mean(self.abstract)
        return self._mean(self.fulltext) / a if a and self.fulltext[0] else None

    def line(self) -> str:
        ft, ab = self._mean(self.fulltext), self._mean(self.abstract)
        ratio = f" ({self.ratio:.1f}x)" if self.ratio else ""
        return (f"tokens per paper: {ft:,.0f} with full text ({_n(self.fulltext[0], 'paper')}), {ab:,.0f} from "
                f"the abstract ({_n(self.abstract[0], 'paper')}){ratio}")  # fmt: skip


@dataclass
class FulltextReport:
    day: date
    mode: str
    chosen: int = 0  # papers the mode picked for full text
    note: str | None = None  # why nothing was done, when nothing was
    fetch: FetchReport | None = None
    summarize: SummarizeReport | None = None
    tokens: TokensPerPaper = field(default_factory=TokensPerPaper)

    @property
    def from_fulltext(self) -> int:
        """Chosen papers that have a text to be summarized from (now or from an earlier run)."""
        return 0 if self.fetch is None else self.fetch.cached + self.fetch.fetched

    def line(self) -> str:
        if self.note:
            return f"full text: {self.note}"
        f = self.fetch or FetchReport()
        parts = [f"full text: {self.from_fulltext} of {self.chosen} papers ({self.mode})"]
        if f.none:
            parts.append(f"{f.none} without a usable HTML version (abstract used)")
        if f.skipped:
            parts.append(f"{f.skipped} left for the next run")
        if f.requests:
            parts.append(f"{_n(f.fetched, 'page')} fetched in {f.elapsed:.0f}s at {f.delay:g}s spacing")
        if self.summarize is not None and self.summarize.unverified:
            parts.append(f"{self.summarize.unverified} with unverified numbers")
        if f.stopped:
            parts.append(f"stopped: {f.stopped}")
        return "; ".join([*parts, self.tokens.line()])

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["day"] = self.day.isoformat()
        d["summarize"] = self.summarize.as_dict() if self.summarize else None
        return d


def _n(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def choose(settings: Settings, store: Store, day: date) -> tuple[list[Paper], str | None]:
    """The papers to read in full, or why there are none."""
    mode = settings.fulltext.mode
    if mode == "off":
        return [], "off (fulltext.mode)"
    if backend_name(settings) == "offline":
        return [], "not used by the offline summarizer (it works from abstracts)"
    papers = day_papers(store, settings, day)  # with several readers, this reader's
    if mode == "all":
        return papers, None
    if not settings.profile.configured:
        return [], "no interest profile, so no top picks to read in full"
    try:
        picks = rank_day(settings, store, day).picks  # scored again after summarizing, with the summaries
    except ProfileError as e:
        return [], f"no top picks ({e})"
    by_id = {p.id: p for p in papers}
    return [by_id[p.paper_id] for p in picks if p.paper_id in by_id], None


def tokens_per_paper(settings: Settings, store: Store, day: date) -> TokensPerPaper:
    by = store.tokens_by_source([p.id for p in store.day_papers(day)], settings.language, settings.llm.model)
    return TokensPerPaper(by.get("fulltext", (0, 0)), by.get("abstract", (0, 0)))


def fulltext_day(settings: Settings, store: Store, day: date, *, progress: bool = True) -> FulltextReport:
    """Fetch, parse and summarize from full text the papers `fulltext.mode` picks for `day`.

    Raises SummarizeError like summarize_day when the LLM cannot be used; everything fetched is kept.
    The caller holds the store's write lock."""
    papers, note = choose(settings, store, day)
    report = FulltextReport(day, settings.fulltext.mode, len(papers), note)
    if not papers:
        return report
    run_id, status = store.start_run("fulltext", {"day": day.isoformat(), "papers": len(papers)}), "failed"
    try:
        report.fetch = fetch_fulltexts(settings, store, papers)
        budget = settings.fulltext.max_tokens
        texts = {pid: fit_text(ft, budget) for pid, ft in stored_texts(store, papers).items()}
        if texts:
            backend = make_summarizer(settings, store, fulltexts=texts)
            report.summarize = summarize_day(settings, store, day, backend=backend, progress=progress, only=texts)
        report.tokens = tokens_per_paper(settings, store, day)
        status = "ok"
    finally:
        store.finish_run(run_id, status, report.as_dict())
    return report
