"""CLI commands: publish (render, import)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..config import parse_date
from ..errors import BadInput, NotifyError, SummarizeError
from ..pipeline import ReaderReport, RunReport, demo_settings, run_day, run_demo
from ..render import FORMATS, render_day
from ..render.jsonl import ImportResult, import_files
from ..render.serve import serve_dir
from .app import (
    CategoriesOpt,
    ConfigOpt,
    DataDirOpt,
    DateOpt,
    LanguageOpt,
    ReaderOpt,
    app,
    as_reader,
    open_store,
    out,
    reporting,
    resolve_day,
    settings,
)
from .reach import notify_line
from .reader import print_themes

FormatOpt = Annotated[str, typer.Option("--format", "-f", help=f"Output format: {', '.join(FORMATS)}.")]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", "-o",
        help="Where to write (default under the site dir: <date>.md, data/ for jsonl, the dir for html and for "
        "atom: feed.atom, feeds/, feeds.opml).",
    ),
]  # fmt: skip


@app.command()
def render(
    date: DateOpt = None,
    fmt: FormatOpt = "markdown",
    out_path: OutOpt = None,
    categories: CategoriesOpt = None,
    language: LanguageOpt = None,
    reader: ReaderOpt = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Render a stored day as Markdown, a static site, an Atom feed or JSONL; prints the path written."""
    with reporting():
        s = as_reader(settings(config, data_dir, categories=categories, language=language), reader)
        # the write lock, though render only reads the store: it writes into the site dir that a running
        # `run` may be swapping, and one writer at a time keeps either from losing the other's files
        with open_store(s, write=True) as store:
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
                out.print(_import_line(r), markup=False)


def _import_line(r: ImportResult) -> str:
    papers = f"{r.papers} paper{'' if r.papers == 1 else 's'}"
    line = f"{r.path}: {r.day}, {papers} ({r.new_papers} new), {r.summaries} summaries"
    if r.placeholders:
        line += f", {r.placeholders} failure placeholder{'' if r.placeholders == 1 else 's'} left pending"
    if r.earlier:
        days = ", ".join(d.isoformat() for d in sorted(r.earlier))
        n = sum(r.earlier.values())
        line += (f"; all announced earlier ({days}): not a day of its own" if r.listed == 0
                 else f"; {n} announced earlier ({days}) stay there")  # fmt: skip
    if r.moved:
        days = ", ".join(d.isoformat() for d in sorted(r.moved))
        line += f"; {sum(r.moved.values())} moved here from later days ({days})"
    return line


def _print_run(r: RunReport) -> None:
    out.print(r.fetch.message, markup=False)
    if r.day is None:
        return
    for ft in r.fulltexts:
        if ft.chosen:
            out.print(ft.line(), markup=False)
    for rep in [*r.summaries, *r.retried]:
        out.print(rep.line(), markup=False)
    for reader in r.readers:
        _print_reader(reader, named=len(r.readers) > 1 or reader.name is not None)
    if r.summarize_error is not None:
        raise SummarizeError(f"{r.summarize_error}; the digest was published with its papers marked pending")
    failed = [rep for rep in [*r.summaries, *r.retried] if rep.missing]
    if failed:
        # the digest is published with those papers marked pending; the run still reports failure
        raise SummarizeError("; ".join(f"{rep.day}: {rep.failure_line()}" for rep in failed)
                             + "; they are marked pending and retried on the next run")  # fmt: skip
    undelivered = [f"{t}: {why}" for rr in r.readers if rr.notify for t, why in rr.notify.failed.items()]
    if undelivered:
        raise NotifyError("could not notify " + "; ".join(undelivered))


def _print_reader(r: ReaderReport, named: bool) -> None:
    if named:
        out.print(f"reader {r.name}:", markup=False)
    if r.rank is not None and r.rank.picks:
        out.print(f"top picks: {len(r.rank.picks)} (best: {r.rank.picks[0].title})", markup=False)
    if r.themes is not None:
        print_themes(r.themes, brief=True)
    for fmt, path in r.outputs.items():
        out.print(f"{fmt:>8}: {path}", markup=False)
    if r.email is not None:
        out.print(f"   email: {'sent to ' + ', '.join(r.email.recipients) if r.email.sent else r.email.reason}",
                  markup=False)  # fmt: skip
    if r.notify is not None:
        out.print(f"  notify: {notify_line(r.notify)}", markup=False)


@app.command()
def run(
    date: DateOpt = None,
    categories: CategoriesOpt = None,
    language: LanguageOpt = None,
    email: Annotated[bool, typer.Option("--email", help="Also e-mail the digest ([email] settings).")] = False,
    notify: Annotated[
        bool, typer.Option("--notify", help="Also push the top picks through Apprise ([notify] urls).")
    ] = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Fetch, summarize, rank (with a profile) and render today's digest in every format; exit 0 on a day
    without an announcement."""
    with reporting():
        s = settings(config, data_dir, categories=categories, language=language)
        day = parse_date(date) if date is not None else None
        with open_store(s, write=True) as store:
            report = run_day(s, store, day, email=email, notify=notify)
        _print_run(report)


@app.command()
def demo(
    serve: Annotated[bool, typer.Option("--serve", help="Then serve the site on http://127.0.0.1:PORT.")] = False,
    port: Annotated[int, typer.Option("--port", help="Port for --serve (0: any free port).")] = 8000,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """The bundled sample day (131 papers) end to end, offline, with no API key: every format into the
    site directory (default ./arxiv-digest-site/)."""
    with reporting():
        if not 0 <= port <= 65535:  # before the demo runs, not after it
            raise BadInput(f"--port {port} is not a TCP port (0 to 65535; 0 picks a free one)")
        s = demo_settings(settings(config, None), data_dir)
        with open_store(s, write=True) as store:
            report = run_demo(s, store)
        _print_run(report)
        site = Path(s.output.site_dir).resolve()
        out.print(f"open {site / 'index.html'}", markup=False)
        if serve:
            serve_dir(site, port, lambda url: out.print(f"serving {url} (Ctrl-C to stop)", markup=False))
