"""Summarize a day: what is missing, concurrently, each result committed as soon as it arrives.

A re-run does only what is missing for (language, model, prompt version); a paper that failed
`llm.max_attempts` runs in a row is no longer retried but still reported, never shown as content.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Collection, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from ..config import Settings
from ..errors import SummarizeError
from ..models import Paper, StoredSummary
from ..store import Store
from .base import AdaptiveLimiter, PaperFailed, Summarizer, SummaryResult
from .factory import make_summarizer
from .grounded import fulltext_version


@dataclass
class SummarizeReport:
    """What a run did; `missing` papers have no summary for this key after it."""

    day: date
    backend: str
    kind: str
    model: str
    language: str
    prompt_version: str
    total: int  # papers of the day
    done: int = 0  # summarized now
    failed: int = 0  # failed now (stored as failures, retried next run)
    skipped_cached: int = 0  # already summarized for this key
    exhausted: int = 0  # failed max_attempts runs before: not retried
    calls: int = 0  # HTTP calls made, retries included
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    priced: bool = False  # a price for the model is configured ([llm.prices])
    throttles: int = 0  # 429s that cut the concurrency limit
    unverified: int = 0  # summaries stored with numbers their source text does not state
    elapsed: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (paper id, reason)

    @property
    def missing(self) -> int:
        return self.failed + self.exhausted

    def line(self) -> str:
        cost = f", ${self.cost_usd:.4f}" if self.priced else ""
        doubt = f", {self.unverified} with unverified numbers" if self.unverified else ""
        return (
            f"{self.day}: {self.done} summarized, {self.skipped_cached} already done, {self.missing} failed "
            f"of {self.total}{doubt} ({self.backend}; {self.calls} calls, "
            f"{self.prompt_tokens + self.completion_tokens} tokens{cost}, {self.elapsed:.1f}s)"
        )

    def failure_line(self) -> str:
        first = f"; first: {self.failures[0][0]}: {self.failures[0][1]}" if self.failures else ""
        gave_up = f" ({self.exhausted} gave up after repeated failures)" if self.exhausted else ""
        return f"{self.missing} of {self.total} papers could not be summarized{gave_up}{first}"

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["day"] = self.day.isoformat()
        d["failures"] = [list(f) for f in self.failures[:50]]
        return d


def summarize_day(
    settings: Settings, store: Store, day: date, *, backend: Summarizer | None = None, progress: bool = True,
    only: Collection[str] | None = None,
) -> SummarizeReport:
    """Summarize every paper of `day` that has no summary yet for the backend's key.

    Raises SummarizeError when the run cannot go on (bad key, unknown model, unreachable endpoint);
    everything committed before that is kept. Per-paper failures are counted in the report.
    A backend passed in is used for this one call (its client belongs to this call's event loop).
    `only` restricts the day to these paper ids (the full-text pass summarizes only papers with a text).
    Call it outside a transaction on `store`: summaries are committed through a connection of their own.
    """
    papers = [p for p in store.day_papers(day) if only is None or p.id in only]
    if not papers and only is None:
        raise SummarizeError(f"no papers for {day} in {store.data_dir}; run `arxiv-digest fetch --date {day}` first")
    summarizer = backend or make_summarizer(settings, store)
    report = SummarizeReport(
        day=day, backend=summarizer.label, kind=summarizer.kind, model=summarizer.model,
        language=summarizer.language, prompt_version=summarizer.prompt_version, total=len(papers),
        priced=summarizer.model in settings.llm.prices,
    )  # fmt: skip
    todo = _todo(settings, store, papers, summarizer, report)
    run_id = store.start_run("summarize", {"day": day.isoformat(), "backend": report.backend, "todo": len(todo)})
    started, status = time.monotonic(), "failed"
    try:
        with _frozen_heap():
            asyncio.run(_run_all(settings, store, summarizer, todo, report, progress))
        status = "ok" if report.missing == 0 else "failed"
    finally:
        report.elapsed = time.monotonic() - started
        store.finish_run(run_id, status, report.as_dict())
    return report


@contextlib.contextmanager
def _frozen_heap() -> Iterator[None]:
    """During the run the garbage collector leaves alone every object that existed before it (modules,
    the day's papers, the store...): a full collection of those took 70-90 ms, measured, with every
    answer waiting, once or twice a run. Short-lived objects are collected as usual."""
    if gc.get_freeze_count():  # the caller froze its own heap: leave that as it is
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _todo(settings: Settings, store: Store, papers: list[Paper], s: Summarizer, report: SummarizeReport) -> list[Paper]:
    ids = [p.id for p in papers]
    done = store.summarized_ids(ids, s.language, s.model, s.prompt_version)
    done |= store.summarized_ids(ids, s.language, s.model, fulltext_version())  # never redone from the abstract
    fails = store.failures(ids, s.language, s.model, s.prompt_version)
    todo = []
    for p in papers:
        if p.id in done:
            report.skipped_cached += 1
        elif p.id in fails and fails[p.id][0] >= settings.llm.max_attempts:
            report.exhausted += 1
            report.failures.append((p.id, f"{fails[p.id][1]} (gave up after {fails[p.id][0]} runs)"))
        else:
            todo.append(p)
    return todo


async def _run_all(
    settings: Settings, store: Store, s: Summarizer, todo: list[Paper], report: SummarizeReport, progress: bool
) -> None:
    limiter = AdaptiveLimiter(settings.llm.max_concurrency)
    price = settings.llm.prices.get(s.model, {})
    view = _View(progress, len(todo), s.label, limiter, report)
    writer = _Writer(store, s, report, price)

    async def one(paper: Paper) -> None:
        try:
            res = await s.summarize(paper, limiter)
        except PaperFailed as e:
            store.record_failure(paper.id, s.language, s.model, s.prompt_version, e.reason)
            report.failed += 1
            report.failures.append((paper.id, e.reason))
            _add_usage(report, e.usage.calls, e.usage.prompt_tokens, e.usage.completion_tokens, price)
        else:
            await writer.save(paper, res)
        view.refresh()

    tasks = [asyncio.create_task(one(p)) for p in todo]
    bound = settings.llm.max_run_seconds
    try:
        with view:
            if tasks:
                done, pending = await asyncio.wait(tasks, timeout=bound, return_when=asyncio.FIRST_EXCEPTION)
                for t in done:
                    exc = None if t.cancelled() else t.exception()
                    if exc is not None:
                        raise exc  # SummarizeError: stop the run now, keep what is committed
                if pending:  # the run's bound, whatever the endpoint does (each request has its own too)
                    raise SummarizeError(
                        f"stopped after {bound:g} s (llm.max_run_seconds) with {len(pending)} of {len(todo)} papers "
                        "not summarized yet; they stay pending for the next run"
                    )
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        writer.flush()  # what arrived is stored, however the run ends
        await s.aclose()
        report.throttles = limiter.throttles


_Batch = list[tuple[Paper, SummaryResult, "asyncio.Future[None]"]]


class _Writer:
    """Stores summaries a moment after they arrive, from a thread of its own with a connection of its own:
    those that arrive together (one burst of answers) are committed in one transaction. Storing a summary
    with its search-index update costs about 0.7 ms, most of it in SQLite (the index's new segment at each
    commit), which runs outside the GIL; on the event loop's thread it held the next answers and the
    freed slots' next requests back by that much. A crash loses at most the batches not yet committed."""

    def __init__(self, store: Store, s: Summarizer, report: SummarizeReport, price: dict[str, float]) -> None:
        self.store, self.s, self.report, self.price = store, s, report, price
        self._batch: _Batch = []
        self._soon: asyncio.Handle | None = None
        self._error: BaseException | None = None  # a failed commit nobody was waiting for any more
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="arxiv-digest-store")
        self._own: Store | None = None  # the writing thread's connection, made and closed in that thread
        self._sent: dict[Future[None], _Batch] = {}  # batches handed to the thread, not settled yet

    async def save(self, paper: Paper, res: SummaryResult) -> None:
        """Returns once the summary is committed; raises what committing it raised (StoreError). A task
        cancelled meanwhile leaves its summary to the last flush."""
        loop = asyncio.get_running_loop()
        committed = loop.create_future()
        self._batch.append((paper, res, committed))
        if self._soon is None:
            self._soon = loop.call_soon(self._send)
        await committed

    def _send(self) -> None:
        self._soon = None
        batch, self._batch = self._batch, []
        if not batch:
            return
        loop = asyncio.get_running_loop()
        done = self._pool.submit(self._commit, batch)
        self._sent[done] = batch
        # settled on the loop's thread, where the tasks wait
        done.add_done_callback(lambda f: loop.call_soon_threadsafe(self._settle, f))

    def _commit(self, batch: _Batch) -> None:
        """In the writing thread: the batch in one transaction."""
        if self._own is None:
            self._own = self.store.sibling()
        s, price = self.s, self.price
        with self._own.transaction():
            for paper, res, _ in batch:
                u = res.usage
                stored = StoredSummary(res.summary, s.kind, s.language, s.model, s.prompt_version, res.source,
                                       res.unverified)  # fmt: skip
                self._own.save_summary(paper.id, stored, u.prompt_tokens, u.completion_tokens,
                                       _cost(price, u.prompt_tokens, u.completion_tokens))  # fmt: skip

    def _close_own(self) -> None:
        if self._own is not None:
            self._own.close()
            self._own = None

    def _settle(self, done: Future[None]) -> None:
        batch = self._sent.pop(done, None)
        if batch is None:
            return  # already settled by the last flush
        error = done.exception()
        if error is not None:
            waiting = [committed for *_, committed in batch if not committed.done()]
            for committed in waiting:
                committed.set_exception(error)
            if not waiting:
                self._error = self._error or error
            return
        for _, res, committed in batch:  # counted once committed
            u = res.usage
            _add_usage(self.report, u.calls, u.prompt_tokens, u.completion_tokens, self.price)
            self.report.done += 1
            self.report.unverified += bool(res.unverified)
            if not committed.done():
                committed.set_result(None)

    def flush(self) -> None:
        """At the end of the run, however it ends: what arrived is committed, the thread is gone, and a
        failed commit nobody was told of is raised."""
        if self._soon is not None:
            self._soon.cancel()
        self._send()
        self._pool.submit(self._close_own)
        self._pool.shutdown(wait=True)
        for done in list(self._sent):
            self._settle(done)
        if self._error is not None:
            error, self._error = self._error, None
            raise error


def _cost(price: dict[str, float], pt: int, ct: int) -> float:
    """USD for these tokens at the model's price per million ([llm.prices])."""
    return (pt * price.get("input", 0.0) + ct * price.get("output", 0.0)) / 1e6


def _add_usage(report: SummarizeReport, calls: int, pt: int, ct: int, price: dict[str, float]) -> float:
    """Add one paper's usage to the run; returns its cost."""
    cost = _cost(price, pt, ct)
    report.calls += calls
    report.prompt_tokens += pt
    report.completion_tokens += ct
    report.cost_usd += cost
    return cost


class _View:
    """The Rich progress bar on stderr (only on a terminal): done, failed, in flight, tokens, times."""

    def __init__(self, enabled: bool, total: int, label: str, limiter: AdaptiveLimiter, report: SummarizeReport):
        console = Console(stderr=True)
        self.enabled = enabled and console.is_terminal and total > 0
        self.limiter, self.report = limiter, report
        self.progress = Progress(
            BarColumn(bar_width=16),
            MofNCompleteColumn(),
            TextColumn(
                "· {task.fields[failed]} failed · {task.fields[inflight]} in flight · {task.fields[tokens]} tok"
            ),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("left"),
            console=console,
            disable=not self.enabled,
        )
        self.task = self.progress.add_task(label, total=total, failed=0, inflight=0, tokens="0")
        self._ticker: asyncio.Task[None] | None = None

    def __enter__(self) -> _View:
        if self.enabled:
            self.progress.start()
            self._ticker = asyncio.create_task(self._tick())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        if self.enabled:
            self.refresh()
            self.progress.stop()

    async def _tick(self) -> None:
        while True:  # in-flight changes without a paper finishing; a UI refresh, not a wait for work
            self.refresh()
            await asyncio.sleep(0.25)

    def refresh(self) -> None:
        if not self.enabled:
            return
        r = self.report
        self.progress.update(
            self.task, completed=r.done + r.failed, failed=r.failed, inflight=self.limiter.in_flight,
            tokens=_short(r.prompt_tokens + r.completion_tokens),
        )  # fmt: skip


def _short(n: int) -> str:
    return f"{n / 1e6:.1f}M" if n >= 1e6 else f"{n / 1e3:.0f}k" if n >= 1e4 else str(n)
