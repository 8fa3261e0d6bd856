"""CLI commands: publish (render, import)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..render import FORMATS, render_day
from ..render.jsonl import import_files
from .app import (
    CategoriesOpt,
    ConfigOpt,
    DataDirOpt,
    DateOpt,
    LanguageOpt,
    app,
    open_store,
    out,
    reporting,
    resolve_day,
    settings,
)

FormatOpt = Annotated[str, typer.Option("--format", "-f", help=f"Output format: {', '.join(FORMATS)}.")]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", "-o",
        help="Where to write (default under the site dir: <date>.md, <date>.atom, data/ for jsonl, the dir for html).",
    ),
]  # fmt: skip


@app.command()
def render(
    date: DateOpt = None,
    fmt: FormatOpt = "markdown",
    out_path: OutOpt = None,
    categories: CategoriesOpt = None,
    language: LanguageOpt = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Render a stored day as Markdown, a static site, an Atom feed or JSONL; prints the path written."""
    with reporting():
        s = settings(config, data_dir, categories=categories, language=language)
        with open_store(s) as store:
            written = render_day(s, store, resolve_day(store, date), fmt.strip().lower(), out_path)
        out.print(str(written), markup=False)


@app.command("import")
def import_(
    paths: Annotated[
        list[Path], typer.Argument(help="YYYY-MM-DD.jsonl or YYYY-MM-DD_AI_enhanced_<Language>.jsonl files.")
    ],
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Import days from the JSONL files of daily-arXiv-ai-enhanced (papers and their AI summaries)."""
    with reporting():
        s = settings(config, data_dir)
        with open_store(s, write=True) as store:
            for r in import_files(store, paths):
                papers = f"{r.papers} paper{'' if r.papers == 1 else 's'}"
                out.print(f"{r.path}: {r.day}, {papers} ({r.new_papers} new), {r.summaries} summaries", markup=False)
