"""The static web site: an index of days and one self-contained page per day.

Cards are rendered server-side by Jinja2 with autoescape on, so every title, abstract and summary
reaches the browser as text. A day page is a shell (header, contents, filters, top picks, dialogs): its
cards are the day's card file that the range view reads too (archive.py, written once per day), which
day.js parses as the server's markup and puts in place. The page's JavaScript adds behaviour (search,
filters, keyboard, highlighting, KaTeX) and never feeds data to innerHTML. Pages work from file:// and any static host:
no fetch() of local files and no request to any other host (assets, KaTeX and its fonts are copied
into the site).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ..config import Settings, taxonomy
from ..errors import BadOutputPath, RenderError
from ..models import DayDigest, DayEntry
from ..readers import day_counts, load_day
from ..store import Store
from .data import DAYS as DAYS_FILE
from .data import write_data
from .feeds import MAIN as MAIN_FEED
from .feeds import OPML as OPML_FILE
from .output import atomic_dir, reason
from .provenance import unverified, written_from
from .sections import build_sections, top_picks
from .ui import count, js_words, long_date, ui_text

# A file in the site root that says "arxiv-digest made this directory": we only ever replace a
# directory that carries it (or an empty one), never a directory a user pointed us at by mistake.
SITE_MARKER = ".arxiv-digest-site"

# Repository hosts whose URLs in an abstract or comment mean "the code is here".
_CODE_HOSTS = r"github\.com|gitlab\.com|huggingface\.co|bitbucket\.org|codeberg\.org|gitee\.com"
_CODE_RE = re.compile(
    rf"(?:https?://)?(?:www\.)?(?P<host>{_CODE_HOSTS})/(?P<path>[A-Za-z0-9_.~-]+(?:/[A-Za-z0-9_.~%-]+)*)",
    re.IGNORECASE,
)
# huggingface.co/papers/... is arXiv's own mirror page, not code.
_NOT_CODE_PREFIXES = ("papers/", "docs/", "blog/")

def find_code_url(*texts: str | None) -> str | None:
    """The first repository URL named in these texts, normalized to https, or None."""
    for text in texts:
        for m in _CODE_RE.finditer(text or ""):
            path = m.group("path").rstrip(".")
            if "/" not in path or path.lower().startswith(_NOT_CODE_PREFIXES):
                continue  # a bare user/org page or a docs page is not a repository
            return f"https://{m.group('host').lower()}/{path}"
    return None


def script_json(obj: Any) -> Markup:
    """JSON safe to place inside <script type="application/json">: no '</', '<!--' or line separators."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return Markup(text)


@dataclass
class Card:
    """One paper as the day page shows it."""

    index: int  # the running index of the Markdown digest
    entry: DayEntry
    code_url: str | None
    language: str = "English"

    @property
    def paper(self) -> Any:
        return self.entry.paper

    @property
    def extractive(self) -> bool:
        return self.entry.summary is not None and self.entry.summary.kind == "extractive"

    @property
    def written_from(self) -> str:
        return written_from(self.entry.summary, self.language) if self.entry.summary else ""

    @property
    def unverified(self) -> str:
        return unverified(self.entry.summary, self.language) if self.entry.summary else ""


@dataclass
class DayLink:
    day: date
    papers: int
    categories: list[tuple[str, int]]


@cache
def _env() -> Environment:
    templates = resources.files("arxiv_digest.render").joinpath("templates")
    env = Environment(
        loader=FileSystemLoader(str(templates)),
        autoescape=True,  # every template, whatever its name: all data is escaped unless marked safe
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["script_json"] = script_json
    return env


def _cards(digest: DayDigest) -> list[tuple[str, list[Card]]]:
    return [
        (s.category, [Card(n, e, find_code_url(e.paper.abstract, e.paper.comment), digest.language)
                      for n, e in s.entries])
        for s in build_sections(digest)
    ]


def _top_picks(sections: list[tuple[str, list[Card]]], k: int) -> list[Card]:
    cards = {id(c.entry): c for _, section in sections for c in section}
    return [cards[id(e)] for e in top_picks([c.entry for c in cards.values()], k)]


def _words(language: str) -> dict[str, Any]:
    """The reader's words, and the helpers the templates phrase counts and dates with."""
    ui = ui_text(language)
    return {
        "ui": ui,
        "count": lambda key, n: count(ui, key, n),
        "long_date": lambda day: long_date(ui, day),
    }


DAYS_DIR = "days-2"  # the day card files' directory under archive/, named after their format (2: gzipped markup)


def day_cards_key(day: date) -> str:
    """The day's card file (archive.py writes it; the day page and the range view load it) without `.js`."""
    return f"{DAYS_DIR}/{day.isoformat()}"


def render_day_html(
    digest: DayDigest,
    settings: Settings,
    prev_day: date | None = None,
    next_day: date | None = None,
    downloads: list[tuple[str, str]] | None = None,
    feeds: dict[str, str] | None = None,
) -> str:
    """One day's page; assets are expected in ./assets next to it, `downloads` are (label, relative URL),
    `feeds` the site's feeds and data files (feed_links)."""
    sections = _cards(digest)
    words = _words(digest.language)
    config = {
        "day": digest.date.isoformat(),
        "cards": day_cards_key(digest.date),
        "keywords": settings.profile.keywords,
        "authors": settings.profile.authors,
        "ui": js_words(words["ui"]),
    }
    template = _env().get_template("day.html")
    return template.render(
        digest=digest,
        sections=sections,
        total=sum(len(cards) for _, cards in sections),
        top_picks=_top_picks(sections, settings.profile.top_k),
        has_scores=any(e.score is not None for e in digest.entries),
        config=config,
        prev_day=prev_day,
        next_day=next_day,
        downloads=downloads or [],
        feed_links=feeds or {},
        cat_names=taxonomy(),
        **words,
    )


def render_index_html(days: list[DayLink], language: str, latest_picks: list[tuple[str, str]] | None = None,
                      feeds: dict[str, str] | None = None) -> str:  # fmt: skip
    """The list of days, newest first, led by the latest digest (with its top picks as (title, URL)), with
    the archive's calendar."""
    from .archive import INDEX_DAYS, calendar_months  # archive.py imports this module
    from .week import iso_week

    days = sorted(days, key=lambda d: d.day, reverse=True)
    template = _env().get_template("index.html")
    return template.render(days=days, latest_picks=latest_picks or [], feed_links=feeds or {},
                           calendar=calendar_months(days), weeks={iso_week(d.day) for d in days}, listed=INDEX_DAYS,
                           **_words(language))  # fmt: skip


def feed_links(tree: Path) -> dict[str, str]:
    """The site's feeds and data files present in the tree, by kind, as URLs relative to the site root."""
    found = {"atom": MAIN_FEED, "opml": OPML_FILE, "data": DAYS_FILE}
    return {kind: rel for kind, rel in found.items() if (tree / rel).is_file()}


def _latest_picks(settings: Settings, store: Store, day: date) -> list[tuple[str, str]]:
    """The latest day's top picks for the index: (title, link to the card)."""
    digest = load_day(store, settings, day)
    picks = top_picks(digest.entries, min(settings.profile.top_k, 5))
    return [(e.paper.title, f"{day.isoformat()}.html#{e.paper.id}") for e in picks]


def _copy_assets(dest: Path) -> None:
    static = resources.files("arxiv_digest.render").joinpath("static")
    with resources.as_file(static) as src:
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "*.py"))


# What arxiv-digest itself writes into a site directory: its pages and assets, and the other formats
# `render` puts there by default (<day>.md, <day>.atom, data/<day>*.jsonl); atomic writers' temp files.
_OUR_NAMES = {"index.html", "assets", "data", SITE_MARKER, ".nojekyll", MAIN_FEED, "feeds", OPML_FILE,
              "archive", "search.html", "range.html", "saved.html", "trends.html", "weekly.atom"}  # fmt: skip
_DAY_FILE = re.compile(r"^\d{4}-(\d{2}-\d{2}|W\d{2})(\.html|\.md|\.atom)$")  # days and weeks
_TEMP_FILE = re.compile(r"^\..+\.tmp$")
_REGENERATED = {"index.html", "assets", SITE_MARKER, ".nojekyll"}


def _check_target(out_dir: Path) -> None:
    """Refuse to replace anything but a site we made (or a directory holding only our outputs)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise BadOutputPath(f"cannot write the site to {out_dir}: it is not a directory")
    if not out_dir.is_dir() or (out_dir / SITE_MARKER).exists():
        return
    foreign = sorted(
        p.name for p in out_dir.iterdir()
        if p.name not in _OUR_NAMES and not _DAY_FILE.match(p.name) and not _TEMP_FILE.match(p.name)
    )  # fmt: skip
    if foreign:
        raise RenderError(
            f"refusing to replace {out_dir}: it holds files that are not a site arxiv-digest made ({foreign[0]})"
        )


def _carry_over(old: Path, tree: Path, redo: set[str]) -> None:
    """Bring what this run does not regenerate from the current site into the new tree: other days'
    pages, the Markdown/Atom/JSONL outputs, anything the owner added (a CNAME). Hard links where
    possible: atomic writers replace files rather than rewrite them, so a link never sees a change."""
    if not old.is_dir():
        return

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    for p in old.iterdir():
        if p.name in _REGENERATED or p.name in redo or _TEMP_FILE.match(p.name):
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.copytree(p, tree / p.name, copy_function=link, ignore=shutil.ignore_patterns(".*.tmp"))
        else:
            link(str(p), str(tree / p.name))


def _day_link(store: Store, day: date, settings: Settings) -> DayLink:
    """A day's line on the index."""
    counts = day_counts(store, settings, day)
    return DayLink(day, sum(n for _, n in counts), counts)


def _downloads(tree: Path, day: date, language: str) -> list[tuple[str, str]]:
    """The day's other formats present in the site, as (label, relative URL)."""
    d = day.isoformat()
    candidates = [
        ("Markdown", f"{d}.md"), ("Atom", f"{d}.atom"),
        ("JSONL", f"data/{d}_AI_enhanced_{language}.jsonl"), ("JSONL", f"data/{d}.jsonl"),
    ]  # fmt: skip
    found: list[tuple[str, str]] = []
    for label, rel in candidates:
        if (tree / rel).is_file() and label not in {lbl for lbl, _ in found}:
            found.append((label, rel))
    return found


def _build(settings: Settings, store: Store, tree: Path, days: list[date], old: Path, weeks: Iterable[str]) -> None:
    _copy_assets(tree / "assets")
    (tree / SITE_MARKER).write_text("arxiv-digest static site\n", "utf-8")
    (tree / ".nojekyll").write_text("", "utf-8")  # GitHub Pages: serve files as they are
    stored = set(store.announced_dates())
    existing = {d for d in stored if (old / f"{d.isoformat()}.html").is_file()}
    all_days = sorted(existing | set(days))
    # A new day changes its neighbours' prev/next links: render them again too.
    redo = set(days)
    for d in days:
        i = all_days.index(d)
        redo.update(all_days[max(i - 1, 0) : i + 2])
    _carry_over(old, tree, {f"{d.isoformat()}.html" for d in redo})
    # A day rendered again is read once for its data file, page and card file; bounded, as a first build
    # of a long archive goes through every day three times over.
    load = lru_cache(maxsize=16)(lambda d: load_day(store, settings, d))
    write_data(settings, store, tree, all_days, redo, load)
    for i, day in enumerate(all_days):
        if day not in redo:
            continue
        digest = load(day)
        nav = (all_days[i - 1] if i > 0 else None, all_days[i + 1] if i + 1 < len(all_days) else None)
        html = render_day_html(digest, settings, *nav, downloads=_downloads(tree, day, settings.language),
                               feeds=feed_links(tree))  # fmt: skip
        (tree / f"{day.isoformat()}.html").write_text(html, "utf-8")
    links = [_day_link(store, d, settings) for d in all_days]
    picks = _latest_picks(settings, store, all_days[-1]) if all_days else []
    (tree / "index.html").write_text(render_index_html(links, settings.language, picks, feed_links(tree)), "utf-8")
    from .archive import build_archive  # archive.py imports this module

    build_archive(settings, store, tree, links, set(days), weeks, load)


def render_site(
    settings: Settings, store: Store, out_dir: Path, days: list[date] | None = None, weeks: Iterable[str] = ()
) -> Path:
    """Write the site for `days` (default: every stored day) into out_dir, atomically; returns out_dir as given.
    `weeks` (ISO weeks) get their week page written again (it links the week's Markdown when there is one).

    Everything else already in out_dir is kept (other days' pages, the Markdown/Atom/JSONL outputs),
    so rendering one day adds to the history. The new tree is built next to out_dir and swapped in.
    """
    stored = set(store.announced_dates())
    wanted = sorted(stored) if days is None else sorted(set(days))
    missing = [d for d in wanted if d not in stored]
    if missing:
        raise RenderError(f"no announcement stored for {missing[0].isoformat()}; run `arxiv-digest fetch` first")
    target = out_dir.resolve()  # a symlinked site dir: replace what it points to, keep the link
    _check_target(target)
    try:
        with atomic_dir(target) as tree:
            _build(settings, store, tree, wanted, target, weeks)
    except OSError as e:
        raise RenderError(f"cannot write the site to {out_dir}: {reason(e)}") from None
    return out_dir
