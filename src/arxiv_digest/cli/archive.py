"""CLI commands across days: week (the weekly digest)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..render.week import parse_week
from ..weekly import publish_week
from .app import ConfigOpt, DataDirOpt, app, err, open_store, out, reporting, settings


@app.command()
def week(
    date: Annotated[
        str | None,
        typer.Option("--date", help="A day of the week (YYYY-MM-DD) or an ISO week (2026-W05); default: the latest."),
    ] = None,
    email: Annotated[bool, typer.Option("--email", help="Also e-mail the weekly digest ([email] settings).")] = False,
    themes: Annotated[
        bool, typer.Option("--themes", help="Group the week's papers into themes first (embeddings; an LLM overviews).")
    ] = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Write the week's digest: papers per category per day, the week's top picks with their reasons and links
    to the days, as Markdown, a site page and the weekly Atom feed; optionally e-mail it."""
    with reporting():
        s = settings(config, data_dir)
        with open_store(s, write=True) as store:
            r = publish_week(s, store, parse_week(date) if date is not None else None, email=email, themes=themes)
        if r.themes_note:
            err.print(f"note: {r.themes_note}", markup=False)
        out.print(f"{r.week}: {r.papers} papers on {len(r.days)} days, {r.picks} top picks, {r.themes} themes",
                  markup=False)  # fmt: skip
        for fmt, path in r.outputs.items():
            out.print(f"{fmt:>8}: {path}", markup=False)
        if r.email is not None:
            out.print(f"   email: sent to {', '.join(r.email.recipients)}", markup=False)
