"""The weekly digest: an ISO week's days with their papers per category, the week's top picks with their
reasons, links to the days; as Markdown, a site page (templates/week.html), an Atom feed of the recent
weeks (weekly.atom) and an e-mail (deliver/week_email.py).

The week's themes (rank/themes.py: the week's papers grouped by their embeddings, each with its label and,
with an LLM, an overview) are shown when they are stored: `arxiv-digest themes --week`, or `week --themes`,
computes them.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ..config import Settings, parse_date
from ..errors import InvalidDate
from ..models import DayEntry
from ..readers import day_paper_ids
from ..store import Store
from .atom import day_entry, feed_id, finish, new_feed
from .sections import category_order

FEED_WEEKS = 10  # weeks in weekly.atom
THEME_PAPERS = 6  # papers a theme lists


def iso_week(day: date) -> str:
    """'2026-W05'."""
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


def week_bounds(week: str) -> tuple[date, date]:
    """'2026-W05' -> (Monday, Sunday)."""
    monday = date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    return monday, monday + timedelta(days=6)


def parse_week(value: str) -> str:
    """'2026-W05', or a day in the week (YYYY-MM-DD) -> '2026-W05'; InvalidDate otherwise."""
    v = value.strip()
    if len(v) == 8 and v[4:6] in ("-W", "-w") and v[:4].isdigit() and v[6:].isdigit():
        try:
            week_bounds(v.upper())
        except ValueError:
            raise InvalidDate(f"invalid week {value!r}: no such ISO week") from None
        return v.upper()
    return iso_week(parse_date(v))


@dataclass
class WeekPick:
    day: date
    entry: DayEntry


@dataclass
class WeekTheme:
    """A group of related papers of the week, named by what they share, its most central papers first."""

    label: str
    picks: list[WeekPick] = field(default_factory=list)
    overview: str | None = None  # a few sentences by the LLM, naming papers as [n] (their place in `picks`)
    papers: int = 0  # in the whole theme


@dataclass
class WeekDay:
    day: date
    papers: int
    categories: dict[str, int]


@dataclass
class WeekDigest:
    week: str
    start: date
    end: date
    language: str
    categories: list[str]  # the table's columns: followed categories first, as they appear this week
    days: list[WeekDay] = field(default_factory=list)
    picks: list[WeekPick] = field(default_factory=list)
    themes: list[WeekTheme] = field(default_factory=list)  # the stored week themes (none: none computed)

    @property
    def papers(self) -> int:
        return sum(d.papers for d in self.days)

    def total(self, category: str) -> int:
        return sum(d.categories.get(category, 0) for d in self.days)

    @property
    def title(self) -> str:
        return f"arXiv weekly digest {self.week} ({self.start:%d %b} – {self.end:%d %b %Y})"


def build_week(settings: Settings, store: Store, week: str, top_k: int | None = None) -> WeekDigest:
    """The week's digest from the store: every stored day of the ISO week, counted from its announcement
    rows; picks from the days' stored scores (only the picked papers are loaded)."""
    start, end = week_bounds(week)
    wd = WeekDigest(week, start, end, settings.language, [])
    seen: Counter[str] = Counter()
    candidates: list[tuple[float, date, Any]] = []
    for day in store.announced_dates():
        if not start <= day <= end:
            continue
        mine = set(day_paper_ids(store, settings, day))
        rows = {r["paper_id"]: r for r in store.day_rows(day) if r["paper_id"] in mine}
        cats = Counter(r["section"] for r in rows.values())
        wd.days.append(WeekDay(day, len(rows), {c: cats[c] for c in category_order(cats, settings.categories)}))
        seen.update(cats)
        for pid, (score, reasons) in store.get_scores(day, settings.reader).items():
            if score > 0 and reasons and pid in rows:
                candidates.append((score, day, (rows[pid], reasons)))
    wd.categories = category_order(seen, settings.categories)
    candidates.sort(key=lambda c: (-c[0], c[1], c[2][0]["position"]))
    best = candidates[: top_k or settings.profile.top_k]
    ids = [row["paper_id"] for _, _, (row, _) in best]
    papers, summaries = store.papers(ids), store.best_summaries(ids, settings.language)
    for score, day, (row, reasons) in best:
        pid = row["paper_id"]
        entry = DayEntry(paper=papers[pid], section=row["section"], position=row["position"],
                         announce_type=row["announce_type"], is_cross=bool(row["is_cross"]),
                         summary=summaries.get(pid), score=score, reasons=reasons)  # fmt: skip
        wd.picks.append(WeekPick(day, entry))
    wd.themes = _themes(settings, store, wd)
    return wd


def _themes(settings: Settings, store: Store, wd: WeekDigest) -> list[WeekTheme]:
    """The week's stored themes, each with its most central papers of this reader's week."""
    rows = {}
    for d in wd.days:
        mine = set(day_paper_ids(store, settings, d.day))
        rows.update({r["paper_id"]: (d.day, r) for r in store.day_rows(d.day) if r["paper_id"] in mine})
    themes = [t for t in store.get_themes("week", wd.start, settings.reader)[1] if any(p in rows for p in t.papers)]
    ids = [p for t in themes for p in t.papers if p in rows][: THEME_PAPERS * len(themes)]
    papers, summaries = store.papers(ids), store.best_summaries(ids, settings.language)
    out = []
    for t in themes:
        picks = []
        for pid in [p for p in t.papers if p in rows and p in papers][:THEME_PAPERS]:
            day, row = rows[pid]
            entry = DayEntry(paper=papers[pid], section=row["section"], position=row["position"],
                             announce_type=row["announce_type"], is_cross=bool(row["is_cross"]),
                             summary=summaries.get(pid))  # fmt: skip
            picks.append(WeekPick(day, entry))
        out.append(WeekTheme(t.label, picks, t.overview, len(t.papers)))
    return out


# ---------------------------------------------------------------- Markdown


def render_week_markdown(wd: WeekDigest) -> str:
    out = [f"# {wd.title}\n\n", f"{wd.papers} papers on {len(wd.days)} day{'s' if len(wd.days) != 1 else ''}.\n\n"]
    out.append("## Papers per category\n\n")
    out.append("| category | " + " | ".join(f"{d.day:%a %d}" for d in wd.days) + " | total |\n")
    out.append("| --- |" + " ---: |" * (len(wd.days) + 1) + "\n")
    for cat in wd.categories:
        cells = " | ".join(str(d.categories.get(cat, 0)) for d in wd.days)
        out.append(f"| {cat} | {cells} | {wd.total(cat)} |\n")
    out.append("| **all** | " + " | ".join(str(d.papers) for d in wd.days) + f" | **{wd.papers}** |\n\n")
    if wd.picks:
        out.append("## Top picks of the week\n\n")
        out += [_md_pick(i, p) for i, p in enumerate(wd.picks, 1)]
        out.append("\n")
    for theme in wd.themes:
        out.append(f"## Theme: {theme.label} ({theme.papers} papers)\n\n")
        if theme.overview:
            out.append(f"{theme.overview}\n\n")
        out += [_md_pick(i, p) for i, p in enumerate(theme.picks, 1)]
        out.append("\n")
    out.append("## Days\n\n")
    for d in wd.days:
        out.append(f"- [{d.day:%A, %d %B %Y}]({d.day.isoformat()}.html): {d.papers} papers"
                   f" ([Markdown]({d.day.isoformat()}.md))\n")  # fmt: skip
    return "".join(out)


def _md_pick(i: int, p: WeekPick) -> str:
    e, paper = p.entry, p.entry.paper
    why = "; ".join(str(r) for r in e.reasons)
    line = f"{i}. [{paper.title}]({paper.abs_url}) ({p.day.isoformat()}, {e.section})"
    line += f"\n   - why: {why}" if why else ""
    if e.summary is not None:
        line += f"\n   - TL;DR: {e.summary.summary.tldr}"
    return line + f"\n   - [on the day page]({p.day.isoformat()}.html#{paper.id})\n"


# ---------------------------------------------------------------- Atom


def week_html(wd: WeekDigest) -> str:
    """The week as an HTML fragment (escaped here), for the feed entry's content."""
    esc = html.escape
    parts = [f"<p>{wd.papers} papers on {len(wd.days)} days: "
             + ", ".join(f"{esc(c)} {wd.total(c)}" for c in wd.categories) + ".</p>"]  # fmt: skip
    if wd.picks:
        parts.append("<h2>Top picks of the week</h2><ol>")
        for p in wd.picks:
            e = p.entry
            why = f" <em>({esc('; '.join(map(str, e.reasons)))})</em>" if e.reasons else ""
            tldr = f"<br>{esc(e.summary.summary.tldr)}" if e.summary else ""
            title = f'<a href="{esc(e.paper.abs_url)}">{esc(e.paper.title)}</a>'
            parts.append(f"<li>{title} ({p.day.isoformat()}){why}{tldr}</li>")
        parts.append("</ol>")
    for t in wd.themes:
        parts.append(f"<h2>{esc(t.label)}</h2>" + (f"<p>{esc(t.overview)}</p>" if t.overview else "") + "<ul>")
        parts += [f'<li><a href="{esc(p.entry.paper.abs_url)}">{esc(p.entry.paper.title)}</a></li>' for p in t.picks]
        parts.append("</ul>")
    parts.append("<ul>" + "".join(f"<li>{d.day:%A %d %B}: {d.papers} papers</li>" for d in wd.days) + "</ul>")
    return "\n".join(parts)


def render_week_atom(weeks: list[WeekDigest], language: str, site_url: str = "") -> bytes:
    """weekly.atom: one entry per week, newest first, linking to the week's page (under `site_url`, else
    relative to the feed), dated at the announcement of its last day; the feed itself is atom.py's."""
    cats = ", ".join(weeks[0].categories) if weeks else ""
    feed = new_feed(feed_id("weekly"), "arXiv weekly digest" + (f": {cats}" if cats else ""),
                    f"{site_url}weekly.atom", f"{site_url}index.html", language)  # fmt: skip
    for wd in weeks:
        last = wd.days[-1].day if wd.days else wd.end
        day_entry(feed, feed_id(f"week:{wd.week}"), wd.title, f"{site_url}{wd.week}.html", last, week_html(wd))
    return finish(feed, weeks[0].days[-1].day if weeks and weeks[0].days else None)
