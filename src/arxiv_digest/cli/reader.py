"""CLI commands for what the reader teaches the digest (star, dismiss) and the themes of a day or week."""

from __future__ import annotations

from typing import Annotated

import typer

from ..rank.feedback import FeedbackReport, record_feedback
from ..rank.themes import ThemeReport, theme_day, themes_for_week
from .app import ConfigOpt, DataDirOpt, DateOpt, app, err, open_store, out, reporting, resolve_day, settings

IdsArg = Annotated[list[str], typer.Argument(help="arXiv ids, e.g. 2601.12345 (a version suffix is ignored).")]
UndoOpt = Annotated[bool, typer.Option("--undo", help="Take the mark back.")]


@app.command()
def star(ids: IdsArg, undo: UndoOpt = False, config: ConfigOpt = None, data_dir: DataDirOpt = None) -> None:
    """Save papers: they join your profile and train the model behind "like N papers you saved"."""
    _mark(ids, "saved", undo, config, data_dir)


@app.command()
def dismiss(ids: IdsArg, undo: UndoOpt = False, config: ConfigOpt = None, data_dir: DataDirOpt = None) -> None:
    """Dismiss papers: the learned model takes them as examples of what you do not want."""
    _mark(ids, "dismissed", undo, config, data_dir)


def _mark(ids: list[str], kind: str, undo: bool, config: ConfigOpt, data_dir: DataDirOpt) -> None:
    with reporting():
        s = settings(config, data_dir)
        with open_store(s, write=True) as store:
            report = record_feedback(store, ids, kind, undo)
        _print_feedback(report)


def _print_feedback(r: FeedbackReport) -> None:
    verb = {"saved": "starred", "dismissed": "dismissed"}[r.kind]
    if r.undo:
        out.print(f"un{verb} {len(r.changed)}: {', '.join(r.changed) or 'none had the mark'}", markup=False)
    else:
        out.print(f"{verb} {len(r.changed)}: {', '.join(r.changed)}", markup=False)
    if r.unknown and not r.undo:
        err.print(f"note: not in the store yet (used once fetched): {', '.join(r.unknown)}", markup=False)
    out.print(f"now {r.totals[0]} saved, {r.totals[1]} dismissed", markup=False)


@app.command()
def themes(
    date: DateOpt = None,
    week: Annotated[bool, typer.Option("--week", help="The themes of the whole week (Monday to Sunday).")] = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Group the day's (or the week's) papers into themes by their embeddings, store and print them; with an
    LLM configured, each theme gets a short overview in your language."""
    with reporting():
        s = settings(config, data_dir)
        with open_store(s, write=True) as store:
            day = resolve_day(store, date)
            report = themes_for_week(s, store, day) if week else theme_day(s, store, day)
        print_themes(report)


def print_themes(r: ThemeReport, brief: bool = False) -> None:
    """The themes, one line each (and their overviews); `brief`: one summary line, as `run` prints."""
    if r.note:
        err.print(f"note: {r.note}", markup=False)
    spend = r.spend
    cost = f"; LLM: {spend.calls} calls, {spend.cached} cached, ${spend.cost_usd:.4f}" if spend else ""
    if brief:
        if r.themes:
            out.print(f"  themes: {len(r.themes)} ({', '.join(t.label for t in r.themes[:3])}, ...){cost}",
                      markup=False)  # fmt: skip
        return
    for t in r.themes:
        out.print(f"{t.position:>3}. {t.label}  ({len(t.papers)} papers)", markup=False)
        if t.overview:
            out.print(f"     {t.overview}", markup=False)
    if r.themes and cost:
        out.print(cost.removeprefix("; "), markup=False)
