"""Site benchmark: day pages in headless chromium (Debian's, driven by Playwright), and a year's bytes.

Measures, as the median of a few page loads from file://:
- interactive_ms: on a generated 600-paper day, navigation start -> the page's `digest-ready` performance
  mark (cards parsed, handlers attached);
- keystroke_ms: one character typed into the search box -> the filtered list painted (the page marks
  `digest-search-start` at the input event's timestamp and `digest-search-painted` after the next frame);
- big_day_ms, big_day_elements: interactive time and elements in the DOM at that moment on a real day of
  532 papers (the largest day of /work/shared/data/arxiv-2026q1.jsonl.gz, cut to 532; benchmarks/realday.py);
- year_bytes: every output `run` writes (every format of render_day, then the site), BUILT for all 57 real
  days of that file (13,292 papers), then extrapolated to 250 days: assets and feeds (which cover the recent
  days only) once, the rest x 250/57. `--year-only` measures just this (no browser).
- then the archive (benchmarks/archive_bench.py: a synthesized year of 250 days x 500 papers and the real
  2026 Q1 archive): index_ms, search_cold_ms, search_full_ms, search_warm_ms, search_bytes, add_day_s.
Targets: interactive < 500 ms, keystroke < 50 ms, big day < 300 ms and < 5,000 elements, a year < 500 MB;
index < 500 ms, first search results < 150 ms cold, < 50 ms a keystroke warm, < 2 MB, a day added < 10 s.
The last line is `RESULT interactive_ms=<x> keystroke_ms=<x> big_day_ms=<x> ... add_day_s=<x>`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import archive_bench  # noqa: E402
from arxiv_digest.config import Settings  # noqa: E402
from arxiv_digest.render import FORMATS, render_day  # noqa: E402
from arxiv_digest.render.html import render_site  # noqa: E402
from arxiv_digest.store import Store  # noqa: E402
from browser_util import WAIT_MARK, add_papers, chromium, chromium_available, load_seed  # noqa: E402
from realday import as_seed_papers, categories, data_file, load_days  # noqa: E402

BIG_DAY_PAPERS = 532
YEAR_DAYS = 250
# Outputs whose size does not grow with the history: the assets, and the feeds (feed.atom, feeds/, weekly.atom,
# feeds.opml), which cover the recent days only ([feeds] days, max_entries).
FIXED = {"assets", "atom", "opml"}

DAY = date(2026, 2, 2)
CATEGORIES = ["cs.LG", "cs.CL", "cs.CV", "stat.ML", "eess.SP"]


def generate_day(n: int) -> list[dict[str, Any]]:
    """n papers built from the reference digest's real texts (cycled), spread over five categories;
    every 9th has no summary yet, every 3rd a relevance score."""
    seed = load_seed()
    papers = []
    for i in range(n):
        src = seed[i % len(seed)]
        cat = CATEGORIES[i % len(CATEGORIES)]
        p = {**src, "index": i + 1, "id": f"2602.{10000 + i:05d}", "category": cat, "categories": [cat, "cs.AI"]}
        p["title"] = f"{src['title']} ({i + 1})"
        if i % 9 == 4:
            p["summary"] = False
        if i % 3 == 0:
            p["score"], p["reasons"] = (n - i) / n, ["keyword: learning"]
        papers.append(p)
    return papers




def measure(url: str, runs: int) -> tuple[list[float], list[float], int]:
    interactive, keystroke, shown = [], [], 0
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)  # warm-up: the first load also pays for disk cache and font set-up
        for _ in range(runs):
            page.goto(url)  # returns after the load event; the page's script runs before it
            page.evaluate(WAIT_MARK, "digest-ready")
            interactive.append(page.evaluate("performance.getEntriesByName('digest-ready')[0].startTime"))
            page.focus("#search")
            page.keyboard.press("z")  # a real key event: keydown, input, keyup
            page.evaluate(WAIT_MARK, "digest-search-painted")
            keystroke.append(page.evaluate(
                "performance.getEntriesByName('digest-search-painted')[0].startTime"
                " - performance.getEntriesByName('digest-search-start')[0].startTime"
            ))  # fmt: skip
            shown = page.evaluate("document.querySelectorAll('.card:not([hidden])').length")
    return interactive, keystroke, shown


def measure_load(url: str, runs: int) -> tuple[list[float], int]:
    """Interactive times, and the elements in the DOM when the page is ready."""
    interactive, elements = [], 0
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        for _ in range(runs):
            page.goto(url)
            page.evaluate(WAIT_MARK, "digest-ready")
            interactive.append(page.evaluate("performance.getEntriesByName('digest-ready')[0].startTime"))
            elements = page.evaluate("document.getElementsByTagName('*').length")
    return interactive, elements


def big_day(work: Path, days: dict[date, list[dict[str, Any]]], runs: int) -> tuple[float, int]:
    day = max(days, key=lambda d: len(days[d]))
    with Store.open(work / "big-data") as store:
        add_papers(store, day, as_seed_papers(days[day][:BIG_DAY_PAPERS], load_seed()))
        settings = Settings(categories=categories(days), language="Chinese", data_dir=work / "big-data")
        page = render_site(settings, store, work / "big-site") / f"{day.isoformat()}.html"
    print(f"real day {day}: {BIG_DAY_PAPERS} of its {len(days[day])} papers, page {page.stat().st_size / 1e6:.2f} MB")
    interactive, elements = measure_load(page.as_uri(), runs)
    print("big_day_ms: " + " ".join(f"{v:.1f}" for v in interactive) + f"; {elements} elements at load")
    return statistics.median(interactive), elements


def _sizes(site: Path) -> dict[str, int]:
    """Bytes per kind of output in a site directory."""
    kinds: dict[str, int] = {}
    for p in site.rglob("*"):
        if not p.is_file():
            continue
        rel = p.relative_to(site).as_posix()
        kind = ("assets" if rel.startswith("assets/") else "jsonl (AI)" if "_AI_enhanced_" in rel
                else "jsonl" if rel.endswith(".jsonl") else p.suffix.lstrip(".") or p.name)  # fmt: skip
        kinds[kind] = kinds.get(kind, 0) + p.stat().st_size
    return kinds


def year_bytes(work: Path, days: dict[date, list[dict[str, Any]]]) -> int:
    """Build every output for every real day, as `run` would, and extrapolate to a year."""
    seed, site = load_seed(), work / "year-site"
    settings = Settings(categories=categories(days), language="Chinese", data_dir=work / "year-data",
                        output={"site_dir": str(site)})  # fmt: skip
    with Store.open(settings.data_dir) as store:
        for n, (day, papers) in enumerate(days.items()):
            add_papers(store, day, as_seed_papers(papers, seed, offset=n * 37))
            for fmt in FORMATS:
                if fmt != "html":
                    render_day(settings, store, day, fmt)
        render_site(settings, store, site)  # html last, as run does: the pages link the other formats
    sizes = _sizes(site)
    scale = YEAR_DAYS / len(days)
    fixed = sum(v for k, v in sizes.items() if k in FIXED)
    year = int(fixed + (sum(sizes.values()) - fixed) * scale)
    n = sum(len(p) for p in days.values())
    print(f"built {len(days)} real days ({n} papers, {n / len(days):.0f} a day); a year of {YEAR_DAYS} days:")
    for kind, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
        note = " (fixed)" if kind in FIXED else ""
        print(f"  {kind:<11} {size * (1 if kind in FIXED else scale) / 1e6:8.1f} MB{note}")
    print(f"  {'all':<11} {year / 1e6:8.1f} MB")
    return year


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=600)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-archive", action="store_true", help="Only the day page.")
    ap.add_argument("--year-only", action="store_true", help="Only year_bytes (no browser, no archive).")
    ap.add_argument("--year-days", type=int, default=250)
    ap.add_argument("--per-day", type=int, default=500)
    ap.add_argument("--work", type=Path, help="Keep the built archives here and reuse them (each run adds a day).")
    args = ap.parse_args()
    if not chromium_available():
        print("chromium not found (apt-get install chromium)", file=sys.stderr)
        return 2
    real = data_file()
    if real is None:
        print("the real data set (shared/data/arxiv-2026q1.jsonl.gz) is not here; set ARXIV_DIGEST_REAL_DATA",
              file=sys.stderr)  # fmt: skip
        return 2
    days = load_days(real)
    if args.year_only:
        with tempfile.TemporaryDirectory() as tmp:
            year = year_bytes(Path(tmp), days)
        print(f"targets: a year < 500 MB ({'ok' if year < 500e6 else 'MISSED'})")
        print(f"RESULT year_bytes={year:.0f}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with Store.open(work / "data") as store:
            add_papers(store, DAY, generate_day(args.papers))
            settings = Settings(categories=CATEGORIES, data_dir=work / "data")
            site = render_site(settings, store, work / "site")
        page = site / f"{DAY.isoformat()}.html"
        print(f"{args.papers} papers, page {page.stat().st_size / 1e6:.2f} MB, {args.runs} runs")
        interactive, keystroke, shown = measure(page.as_uri(), args.runs)
        big_ms, big_elements = big_day(work, days, args.runs)
        year = year_bytes(work, days)
    print(f"after typing 'z': {shown} of {args.papers} papers shown")
    for name, values in (("interactive_ms", interactive), ("keystroke_ms", keystroke)):
        print(f"{name}: " + " ".join(f"{v:.1f}" for v in values))
    i_ms, k_ms = statistics.median(interactive), statistics.median(keystroke)
    checks = [("interactive", i_ms < 500, "< 500 ms"), ("keystroke", k_ms < 50, "< 50 ms"),
              ("big day", big_ms < 300, "< 300 ms"), ("big day elements", big_elements < 5000, "< 5,000"),
              ("a year", year < 500e6, "< 500 MB")]  # fmt: skip
    print("targets: " + ", ".join(f"{n} {t} ({'ok' if ok else 'MISSED'})" for n, ok, t in checks))
    result: dict[str, float] = {"interactive_ms": i_ms, "keystroke_ms": k_ms, "big_day_ms": big_ms,
                                "big_day_elements": big_elements, "year_bytes": year}  # fmt: skip
    if not args.no_archive:
        result.update(archive_results(args))
    line = [f"{k}={v:.1f}" if k.endswith(("_ms", "_s")) else f"{k}={v:.0f}" for k, v in result.items()]
    print("RESULT " + " ".join(line))
    return 0


def archive_results(args: argparse.Namespace) -> dict[str, float]:
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        r = archive_bench.run(args.work, args.year_days, args.per_day)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            r = archive_bench.run(Path(tmp), args.year_days, args.per_day)
    print(f"archive targets: {archive_bench.targets(r)}")
    return r


if __name__ == "__main__":
    sys.exit(main())
