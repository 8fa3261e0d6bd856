"""Full-text benchmark: fetch + parse + summarize the sample day's top picks from their HTML full text, against
summarizing them from their abstracts, with the fake servers.

    python benchmarks/fulltext_bench.py [--crawl-delay 0.2] [--latency 0.05]

The sample day (the reference digest's 131 papers) is served by tests/fake_arxiv.py, which also serves the real
HTML captures of tests/fixtures/arxiv-html/ under the top picks' ids (a capture belongs to another paper: this
measures the pipeline, not the quality of any one summary) and a robots.txt whose Crawl-delay its referee
enforces. One pick gets arXiv's 404 "No HTML" page, one a real failed conversion; both must fall back to their
abstracts. The LLM is tests/fake_llm.py (its token counts are a quarter of the characters it is sent and
answers). Baseline and full-text runs use fresh stores, one after the other, in this process:
- baseline: `run` with `fulltext.mode = "off"`: every paper, picks included, from its abstract;
- full text: `run` with the default `top-picks`: the picks' pages fetched at the Crawl-delay, parsed, fitted to
  `fulltext.max_tokens`, summarized from the full text, numbers checked; then the same run again (a rerun).
The last line is machine-readable.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from arxiv_digest.config import load_settings
from arxiv_digest.pipeline import RunReport, run_day
from arxiv_digest.sources.latexml import parse_latexml
from arxiv_digest.store import Store
from fake_arxiv import FakeArxiv, day_from_seed
from fake_llm import FakeLLM

ROOT = Path(__file__).resolve().parents[1]
CAPTURES = ROOT / "tests" / "fixtures" / "arxiv-html"
SEED = json.loads((ROOT / "tests" / "fixtures" / "seed-papers.json").read_text("utf-8"))
KEYWORDS = ["reinforcement learning", "diffusion", "federated", "graph neural"]
DAY = date(2026, 1, 28)
ARXIV_CRAWL_DELAY = 15.0  # what arxiv.org's robots.txt asks


def pages() -> list[bytes]:
    """The captures with a text (the failed conversion goes to a pick of its own)."""
    return [p.read_bytes() for p in sorted(CAPTURES.glob("*.html")) if "failed-conversion" not in p.name]


def parse_ms(captures: list[bytes], rounds: int = 5) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for page in captures:
            parse_latexml(page)
    return (time.perf_counter() - start) * 1000 / (rounds * len(captures))


def settings(fake: FakeArxiv, llm: FakeLLM, data_dir: Path, mode: str) -> Any:
    return load_settings(None, {
        **fake.overrides(), "categories": ["eess.SP", "cs.LG", "stat.ML"], "data_dir": data_dir,
        "llm.base_url": llm.url, "llm.api_key": "sk-bench", "llm.backend": "openai", "fulltext.mode": mode,
        "profile.keywords": KEYWORDS, "profile.embeddings": "none", "output.site_dir": str(data_dir / "site"),
    }, environ={})  # fmt: skip


def run(fake: FakeArxiv, llm: FakeLLM, data_dir: Path, mode: str) -> RunReport:
    fake.next_run()
    with Store.open(data_dir) as store:  # the day given, as `run --date` does: a rerun redoes the stored day
        return run_day(settings(fake, llm, data_dir, mode), store, DAY, progress=False)


def pick_tokens(data_dir: Path, picks: list[str]) -> float:
    with Store.open(data_dir) as store:
        q = "SELECT AVG(prompt_tokens + completion_tokens) FROM summaries WHERE paper_id IN ({})"
        return float(store.db.execute(q.format(",".join("?" * len(picks))), picks).fetchone()[0])


@dataclass
class Measured:
    picks: list[str]
    full: RunReport  # the run with full text
    wall: float  # seconds for that run
    calls: int  # LLM calls it made
    tokens_base: float  # tokens per pick when summarized from the abstract (baseline run)
    rerun_requests: int
    rerun_calls: int


def measure(crawl_delay: float, latency: float, captures: list[bytes]) -> Measured:
    llm = FakeLLM(latency=latency).start()
    with FakeArxiv(min_spacing=0.02, day=day_from_seed(SEED), crawl_delay=crawl_delay) as fake, \
            tempfile.TemporaryDirectory() as tmp:  # fmt: skip
        base = run(fake, llm, Path(tmp) / "baseline", "off")
        assert base.rank is not None
        picks = [p.paper_id for p in base.rank.picks]
        for pid, page in zip(picks, captures, strict=False):
            fake.serve_html(pid, 1, page)
        failed = (CAPTURES / "arxiv-html_2608.30667v1_2026.failed-conversion.html").read_bytes()
        fake.serve_html(picks[len(captures)], 1, failed)  # and any pick after it: arXiv's 404 page
        llm.reset_counts()
        started = time.monotonic()
        full = run(fake, llm, Path(tmp) / "fulltext", "top-picks")
        wall, calls, html = time.monotonic() - started, llm.calls, fake.counts["html"]
        run(fake, llm, Path(tmp) / "fulltext", "top-picks")  # the same day again
        m = Measured(picks, full, wall, calls, pick_tokens(Path(tmp) / "baseline", picks),
                     fake.counts["html"] - html, llm.calls - calls)  # fmt: skip
    llm.stop()
    return m


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--crawl-delay", type=float, default=0.2, help="the fake robots.txt's Crawl-delay (s)")
    ap.add_argument("--latency", type=float, default=0.05, help="the fake LLM's latency per request (s)")
    a = ap.parse_args()
    captures = pages()
    m = measure(a.crawl_delay, a.latency, captures)
    ft = m.full.fulltext
    assert ft is not None and ft.fetch is not None and ft.summarize is not None
    from_ft, picks = ft.summarize.done, len(m.picks)
    tokens_ft = ft.tokens.fulltext[1] / max(1, ft.tokens.fulltext[0])
    ratio, ms = tokens_ft / m.tokens_base, parse_ms(captures)
    print(f"sample day: 131 papers, {picks} top picks ({', '.join(KEYWORDS)}); {len(captures)} real captures "
          "served, 1 failed conversion, the rest arXiv's 404")  # fmt: skip
    print(ft.line())
    print(f"  fetch: {ft.fetch.requests} requests (robots.txt + {ft.fetch.requests - 1} pages) in "
          f"{ft.fetch.elapsed:.1f} s at Crawl-delay {a.crawl_delay:g} s; at arxiv.org's {ARXIV_CRAWL_DELAY:g} s: "
          f"{ft.fetch.requests * ARXIV_CRAWL_DELAY / 60:.1f} min for {picks} picks")  # fmt: skip
    print(f"  parse: {ms:.1f} ms per page (lxml), {len(captures)} pages")
    print(f"  from full text: {from_ft}, fell back to the abstract: {picks - from_ft}, "
          f"stored with unverified numbers: {ft.summarize.unverified}")  # fmt: skip
    print(f"  tokens per pick: {tokens_ft:,.0f} from full text vs {m.tokens_base:,.0f} from the abstract "
          f"(baseline run) = {ratio:.1f}x; LLM calls {m.calls} (baseline: 131)")  # fmt: skip
    print(f"  the run with full text: {m.wall:.1f} s; the same day again: {m.rerun_requests} pages, "
          f"{m.rerun_calls} LLM calls")  # fmt: skip
    print(f"RESULT fulltext_share={from_ft / picks:.2f} fallbacks={picks - from_ft} "
          f"unfaithful={ft.summarize.unverified} tokens_ratio={ratio:.2f} pages={ft.fetch.requests - 1} "
          f"fetch_s={ft.fetch.elapsed:.2f} parse_ms={ms:.1f} rerun_requests={m.rerun_requests} "
          f"rerun_calls={m.rerun_calls}")  # fmt: skip


if __name__ == "__main__":
    main()
