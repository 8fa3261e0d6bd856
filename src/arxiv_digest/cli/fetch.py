"""CLI commands: fetch, status."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from ..config import parse_date
from ..sources.fetch import BatchProgress, FetchReport, fetch_day, store_status
from .app import CategoriesOpt, ConfigOpt, DataDirOpt, app, err, open_store, out, reporting, settings

FetchDateOpt = Annotated[
    str | None,
    typer.Option("--date", help="Only store this announcement day, YYYY-MM-DD (arXiv's feeds serve the latest day)."),
]


@app.command()
def fetch(
    date: FetchDateOpt = None,
    categories: CategoriesOpt = None,
    cross_lists: Annotated[
        bool, typer.Option("--cross-lists", help="Also take papers cross-listed INTO a followed category.")
    ] = False,
    replacements: Annotated[bool, typer.Option("--replacements", help="Also take replaced papers.")] = False,
    listing: Annotated[
        bool, typer.Option("--listing", help="Read the listing pages (/list/CAT/new) instead of the RSS feed.")
    ] = False,
    sample: Annotated[
        bool, typer.Option("--sample", help="Fetch the bundled sample day (2026-01-28) from 127.0.0.1; no network.")
    ] = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Fetch the latest announcement day's new papers into the store (one feed request, API in batches of 100)."""
    with reporting():
        day = parse_date(date) if date is not None else None
        flags = {"arxiv.cross_lists": cross_lists or None, "arxiv.replacements": replacements or None}
        s = settings(config, data_dir, categories=categories, **flags)
        with open_store(s, write=True) as store, _api_progress() as progress:
            report = fetch_day(s, store, day=day, use_listing=listing, sample=sample, progress=progress)
        _print_report(report)


STATUS_DAYS = 7  # days `status` lists unless --all


@app.command()
def status(
    all_days: Annotated[bool, typer.Option("--all", help=f"List every day, not only the last {STATUS_DAYS}.")] = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Show what the store holds: announcement days, papers, summaries and the last runs."""
    with reporting():
        s = settings(config, data_dir)
        with open_store(s) as store:
            st = store_status(store)
        counts = f"{_n(len(st.days), 'day')}, {_n(st.papers, 'paper')}, {_n(st.summaries, 'summary', 'summaries')}"
        out.print(f"store: {st.data_dir} ({counts})", markup=False)
        shown = st.days if all_days else st.days[-STATUS_DAYS:]
        if len(shown) < len(st.days):
            out.print(f"  the last {len(shown)} of {len(st.days)} days (--all for every day):", markup=False)
        for day, n in shown:
            out.print(f"  {day}  {n:5d} papers", markup=False)
        for run in st.runs:
            out.print(f"  run {run}", markup=False)


@contextmanager
def _api_progress() -> Iterator[BatchProgress]:
    """A progress bar for the API batches (on stderr, gone when done)."""
    bar = Progress(TextColumn("query API"), BarColumn(), MofNCompleteColumn(), console=err, transient=True,
                   disable=not err.is_terminal)  # fmt: skip
    task = bar.add_task("batches", total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield update


def _print_report(r: FetchReport) -> None:
    out.print(r.message, markup=False)
    if r.fallback:
        out.print(f"  (the RSS feed was not usable: {r.fallback}; read the listing pages)", markup=False)
    if r.status == "stored":
        width = max(len(c) for c in r.sections)
        for section, n in r.sections.items():
            out.print(f"  {section:<{width}}  {n:4d}", markup=False)
        extras = [f"{r.cross_lists} cross-lists"] if r.cross_lists else []
        extras += [f"{r.replacements} replacements"] if r.replacements else []
        if extras:
            out.print(f"  of which {', '.join(extras)}", markup=False)
        if r.from_feed:
            out.print(f"  warning: the API never returned {len(r.from_feed)} papers; stored them from the feed "
                      f"({', '.join(r.from_feed[:5])})", markup=False)  # fmt: skip
    out.print(f"{_n(r.requests, 'request')} to arXiv ({_n(r.api_batches, 'API batch', 'API batches')}); "
              f"{_n(r.skipped_known, 'paper')} already stored", markup=False)  # fmt: skip


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"

