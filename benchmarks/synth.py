"""Archives for the site benchmark: the real papers of 2026 Q1 as a multi-day archive, and a synthesized
year (250 days x 500 papers) made of real titles, authors and abstracts with Chinese summaries.

The summaries are the reference digest's Chinese texts, each field drawn from another paper: realistic
length and characters (what index size and search speed depend on), not meaning.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from arxiv_digest.store import Store
from browser_util import add_papers, load_seed
from realday import as_seed_papers, data_file, load_days

FIELDS = ("tldr", "motivation", "method", "result", "conclusion")


def real_days() -> dict[date, list[dict[str, Any]]]:
    """The real data set's days (realday.data_file())."""
    path = data_file()
    if path is None:
        raise SystemExit("the real data set (arxiv-2026q1.jsonl.gz) is not here; set ARXIV_DIGEST_REAL_DATA")
    return load_days(path)


def real_papers() -> list[dict[str, Any]]:
    """Every paper of the real data set, in file order."""
    return [p for papers in real_days().values() for p in papers]


def weekdays(start: date, n: int) -> Iterator[date]:
    d = start
    while n:
        if d.weekday() < 5:
            yield d
            n -= 1
        d += timedelta(days=1)


def _summary(rnd: random.Random, seed: list[dict[str, Any]]) -> dict[str, str]:
    return {k: rnd.choice(seed)[k] for k in FIELDS}


def fill_real(store: Store) -> list[date]:
    """The 57 real days of 2026 Q1 (13,292 papers) as realday.as_seed_papers makes them: real Chinese
    summaries cycled, every paper scored, one in four with keyword reasons (KEYWORDS)."""
    seed, offset, days = load_seed(), 0, real_days()
    for day, real in days.items():
        with store.transaction():
            add_papers(store, day, as_seed_papers(real, seed, offset))
        offset += len(real)
    return list(days)


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
