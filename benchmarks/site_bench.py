"""Site benchmark: a generated 600-paper day in headless chromium (Debian's, driven by Playwright).

Measures, as the median of a few page loads from file://:
- interactive_ms: navigation start -> the page's `digest-ready` performance mark (cards parsed, search
  index built, handlers attached);
- keystroke_ms: one character typed into the search box -> the filtered list painted (the page marks
  `digest-search-start` at the input event's timestamp and `digest-search-painted` after the next frame).
Targets: < 500 ms and < 50 ms. Then the archive (benchmarks/archive_bench.py: a synthesized year and the
real 2026 Q1 archive): index_ms, search_cold_ms, search_warm_ms, search_bytes, add_day_s.
The last line is `RESULT interactive_ms=<x> keystroke_ms=<x> index_ms=<x> search_cold_ms=<x> ...`.
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
from arxiv_digest.render.html import render_site  # noqa: E402
from arxiv_digest.store import Store  # noqa: E402
from browser_util import add_papers, chromium, chromium_available, load_seed  # noqa: E402

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


# Wait for a performance mark without polling (and without eval, which the page's CSP forbids).
WAIT_MARK = """name => new Promise(resolve => {
  if (performance.getEntriesByName(name).length) return resolve(true);
  new PerformanceObserver((list, obs) => {
    if (list.getEntriesByName(name).length) { obs.disconnect(); resolve(true); }
  }).observe({ type: "mark" });
})"""


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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=600)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-archive", action="store_true", help="Only the day page.")
    ap.add_argument("--year-days", type=int, default=250)
    ap.add_argument("--per-day", type=int, default=500)
    ap.add_argument("--work", type=Path, help="Keep the built archives here and reuse them (each run adds a day).")
    args = ap.parse_args()
    if not chromium_available():
        print("chromium not found (apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with Store.open(work / "data") as store:
            add_papers(store, DAY, generate_day(args.papers))
            settings = Settings(categories=CATEGORIES, data_dir=work / "data")
            site = render_site(settings, store, work / "site")
        page = site / f"{DAY.isoformat()}.html"
        print(f"{args.papers} papers, page {page.stat().st_size / 1e6:.2f} MB, {args.runs} runs")
        interactive, keystroke, shown = measure(page.as_uri(), args.runs)
    print(f"after typing 'z': {shown} of {args.papers} papers shown")
    for name, values in (("interactive_ms", interactive), ("keystroke_ms", keystroke)):
        print(f"{name}: " + " ".join(f"{v:.1f}" for v in values))
    i_ms, k_ms = statistics.median(interactive), statistics.median(keystroke)
    print(f"targets: interactive < 500 ms ({'ok' if i_ms < 500 else 'MISSED'}), "
          f"keystroke < 50 ms ({'ok' if k_ms < 50 else 'MISSED'})")  # fmt: skip
    result = {"interactive_ms": i_ms, "keystroke_ms": k_ms}
    if not args.no_archive:
        result.update(archive_results(args))
    print("RESULT " + " ".join(f"{k}={v:.0f}" if k.endswith("bytes") else f"{k}={v:.1f}" for k, v in result.items()))
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
