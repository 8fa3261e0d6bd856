"""CLI commands: rank (top picks for you) and email (send the day's digest)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from ..deliver import send_digest
from ..rank import RankReport, rank_day
from .app import (
    ConfigOpt,
    DataDirOpt,
    DateOpt,
    ReaderOpt,
    app,
    as_reader,
    err,
    open_store,
    out,
    reporting,
    resolve_day,
    settings,
)


@app.command()
def rank(
    date: DateOpt = None,
    top: Annotated[int | None, typer.Option("--top", min=1, max=100, help="How many top picks to print.")] = None,
    reader: ReaderOpt = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Score the day's papers against your interest profile ([profile] in the config), store the scores
    and print the top picks with their reasons."""
    with reporting():
        s = as_reader(settings(config, data_dir, **{"profile.top_k": top}), reader)
        with open_store(s, write=True) as store:
            day = resolve_day(store, date)
            with _EmbedBar() as bar:
                report = rank_day(s, store, day, bar.update, notify=_note)
        _print_rank(report)


class _EmbedBar:
    """A progress bar on stderr that appears only if papers actually need embedding (first run of a day)."""

    def __init__(self) -> None:
        self.bar = Progress(TextColumn("embedding papers"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), console=err, transient=True)  # fmt: skip
        self.task: TaskID | None = None

    def update(self, done: int, total: int) -> None:
        if self.task is None:
            self.bar.start()
            self.task = self.bar.add_task("embed", total=total)
        self.bar.update(self.task, completed=done)

    def __enter__(self) -> _EmbedBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.task is not None:
            self.bar.stop()


def _note(line: str) -> None:
    err.print(f"note: {line}", markup=False)


def _print_rank(r: RankReport) -> None:
    for w in r.warnings:
        err.print(f"warning: {w}", markup=False)
    if r.note:
        err.print(f"note: {r.note}", markup=False)
    if not r.scored:
        return
    fb = f"; feedback: {r.feedback}" if r.feedback else ""
    out.print(f"Top picks for {r.day.isoformat()} ({r.scored} papers; profile: {r.profile}{fb}; "
              f"embeddings: {r.embeddings})", markup=False)  # fmt: skip
    if r.llm is not None:
        if r.llm.problem:
            _note(r.llm.problem)
        cost = f", ${r.llm.cost_usd:.4f} spent" if r.llm.priced else ""
        out.print(f"LLM relevance: {len(r.llm.points)} of the top {r.llm.k} judged ({r.llm.calls} requests, "
                  f"{r.llm.cached} from the cache{cost})", markup=False)  # fmt: skip
    if not r.picks:
        out.print("no paper matches your profile today", markup=False)
    for i, p in enumerate(r.picks, 1):
        out.print(f"{i:>3}. {p.paper_id}  {p.score:6.2f}  {p.title}", markup=False)
        out.print(f"     {'; '.join(p.reasons)}", markup=False)


@app.command()
def email(
    date: DateOpt = None,
    send_empty: Annotated[
        bool, typer.Option("--send-empty", help="Send a short note even when the day had no announcement.")
    ] = False,
    to: Annotated[
        str | None, typer.Option("--to", help="Recipients instead of the configured ones, comma-separated.")
    ] = None,
    reader: ReaderOpt = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Send the day's digest by e-mail (HTML + plain text) over SMTP, configured under [email] or with
    SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_SENDER and SMTP_RECIPIENTS."""
    with reporting():
        recipients = [a.strip() for a in to.split(",") if a.strip()] if to else None
        s = as_reader(settings(config, data_dir), reader)
        if recipients:  # --to beats the config, the reader's list included
            s = s.model_copy(update={"email": s.email.model_copy(update={"recipients": recipients})})
        with open_store(s, write=True) as store:  # write: it ranks the day when a profile exists
            report = send_digest(s, store, resolve_day(store, date), send_empty=send_empty)
        for note in report.notes:
            err.print(f"note: {note}", markup=False)
        if not report.sent:
            out.print(report.reason or "nothing sent", markup=False)
            return
        for rcpt, why in report.refused.items():
            err.print(f"warning: {rcpt} refused: {why}", markup=False)
        delivered = [r for r in report.recipients if r not in report.refused]
        out.print(f"sent \"{report.subject}\" to {', '.join(delivered)}", markup=False)
