"""What a real tiny model achieves: the real CLI (import -> summarize) against llama-cpp-python's server with
Gemma 3 270M, on the reference day's first papers, with the settings tests/test_real_llm.py uses.

    python benchmarks/real_llm_bench.py [--papers 12] [--proxy]

`make test` (or `make llm-servers`) installs the servers into .venv-llm/ (see tests/real_llm.py). This is a
measurement of quality more than of speed: it sets the bar tests/test_real_llm.py holds (before issue 8 the
same server gave 0 summaries: its 500 for `json_schema` was retried 8 times per paper). The last line is
machine-readable: complete summaries, calls we made, requests the server saw, seconds.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fake_llm import SEED  # the reference day's papers (no LLM is faked here)
from real_llm import MODEL_ALIAS, Served, litellm_proxy, llamacpp_server, upstream_requests
from test_real_llm import CONFIG, cli


def run(served: Served, papers: list[dict[str, object]], work: Path) -> dict[str, float]:
    src = work / "2026-01-28.jsonl"
    src.write_text("".join(json.dumps({"id": p["id"], "title": p["title"], "authors": p["authors"],
                                       "summary": p["abstract"], "categories": [p["category"]]}) + "\n"
                           for p in papers), "utf-8")  # fmt: skip
    config = work / "arxiv-digest.toml"
    config.write_text(CONFIG, "utf-8")
    common = ["--data-dir", str(work / "data"), "--config", str(config)]
    assert cli("import", str(src), *common).returncode == 0
    started = time.monotonic()
    out = cli("summarize", *common, "--backend", "openai", "--base-url", served.url, "--model", MODEL_ALIAS,
              key=served.key, timeout=7200)  # fmt: skip
    elapsed = time.monotonic() - started
    print(out.stdout.strip(), out.stderr.strip(), sep="\n")
    with sqlite3.connect(work / "data" / "arxiv-digest.db") as db:
        ids = sorted(r[0] for r in db.execute("SELECT paper_id FROM summaries WHERE kind='llm'"))
        calls = json.loads(db.execute("SELECT detail FROM runs WHERE command='summarize' ORDER BY id DESC")
                           .fetchone()[0]).get("calls", 0)  # fmt: skip
    print(f"complete: {' '.join(ids) or 'none'}")  # greedy decoding: the same papers run after run
    return {"complete": len(ids), "calls": calls, "seconds": elapsed}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--papers", type=int, default=12)
    ap.add_argument("--proxy", action="store_true", help="also through a LiteLLM proxy in front of the server")
    args = ap.parse_args()
    papers = SEED[: args.papers]
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with llamacpp_server(work) as llama:
            (work / "direct").mkdir()
            before = upstream_requests(llama)
            results["direct"] = run(llama, papers, work / "direct")
            results["direct"]["server_requests"] = upstream_requests(llama) - before
            if args.proxy:
                with litellm_proxy(llama, work) as proxy:
                    (work / "proxy").mkdir()
                    before = upstream_requests(llama)
                    results["proxy"] = run(proxy, papers, work / "proxy")
                    results["proxy"]["server_requests"] = upstream_requests(llama) - before
    n = len(papers)
    for name, r in results.items():
        print(f"{name}: {int(r['complete'])}/{n} complete, {int(r['calls'])} calls, "
              f"{int(r['server_requests'])} requests at the server, {r['seconds']:.0f} s")  # fmt: skip
    fields = " ".join(f"{name}_{k}={v:.0f}" for name, r in results.items() for k, v in r.items())
    print(f"RESULT papers={n} {fields}")


if __name__ == "__main__":
    main()
