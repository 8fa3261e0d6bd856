"""render stage: a stored day -> Markdown, a static site (with its JSON data files), the site's Atom feeds or
JSONL, each written atomically."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..config import Settings
from ..errors import BadInput, BadOutputPath, RenderError
from ..readers import load_day
from ..store import Store
from .jsonl import export_day
from .markdown import render_markdown
from .output import refuse_protected, write_text

FORMATS = ("markdown", "html", "atom", "jsonl")


def default_out(settings: Settings, day: date, fmt: str) -> Path:
    """Where a format goes when --out is not given: everything under the site directory."""
    site = Path(settings.output.site_dir)
    return {
        "markdown": site / f"{day.isoformat()}.md",
        "atom": site,  # feed.atom, feeds/, feeds.opml
        "jsonl": site / "data",
        "html": site,
    }[fmt]


def check_day(store: Store, day: date) -> None:
    """A one-line error when the day was never fetched."""
    if not store.has_day(day):
        raise RenderError(f"no announcement stored for {day.isoformat()}; run `arxiv-digest fetch`")


def render_day(settings: Settings, store: Store, day: date, fmt: str, out: Path | None = None) -> Path:
    """Render one stored day in `fmt`; returns the path written (a file, or a directory for jsonl/html; for
    atom, the main feed of the feeds that cover the recent days up to `day`)."""
    if fmt not in FORMATS:
        raise BadInput(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out = out if out is not None else default_out(settings, day, fmt)
    refuse_protected(out, store.files())
    check_day(store, day)
    if fmt == "html":
        from .html import render_site  # lazy: templates and static assets load only when a site is asked for

        return render_site(settings, store, out, days=[day])
    if fmt == "atom":
        from .feeds import write_feeds  # lazy, like html: it reads several days

        if out.exists() and not out.is_dir():
            raise BadOutputPath(f"{out} is not a directory; the feeds go into a directory (feed.atom, feeds/...)")
        return write_feeds(settings, store, out, until=day)
    digest = load_day(store, settings, day)
    if fmt == "markdown":
        picks = settings.profile.top_k if settings.output.markdown_top_picks else 0
        return write_text(out, render_markdown(digest, top_picks=picks, themes=settings.output.markdown_themes))
    if out.exists() and not out.is_dir():
        raise BadOutputPath(f"{out} is not a directory; JSONL goes into a directory (a file or two a day)")
    export_day(digest, out, settings.profile.top_k, plain=settings.output.plain_jsonl)
    return out


__all__ = ["FORMATS", "check_day", "default_out", "render_day"]
