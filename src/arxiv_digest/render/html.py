"""The static web site: an index of days and one self-contained page per day.

Cards are rendered server-side by Jinja2 with autoescape on, so every title, abstract and summary
reaches the browser as text; the page's JavaScript only adds behaviour (search, filters, keyboard,
highlighting, KaTeX) and never feeds data to innerHTML. Pages work from file:// and any static host:
no fetch() of local files and no request to any other host (assets, KaTeX and its fonts are copied
into the site).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ..config import Settings
from ..errors import RenderError
from ..models import DayDigest, DayEntry
from ..store import Store
from .sections import build_sections

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

# The few words the page shows in the reader's language; English for any language not listed.
_UI: dict[str, dict[str, str]] = {
    "english": {"lang": "en", "pending": "Summary pending", "extractive": "Extractive summary (English, offline)"},
    "chinese": {"lang": "zh-Hans", "pending": "摘要待生成", "extractive": "抽取式摘要（英文，离线生成）"},
    "japanese": {"lang": "ja", "pending": "要約は準備中です", "extractive": "抽出型要約（英語・オフライン）"},
    "korean": {"lang": "ko", "pending": "요약 준비 중", "extractive": "추출 요약 (영어, 오프라인)"},
    "french": {"lang": "fr", "pending": "Résumé en attente", "extractive": "Résumé extractif (anglais, hors ligne)"},
    "german": {
        "lang": "de",
        "pending": "Zusammenfassung ausstehend",
        "extractive": "Extraktive Zusammenfassung (Englisch, offline)",
    },
    "spanish": {
        "lang": "es",
        "pending": "Resumen pendiente",
        "extractive": "Resumen extractivo (inglés, sin conexión)",
    },
}


def ui_text(language: str) -> dict[str, str]:
    """The page's words for the reader's language (English when we have no translation)."""
    words = _UI.get(language.strip().lower())
    return words if words is not None else {**_UI["english"], "lang": ""}  # unknown: no lang attribute


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

    @property
    def paper(self) -> Any:
        return self.entry.paper

    @property
    def extractive(self) -> bool:
        return self.entry.summary is not None and self.entry.summary.kind == "extractive"


@dataclass
class DayLink:
    day: date
    papers: int
    summarized: int
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
        (s.category, [Card(n, e, find_code_url(e.paper.abstract, e.paper.comment)) for n, e in s.entries])
        for s in build_sections(digest)
    ]


def _top_picks(sections: list[tuple[str, list[Card]]], k: int) -> list[Card]:
    scored = [c for _, cards in sections for c in cards if c.entry.score is not None]
    scored.sort(key=lambda c: (-(c.entry.score or 0.0), c.index))
    return scored[:k]


def render_day_html(
    digest: DayDigest, settings: Settings, prev_day: date | None = None, next_day: date | None = None
) -> str:
    """One day's page; assets are expected in ./assets next to it."""
    sections = _cards(digest)
    config = {
        "day": digest.date.isoformat(),
        "keywords": settings.profile.keywords,
        "authors": settings.profile.authors,
    }
    return (
        _env()
        .get_template("day.html")
        .render(
            digest=digest,
            sections=sections,
            total=sum(len(cards) for _, cards in sections),
            top_picks=_top_picks(sections, settings.profile.top_k),
            has_scores=any(e.score is not None for e in digest.entries),
            ui=ui_text(digest.language),
            config=config,
            prev_day=prev_day,
            next_day=next_day,
        )
    )


def render_index_html(days: list[DayLink], language: str) -> str:
    """The list of days, newest first."""
    days = sorted(days, key=lambda d: d.day, reverse=True)
    return _env().get_template("index.html").render(days=days, language=language)


def _copy_assets(dest: Path) -> None:
    static = resources.files("arxiv_digest.render").joinpath("static")
    with resources.as_file(static) as src:
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "*.py"))


def _check_target(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise RenderError(f"cannot write the site to {out_dir}: it is a file")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / SITE_MARKER).exists():
        raise RenderError(f"refusing to replace {out_dir}: it is not empty and not a site arxiv-digest made")


def _swap_in(tmp: Path, out_dir: Path) -> None:
    """Replace out_dir by the finished tree: two renames, so readers see the old site or the new one."""
    old = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.rename(out_dir, old / "site")
    os.rename(tmp, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _day_link(store: Store, digest: DayDigest) -> DayLink:
    counts = [(s.category, len(s.entries)) for s in build_sections(digest)]
    summarized = sum(1 for e in digest.entries if e.summary is not None)
    return DayLink(digest.date, len(digest.entries), summarized, counts)


def _build(settings: Settings, store: Store, tree: Path, days: list[date], keep: Iterable[Path]) -> None:
    _copy_assets(tree / "assets")
    (tree / SITE_MARKER).write_text("arxiv-digest static site\n", "utf-8")
    (tree / ".nojekyll").write_text("", "utf-8")  # GitHub Pages: serve files as they are
    for page in keep:  # days rendered earlier that this run does not redo
        shutil.copy2(page, tree / page.name)
    all_days = sorted({*days, *(date.fromisoformat(p.stem) for p in keep)})
    links = []
    for i, day in enumerate(all_days):
        digest = store.load_day(day, settings.categories, settings.language)
        links.append(_day_link(store, digest))
        if day in days:
            prev_day = all_days[i - 1] if i > 0 else None
            next_day = all_days[i + 1] if i + 1 < len(all_days) else None
            html = render_day_html(digest, settings, prev_day, next_day)
            (tree / f"{day.isoformat()}.html").write_text(html, "utf-8")
    (tree / "index.html").write_text(render_index_html(links, settings.language), "utf-8")


def _existing_pages(out_dir: Path, stored: set[date]) -> list[Path]:
    pages = []
    for p in sorted(out_dir.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].html")) if out_dir.is_dir() else []:
        try:
            if date.fromisoformat(p.stem) in stored:
                pages.append(p)
        except ValueError:
            continue
    return pages


def render_site(settings: Settings, store: Store, out_dir: Path, days: list[date] | None = None) -> Path:
    """Write the site for `days` (default: every stored day) into out_dir, atomically; returns out_dir.

    Pages of other stored days already in out_dir are kept, so rendering one day adds to the history.
    """
    stored = set(store.announced_dates())
    wanted = sorted(stored) if days is None else sorted(set(days))
    missing = [d for d in wanted if d not in stored]
    if missing:
        raise RenderError(f"no announcement stored for {missing[0].isoformat()}; run `arxiv-digest fetch` first")
    out_dir = out_dir.resolve()
    _check_target(out_dir)
    keep = [p for p in _existing_pages(out_dir, stored) if date.fromisoformat(p.stem) not in wanted]
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    except OSError as e:
        raise RenderError(f"cannot write the site next to {out_dir}: {e.strerror}") from None
    try:
        _build(settings, store, tmp, wanted, keep)
        os.chmod(tmp, 0o755)  # mkdtemp makes it 0700; a static host's server must be able to read it
        _swap_in(tmp, out_dir)
    except OSError as e:
        raise RenderError(f"cannot write the site to {out_dir}: {e.strerror or e}") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
