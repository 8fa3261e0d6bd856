"""The archive part of the site benchmark (site_bench.py runs it): a synthesized year of 250 days x 500
papers and the real 2026 Q1 archive (57 days, 13,292 papers), both with Chinese summaries, in headless
chromium from file://.

- index_ms: the index page (calendar of the year, every day listed) until DOMContentLoaded has run its
  scripts, median of 5 loads;
- search_cold_ms: a fresh browser context on the search page, a query typed at once -> its first result
  painted (every index file it needs loaded and scored), median over the queries; search_full_ms: the
  whole first page of results painted;
- search_warm_ms: one more character typed, the index files of that word already in -> results painted;
- search_bytes: everything the search page loaded (page, styles, scripts, manifest, index and result
  files), the largest over the cold queries;
- add_day_s: a 251st day added to the year-sized site (render_site for that day), with how many files
  were rewritten and how many kept their inode.
Targets: index < 500 ms, cold < 150 ms, warm < 50 ms, < 2 MB, add a day < 10 s.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import synth
from arxiv_digest.config import Settings
from arxiv_digest.render.html import render_site
from arxiv_digest.store import Store
from browser_util import WAIT_MARK, add_papers, chromium, load_seed
from realday import KEYWORDS

YEAR_CATEGORIES = ["cs.CV", "cs.CL", "cs.AI", "cs.IT", "cs.GT", "cs.CE", "cs.GR"]
QUERIES = ["diffusion model", "graph neural network", "扩散模型", "聚类", "reinforcement learning", "transformer"]
WARM = ("diffusion mod", "els")  # typed cold, then these characters one at a time
SINCE = ("performance.getEntriesByName(n)[0].startTime"
         " - performance.getEntriesByName('digest-search-start')[0].startTime")


def _size(url: str) -> int:
    path = unquote(urlparse(url).path)
    return os.path.getsize(path) if os.path.isfile(path) else 0


def build(work: Path, which: str, days: int, per_day: int) -> tuple[Settings, Path, float]:
    """The archive's store and site under work/<which> (kept between runs: reused when present)."""
    base = work / which
    settings = Settings(categories=YEAR_CATEGORIES, language="Chinese", data_dir=base / "data",
                        profile={"keywords": KEYWORDS})  # fmt: skip
    site = base / "site"
    with Store.open(settings.data_dir) as store:
        if store.last_announced() is None:
            synth.fill_year(store, days, per_day) if which == "year" else synth.fill_real(store)
        t = time.perf_counter()
        # a kept site is brought up to this code (pages, assets, index), its days as they are
        render_site(settings, store, site, days=[] if (site / "search.html").is_file() else None)
    return settings, site, time.perf_counter() - t


def measure_index(browser: Any, site: Path, runs: int = 5) -> float:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    url = (site / "index.html").as_uri()
    page.goto(url)
    times = []
    for _ in range(runs):
        page.goto(url)
        times.append(page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"))
    page.close()
    return statistics.median(times)


def _search_page(browser: Any, site: Path) -> tuple[Any, Any, list[str]]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((site / "search.html").as_uri())
    page.evaluate(WAIT_MARK, "digest-ready")
    return ctx, page, requests


def _query(page: Any, fill: str | None = None, key: str | None = None) -> dict[str, float]:
    page.evaluate("performance.clearMarks()")
    if fill is not None:
        page.fill("#q", fill)
    else:
        page.keyboard.press(key or "")
    page.evaluate(WAIT_MARK, "digest-search-complete")
    names = ["digest-search-loaded", "digest-search-scored", "digest-search-painted", "digest-search-complete"]
    return {n.rsplit("-", 1)[1]: page.evaluate(f"n => {SINCE}", n) for n in names}


def measure_search(browser: Any, site: Path) -> dict[str, Any]:
    cold, full, sizes, files, detail = [], [], [], [], []
    for q in QUERIES:
        ctx, page, requests = _search_page(browser, site)
        t = _query(page, fill=q)
        cold.append(t["painted"])
        full.append(t["complete"])
        sizes.append(sum(_size(u) for u in requests))
        files.append(sum("/archive/search/" in u for u in requests))
        detail.append(f"{q!r}: {t['loaded']:.0f} ms index files in, {t['scored']:.0f} scored, "
                      f"{t['painted']:.0f} first result, {t['complete']:.0f} first page; {files[-1]} index files, "
                      f"{sizes[-1] / 1e6:.2f} MB in all ({page.inner_text('#status')})")  # fmt: skip
        ctx.close()
    ctx, page, _ = _search_page(browser, site)
    _query(page, fill=WARM[0])
    page.focus("#q")
    page.keyboard.press("End")
    warm = [_query(page, key=k)["painted"] for k in WARM[1]]
    ctx.close()
    return {"cold": cold, "full": full, "warm": warm, "bytes": sizes, "files": files, "detail": detail}


def _inodes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_ino for p in root.rglob("*") if p.is_file()}


def measure_add_day(settings: Settings, site: Path, per_day: int) -> tuple[float, int, int]:
    """Seconds to add one day to the site; files rewritten, files kept as they were."""
    with Store.open(settings.data_dir) as store:
        last = store.last_announced()
        assert last is not None
        new = last + timedelta(days=1 if last.weekday() < 4 else 3)
        day = synth.year_day(synth.real_papers(), new, per_day, 3, random.Random(5), load_seed())
        with store.transaction():
            add_papers(store, new, day)
        before = _inodes(site)
        t = time.perf_counter()
        render_site(settings, store, site, days=[new])
        took = time.perf_counter() - t
    after = _inodes(site)
    kept = sum(1 for k, ino in after.items() if before.get(k) == ino)
    return took, len(after) - kept, kept


def run(work: Path, days: int, per_day: int) -> dict[str, float]:
    """Everything above; prints the details, returns the RESULT keys."""
    out: dict[str, float] = {}
    _, real_site, real_s = build(work, "q1", 0, 0)
    year_settings, year_site, year_s = build(work, "year", days, per_day)
    print(f"real Q1 archive: 57 days, 13,292 papers (site built or brought up to date in {real_s:.0f} s)")
    print(f"synthesized year: {days} days x {per_day} papers (site built or brought up to date in {year_s:.0f} s)")
    with chromium() as browser:
        for name, site in (("q1", real_site), ("year", year_site)):
            index = measure_index(browser, site)
            s = measure_search(browser, site)
            print(f"[{name}] index page interactive: {index:.0f} ms")
            for line in s["detail"]:
                print(f"[{name}]   {line}")
            warm = " ".join(f"{v:.0f}" for v in s["warm"])
            print(f"[{name}] warm keystrokes ({WARM[0]!r}, then {' '.join(WARM[1])}): {warm} ms")
            if name == "year":
                out.update(index_ms=index, search_cold_ms=statistics.median(s["cold"]),
                           search_full_ms=statistics.median(s["full"]), search_warm_ms=statistics.median(s["warm"]),
                           search_bytes=max(s["bytes"]))  # fmt: skip
    took, written, kept = measure_add_day(year_settings, year_site, per_day)
    print(f"adding day {days + 1} to the year: {took:.1f} s, {written} files written, {kept} kept (same inode)")
    out["add_day_s"] = took
    return out


def targets(r: dict[str, float]) -> str:
    checks = [("index", r["index_ms"] < 500), ("cold", r["search_cold_ms"] < 150), ("warm", r["search_warm_ms"] < 50),
              ("bytes", r["search_bytes"] < 2e6), ("add day", r["add_day_s"] < 10)]  # fmt: skip
    return ", ".join(f"{n} {'ok' if ok else 'MISSED'}" for n, ok in checks)

