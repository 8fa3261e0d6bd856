"""The stages in order: fetch -> (full text for the picks) -> summarize -> (rank) -> render -> (e-mail). Each
stage talks to the others only through the store, so any of them can also be rerun on its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from .config import Settings
from .deliver import EmailReport, send_digest
from .errors import ProfileError, SummarizeError
from .rank import RankReport, rank_day
from .render import FORMATS, render_day
from .sources.fetch import BatchProgress, FetchReport, fetch_day
from .sources.sample import load_manifest
from .store import Store
from .summarize.fulltext import FulltextReport, fulltext_day, tokens_per_paper
from .summarize.runner import SummarizeReport, summarize_day

DEMO_DATA_DIR = Path("arxiv-digest-demo-data")  # the sample day never mixes with a real store


RETRY_DAYS = 14  # how far back a run retries papers whose summary failed earlier


@dataclass
class RunReport:
    fetch: FetchReport
    day: date | None = None  # the day summarized and rendered; None when there was nothing to do
    fulltext: FulltextReport | None = None  # the top picks (or all papers) read and summarized in full
    summarize: SummarizeReport | None = None
    rank: RankReport | None = None
    outputs: dict[str, Path] = field(default_factory=dict)
    email: EmailReport | None = None
    retried: list[SummarizeReport] = field(default_factory=list)  # earlier days with failed summaries
    summarize_error: str | None = None  # why summarizing stopped (bad key, endpoint down): published anyway

    @property
    def missing(self) -> int:
        """Papers still without a summary after this run, over every day it touched."""
        return sum(r.missing for r in [self.summarize, *self.retried] if r is not None)


def run_day(
    settings: Settings,
    store: Store,
    day: date | None = None,
    *,
    sample: bool = False,
    email: bool = False,
    formats: tuple[str, ...] = FORMATS,
    progress: bool = True,
    fetch_progress: BatchProgress | None = None,
) -> RunReport:
    """Fetch the day, summarize what is missing (failures of earlier runs included), rank when a profile
    exists, render every format and optionally e-mail it. A day without an announcement stops after fetch,
    unless `day` names a stored day (then it is summarized and rendered again: cheap, only what is missing)."""
    fetched = fetch_day(settings, store, day=day, sample=sample, progress=fetch_progress)
    target = fetched.day if fetched.status == "stored" else day
    if target is None or not store.has_day(target):
        return RunReport(fetched)
    report = RunReport(fetched, target)
    try:
        # before summarizing: ranking needs only titles and abstracts, so the picks can be read in full first
        report.fulltext = fulltext_day(settings, store, target, progress=progress)
        report.summarize = summarize_day(settings, store, target, progress=progress)
        report.fulltext.tokens = tokens_per_paper(settings, store, target)
        for earlier in _days_to_retry(settings, store, target, report.summarize):
            report.retried.append(summarize_day(settings, store, earlier, progress=progress))
            _render(settings, store, earlier, formats)
    except SummarizeError as e:
        # the LLM is unusable right now: the reader still gets the day, papers marked pending, and the
        # next run summarizes them
        report.summarize_error = str(e)
    if settings.profile.configured:
        try:
            report.rank = rank_day(settings, store, target)
        except ProfileError:
            report.rank = None  # an unusable profile must not cost the reader the digest
    report.outputs = _render(settings, store, target, formats)
    if email:
        report.email = send_digest(settings, store, target, ranked=report.rank is not None)
    return report


def _days_to_retry(settings: Settings, store: Store, target: date, done: SummarizeReport) -> list[date]:
    """Earlier days whose failed summaries are still worth a try: a failure is retried on the next run,
    even when that run is for a new day. Only failures under the summary key the run just used (language,
    model, prompt version) count: after a prompt upgrade, an old failure must not re-summarize its whole day."""
    since = target - timedelta(days=RETRY_DAYS)
    days = store.days_with_failures(done.language, done.model, settings.llm.max_attempts, since, done.prompt_version)
    return [d for d in days if d != target]


def _render(settings: Settings, store: Store, day: date, formats: tuple[str, ...]) -> dict[str, Path]:
    # html last: the day page links the day's Markdown, Atom and JSONL files when they exist
    return {fmt: render_day(settings, store, day, fmt) for fmt in sorted(formats, key=lambda f: f == "html")}


def demo_settings(settings: Settings, data_dir: Path | None) -> Settings:
    """The sample day's categories, the offline summarizer, and a data dir of its own."""
    sample = load_manifest()
    llm = settings.llm.model_copy(update={"backend": "offline"})
    return settings.model_copy(
        update={"categories": list(sample.categories), "llm": llm, "data_dir": data_dir or DEMO_DATA_DIR}
    )


def run_demo(settings: Settings, store: Store, progress: bool = True) -> RunReport:
    """The bundled sample day, end to end, offline: fetched from 127.0.0.1 through the real client."""
    return run_day(settings, store, load_manifest().day, sample=True, progress=progress)
