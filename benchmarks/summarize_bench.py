"""Summarize benchmark: our concurrent runner vs. one paper at a time, against the fake LLM server.

    python benchmarks/summarize_bench.py [--papers 500] [--latency 0.2] [--cap 32] [--baseline-papers 50]
                                         [--rpm 1200] [--rpm-papers 200]

tests/fake_llm.py serves an OpenAI-compatible endpoint (real HTTP on 127.0.0.1, used through the real
`openai` SDK) that takes `--latency` seconds per answer and answers 429 above `--cap` concurrent requests.
It runs in a process of its own, as a real endpoint would (`--in-process` to share this one: on 2 cores its
request handling then competes with ours for the GIL). All runs go through `summarize_day` (store commits,
mode negotiation, parsing and all), one after the other:

- ours: N papers with max concurrency = the cap, on a fresh store each time (`--repeat` runs, median
  reported: the machine is shared, single runs are noisy). The ideal wall time is N * L / C; we report our
  ratio to it (target <= 1.15, 0 failures). Ceil(N / C) rounds of L are the floor: 1.024 x ideal at 500/32;
- adaptive: the same N papers with max concurrency = 2 * cap, so the limit has to find the cap itself
  through 429s: `adaptive_ratio` to the same ideal (target <= 1.15, 429s under 5% of calls), the median
  of as many runs as ours, alternating with them;
- rpm: `--rpm-papers` papers against an endpoint with no concurrency cap but a requests-per-minute
  limit (enforced per second, as OpenAI documents: a bucket of RPM/60 refilled continuously, announced
  in x-ratelimit-* headers), default max concurrency: `rpm_ratio` to the ideal N / RPM (target <= 1.15,
  429s under 5% of calls);
- one at a time (what the best-known existing tool does): max concurrency 1 on a subset of
  `--baseline-papers` papers, extrapolated linearly to N (its time is N * L plus overhead per call);
- re-run: `summarize` again on ours' day: target 0 calls.

The last line is machine-readable.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))

from arxiv_digest.config import load_settings  # noqa: E402
from arxiv_digest.store import Store  # noqa: E402
from arxiv_digest.summarize import SummarizeReport, summarize_day  # noqa: E402
from fake_llm import FakeLLM, fill_store, synthetic_papers  # noqa: E402

DAY = date(2026, 1, 28)


@dataclass
class Run:
    name: str
    papers: int
    wall: float
    report: SummarizeReport
    server_calls: int
    throttled: int


@contextmanager
def fake_server(latency: float, cap: int | None, in_process: bool, rpm: float | None = None) -> Iterator[str]:
    """The fake endpoint's base URL, served here or by `python tests/fake_llm.py` in a child process."""
    per_second = (rpm / 60, 1.0) if rpm else None
    if in_process:
        fake = FakeLLM(latency=latency, cap=cap, retry_after="0", requests_limit=per_second).start()
        try:
            yield fake.url
        finally:
            fake.stop()
        return
    cmd = [sys.executable, str(TESTS / "fake_llm.py"), "--latency", str(latency)]
    cmd += ["--cap", str(cap)] if cap else []
    cmd += ["--requests-limit", str(per_second[0]), str(per_second[1])] if per_second else []
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdin is not None
        yield proc.stdout.readline().strip()
    finally:
        if proc.stdin:
            proc.stdin.close()  # the server stops when its stdin closes
        proc.wait(timeout=30)


def run(url: str, data_dir: Path, name: str, max_concurrency: int = 16) -> Run:
    s = load_settings(
        overrides={"llm.base_url": url, "llm.api_key": "bench", "data_dir": data_dir,
                   "llm.max_concurrency": max_concurrency},
        environ={},
    )  # fmt: skip
    root = url.removesuffix("/v1")
    httpx.post(f"{root}/_fake/reset")
    with Store.open(data_dir) as store:
        t0 = time.perf_counter()
        report = summarize_day(s, store, DAY, progress=False)
        wall = time.perf_counter() - t0
    stats = httpx.get(f"{root}/_fake/stats").json()
    return Run(name, report.total, wall, report, stats["calls"], stats["throttled"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=500)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--cap", type=int, default=32)
    ap.add_argument("--baseline-papers", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3, help="runs of ours and of adaptive (medians reported)")
    ap.add_argument("--rpm", type=float, default=1200, help="requests per minute of the rate-limited endpoint")
    ap.add_argument("--rpm-papers", type=int, default=200)
    ap.add_argument("--in-process", action="store_true", help="serve the fake endpoint from this process")
    a = ap.parse_args()
    n, lat, cap, m = a.papers, a.latency, a.cap, min(a.baseline_papers, a.papers)
    papers = synthetic_papers(n)
    with tempfile.TemporaryDirectory() as tmp, fake_server(lat, cap, a.in_process) as url:
        root = Path(tmp)
        fill_store(root / "one", papers[:m], DAY)
        runs, adaptives = [], []
        for i in range(a.repeat):  # alternating, so that a slow minute of the machine hits both alike
            fill_store(root / f"ours{i}", papers, DAY)
            runs.append(run(url, root / f"ours{i}", "ours (max = cap)", cap))
            fill_store(root / f"adaptive{i}", papers, DAY)
            adaptives.append(run(url, root / f"adaptive{i}", "adaptive (max = 2 x cap)", 2 * cap))
        ours, adaptive = (sorted(rs, key=lambda r: r.wall)[len(rs) // 2] for rs in (runs, adaptives))
        one = run(url, root / "one", "one at a time", 1)
        rerun = run(url, root / "ours0", "re-run of ours' day", cap)
    with tempfile.TemporaryDirectory() as tmp, fake_server(lat, None, a.in_process, rpm=a.rpm) as url:
        fill_store(Path(tmp), papers[: a.rpm_papers], DAY)
        rpm = run(url, Path(tmp), f"rpm-limited ({a.rpm:g}/min)")

    ideal = n * lat / cap
    one_full = one.wall * n / m  # extrapolated from m papers
    where = "in this process" if a.in_process else "in its own process"
    print(f"summarize benchmark: N={n} papers, latency L={lat}s, server concurrency cap C={cap} (server {where})")
    print(f"ideal N*L/C = {ideal:.2f}s; one-at-a-time ideal N*L = {n * lat:.1f}s")
    print()
    print(f"{'run':28} {'papers':>6} {'wall s':>8} {'x ideal':>8} {'calls':>6} {'429s':>5} {'failed':>6}")
    def median_note(rs: list[Run]) -> str:
        return f"  (median of {len(rs)}: {', '.join(f'{r.wall:.2f}' for r in rs)})" if len(rs) > 1 else ""

    for r, wall, note in (
        (ours, ours.wall, median_note(runs)),
        (adaptive, adaptive.wall, median_note(adaptives)),
        (one, one_full, f"  (measured {one.wall:.2f}s on {m} papers, scaled x{n / m:g})"),
        (rerun, rerun.wall, ""),
    ):
        ratio = f"{wall / ideal:8.2f}" if r is not rerun else f"{'-':>8}"
        print(
            f"{r.name:28} {r.papers:6d} {wall:8.2f} {ratio} {r.server_calls:6d} {r.throttled:5d} "
            f"{r.report.missing:6d}{note}"
        )
    rpm_ideal = rpm.papers / a.rpm * 60
    print(
        f"{rpm.name:28} {rpm.papers:6d} {rpm.wall:8.2f} {rpm.wall / rpm_ideal:8.2f} {rpm.server_calls:6d} "
        f"{rpm.throttled:5d} {rpm.report.missing:6d}  (ideal N/RPM = {rpm_ideal:.2f}s)"
    )
    speedup = one_full / ours.wall
    print()
    print(f"ours vs one at a time: {speedup:.1f}x faster; re-run made {rerun.server_calls} calls")
    failures = sum(r.report.missing for r in runs + adaptives) + one.report.missing + rpm.report.missing
    print(
        f"RESULT ideal_ratio={ours.wall / ideal:.3f} baseline_speedup={speedup:.1f} failures={failures} "
        f"rerun_calls={rerun.server_calls} adaptive_ratio={adaptive.wall / ideal:.3f} "
        f"adaptive_429_share={adaptive.throttled / adaptive.server_calls:.3f} rpm_ratio={rpm.wall / rpm_ideal:.3f} "
        f"rpm_429_share={rpm.throttled / rpm.server_calls:.3f}"
    )


if __name__ == "__main__":
    main()
