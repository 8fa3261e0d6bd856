"""The archive part of the site: what spans days. The manifest of every day, each day's papers as a data
file for the range view, the search index, and the pages that use them (search, range, saved papers,
trends, weeks), plus the calendar on the index page.

Called by html._build after the day pages, inside the new site tree. Incremental: the tree starts as
hard links to the current site, and a file is rewritten only when its content changes (`put`), so a new
day rewrites that day's files, the manifest, the latest month's search files and the pages that list
days; every other file keeps its inode.
"""

from __future__ import annotations

import base64
import calendar
import gzip
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment

from ..config import Settings, taxonomy
from ..readers import load_day
from ..store import Store
from .data import DayLoader
from .html import DAYS_DIR, DayLink, _cards, _env, _words, day_cards_key, feed_links
from .search_build import build_search
from .search_index import js_data, to_json
from .trends import TREND_WEEKS, build_trends
from .ui import date_words, js_words
from .week import FEED_WEEKS, build_week, iso_week, render_week_atom

ARCHIVE = Path("archive")
INDEX_DAYS = 60  # days the index lists one by one (about three months); the calendar has every one
PAGES = ("search.html", "range.html", "saved.html")  # static shells; their script reads the manifest


def put(tree: Path, rel: str | Path, text: str) -> bool:
    """Write tree/rel unless it already holds exactly `text` (a hard link to the old site's file stays
    that file). Never writes through a link: the old file is unlinked first. True when written."""
    path = tree / rel
    data = text.encode("utf-8")
    if path.is_file():
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def manifest(settings: Settings, counts: list[DayLink], search: dict[str, Any]) -> dict[str, Any]:
    """What every archive page starts from: the days with their counts per category, the reader's words
    and lists, and the search index's layout."""
    names = taxonomy()
    cats = {c for d in counts for c, _ in d.categories}
    ui = _words(settings.language)["ui"]
    return {
        "v": 1, "language": settings.language, "categories": settings.categories,
        "ui": {"lang": ui["lang"], "pending": ui["pending"], "extractive": ui["extractive"]},
        "names": {c: names[c] for c in sorted(cats) if c in names},
        "keywords": settings.profile.keywords, "authors": settings.profile.authors,
        "days": [[d.day.isoformat(), d.papers, d.categories] for d in counts], "days_dir": DAYS_DIR, "search": search,
    }  # fmt: skip


@dataclass
class CalendarMonth:
    title: str  # "January 2026"
    first: date
    last: date
    papers: int
    weeks: list[tuple[str, list[tuple[date | None, int | None]]]]  # (ISO week, 7 cells: day or None, papers)


def calendar_months(counts: Iterable[DayLink]) -> list[CalendarMonth]:
    """Month grids (newest month first) marking the days that have a digest and how many papers."""
    by_day = {d.day: d.papers for d in counts}
    months = sorted({(d.year, d.month) for d in by_day}, reverse=True)
    out = []
    for y, m in months:
        cal = calendar.Calendar(firstweekday=0)
        weeks = []
        for week in cal.monthdatescalendar(y, m):
            cells: list[tuple[date | None, int | None]] = [(d, by_day.get(d)) if d.month == m else (None, None)
                                                           for d in week]  # fmt: skip
            weeks.append((iso_week(week[0]), cells))
        last = date(y, m, calendar.monthrange(y, m)[1])
        total = sum(n for d, n in by_day.items() if (d.year, d.month) == (y, m))
        out.append(CalendarMonth(date(y, m, 1).strftime("%B %Y"), date(y, m, 1), last, total, weeks))
    return out


def _day_files(settings: Settings, tree: Path, days: list[date], changed: set[date], load: DayLoader) -> None:
    """Each day's cards for the range view, as the day page renders them (templates/_card.html), gzipped
    (the browser's DecompressionStream reads it): a year of them is about 90 MB instead of 230."""
    folder = tree / ARCHIVE / DAYS_DIR
    for old in (tree / ARCHIVE).glob("days*"):
        if old.name != DAYS_DIR and old.is_dir():
            shutil.rmtree(old)  # another format's day files: every day is written again below
    template, words = _env().get_template("_daycards.html"), _words(settings.language)
    for day in days:
        rel = ARCHIVE / DAYS_DIR / f"{day.isoformat()}.js"
        if day in changed or not (tree / rel).is_file():
            digest = load(day)
            cards = template.render(sections=_cards(digest), **words).encode("utf-8")
            packed = base64.b64encode(gzip.compress(cards, 9, mtime=0)).decode("ascii")  # mtime 0: same in, same out
            put(tree, rel, js_data(day_cards_key(day), to_json({"day": day.isoformat(), "gz": packed})))
    keep = {f"{d.isoformat()}.js" for d in days}
    for p in folder.iterdir() if folder.is_dir() else []:
        if p.name not in keep:
            p.unlink()


_WEEK_PAGE = re.compile(r"^\d{4}-W\d{2}\.html$")


def _weeks(settings: Settings, store: Store, tree: Path, days: list[date], changed: set[date], forced: set[str],
           env: Environment, words: dict[str, Any]) -> None:  # fmt: skip
    """Week pages for the weeks whose days changed (their neighbours too when a week is new), and
    weekly.atom with the latest weeks."""
    weeks = sorted({iso_week(d) for d in days})
    redo = {iso_week(d) for d in changed} | forced
    for i, w in enumerate(weeks):
        if not (tree / f"{w}.html").is_file():  # new: its neighbours' links change too
            redo.update(weeks[max(i - 1, 0) : i + 2])
    for i, w in enumerate(weeks):
        if w not in redo:
            continue
        wd = build_week(settings, store, w)
        nav = (weeks[i - 1] if i else None, weeks[i + 1] if i + 1 < len(weeks) else None)
        page = env.get_template("week.html").render(
            w=wd, prev_week=nav[0], next_week=nav[1], markdown=(tree / f"{w}.md").is_file(), cat_names=taxonomy(),
            **words,
        )
        put(tree, f"{w}.html", page)
    for p in tree.iterdir():
        if _WEEK_PAGE.match(p.name) and p.name[:-5] not in weeks:
            p.unlink()  # its days are gone from the store
    recent = [build_week(settings, store, w) for w in reversed(weeks[-FEED_WEEKS:])]
    base = settings.output.site_url.rstrip("/") + "/" if settings.output.site_url else ""
    put(tree, "weekly.atom", render_week_atom(recent, settings.language, base).decode("utf-8"))


def build_archive(settings: Settings, store: Store, tree: Path, counts: list[DayLink], changed: set[date],
                  weeks: Iterable[str] = (), load: DayLoader | None = None) -> None:  # fmt: skip
    """Everything that spans days, for the site's days `counts` (ascending): `changed` were rendered again,
    `weeks` have new outputs to link (a weekly Markdown); `load` reads a day (the site build's, cached)."""
    days = [c.day for c in counts]
    search, cache = build_search(settings, store, tree, days, changed)
    _day_files(settings, tree, days, changed, load or (lambda d: load_day(store, settings, d)))
    put(tree, ARCHIVE / "index.js", js_data("index", to_json(manifest(settings, counts, search))))
    env, words = _env(), {**_words(settings.language), "feed_links": feed_links(tree)}
    config = {"keywords": settings.profile.keywords, "authors": settings.profile.authors,
              "ui": {**js_words(words["ui"]), **date_words(words["ui"])}}  # fmt: skip
    for name in PAGES:
        put(tree, name, env.get_template(name).render(config=config, **words))
    recent = [d for d in days if d > days[-1] - timedelta(weeks=TREND_WEEKS)] if days else []
    trends = build_trends(settings, store, [(c.day, c.categories) for c in counts], cache.titles(recent))
    put(tree, "trends.html", env.get_template("trends.html").render(
        t=trends, days=len(days), first=days[0] if days else None, last=days[-1] if days else None,
        keywords=settings.profile.keywords, **words))  # fmt: skip
    _weeks(settings, store, tree, days, changed, set(weeks), env, words)
