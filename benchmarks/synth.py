"""Archives for the site benchmark: the real papers of 2026 Q1 as a multi-day archive, and a synthesized
year (250 days x 500 papers) made of real titles, authors and abstracts with Chinese summaries.

The summaries are the reference digest's Chinese texts, each field drawn from another paper: realistic
length and characters (what index size and search speed depend on), not meaning.
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from arxiv_digest.store import Store
from browser_util import add_papers, load_seed

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "arxiv-2026q1.jsonl.gz"
REAL_FALLBACK = Path("/work/shared/data/arxiv-2026q1.jsonl.gz")
FIELDS = ("tldr", "motivation", "method", "result", "conclusion")


def real_papers() -> list[dict[str, Any]]:
    path = REAL if REAL.is_file() else REAL_FALLBACK
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def weekdays(start: date, n: int) -> Iterator[date]:
    d = start
    while n:
        if d.weekday() < 5:
            yield d
            n -= 1
        d += timedelta(days=1)


def _summary(rnd: random.Random, seed: list[dict[str, Any]]) -> dict[str, str]:
    return {k: rnd.choice(seed)[k] for k in FIELDS}


def fill_real(store: Store, summaries: bool = True, limit_days: int | None = None) -> list[date]:
    """The 57 real days of 2026 Q1 (13,292 papers), each with a drawn Chinese summary."""
    rnd, seed = random.Random(7), load_seed()
    by_day: dict[str, list[dict[str, Any]]] = {}
    for p in real_papers():
        by_day.setdefault(p["day"], []).append(p)
    days = sorted(by_day)[:limit_days]
    for d in days:
        papers = [{"id": p["id"], "index": i + 1, "title": p["title"], "authors": p["authors"],
                   "abstract": p["abstract"], "category": p["categories"][0], "categories": p["categories"],
                   "comment": p.get("comment"), "summary": summaries, **_summary(rnd, seed)}
                  for i, p in enumerate(by_day[d])]  # fmt: skip
        with store.transaction():
            add_papers(store, date.fromisoformat(d), papers)
    return [date.fromisoformat(d) for d in days]


def year_day(real: list[dict[str, Any]], day: date, n: int, start: int, rnd: random.Random,
             seed: list[dict[str, Any]]) -> list[dict[str, Any]]:  # fmt: skip
    """n papers for `day`: real texts cycled (from `start`), new ids, a drawn summary, every 7th pending,
    every 4th scored."""
    out = []
    for i in range(n):
        src = real[(start + i) % len(real)]
        p = {"id": f"{day:%y%m}.{(day.day * 1000 + i) % 100000:05d}", "index": i + 1, "title": src["title"],
             "authors": src["authors"], "abstract": src["abstract"], "category": src["categories"][0],
             "categories": src["categories"], "comment": src.get("comment"), **_summary(rnd, seed)}  # fmt: skip
        if i % 7 == 3:
            p["summary"] = False
        if i % 4 == 0:
            p["score"], p["reasons"] = round(rnd.random() * 3, 3), ["keyword: diffusion"]
        out.append(p)
    return out


def fill_year(store: Store, days: int = 250, per_day: int = 500, start: date = date(2025, 3, 3)) -> list[date]:
    """A synthesized year; returns its days."""
    rnd, seed, real = random.Random(11), load_seed(), real_papers()
    out = []
    for k, d in enumerate(weekdays(start, days)):
        with store.transaction():
            add_papers(store, d, year_day(real, d, per_day, k * per_day, rnd, seed))
        out.append(d)
    return out
