"""The trends page: papers per category per day, words rising and falling over the weeks (the reader's
keywords marked), and the reader's keyword hits over time. Charts are SVG drawn here when the site is
built, no chart library and no script: colours come from CSS classes, so they follow dark mode, and
the page scrolls a chart sideways on a phone rather than shrinking its text.

Words come from titles (titles name a paper's topic; abstracts mostly repeat method words), as the
search tokenizer makes them (plurals folded), single words and adjacent pairs. Rising and falling
compares the share of papers using a word in the last RECENT_WEEKS weeks with the BEFORE_WEEKS
before, ranked by a two-proportion z-score so that a word going from 1 to 3 papers does not top a
word going from 40 to 90.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape
from itertools import pairwise
from typing import Any

from markupsafe import Markup

from ..config import Settings
from ..store import Store
from .tokens import STOP_WORDS, Tokenizer, tokens
from .week import iso_week

RECENT_WEEKS, BEFORE_WEEKS = 4, 12
SPARK_WEEKS = 16
TREND_WEEKS = max(RECENT_WEEKS + BEFORE_WEEKS, SPARK_WEEKS) + 1  # the weeks whose titles the words need
TOP_TERMS = 12
MIN_PAPERS = 6  # a word needs this many papers in the two windows together
MAX_SERIES = 8  # categories or keywords drawn; the rest are summed as "other"
# Title words that say how, not what
TITLE_STOP = STOP_WORDS | {"using", "based", "towards", "toward", "new", "approach", "method", "study", "via",
                           "analysis", "paper", "improving", "through", "beyond", "against", "across"}  # fmt: skip


DayCounts = Sequence[tuple[date, list[tuple[str, int]]]]  # (day, [(category, papers)])
Legend = list[tuple[str, str]]  # (css class, label)


# ---------------------------------------------------------------- drawing


@dataclass
class Series:
    label: str
    values: Sequence[float | None]  # one per x; None: no data there (a gap)
    cls: str = "c0"
    mine: bool = False


def _ticks(top: float) -> list[float]:
    """3-5 round values from 0 to at least `top`."""
    if top <= 0:
        return [0.0, 1.0]
    step = 10 ** math.floor(math.log10(top))
    for mult in (1, 2, 5, 10):
        if top / (step * mult) <= 4:
            step *= mult
            break
    return [i * step for i in range(math.ceil(top / step) + 1)]


def _fmt(v: float) -> str:
    return f"{v:.0f}" if v >= 10 or v == int(v) else f"{v:.1f}"


def line_chart(labels: Sequence[str], series: Sequence[Series], unit: str = "", width: int = 760,
               height: int = 230, tips: Sequence[str] | None = None, title_id: str = "") -> Markup:  # fmt: skip
    """Lines over `labels` (x); a hover title per x position says the values there. `title_id`: the
    element that names the chart (its section's heading)."""
    left, right, top, bottom = 40, 10, 10, 24
    w, h = width - left - right, height - top - bottom
    peak = max((v for s in series for v in s.values if v is not None), default=0.0)
    ticks = _ticks(peak)
    ymax = ticks[-1] or 1.0
    n = max(len(labels), 1)

    def x(i: int) -> float:
        return left + (w * (i + 0.5) / n)

    def y(v: float) -> float:
        return top + h - h * v / ymax

    named = f' aria-labelledby="{escape(title_id)}"' if title_id else ""
    out = [f'<svg viewBox="0 0 {width} {height}" role="img"{named} preserveAspectRatio="xMinYMin meet">']
    for t in ticks:
        out.append(f'<line class="grid" x1="{left}" x2="{left + w}" y1="{y(t):.1f}" y2="{y(t):.1f}"/>')
        out.append(f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{_fmt(t)}{escape(unit)}</text>')
    out.append(f'<line class="axis" x1="{left}" x2="{left + w}" y1="{top + h}" y2="{top + h}"/>')
    for i in _label_positions(len(labels), 8):
        out.append(f'<text x="{x(i):.1f}" y="{height - 6}" text-anchor="middle">{escape(labels[i])}</text>')
    for s in series:
        for run in _runs(s.values):
            pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
            cls = f"line {s.cls}" + (" mine" if s.mine else "")
            out.append(f'<polyline class="{cls}" points="{pts}"><title>{escape(s.label)}</title></polyline>')
            if len(run) == 1:
                i, v = run[0]
                out.append(f'<circle class="{s.cls}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5"/>')
    for i, tip in enumerate(tips or []):  # hover targets, one per x
        out.append(f'<rect x="{x(i) - w / n / 2:.1f}" y="{top}" width="{w / n:.1f}" height="{h}" fill="transparent">'
                   f"<title>{escape(tip)}</title></rect>")  # fmt: skip
    out.append("</svg>")
    return Markup("".join(out))


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Stretches without gaps."""
    runs: list[list[tuple[int, float]]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((i, v))
    return [r for r in runs if r]


def _label_positions(n: int, most: int) -> list[int]:
    if n <= most:
        return list(range(n))
    step = math.ceil(n / most)
    return list(range(0, n, step))


def sparkline(values: Sequence[float], width: int = 90, height: int = 22) -> Markup:
    peak = max(values, default=0.0) or 1.0
    n = max(len(values) - 1, 1)
    pts = " ".join(f"{width * i / n:.1f},{height - 2 - (height - 4) * v / peak:.1f}" for i, v in enumerate(values))
    svg = f'<svg viewBox="0 0 {width} {height}" aria-hidden="true"><polyline class="line" points="{pts}"/></svg>'
    return Markup(svg)


# ---------------------------------------------------------------- data


@dataclass
class Term:
    term: str
    recent: int  # papers in the recent window
    before: int
    ratio: float  # recent share / earlier share
    spark: Markup
    mine: bool


@dataclass
class Trends:
    weeks: list[str] = field(default_factory=list)
    categories: Markup | None = None
    legend: list[tuple[str, str]] = field(default_factory=list)  # (css class, label) per line
    rising: list[Term] = field(default_factory=list)
    falling: list[Term] = field(default_factory=list)
    windows: dict[str, Any] = field(default_factory=dict)  # see word_trends
    hits: Markup | None = None
    hit_legend: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""  # why a chart is missing


def title_terms(tok: Tokenizer, title: str) -> set[str]:
    """A title's words and adjacent word pairs, without stop words and numbers."""
    words = [t for t in tok.terms(title) if t[0] < "\u3040" and len(t) > 2 and not t.isdigit()]
    words = [t for t in words if t not in TITLE_STOP]
    return set(words) | {f"{a} {b}" for a, b in pairwise(words)}


def _mine(term: str, keywords: list[str]) -> bool:
    parts = term.split()
    for k in keywords:
        kt = [t for t in tokens(k) if t not in TITLE_STOP]
        if kt and (kt == parts or (len(kt) == 1 and kt[0] in parts)):
            return True
    return False


def day_title_terms(titles: Iterable[str]) -> dict[str, int]:
    """One day's titles -> how many of them have each word or word pair (cached per day by search_build)."""
    tok, counts = Tokenizer(), Counter[str]()
    for title in titles:
        counts.update(title_terms(tok, title))
    return dict(counts)


def _week_terms(days: DayCounts, terms: dict[date, dict[str, int]]) -> tuple[dict[str, Counter[str]], Counter[str]]:
    """Per ISO week: papers per title term, and papers; only the days `terms` has (the recent ones)."""
    per_week: dict[str, Counter[str]] = {}
    papers: Counter[str] = Counter()
    for day, cats in days:
        if day not in terms:
            continue
        w = iso_week(day)
        per_week.setdefault(w, Counter()).update(terms.get(day, {}))
        papers[w] += sum(n for _, n in cats)
    return per_week, papers


def word_trends(
    days: DayCounts, terms: dict[date, dict[str, int]], keywords: list[str]
) -> tuple[list[Term], list[Term], dict[str, Any]]:
    """The words rising and falling most, and which windows were compared ({} with under two weeks): the
    last n weeks, first to last, against the `before` weeks before them."""
    per_week, papers = _week_terms(days, terms)
    weeks = sorted(per_week)
    if len(weeks) < 2:
        return [], [], {}
    k = min(RECENT_WEEKS, max(1, len(weeks) // 3))
    recent, before = weeks[-k:], weeks[-k - BEFORE_WEEKS : -k]
    n1, n2 = sum(papers[w] for w in recent), sum(papers[w] for w in before)
    c1: Counter[str] = Counter()
    c2: Counter[str] = Counter()
    for w in recent:
        c1.update(per_week[w])
    for w in before:
        c2.update(per_week[w])
    scored = []
    for t in set(c1) | set(c2):
        a, b = c1[t], c2[t]
        if a + b >= MIN_PAPERS:
            p = (a + b) / (n1 + n2)
            scored.append(((a / n1 - b / n2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2) or 1e-9), t))
    scored.sort()
    spark_weeks = weeks[-SPARK_WEEKS:]

    def make(t: str) -> Term:
        spark = sparkline([per_week[w][t] / papers[w] for w in spark_weeks])
        ratio = ((c1[t] + 0.5) / n1) / ((c2[t] + 0.5) / n2)
        return Term(t, c1[t], c2[t], ratio, spark, _mine(t, keywords))

    rising = [make(t) for z, t in reversed(scored[-TOP_TERMS:]) if z > 0]
    falling = [make(t) for z, t in scored[:TOP_TERMS] if z < 0]
    return rising, falling, {"n": len(recent), "first": recent[0], "last": recent[-1], "before": len(before)}


def category_chart(counts: DayCounts, followed: list[str]) -> tuple[Markup, Legend]:
    """Papers per category per day: one line per category (followed ones first), the rest as 'other'."""
    totals: Counter[str] = Counter()
    for _, cats in counts:
        totals.update(dict(cats))
    order = [c for c in followed if c in totals] + [c for c, _ in totals.most_common() if c not in followed]
    shown, rest = order[: MAX_SERIES - 1], set(order[MAX_SERIES - 1 :])
    series = []
    for i, cat in enumerate(shown):
        series.append(Series(cat, [float(dict(cats).get(cat, 0)) for _, cats in counts], f"c{i}"))
    if rest:
        other = [float(sum(n for c, n in cats if c in rest)) for _, cats in counts]
        series.append(Series("other", other, f"c{MAX_SERIES - 1}"))
    labels = [d.strftime("%d %b") for d, _ in counts]
    tips = [f"{d.isoformat()}: " + ", ".join(f"{c} {n}" for c, n in cats) for d, cats in counts]
    return line_chart(labels, series, tips=tips, title_id="cat-title"), [(s.cls, s.label) for s in series]


def hits_chart(reasons: Iterable[tuple[date, list[str]]], keywords: list[str]) -> tuple[Markup | None, Legend]:
    """Per week, the papers that ranking found each of the reader's keywords in (weeks never ranked: gaps)."""
    wanted = {f"keyword: {k}".lower(): k for k in keywords[:MAX_SERIES]}
    per_week: dict[str, Counter[str]] = {}
    for day, rs in reasons:
        c = per_week.setdefault(iso_week(day), Counter())
        for r in rs:
            if isinstance(r, str) and r.lower() in wanted:
                c[wanted[r.lower()]] += 1
    if not per_week or not wanted:
        return None, []
    weeks = _all_weeks(sorted(per_week))
    series = [Series(k, [float(per_week[w][k]) if w in per_week else None for w in weeks], f"c{i}", mine=True)
              for i, k in enumerate(wanted.values())]  # fmt: skip
    tips = [f"{w}: " + (", ".join(f"{k} {per_week[w][k]}" for k in wanted.values()) if w in per_week else "not ranked")
            for w in weeks]  # fmt: skip
    chart = line_chart([w[5:] for w in weeks], series, tips=tips, title_id="hits-title")
    return chart, [(s.cls, s.label) for s in series]


def _all_weeks(weeks: list[str]) -> list[str]:
    """Every ISO week from the first to the last, so a week without data shows as a gap."""
    first = date.fromisocalendar(int(weeks[0][:4]), int(weeks[0][6:]), 1)
    last = date.fromisocalendar(int(weeks[-1][:4]), int(weeks[-1][6:]), 1)
    out, d = [], first
    while d <= last:
        out.append(iso_week(d))
        d = date.fromordinal(d.toordinal() + 7)
    return out


def build_trends(settings: Settings, store: Store, counts: DayCounts, terms: dict[date, dict[str, int]]) -> Trends:
    """The page's charts; `terms`: per day, papers per title word (day_title_terms)."""
    t = Trends()
    if not counts:
        t.note = "No day has been rendered yet."
        return t
    t.categories, t.legend = category_chart(counts, settings.categories)
    days = {d for d, _ in counts}
    keywords = settings.profile.keywords
    t.rising, t.falling, t.windows = word_trends(counts, terms, keywords)
    reasons = store.score_reasons(settings.reader)
    t.hits, t.hit_legend = hits_chart(((d, r) for d, r in reasons if d in days), keywords)
    return t
