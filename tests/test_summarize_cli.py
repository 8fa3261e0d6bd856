"""`arxiv-digest summarize`: what the user sees, presets, and the kill test (SIGKILL midway, run again)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.errors import ConfigError
from arxiv_digest.summarize import preset_overrides
from fake_llm import (
    SEED,
    FakeLLM,
    fake_llm,  # noqa: F401  (fixture)
    fill_store,
    seed_paper,
    seed_store,  # noqa: F401  (fixture)
)

KEY = "sk-cli-SECRET-abcdef"


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, ["summarize", *args], env=env)


def test_summarize_through_the_fake_endpoint(fake_llm: FakeLLM, seed_store: Path) -> None:  # noqa: F811
    env = {"OPENAI_BASE_URL": fake_llm.url, "OPENAI_API_KEY": KEY}
    r = invoke("--data-dir", str(seed_store), "--date", "2026-01-28", env=env)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("2026-01-28: 131 summarized, 0 already done, 0 failed of 131 (deepseek-chat at ")
    assert KEY not in r.output
    assert fake_llm.calls == 131
    r = invoke("--data-dir", str(seed_store), env=env)  # latest day by default; nothing left to do
    assert r.exit_code == 0 and "0 summarized, 131 already done" in r.stdout and fake_llm.calls == 131


def test_failed_papers_exit_1_after_saving_the_rest(fake_llm: FakeLLM, tmp_path: Path) -> None:  # noqa: F811
    data = tmp_path / "d"
    fill_store(data, [seed_paper(p) for p in SEED[:5]])
    fake_llm.for_paper(SEED[2]["id"], "apology", "apology", "apology")
    env = {"OPENAI_API_KEY": KEY}
    r = invoke("--data-dir", str(data), "--base-url", fake_llm.url, "--model", "m1", env=env)
    assert r.exit_code == 1
    assert "4 summarized" in r.stdout and "1 failed of 5" in r.stdout
    assert r.stderr.startswith(f"error: 1 of 5 papers could not be summarized; first: {SEED[2]['id']}: unusable")
    assert r.stderr.count("\n") == 1
    with sqlite3.connect(data / "arxiv-digest.db") as db:
        assert db.execute("SELECT COUNT(*) FROM summaries WHERE model='m1'").fetchone()[0] == 4


def test_rejected_key_is_one_line_and_never_printed(tmp_path: Path) -> None:
    fake = FakeLLM(api_key="sk-the-right-one").start()
    try:
        data = tmp_path / "d"
        fill_store(data, [seed_paper(p) for p in SEED[:5]])
        env = {"OPENAI_BASE_URL": fake.url, "OPENAI_API_KEY": KEY}
        r = invoke("--data-dir", str(data), "--max-concurrency", "2", env=env)
    finally:
        fake.stop()
    assert r.exit_code == 1
    assert r.stderr == f"error: the API key was rejected by {fake.url} (401); set OPENAI_API_KEY\n"
    assert KEY not in r.output and 1 <= fake.calls <= 2  # the server echoed the key; we never print it


def test_bad_input_exits_2(seed_store: Path) -> None:  # noqa: F811
    assert invoke("--data-dir", str(seed_store), "--preset", "nope").exit_code == 2
    assert invoke("--data-dir", str(seed_store), "--backend", "gpt").exit_code == 2
    assert invoke("--data-dir", str(seed_store), "--date", "2026-13-01").exit_code == 2
    r = invoke("--data-dir", str(seed_store), "--backend", "openai")
    assert r.exit_code == 1 and "set OPENAI_API_KEY" in r.stderr  # no key, no URL: says what to set


def test_presets() -> None:
    assert preset_overrides("deepseek") == {"llm.base_url": "https://api.deepseek.com", "llm.model": "deepseek-chat"}
    assert preset_overrides("Ollama", model="llama3.1:8b") == {
        "llm.base_url": "http://localhost:11434/v1",
        "llm.model": "llama3.1:8b",
    }
    assert preset_overrides("llamacpp", base_url="http://gpu:8080/v1")["llm.base_url"] == "http://gpu:8080/v1"
    assert preset_overrides(None) == {"llm.base_url": None, "llm.model": None}
    with pytest.raises(ConfigError, match="unknown preset 'x'"):
        preset_overrides("x")


def test_local_server_needs_no_key(fake_llm: FakeLLM, tmp_path: Path) -> None:  # noqa: F811
    data = tmp_path / "d"
    fill_store(data, [seed_paper(p) for p in SEED[:3]])
    r = invoke("--data-dir", str(data), "--preset", "vllm", "--base-url", fake_llm.url, "--max-concurrency", "2")
    assert r.exit_code == 0, r.output
    assert "3 summarized" in r.stdout and "Qwen/Qwen2.5-7B-Instruct at" in r.stdout
    assert {c.model for c in fake_llm.log} == {"Qwen/Qwen2.5-7B-Instruct"}


# ---------------------------------------------------------------- the kill test


def _count(data: Path) -> int:
    with sqlite3.connect(f"file:{data / 'arxiv-digest.db'}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT COUNT(*) FROM summaries").fetchone()[0])


def test_kill_midway_then_rerun_does_only_the_rest(tmp_path: Path) -> None:
    n, enough = 40, 8
    fake = FakeLLM(latency=0.15).start()
    data = tmp_path / "data"
    fill_store(data, [seed_paper(p) for p in SEED[:n]])
    env = {**os.environ, "OPENAI_BASE_URL": fake.url, "OPENAI_API_KEY": KEY, "ARXIV_DIGEST_DATA_DIR": str(data)}
    cmd = [sys.executable, "-c", "from arxiv_digest.cli import main; main()", "summarize", "--max-concurrency", "4"]
    try:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            # Each request reaching the server is an event; look at the store after each one.
            for _ in range(n):
                assert fake.wait_for_calls(fake.calls + 1, timeout=30), "summarize made no progress"
                if _count(data) >= enough:
                    break
            proc.kill()  # SIGKILL: no cleanup, requests in flight are lost
        finally:
            proc.kill()
            proc.wait(timeout=30)
        assert proc.returncode == -9
        done = _count(data)
        assert enough <= done < n
        fake.reset_counts()
        second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 0, second.stderr
        assert fake.calls == n - done  # exactly what was missing, nothing paid twice
        assert _count(data) == n
        assert f"{n - done} summarized, {done} already done, 0 failed of {n}" in second.stdout
    finally:
        fake.stop()
