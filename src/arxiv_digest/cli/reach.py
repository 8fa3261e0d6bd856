"""CLI commands that reach the reader where they are: notify (push through Apprise), mcp (AI assistants)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..deliver.notify import NotifyReport, notify_readers
from ..errors import NotifyError
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


def notify_line(r: NotifyReport) -> str:
    """'sent 5 top picks to Telegram #1, JSON #2' or why nothing was sent."""
    if r.reason:
        return r.reason
    what = f"{r.shown} {'top pick' if r.picks else 'paper'}{'s' if r.shown != 1 else ''}"
    sent = f"sent {what} to {', '.join(r.sent)}" if r.sent else "sent nothing"
    return sent + "".join(f"; {t} failed: {why}" for t, why in r.failed.items())


@app.command()
def notify(
    date: DateOpt = None, reader: ReaderOpt = None, config: ConfigOpt = None, data_dir: DataDirOpt = None
) -> None:
    """Push the day's top picks (or its first papers, without a profile) through Apprise to the URLs in
    [notify] urls or ARXIV_DIGEST_NOTIFY_URLS (Telegram, Slack, Discord, Feishu, DingTalk, Matrix, ntfy,
    e-mail, webhooks)."""
    with reporting():
        s = settings(config, data_dir)
        with open_store(s, write=True) as store:  # write: it ranks the day when a profile exists
            reports = notify_readers(s, store, resolve_day(store, date), reader)
        for r in reports:
            for note in r.notes:
                err.print(f"note: {note}", markup=False)
            out.print(f"{r.reader + ': ' if r.reader else ''}{notify_line(r)}", markup=False)
        failed = [f"{t}: {why}" for r in reports for t, why in r.failed.items()]
        if failed:
            raise NotifyError(f"could not notify {'; '.join(failed)}")


@app.command()
def mcp(
    http: Annotated[bool, typer.Option("--http", help="Serve streamable HTTP instead of stdio.")] = False,
    host: Annotated[str, typer.Option("--host", help="Address for --http (keep 127.0.0.1 unless you must).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", help="Port for --http.")] = 8765,
    reader: ReaderOpt = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Serve the archive to AI assistants over the Model Context Protocol (read-only tools: search, a day's
    digest, a paper, top picks, the days); stdio by default, --http for http://127.0.0.1:PORT/mcp."""
    with reporting():
        from ..mcp_server import serve  # lazy: the SDK loads only for this command

        serve(as_reader(settings(config, data_dir), reader), "http" if http else "stdio", host, port)
