"""CLI command: fulltext (read the day's top picks, or all papers, in full and summarize them from it)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..summarize.fulltext import fulltext_day
from .app import ConfigOpt, DataDirOpt, DateOpt, LanguageOpt, app, open_store, out, reporting, resolve_day, settings


@app.command()
def fulltext(
    date: DateOpt = None,
    mode: Annotated[
        str | None, typer.Option("--mode", help="top-picks (default; needs a profile) | all (slow) | off.")
    ] = None,
    max_papers: Annotated[int | None, typer.Option("--max", min=0, help="Pages fetched at most (default 30).")] = None,
    language: LanguageOpt = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Fetch the HTML full text of the day's top picks (at robots.txt's pace, cached) and summarize them from
    it; papers without an HTML version keep their abstract summaries."""
    with reporting():
        s = settings(config, data_dir, language=language,
                     **{"fulltext.mode": mode, "fulltext.max_papers": max_papers})  # fmt: skip
        with open_store(s, write=True) as store:
            report = fulltext_day(s, store, resolve_day(store, date))
        out.print(report.line(), markup=False)
