"""The stages in order: fetch -> (full text for the picks) -> summarize -> (rank) -> render -> (e-mail,
notify). Each stage talks to the others only through the store, so any of them can also be rerun on its own.
With several readers, fetch and summarize run once for all of them, the rest once per reader."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from .config import Settings
from .deliver import EmailReport, NotifyReport, notify_day, send_digest
from .errors import ProfileError, SummarizeError
from .rank import RankReport, rank_day
from .rank.themes import ThemeReport, theme_day
from .readers import LanguageGroup, language_groups, reader_settings, union_settings
from .render import FORMATS, render_day
from .sources.fetch import BatchProgress, FetchReport, fetch_day
from .sources.sample import load_manifest
from .store import Store
from .summarize.fulltext import FulltextReport, fulltext_day, tokens_per_paper
from .summarize.runner import SummarizeReport, summarize_day

DEMO_DATA_DIR = Path("arxiv-digest-demo-data")  # the sample day never mixes with a real store


RETRY_DAYS = 14  # how far back a run retries papers whose summary failed earlier


@dataclass
class ReaderReport:
    """What the run did for one reader (the single reader, or one of [[readers]])."""

    name: str | None
    rank: RankReport | None = None
    themes: ThemeReport | None = None
    outputs: dict[str, Path] = field(default_factory=dict)
    email: EmailReport | None = None
    notify: NotifyReport | None = None


@dataclass
class RunReport:
    fetch: FetchReport
    day: date | None = None  # the day summarized and rendered; None when there was nothing to do
    fulltexts: list[FulltextReport] = field(default_factory=list)  # per reader: their picks read in full
    summaries: list[SummarizeReport] = field(default_factory=list)  # the day, one per summary language
    readers: list[ReaderReport] = field(default_factory=list)
    retried: list[SummarizeReport] = field(default_factory=list)  # earlier days with failed summaries
    summarize_error: str | None = None  # why summarizing stopped (bad key, endpoint down): published anyway

    @property
    def summarize(self) -> SummarizeReport | None:
        return self.summaries[0] if self.summaries else None

    @property
    def fulltext(self) -> FulltextReport | None:
        return self.fulltexts[0] if self.fulltexts else None

    # the first (for a config without [[readers]], the only) reader's share
    @property
    def rank(self) -> RankReport | None:
        return self.readers[0].rank if self.readers else None

    @property
    def outputs(self) -> dict[str, Path]:
        return self.readers[0].outputs if self.readers else {}

    @property
    def email(self) -> EmailReport | None:
        return self.readers[0].email if self.readers else None

    @property
    def themes(self) -> ThemeReport | None:
        return self.readers[0].themes if self.readers else None

    @property
    def missing(self) -> int:
        """Papers still without a summary after this run, over every day it touched."""
        return sum(r.missing for r in [*self.summaries, *self.retried])


def run_day(
    settings: Settings,
    store: Store,
    day: date | None = None,
    *,
    sample: bool = False,
    email: bool = False,
    notify: bool = False,
    formats: tuple[str, ...] = FORMATS,
    progress: bool = True,
    fetch_progress: BatchProgress | None = None,
) -> RunReport:
    """Fetch the day, summarize what is missing (failures of earlier runs included), then for each reader:
    rank when they have a profile, render every format, optionally e-mail and notify. A day without an
    announcement stops after fetch, unless `day` names a stored day (then it is summarized and rendered
    again: cheap, only what is missing). Several readers ([[readers]]) share one fetch of all their
    categories and one summary per paper and language."""
    readers = reader_settings(settings)
    fetched = fetch_day(union_settings(settings), store, day=day, sample=sample, progress=fetch_progress)
    target = fetched.day if fetched.status == "stored" else day
    if target is None or not store.has_day(target):
        return RunReport(fetched)
    report = RunReport(fetched, target)
    try:
        for group in language_groups(settings, readers):
            _summarize(group, store, target, formats, report, progress)
    except SummarizeError as e:
        # the LLM is unusable right now: the reader still gets the day, papers marked pending, and the
        # next run summarizes them
        report.summarize_error = str(e)
    for r in readers:
        report.readers.append(_publish(r, store, target, formats, email=email, notify=notify))
    return report


def _summarize(group: LanguageGroup, store: Store, target: date, formats: tuple[str, ...], report: RunReport,
               progress: bool) -> None:  # fmt: skip
    """Each reader's picks in full (ranking needs only titles and abstracts, so they can be read first), the
    day's papers of this language's readers, then earlier days with failures (rendered again)."""
    ids = group.paper_ids(store, target)
    if ids is not None and not ids:
        return  # none of these readers has a paper today
    fulltexts = [fulltext_day(r, store, target, progress=progress) for r in group.readers]
    done = summarize_day(group.settings, store, target, progress=progress, only=ids)
    report.summaries.append(done)
    for r, ft in zip(group.readers, fulltexts, strict=True):
        ft.tokens = tokens_per_paper(r, store, target)
    report.fulltexts += fulltexts
    for earlier in _days_to_retry(group.settings, store, target, done):
        earlier_ids = group.paper_ids(store, earlier)
        if earlier_ids is not None and not earlier_ids:
            continue
        report.retried.append(summarize_day(group.settings, store, earlier, progress=progress, only=earlier_ids))
        for r in group.readers:
            _render(r, store, earlier, formats)


def _publish(settings: Settings, store: Store, day: date, formats: tuple[str, ...], *, email: bool,
             notify: bool) -> ReaderReport:  # fmt: skip
    """One reader's share of the run: rank (with a profile), render, deliver."""
    out = ReaderReport(settings.reader)
    if settings.profile.configured or store.feedback():
        try:
            out.rank = rank_day(settings, store, day)
        except ProfileError:
            out.rank = None  # an unusable profile must not cost the reader the digest
    if settings.output.themes:
        out.themes = theme_day(settings, store, day)
    out.outputs = _render(settings, store, day, formats)
    ranked = out.rank is not None
    if email and (settings.reader is None or settings.email.recipients):
        out.email = send_digest(settings, store, day, ranked=ranked)
    if notify and (settings.reader is None or settings.notify.urls):
        out.notify = notify_day(settings, store, day, ranked=ranked)
    return out


def _days_to_retry(settings: Settings, store: Store, target: date, done: SummarizeReport) -> list[date]:
    """Earlier days whose failed summaries are still worth a try: a failure is retried on the next run,
    even when that run is for a new day. Only failures under the summary key the run just used (language,
    model, prompt version) count: after a prompt upgrade, an old failure must not re-summarize its whole day."""
    since = target - timedelta(days=RETRY_DAYS)
    days = store.days_with_failures(done.language, done.model, settings.llm.max_attempts, since, done.prompt_version)
    return [d for d in days if d != target]


def _render(settings: Settings, store: Store, day: date, formats: tuple[str, ...]) -> dict[str, Path]:
    # html last: the pages link the day's Markdown and JSONL files and the site's feeds when they exist
    return {fmt: render_day(settings, store, day, fmt) for fmt in sorted(formats, key=lambda f: f == "html")}


def demo_settings(settings: Settings, data_dir: Path | None) -> Settings:
    """The sample day's categories, the offline summarizer, and a data dir of its own."""
    sample = load_manifest()
    llm = settings.llm.model_copy(update={"backend": "offline"})
    output = settings.output.model_copy(update={"themes": False})  # embedding 131 papers would triple its time
    return settings.model_copy(update={"categories": list(sample.categories), "llm": llm, "output": output,
                                       "data_dir": data_dir or DEMO_DATA_DIR})  # fmt: skip


def run_demo(settings: Settings, store: Store, progress: bool = True) -> RunReport:
    """The bundled sample day, end to end, offline: fetched from 127.0.0.1 through the real client."""
    return run_day(settings, store, load_manifest().day, sample=True, progress=progress)
