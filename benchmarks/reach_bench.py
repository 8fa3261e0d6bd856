"""The archive at a year's size: what the full-text index costs and gives, and what the feeds and JSON data
weigh.

A store of DAYS announcement days x 131 papers (the reference day's papers with their Chinese summaries,
under new ids per day: about a year of a 3-category reader) is written through the real Store, once with
the search index kept in sync (as shipped) and once without (the baseline), in the same process. Then:

- write overhead: the time to store the year with the index / without it;
- search: the median time of each query through `search.search` (FTS5, CJK bigrams), against the
  baseline a store without the index would need: a LIKE scan over every paper's title, abstract and summary;
- index size: bytes the index adds per paper;
- feeds: the time to write every feed (`write_feeds`, 7 days) and their total size, which stays the same
  whatever the history;
- data: one day's data file (its AI JSONL, as the site writes it), and a year of them (`data_year_bytes`).

Run: python benchmarks/reach_bench.py [DAYS]   (default 250; about two minutes on 2 cores)
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from arxiv_digest import search as search_mod
from arxiv_digest.config import FeedSearch, FeedSettings, Settings
from arxiv_digest.models import Paper, StoredSummary, Summary
from arxiv_digest.readers import load_day
from arxiv_digest.render.feeds import write_feeds
from arxiv_digest.render.jsonl import export_day
from arxiv_digest.search import search
from arxiv_digest.store import AnnouncementRow, Store

SEED = json.loads((Path(__file__).resolve().parent.parent / "tests/fixtures/seed-papers.json").read_text("utf-8"))
CATS = ["eess.SP", "cs.LG", "stat.ML"]
FIELDS = ("tldr", "motivation", "method", "result", "conclusion")
QUERIES = ["扩散", "信道估计", "diffusion", "reinforcement learning", "graph neural"]
FIRST = date(2025, 2, 3)


def pid(d: int, p: dict[str, Any]) -> str:
    """A new arXiv id per day for each reference paper."""
    return f"{2500 + d // 100:04d}.{(d % 100) * 1000 + p['index']:05d}"


def fill(data: Path, days: int) -> float:
    """The year through the real Store; returns the seconds it took."""
    started = time.perf_counter()
    with Store.open(data) as s:
        for d in range(days):
            day = FIRST + timedelta(days=d)
            with s.transaction():
                for p in SEED:
                    s.upsert_paper(Paper(id=pid(d, p), version=1, title=p["title"], authors=p["authors"],
                                         abstract=p["abstract"], categories=[p["category"]]))  # fmt: skip
                    summary = Summary(**{f: p[f] for f in FIELDS})
                    s.put_summary(pid(d, p), StoredSummary(summary, "llm", "Chinese", "deepseek-chat", "v1"))
                s.add_announcements(day, [AnnouncementRow(pid(d, p), p["category"], "new", p["index"], False)
                                          for p in SEED])  # fmt: skip
    return time.perf_counter() - started


def like_scan(s: Store, words: str) -> int:
    """Without an index: every word LIKE-matched against every paper and its summaries."""
    cond, params = [], []
    for w in words.split():
        cond.append("(p.title LIKE ? OR p.abstract LIKE ? OR s.tldr LIKE ? OR s.motivation LIKE ? OR s.method "
                    "LIKE ? OR s.result LIKE ? OR s.conclusion LIKE ?)")  # fmt: skip
        params += [f"%{w}%"] * 7
    where = " AND ".join(cond)
    q = f"SELECT COUNT(DISTINCT p.id) FROM papers p LEFT JOIN summaries s ON s.paper_id = p.id WHERE {where}"
    return int(s.db.execute(q, params).fetchone()[0])


def timed(fn: Any, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    days = int(sys.argv[1]) if len(sys.argv) > 1 else 250
    tmp = Path(tempfile.mkdtemp(prefix="reach-bench-"))
    plain_reindex = search_mod.reindex
    search_mod.reindex = lambda db, ids: None  # type: ignore[assignment]  # the baseline: no index
    without = fill(tmp / "plain", days)
    search_mod.reindex = plain_reindex  # type: ignore[assignment]
    with_index = fill(tmp / "indexed", days)
    papers = days * len(SEED)
    size = {k: (tmp / k / "arxiv-digest.db").stat().st_size for k in ("plain", "indexed")}
    print(f"{days} days, {papers} papers: stored in {with_index:.1f} s with the index, {without:.1f} s without")
    print(f"store: {size['plain'] / 1e6:.0f} MB without the index, {size['indexed'] / 1e6:.0f} MB with it "
          f"({(size['indexed'] - size['plain']) / papers / 1e3:.2f} KB per paper)\n")  # fmt: skip

    fts, scan = [], []
    with Store.open(tmp / "indexed") as s, Store.open(tmp / "plain") as base:
        print(f"{'query':<26}{'hits':>7}{'FTS5 ms':>10}{'LIKE scan ms':>14}{'ratio':>8}")
        for q in QUERIES:
            hits = len(search(s.db, q, limit=100_000))
            a, b = timed(lambda q=q: search(s.db, q, limit=20)), timed(lambda q=q: like_scan(base, q), 3)
            fts.append(a)
            scan.append(b)
            print(f"{q:<26}{hits:>7}{a * 1e3:>10.1f}{b * 1e3:>14.0f}{b / a:>8.0f}")
        settings = Settings(categories=CATS, data_dir=tmp / "indexed",
                            feeds=FeedSettings(searches=[FeedSearch(name="diffusion", query="扩散")]))  # fmt: skip
        site = tmp / "site"
        feed_s = timed(lambda: write_feeds(settings, s, site), 3)
        feed_bytes = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
        last = FIRST + timedelta(days=days - 1)
        day_json = export_day(load_day(s, settings, last), site / "data", 10)[0].stat().st_size
    print(f"\nfeeds (7 days, {len(CATS)} categories, 1 search, OPML): written in {feed_s:.2f} s, "
          f"{feed_bytes / 1e3:.0f} KB in all, whatever the history")  # fmt: skip
    print(f"data: {day_json / 1e3:.0f} KB per 131-paper day; a year of {days} days: {days * day_json / 1e6:.0f} MB")
    search_ms, scan_ms = statistics.median(fts) * 1e3, statistics.median(scan) * 1e3
    print(f"RESULT papers={papers} write_overhead={with_index / without:.2f} "
          f"index_kb_per_paper={(size['indexed'] - size['plain']) / papers / 1e3:.2f} search_ms={search_ms:.1f} "
          f"scan_ms={scan_ms:.0f} search_speedup={scan_ms / search_ms:.0f} feeds_kb={feed_bytes / 1e3:.0f} "
          f"data_year_bytes={days * day_json}")  # fmt: skip


if __name__ == "__main__":
    main()
