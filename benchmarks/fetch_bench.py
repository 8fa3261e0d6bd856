"""Fetch benchmark: our fetch vs. the one-API-call-per-paper approach, against the fake arXiv.

    python benchmarks/fetch_bench.py [--papers 600] [--delay 0.3]

A generated N-paper day over 3 categories is served by tests/fake_arxiv.py (real HTTP on 127.0.0.1), whose
referee enforces the spacing rule, scaled down from arXiv's 3 s to `--delay` (times are also reported in
units of the spacing, so they transfer to the real 3 s). Both approaches go through the same polite client,
one after the other in this process:
- ours: one combined RSS request + ceil(N/100) `id_list` API batches (`fetch_day`);
- per-paper (the best-known existing tool): the listing page of each category, then one `id_list=ID`
  API call per paper.
Both must end with the same papers. The last line is machine-readable.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from arxiv_digest.config import load_settings
from arxiv_digest.models import Paper
from arxiv_digest.sources.api import parse_api
from arxiv_digest.sources.fetch import fetch_day
from arxiv_digest.sources.http import ArxivClient
from arxiv_digest.sources.listing import parse_listing
from arxiv_digest.store import Store
from fake_arxiv import FakeArxiv, synthetic_day

CATEGORIES = ["cs.LG", "stat.ML", "eess.SP"]


@dataclass
class Run:
    name: str
    requests: int
    seconds: float
    papers: dict[str, Paper]


def ours(fake: FakeArxiv, delay: float) -> Run:
    settings = load_settings(None, {**fake.overrides(), "categories": CATEGORIES, "arxiv.delay_seconds": delay},
                             environ={})  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp)) as store:
        before, start = sum(fake.counts.values()), time.monotonic()
        report = fetch_day(settings, store)
        seconds = time.monotonic() - start
        papers = {p.id: p for p in store.day_papers(report.day)} if report.day else {}
    return Run("ours: RSS + id_list batches", sum(fake.counts.values()) - before, seconds, papers)


def per_paper(fake: FakeArxiv, delay: float) -> Run:
    """The baseline: listing pages, then the API once per paper (same client, same spacing)."""
    fake.next_run()
    before, start = sum(fake.counts.values()), time.monotonic()
    papers: dict[str, Paper] = {}
    with ArxivClient(fake.arxiv_settings(delay_seconds=delay, timeout_seconds=30.0)) as client:
        ids: list[str] = []
        for cat in CATEGORIES:
            page = parse_listing(client.get(f"{fake.listing_url}/{cat}/new", expect="html").content, cat)
            ids += [it.arxiv_id for it in page.items
                    if it.announce_type in ("new", "cross") and it.primary_category in CATEGORIES]  # fmt: skip
        for pid in dict.fromkeys(ids):  # each paper once
            answer = client.get(fake.api_url, {"id_list": pid, "max_results": "1"})
            papers.update((p.id, p) for p in parse_api(answer.content).papers)
            done = len(papers)
            if done % 100 == 0:
                print(f"  per-paper baseline: {done} papers, {time.monotonic() - start:.0f} s", file=sys.stderr)
    return Run("per-paper: listings + 1 call/paper", sum(fake.counts.values()) - before, time.monotonic() - start,
               papers)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=600, help="papers in the generated day (default 600)")
    ap.add_argument("--delay", type=float, default=0.3, help="spacing between requests, seconds (default 0.3)")
    args = ap.parse_args()
    n, delay = args.papers, args.delay
    day = synthetic_day(n, CATEGORIES, cross_within=0.25)
    print(f"fetch benchmark: a {n}-paper day over {', '.join(CATEGORIES)}; spacing {delay:g} s (arXiv's: 3 s)")
    with FakeArxiv(min_spacing=delay, day=day) as fake:
        a = ours(fake, delay)
        b = per_paper(fake, delay)
    assert set(a.papers) == set(b.papers) == set(day.ids()), "the two approaches disagree on the day's papers"
    assert all(a.papers[k] == b.papers[k] for k in a.papers), "the two approaches disagree on metadata"
    target = 1 + math.ceil(n / 100)
    print(f"{'approach':<36}{'requests':>10}{'wall s':>10}{'in spacings':>13}")
    for r in (a, b):
        print(f"{r.name:<36}{r.requests:>10}{r.seconds:>10.1f}{r.seconds / delay:>13.1f}")
    req_ratio, wall_ratio = b.requests / a.requests, b.seconds / a.seconds
    print(f"{'per-paper / ours':<36}{req_ratio:>9.1f}x{wall_ratio:>9.1f}x")
    print(f"target: ours <= 1 feed + ceil(N/100) = {target} requests: {'met' if a.requests <= target else 'MISSED'}; "
          f">= 40x fewer requests: {'met' if req_ratio >= 40 else 'MISSED'}; referee saw no spacing violation")
    # At arXiv's real spacing the waits dominate: (requests - 1) x 3 s.
    print(f"at arXiv's 3 s spacing the waits alone: ours {(a.requests - 1) * 3} s, "
          f"per-paper {(b.requests - 1) * 3 / 60:.1f} min")
    print(f"RESULT requests_ours={a.requests} requests_per_paper={b.requests} "
          f"request_ratio={req_ratio:.1f} wall_ratio={wall_ratio:.1f}")


if __name__ == "__main__":
    main()
