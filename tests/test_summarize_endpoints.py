"""How the summarizer copes with endpoints as they really behave: servers that complain about the
request format with a 500, endpoints that are broken for good, providers that pace by rate-limit
headers or slow down under load, reasoning models, and servers that trickle bytes forever."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.config import Settings, load_settings
from arxiv_digest.errors import SummarizeError
from arxiv_digest.store import Store
from arxiv_digest.summarize import OpenAISummarizer, SummarizeReport, summarize_day
from arxiv_digest.summarize.flow import parse_duration, read_limits
from arxiv_digest.summarize.prompt import grammar_schema, summary_schema
from fake_arxiv import FakeArxiv, synthetic_day
from fake_llm import REASONING, SAMPLE_DAY, SEED, FakeLLM, fill_store, reference_fields, seed_paper, synthetic_papers
from fake_llm_limits import go_duration

KEY = "sk-endpoint-SECRET-9876"
FIELDS = ("tldr", "motivation", "method", "result", "conclusion")


def settings(fake: FakeLLM, data_dir: Path, **over: Any) -> Settings:
    base = {"llm.base_url": fake.url, "llm.api_key": KEY, "data_dir": data_dir, "llm.timeout_seconds": 10}
    return load_settings(overrides={**base, **over}, environ={})


def run(s: Settings) -> SummarizeReport:
    """What `summarize` does: the backend make_summarizer builds, with the default retry policy."""
    with Store.open(s.data_dir) as store:
        return summarize_day(s, store, SAMPLE_DAY, progress=False)


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    server = FakeLLM().start()
    yield server
    server.stop()


def test_a_500_about_response_format_moves_down_the_ladder(tmp_path: Path) -> None:
    # llama-cpp-python's server answers json_schema with a 500 carrying its validation error
    server = FakeLLM(reject_modes={"json_schema"}, reject_status=500).start()
    try:
        fill_store(tmp_path / "d", [seed_paper(p) for p in SEED[:20]])
        r = run(settings(server, tmp_path / "d", **{"llm.max_concurrency": 4}))
        assert (r.done, r.failed) == (20, 0)
        modes = [c.mode for c in server.log]
        assert 1 <= modes.count("json_schema") <= 4 and modes.count("json_object_schema") == 20
        with Store.open(tmp_path / "d") as store:
            assert store.get_mode(server.url, "deepseek-chat") == "json_object_schema"
        sent = server.log[-1]
        assert sent.mode == "json_object_schema"
    finally:
        server.stop()


def test_the_grammar_schema_bounds_every_field() -> None:
    g = grammar_schema()
    assert g["required"] == summary_schema()["required"] and g["additionalProperties"] is False
    for f in FIELDS:
        assert g["properties"][f]["minLength"] == 1 and g["properties"][f]["maxLength"] >= 400
    assert "minLength" not in json.dumps(summary_schema())  # strict json_schema validators reject it


def test_an_ordinary_500_storm_with_successes_is_ridden_out(tmp_path: Path) -> None:
    server = FakeLLM().start()
    try:
        papers = synthetic_papers(60)
        fill_store(tmp_path / "d", papers)
        # a flaky endpoint: every other call fails for the first papers, and 429s in between
        server.script(*(["500", "ok", "429", "ok", "500", "500", "ok"] * 12))
        s = settings(server, tmp_path / "d", **{"llm.max_concurrency": 4})
        with Store.open(s.data_dir) as store:
            backend = OpenAISummarizer(model="deepseek-chat", language="Chinese", base_url=server.url, api_key=KEY,
                                       memory=store, backoff_seconds=0.01)  # fmt: skip
            r = summarize_day(s, store, SAMPLE_DAY, backend=backend, progress=False)
        assert (r.done, r.failed) == (60, 0)
        assert server.stats()["calls"] > 60 + 30  # many failures, never 12 (= 4 + 8) in a row
    finally:
        server.stop()


def test_an_always_500_endpoint_stops_a_600_paper_run_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    llm = FakeLLM().start()
    llm.script(*["500"] * 5000)
    try:
        with FakeArxiv(min_spacing=0.01) as arxiv:
            arxiv.set_day(synthetic_day(600, ["cs.LG"]))
            for var, url in (("RSS", arxiv.rss_url), ("LISTING", arxiv.listing_url), ("API", arxiv.api_url)):
                monkeypatch.setenv(f"ARXIV_DIGEST_{var}_URL", url)
            monkeypatch.setenv("ARXIV_DIGEST_DELAY", "0.01")
            monkeypatch.setenv("OPENAI_BASE_URL", llm.url)
            monkeypatch.setenv("OPENAI_API_KEY", KEY)
            monkeypatch.setenv("CATEGORIES", "cs.LG")
            started = time.monotonic()
            result = CliRunner().invoke(app, ["run"])  # default settings: max_concurrency 16
            elapsed = time.monotonic() - started
    finally:
        llm.stop()
    assert result.exit_code == 1
    line = result.stderr.splitlines()[-1]
    assert line.startswith(f"error: {llm.url} failed 24 requests in a row without one success; the last: HTTP 500: ")
    assert "The server had an error while processing your request" in line
    assert line.endswith("the digest was published with its papers marked pending")
    assert KEY not in result.output
    assert llm.calls <= 2 * 16 + 8 and elapsed < 60  # the bound: not 8 calls per paper
    md = next(Path("arxiv-digest-site").glob("*.md")).read_text("utf-8")
    assert md.count("摘要生成中") == 600 and "TL;DR" not in md
    with Store.open(Path(os.environ["ARXIV_DIGEST_DATA_DIR"])) as store:
        summarize_run = next(r for r in store.runs(10) if r["command"] == "summarize")
        assert summarize_run["status"] == "failed" and summarize_run["finished_at"] is not None


def test_consistent_timeouts_stop_the_run_too(tmp_path: Path) -> None:
    server = FakeLLM().start()
    try:
        server.script(*["trickle"] * 100)  # headers, then a byte every 0.5 s: httpx's read timeout never fires
        fill_store(tmp_path / "d", synthetic_papers(50))
        s = settings(server, tmp_path / "d", **{"llm.max_concurrency": 2, "llm.timeout_seconds": 0.3})
        with pytest.raises(SummarizeError, match=r"failed 10 requests in a row .* no complete answer within 0.3 s"):
            run(s)
        assert server.calls <= 2 * 2 + 8
    finally:
        server.stop()


# ---------------------------------------------------------------- pacing by the provider's headers


def test_rate_limit_headers_are_read_as_providers_write_them() -> None:
    assert [parse_duration(v) for v in ("6m0s", "1s", "20ms", "2m59.56s", "0.5", "1h2m", "soon", "")] == [
        360.0, 1.0, 0.02, pytest.approx(179.56), 0.5, 3720.0, None, None,
    ]  # fmt: skip
    assert go_duration(0.02) == "20ms" and go_duration(90) == "1m30s" and parse_duration(go_duration(7.66)) == 7.66
    # Groq: requests per day, tokens per minute; the refill rate follows from remaining and reset (a lower
    # bound: `remaining` is rounded down, so one unit less than it says may have been used)
    lim = read_limits({"x-ratelimit-limit-requests": "14400", "x-ratelimit-remaining-requests": "14370",
                       "x-ratelimit-reset-requests": "2m59.56s", "x-ratelimit-limit-tokens": "18000",
                       "x-ratelimit-remaining-tokens": "17997", "x-ratelimit-reset-tokens": "7.66s"})  # fmt: skip
    assert lim["requests"].rate == pytest.approx(29 / 179.56) and 29 / 179.56 < 14400 / 86400 < 30 / 179.56
    assert lim["tokens"].rate == pytest.approx(2 / 7.66)
    assert read_limits({"x-ratelimit-limit-requests": "many"}) == {}


def _paced_run(tmp_path: Path, over: dict[str, Any], headers: bool) -> tuple[SummarizeReport, list[int]]:
    """The run, and which calls (by arrival) were refused by the rate limit."""
    server = FakeLLM(latency=0.05, limit_headers=headers, **over).start()
    try:
        data = tmp_path / ("with" if headers else "without")
        fill_store(data, synthetic_papers(60))
        report = run(settings(server, data, **{"llm.max_concurrency": 16}))
        return report, [i for i, c in enumerate(server.log) if c.behaviour == "rate-limited"]
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("over", "bucket"),
    [({"requests_limit": (10, 0.5)}, 10),  # 1,200 requests a minute, enforced per half second
     ({"tokens_limit": (4000, 0.5)}, 5)],  # about 5 of these requests' tokens per half second
)  # fmt: skip
def test_pacing_by_rate_limit_headers_avoids_429s(tmp_path: Path, over: dict[str, Any], bucket: int) -> None:
    paced, refused = _paced_run(tmp_path, over, headers=True)
    assert (paced.done, paced.failed) == (60, 0)
    # Only the first round, sent before any answer told us the limits, overruns the bucket; later
    # requests (the first round's retries included) wait for it to refill.
    assert len(refused) <= 16 - bucket + 2 and max(refused) < 32, refused
    blind, refused_blind = _paced_run(tmp_path, over, headers=False)  # the same limits, unannounced
    assert blind.done == 60 and max(refused_blind) > 20, refused_blind  # 429s all along the run


def test_deepseek_under_load_is_slower_but_not_a_failure(tmp_path: Path) -> None:
    # DeepSeek has no fixed limit: above its capacity every answer takes longer, with blank lines
    # sent meanwhile to keep the connection open
    server = FakeLLM(latency=0.1, capacity=2, keepalive=0.05).start()
    try:
        fill_store(tmp_path / "d", [seed_paper(p) for p in SEED[:24]])
        r = run(settings(server, tmp_path / "d", **{"llm.max_concurrency": 8}))
        assert (r.done, r.failed, r.calls) == (24, 0, 24)  # no retries, no 429s
        assert server.max_in_flight > 2  # it really was overloaded
        with Store.open(tmp_path / "d") as store:
            got = store.best_summaries([SEED[0]["id"]], "Chinese")[SEED[0]["id"]].summary
        assert {f: getattr(got, f) for f in FIELDS} == reference_fields(SEED[0]["id"])
    finally:
        server.stop()


# ---------------------------------------------------------------- reasoning models


def test_a_reasoning_model_gives_complete_chinese_summaries_and_its_reasoning_is_never_published(
    tmp_path: Path,
) -> None:
    server = FakeLLM(reasoning_seconds=0.2).start()
    try:
        papers = [seed_paper(p) for p in SEED[:8]]
        fill_store(tmp_path / "d", papers)
        server.for_paper(SEED[1]["id"], "english")  # thinking in English broke the language once
        server.for_paper(SEED[2]["id"], "think")  # served without a reasoning parser: <think> inline
        r = run(settings(server, tmp_path / "d", **{"llm.model": "deepseek-reasoner"}))
        assert (r.done, r.failed) == (8, 0)
        assert len(server.calls_for(SEED[1]["id"])) == 2  # corrected once, in the same conversation
        correction = server.calls_for(SEED[1]["id"])[1].messages
        assert all("reasoning_content" not in m for m in correction)  # DeepSeek answers 400 to that
        with Store.open(tmp_path / "d") as store:
            got = store.best_summaries([p.id for p in papers], "Chinese")
        for p in papers:
            assert {f: getattr(got[p.id].summary, f) for f in FIELDS} == reference_fields(p.id)
        cats = ",".join(sorted({p.categories[0] for p in papers}))
        for fmt in ("markdown", "html", "jsonl", "atom"):
            out = CliRunner().invoke(app, ["render", "--data-dir", str(tmp_path / "d"), "--format", fmt,
                                           "--date", str(SAMPLE_DAY), "--categories", cats])  # fmt: skip
            assert out.exit_code == 0, out.output
        published = b"".join(f.read_bytes() for f in Path("arxiv-digest-site").rglob("*") if f.is_file())
        assert reference_fields(SEED[0]["id"])["tldr"].encode() in published
        db = b"".join(f.read_bytes() for f in (tmp_path / "d").iterdir() if f.is_file())
        for blob in (published, db):
            assert b"REASONING-DRAFT" not in blob and REASONING.split(":")[0].encode() not in blob
    finally:
        server.stop()


def test_schema_echoes_are_never_stored_as_summaries(fake: FakeLLM, tmp_path: Path) -> None:
    fill_store(tmp_path / "d", [seed_paper(p) for p in SEED[:3]])
    fake.for_paper(SEED[0]["id"], "placeholder", "placeholder", "placeholder")
    r = run(settings(fake, tmp_path / "d"))
    assert (r.done, r.failed) == (2, 1) and "placeholder instead of content" in r.failures[0][1]


# ---------------------------------------------------------------- deadlines, whatever the server does


@pytest.mark.parametrize("behaviour", ["trickle", "slow-status"])
def test_a_trickling_server_cannot_hold_summarize(tmp_path: Path, behaviour: str) -> None:
    server = FakeLLM().start()
    data = tmp_path / "d"
    fill_store(data, [seed_paper(p) for p in SEED[:4]])
    server.script(*[behaviour] * 200)
    env = {"OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": KEY, "ARXIV_DIGEST_DATA_DIR": str(data),
           "PATH": "/usr/bin:/bin"}  # fmt: skip
    cmd = [sys.executable, "-c", "from arxiv_digest.cli import main; main()", "summarize", "--max-concurrency", "2"]
    toml = tmp_path / "c.toml"
    toml.write_text("[llm]\ntimeout_seconds = 1\n", "utf-8")
    try:
        proc = subprocess.run([*cmd, "--config", str(toml)], env=env, capture_output=True, text=True, timeout=60)
    finally:
        server.stop()
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "no complete answer within 1 s" in proc.stderr, proc.stderr
    with Store.open(data) as store:
        last = store.runs(1)[0]
        assert last["status"] == "failed" and last["finished_at"] is not None
    md = CliRunner().invoke(app, ["render", "--data-dir", str(data), "--format", "markdown", "--out",
                                  str(tmp_path / "day.md"), "--categories", "eess.SP"])  # fmt: skip
    assert md.exit_code == 0 and (tmp_path / "day.md").read_text("utf-8").count("摘要生成中") == 4


def test_every_run_has_a_bound(tmp_path: Path) -> None:
    server = FakeLLM(latency=0.3).start()
    data = tmp_path / "d"
    fill_store(data, [seed_paper(p) for p in SEED[:40]])
    try:
        s = settings(server, data, **{"llm.max_concurrency": 1, "llm.max_run_seconds": 1.5})
        with pytest.raises(SummarizeError, match=r"stopped after 1.5 s \(llm.max_run_seconds\) with 3\d of 40 papers"):
            run(s)
    finally:
        server.stop()
    with Store.open(data) as store:
        assert store.runs(1)[0]["status"] == "failed"
        done = store.summarized_ids([p["id"] for p in SEED[:40]], "Chinese", "deepseek-chat", "summary-v1")
        assert 1 <= len(done) < 10  # what finished before the bound is kept


def test_temperature_and_max_tokens_reach_the_server(fake: FakeLLM, tmp_path: Path) -> None:
    fill_store(tmp_path / "d", [seed_paper(p) for p in SEED[:3]])
    r = run(settings(fake, tmp_path / "d", **{"llm.temperature": 0, "llm.max_tokens": 320}))
    assert r.done == 3 and {(c.temperature, c.max_tokens) for c in fake.log} == {(0, 320)}
    fake.log.clear()
    fill_store(tmp_path / "e", [seed_paper(p) for p in SEED[:2]])
    run(settings(fake, tmp_path / "e"))
    assert {(c.temperature, c.max_tokens) for c in fake.log} == {(0.2, None)}  # the defaults: no cap sent
