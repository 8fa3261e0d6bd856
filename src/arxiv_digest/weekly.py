"""The weekly digest, end to end: Markdown and the site's week page and feed from the store, then e-mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .config import Settings
from .deliver import EmailReport
from .deliver.week_email import send_week
from .errors import RenderError
from .rank.themes import themes_for_week
from .render.html import render_site
from .render.output import write_text
from .render.week import build_week, iso_week, render_week_markdown, week_bounds
from .store import Store


@dataclass
class WeekReport:
    week: str
    days: list[date]
    papers: int
    picks: int
    outputs: dict[str, Path]
    email: EmailReport | None = None
    themes: int = 0
    themes_note: str | None = None  # why the week has no themes, when they were asked for


def publish_week(
    settings: Settings, store: Store, week: str | None = None, email: bool = False, themes: bool = False
) -> WeekReport:
    """Write the ISO week's digest (default: the week of the latest stored day) as <site>/<week>.md, its
    page <site>/<week>.html and <site>/weekly.atom; e-mail it when asked. Days of the week that are not
    in the site yet are rendered too. `themes`: group the week's papers into themes first (embeddings,
    and an LLM for their overviews; otherwise the themes already stored are shown, if any)."""
    if week is None:
        last = store.last_announced()
        if last is None:
            raise RenderError(f"the store in {store.data_dir} has no announcement day yet; run `arxiv-digest fetch`")
        week = iso_week(last)
    start, end = week_bounds(week)
    days = [d for d in store.announced_dates() if start <= d <= end]
    if not days:
        raise RenderError(f"no announcement stored in week {week} ({start} to {end}); run `arxiv-digest fetch`")
    report_themes = themes_for_week(settings, store, start) if themes else None
    wd = build_week(settings, store, week)
    site = Path(settings.output.site_dir)
    outputs = {"markdown": write_text(site / f"{week}.md", render_week_markdown(wd))}
    missing = [d for d in days if not (site / f"{d.isoformat()}.html").is_file()]
    render_site(settings, store, site, days=missing, weeks=[week])
    outputs.update(html=site / f"{week}.html", atom=site / "weekly.atom")
    report = WeekReport(week, days, wd.papers, len(wd.picks), outputs, themes=len(wd.themes),
                        themes_note=report_themes.note if report_themes else None)  # fmt: skip
    if email:
        report.email = send_week(settings, wd)
    return report
