"""The real CLI (import -> summarize -> render) against real OpenAI-compatible servers from PyPI:
llama-cpp-python's server with Gemma 3 270M, directly and behind a LiteLLM proxy (see real_llm.py).

Gemma 3 270M is a tiny model: measured on the reference day's first 12 papers (English, 320 tokens
per answer, greedy decoding; benchmarks/real_llm_bench.py, see README), it writes a complete, usable
summary for 4 of them, the same 4 in every run, directly and through the proxy. Each test's papers
include 2 of those; the bar (1) leaves a margin for another CPU's floating-point rounding. What these
tests hold without exception is what a user needs: the run finishes, every stored summary is complete
(no empty field, no placeholder, right language), and every other paper is published as pending.
Papers and tokens are limited so that each test takes a few minutes at most on 2 cores.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from arxiv_digest.render.markdown import PENDING
from arxiv_digest.summarize.parsing import FIELDS, SummaryInvalid, check_language, parse_summary
from fake_llm import SEED
from real_llm import MODEL_ALIAS, Served, litellm_proxy, llamacpp_server, upstream_requests

pytestmark = pytest.mark.slow

DIRECT = SEED[:4]  # papers per test: each answer takes 5-60 s of CPU here; 19173 and 19313 were summarized
PROXIED = [SEED[5], SEED[6], SEED[11]]  # 2601.19372 (never summarized), 19457 and 19590
MIN_COMPLETE = 1  # of each test's papers (measured: see the module docstring)
CONFIG = """language = "English"
[llm]
max_tokens = 320          # a summary of an abstract fits; bounds each answer's CPU time
temperature = 0           # greedy decoding: the same answers run after run, so the bar below is not luck
timeout_seconds = 300     # a CPU-only server answers one request at a time
max_concurrency = 2       # llama-cpp-python's server runs one request at a time: one running, one waiting
"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("real-llm")


@pytest.fixture(scope="module")
def llama(workdir: Path) -> Iterator[Served]:
    with llamacpp_server(workdir) as served:
        yield served


@pytest.fixture(scope="module")
def proxy(llama: Served, workdir: Path) -> Iterator[Served]:
    with litellm_proxy(llama, workdir) as served:
        yield served


def cli(*args: str, key: str | None = None, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ARXIV_DIGEST_"))}
    if key is not None:
        env["OPENAI_API_KEY"] = key
    cmd = [sys.executable, "-c", "from arxiv_digest.cli import main; main()", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def import_summarize_render(tmp_path: Path, papers: list[dict[str, Any]], served: Served) -> dict[str, Any]:
    data, day = tmp_path / "data", "2026-01-28"
    src = tmp_path / f"{day}.jsonl"  # daily-arXiv-ai-enhanced's plain file: papers without summaries
    src.write_text("".join(json.dumps({"id": p["id"], "title": p["title"], "authors": p["authors"],
                                       "summary": p["abstract"], "categories": [p["category"]]}) + "\n"
                           for p in papers), "utf-8")  # fmt: skip
    config = tmp_path / "arxiv-digest.toml"
    config.write_text(CONFIG, "utf-8")
    common = ["--data-dir", str(data), "--config", str(config)]
    assert cli("import", str(src), *common).returncode == 0
    summarized = cli("summarize", *common, "--backend", "openai", "--base-url", served.url, "--model", MODEL_ALIAS,
                     key=served.key)  # fmt: skip
    md = tmp_path / "day.md"
    cats = ",".join(sorted({p["category"] for p in papers}))
    rendered = cli("render", *common, "--date", day, "--format", "markdown", "--out", str(md), "--categories", cats)
    assert rendered.returncode == 0, rendered.stderr
    with sqlite3.connect(data / "arxiv-digest.db") as db:
        rows = db.execute(f"SELECT paper_id, {', '.join(FIELDS)} FROM summaries WHERE kind='llm'").fetchall()
        modes = db.execute("SELECT mode FROM endpoint_modes").fetchall()
    return {"run": summarized, "rows": rows, "markdown": md.read_text("utf-8"), "modes": modes}


def check(result: dict[str, Any], papers: list[dict[str, Any]], key: str | None) -> None:
    run = result["run"]
    # the run finishes: 0, or 1 with one line saying how many papers are still pending
    assert run.returncode in (0, 1), run.stderr
    assert f"failed of {len(papers)}" in run.stdout, run.stdout + run.stderr
    if run.returncode == 1:
        assert run.stderr.startswith("error: ") and run.stderr.count("\n") == 1, run.stderr
    rows = result["rows"]
    assert len(rows) >= MIN_COMPLETE, (run.stdout, run.stderr)
    for pid, *fields in rows:  # every stored summary is complete: parsing it again finds nothing wrong
        text = json.dumps(dict(zip(FIELDS, fields, strict=True)))
        try:
            check_language(parse_summary(text), "English")
        except SummaryInvalid as e:
            pytest.fail(f"{pid}: a stored summary that is not one: {e}: {text[:300]}")
    md = result["markdown"]
    pending = len(papers) - len(rows)
    assert md.count(PENDING["english"]) == pending  # the rest is published as pending, with its abstract
    for p in papers:
        assert p["title"] in md
    # grammar-constrained JSON: llama.cpp turns the schema inside response_format json_object into a grammar
    assert result["modes"] == [("json_object_schema",)]
    if key is not None:
        assert key not in run.stdout + run.stderr + md


def test_llama_cpp_python_server(llama: Served, tmp_path: Path) -> None:
    before = upstream_requests(llama)
    result = import_summarize_render(tmp_path, DIRECT, llama)
    check(result, DIRECT, None)
    calls = upstream_requests(llama) - before
    # its json_schema 500 ("Input should be 'text' or 'json_object'") moved the run down one rung at
    # once: at most the requests in flight were refused, then at most 3 tries per paper
    assert calls <= 2 + 3 * len(DIRECT), calls


def test_litellm_proxy_in_front_of_it(llama: Served, proxy: Served, tmp_path: Path) -> None:
    result = import_summarize_render(tmp_path, PROXIED, proxy)
    check(result, PROXIED, proxy.key)
