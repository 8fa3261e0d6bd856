"""A local OpenAI-compatible Chat Completions server, for the tests, the kill test and the benchmark.

Real HTTP on 127.0.0.1, the real wire format (POST /v1/chat/completions), used through the real
`openai` SDK by pointing base_url at it. Scriptable: latency, a concurrency cap (429 above it, with
Retry-After), scripted errors and malformed answers per call or per paper, structured-output modes it
rejects (400, 422, or a 500 as llama-cpp-python's server does), an API key it checks, the models it
knows. It counts calls. As real providers do, it can also enforce requests/tokens per window and say so
in x-ratelimit-* headers, slow down under load DeepSeek's way (blank lines until the answer is ready),
and answer as a reasoning model (`reasoning_content` beside `content`, for models named *reasoner*).
See fake_llm_limits.py.

For the papers of the reference digest (tests/fixtures/seed-papers.json, found by the arXiv id or the
exact title in the prompt) it answers with their recorded Chinese fields, so the whole pipeline can be
compared with the golden digest; for other papers it answers a generated Chinese summary.

Behaviours (queue them with `script(...)` or `for_paper(id, ...)`):
  ok, 400 (content refused), 402 (insufficient balance), 429, 500, 500-echo (the key in the message), 401,
  403, 404, hang (held until the server stops: the client times out), html (a 200 web page, as a wrong base
  URL gives), no-choices (a 200 JSON error without choices, as some proxies send), broken-json (a 200 whose
  JSON body is cut short), filtered (a choice without a message, finish_reason content_filter),
  latex (unescaped LaTeX backslashes), fences, prose (text around the JSON), missing (no "method"),
  english (wrong language), truncated (cut inside the trailing keywords), truncated_early (cut inside
  "method"), refusal (the API's refusal field), apology (a plain-text refusal), invent (a Result with a
  number the paper does not state: 97.3%), echo-key (a reply that is not JSON and repeats the request's
  Authorization header), key-in-summary (a valid summary whose method holds the key), 500-format (a 500
  about response_format, as llama-cpp-python sends), think (the reasoning inline in <think> tags before
  the JSON), trickle (headers, then a byte every 0.5 s forever), slow-status (the status line a byte
  every 0.5 s), placeholder (the schema's descriptions echoed as the fields).

A prompt with the paper's full text (<fulltext>...</fulltext>) gets a Result that also quotes the first
percentage (else decimal number) of that text, as a model told to name the paper's own numbers would.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from arxiv_digest.models import Paper
from arxiv_digest.store import AnnouncementRow, Store
from fake_llm_limits import RateLimit, Slow, write_slow

FIXTURES = Path(__file__).parent / "fixtures"
SEED: list[dict[str, Any]] = json.loads((FIXTURES / "seed-papers.json").read_text("utf-8"))
SEED_BY_ID = {p["id"]: p for p in SEED}
SEED_BY_TITLE = {p["title"]: p for p in SEED}
FIELDS = ("tldr", "motivation", "method", "result", "conclusion")
SAMPLE_DAY = date(2026, 1, 28)
_DESCRIPTIONS = ("One or two sentences: what the paper does and finds.", "The problem and why it matters.", "string",
                 "...", "N/A")
LATEX_TAIL = r"误差界为 $\frac{1}{\sqrt{n}}$，优于 $\beta$-VAE，并利用 $\nabla f$ 与 $\times 2$ 的加速。"
INVENTED = "准确率达到 97.3%。"  # "invent": a number no paper here states
_FULLTEXT_RE = re.compile(r"<fulltext>\n(.*?)\n</fulltext>", re.DOTALL)
_KEY_NUMBER_RE = re.compile(r"(?<![\w.$\\{^_])\d+\.\d+\s?%|(?<![\w.$\\{^_])\d+\s?%|(?<![\w.$\\{^_])\d+\.\d+(?![\w.])")


@dataclass
class Call:
    """One request as the server saw it."""

    model: str
    mode: str  # json_schema | json_object | tools | text
    paper_id: str | None
    behaviour: str
    messages: list[dict[str, Any]]
    temperature: float | None = None
    max_tokens: int | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256  # socketserver's default backlog of 5 drops bursts of new connections

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that gave up: nothing to report
            super().handle_error(request, client_address)


class FakeLLM:
    def __init__(
        self, *, latency: float = 0.0, cap: int | None = None, retry_after: str = "0", api_key: str | None = None,
        models: Iterable[str] | None = None, reject_modes: Iterable[str] = (), reject_status: int = 400,
        requests_limit: tuple[float, float] | None = None, tokens_limit: tuple[float, float] | None = None,
        capacity: int | None = None, keepalive: float = 0.1, reasoning_seconds: float = 0.0,
        limit_headers: bool = True,
    ) -> None:  # fmt: skip
        self.latency = latency
        self.cap = cap
        self.retry_after = retry_after
        self.api_key = api_key
        self.models = set(models) if models is not None else None
        self.reject_modes = set(reject_modes)
        self.reject_status = reject_status  # 400 (most servers), 422 (FastAPI-based ones), 500 (llama-cpp-python)
        # (limit, window seconds): e.g. (20, 1.0) for 1,200 requests a minute enforced per second
        self.limits = [RateLimit(k, *v) for k, v in (("requests", requests_limit), ("tokens", tokens_limit)) if v]
        self.limit_headers = limit_headers  # False: limits enforced without saying so (only Retry-After)
        self.capacity = capacity  # DeepSeek: answers at full speed up to this many at once, then slower
        self.keepalive = keepalive  # seconds between the blank lines of a slowed-down answer
        self.reasoning_seconds = reasoning_seconds  # extra time a reasoner model "thinks"
        self.log: list[Call] = []
        self.calls = 0  # requests received
        self.answered = 0  # 200 answers sent
        self.throttled = 0  # 429s sent because of the cap
        self.in_flight = 0
        self.max_in_flight = 0
        self.release = threading.Event()  # "hang" requests wait for it; set when the server stops
        self._script: deque[str] = deque()
        self._per_paper: dict[str, deque[str]] = {}
        self._cond = threading.Condition()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def script(self, *behaviours: str) -> None:
        """Behaviours for the next calls, in arrival order (after any per-paper ones)."""
        with self._cond:
            self._script.extend(behaviours)

    def for_paper(self, paper_id: str, *behaviours: str) -> None:
        """Behaviours for the next calls about this paper."""
        with self._cond:
            self._per_paper.setdefault(paper_id, deque()).extend(behaviours)

    def reset_counts(self) -> None:
        with self._cond:
            self.calls = self.answered = self.throttled = self.max_in_flight = 0
            self.log.clear()

    def stats(self) -> dict[str, int]:
        with self._cond:
            return {"calls": self.calls, "answered": self.answered, "throttled": self.throttled,
                    "max_in_flight": self.max_in_flight}  # fmt: skip

    def wait_for_calls(self, n: int, timeout: float = 30.0) -> bool:
        """Block until `n` requests have arrived (an event, not a poll)."""
        with self._cond:
            return self._cond.wait_for(lambda: self.calls >= n, timeout)

    def calls_for(self, paper_id: str) -> list[Call]:
        return [c for c in self.log if c.paper_id == paper_id]

    # ------------------------------------------------------------ request handling

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real endpoints do
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path == "/_fake/reset":
                    fake.reset_counts()
                    return self._send(200, {}, fake.stats())
                headers = {k.lower(): v for k, v in self.headers.items()}  # httpx sends lower-case names
                status, extra, payload = fake._respond(self.path, headers, json.loads(body))
                if isinstance(payload, Slow):
                    return write_slow(self, payload, fake.release)
                self._send(status, extra, payload)

            def do_GET(self) -> None:  # the counters, for a server running in another process (benchmark)
                if self.path == "/_fake/stats":
                    self._send(200, {}, fake.stats())
                else:
                    self._send(404, {}, _error("not found", "invalid_request_error"))

            def _send(self, status: int, headers: dict[str, str], payload: Any) -> None:
                text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
                data = text.encode()
                try:
                    self.send_response(status)
                    for k, v in {"Content-Type": "application/json", **headers}.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout) or was killed

        return Handler

    def _respond(self, path: str, headers: dict[str, str], req: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        mode = _mode(req)
        paper_id = _paper_id(req.get("messages", []))
        with self._cond:
            self.calls += 1
            if mode in self.reject_modes:
                behaviour = "reject-mode"  # scripted behaviours wait for a request in an accepted mode
            else:
                queue = self._per_paper.get(paper_id or "")
                behaviour = (queue or self._script or deque(["ok"])).popleft()
            call = Call(req.get("model", ""), mode, paper_id, behaviour, req.get("messages", []),
                        req.get("temperature"), req.get("max_tokens"))
            self.log.append(call)
            self._cond.notify_all()
        if not path.endswith("/chat/completions"):
            return 404, {}, _error("not found", "invalid_request_error")
        key = headers.get("authorization", "").removeprefix("Bearer ")
        if behaviour in ("401", "403") or (self.api_key is not None and key != self.api_key):
            code = 403 if behaviour == "403" else 401
            return code, {}, _error(f"Incorrect API key provided: {key}", "invalid_request_error", "invalid_api_key")
        if behaviour == "404" or (self.models is not None and req.get("model") not in self.models):
            return 404, {}, _error(f"The model `{req.get('model')}` does not exist", "invalid_request_error")
        if behaviour == "reject-mode" or behaviour == "500-format":
            if self.reject_status == 422:  # FastAPI's validation error body
                detail = {"loc": ["body", "response_format"], "msg": "unsupported", "type": "value_error"}
                return 422, {}, {"detail": [detail]}
            if self.reject_status == 500 or behaviour == "500-format":  # llama-cpp-python's server
                return 500, {}, _error(_LLAMACPP_500, "internal_server_error")
            message = f"This response_format type is unavailable now ({mode})"
            return 400, {}, _error(message, "invalid_request_error")
        if behaviour == "400":  # what some providers answer to content they refuse, in any mode
            return 400, {}, _error("Content Exists Risk", "invalid_request_error")
        if behaviour == "500-echo":  # a server error that repeats the request's key (a careless proxy)
            return 500, {}, _error(f"upstream failed for Authorization: Bearer {key}", "server_error")
        if behaviour == "402":  # DeepSeek: the account has no credit left
            return 402, {}, _error("Insufficient Balance", "unknown_error", "invalid_request_error")
        if behaviour == "html":  # a base URL that points at a web site (a SPA answers every path with 200)
            return 200, {"Content-Type": "text/html; charset=utf-8"}, "<!doctype html><title>Welcome</title>"
        if behaviour == "broken-json":  # a gateway that cut the body short
            return 200, {}, '{"id": "chatcmpl-x", "choices": ['
        if behaviour == "no-choices":
            return 200, {}, _error("upstream provider error", "server_error")
        if any("reasoning_content" in m for m in req.get("messages", [])):  # DeepSeek refuses it as input
            return 400, {}, _error(_NO_REASONING_INPUT, "invalid_request_error")
        if behaviour in ("trickle", "slow-status"):
            return 200, {}, Slow(None, 0.5, None, filler=b" ", before_status=behaviour == "slow-status")
        limited, limits = self._rate_limited(req)
        if limited is not None:
            call.behaviour = "rate-limited"
            return limited
        status, headers, payload = self._within_cap(behaviour, mode, req, paper_id, key)
        return status, {**limits, **headers}, payload

    def _rate_limited(self, req: dict[str, Any]) -> tuple[tuple[int, dict[str, str], Any] | None, dict[str, str]]:
        """(a 429 when a requests/tokens bucket is empty, the x-ratelimit headers as of this request's
        arrival). Like OpenAI, the prompt and a completion estimate are counted when a request arrives."""
        if not self.limits:
            return None, {}
        cost = {"requests": 1.0, "tokens": _prompt_chars(req) / 4 + 300}
        with self._cond:
            wait = max(lim.wait(cost[lim.kind]) for lim in self.limits)
            if wait <= 0:
                for lim in self.limits:
                    lim.take(cost[lim.kind])
            else:
                self.throttled += 1
            limits = {k: v for lim in self.limits for k, v in lim.headers().items()} if self.limit_headers else {}
        if wait <= 0:
            return None, limits
        headers = {**limits, "retry-after-ms": str(math.ceil(wait * 1000)), "retry-after": str(math.ceil(wait))}
        return (429, headers, _error("Rate limit reached for requests", "requests", "rate_limit_exceeded")), limits

    def _within_cap(
        self, behaviour: str, mode: str, req: dict[str, Any], paper_id: str | None, key: str = ""
    ) -> tuple[int, dict[str, str], Any]:
        with self._cond:
            self.in_flight += 1
            load = self.in_flight
            over = self.cap is not None and self.in_flight > self.cap
            if over:
                self.in_flight -= 1
                self.throttled += 1
            else:
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if over or behaviour == "429":
            if not over:
                self._leave()
            return 429, {"Retry-After": self.retry_after}, _error("Rate limit reached", "rate_limit_error")
        slow = False
        try:
            if behaviour == "hang":
                self.release.wait()
                return 504, {}, _error("held until the server stopped", "server_error")
            latency = self.latency + (self.reasoning_seconds if _reasoner(req) else 0.0)
            if behaviour == "500":
                time.sleep(latency)
                return 500, {}, _error("The server had an error while processing your request", "server_error")
            if self.capacity is not None and load > self.capacity:
                # DeepSeek under load: no 429, the answer just takes longer (shared with everyone in
                # flight), and blank lines keep the connection open meanwhile
                slow = True
                done = self._completion(behaviour, mode, req, paper_id, key)
                return 200, {}, Slow(done, self.keepalive, latency * load / self.capacity, done=self._leave)
            time.sleep(latency)  # the model "thinking"
            return 200, {}, self._completion(behaviour, mode, req, paper_id, key)
        finally:
            if not slow:
                self._leave()

    def _leave(self) -> None:
        with self._cond:
            self.in_flight -= 1  # before the answer is written: the client never sees a stale count

    def _completion(
        self, behaviour: str, mode: str, req: dict[str, Any], paper_id: str | None, key: str = ""
    ) -> dict[str, Any]:
        text, finish = task_answer(req, behaviour) or _answer_text(behaviour, paper_id, req.get("messages", []), key)
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if _reasoner(req):  # DeepSeek's reasoner: its thinking beside the answer, in English
            message["reasoning_content"] = REASONING.format(paper=paper_id)
        if behaviour == "refusal":
            message = {"role": "assistant", "content": None, "refusal": "I'm sorry, I cannot help with that request."}
        elif mode == "tools":
            name = req["tools"][0]["function"]["name"]
            call = {"id": f"call_{self.calls}", "type": "function", "function": {"name": name, "arguments": text}}
            message = {"role": "assistant", "content": None, "tool_calls": [call]}
            finish = "tool_calls" if finish == "stop" else finish
        with self._cond:
            self.answered += 1
        prompt_chars = sum(len(str(m.get("content") or "")) for m in req.get("messages", []))
        choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": finish}
        if behaviour == "filtered":  # a provider's content filter: a choice without a message
            choice = {"index": 0, "finish_reason": "content_filter"}
        return {
            "id": f"chatcmpl-{self.calls}", "object": "chat.completion", "created": int(time.time()),
            "model": req.get("model"),
            "choices": [choice],
            "usage": {"prompt_tokens": prompt_chars // 4, "completion_tokens": len(text) // 4 + 1,
                      "total_tokens": prompt_chars // 4 + len(text) // 4 + 1},
        }  # fmt: skip


def _error(message: str, type_: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def _mode(req: dict[str, Any]) -> str:
    if req.get("tools"):
        return "tools"
    rf = req.get("response_format") or {}
    if rf.get("type") == "json_object" and "schema" in rf:
        return "json_object_schema"
    return str(rf.get("type", "text")) if rf.get("type") in ("json_schema", "json_object") else "text"


def _reasoner(req: dict[str, Any]) -> bool:
    return "reasoner" in str(req.get("model", ""))


def _prompt_chars(req: dict[str, Any]) -> int:
    return sum(len(str(m.get("content") or "")) for m in req.get("messages", []))


# What llama-cpp-python's server answers to response_format json_schema (its pydantic error, as a 500).
_LLAMACPP_500 = (
    "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': "
    "\"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}"
)
_NO_REASONING_INPUT = "reasoning_content is an intermediate result for display only: do not send it back"
# A reasoner's thinking: English, with a draft JSON object of its own that must never be taken as the answer.
REASONING = (
    "Okay, the user wants a structured summary of paper {paper} in Chinese. Let me draft it in English first: "
    '{{"tldr": "REASONING-DRAFT a new method", "motivation": "REASONING-DRAFT"}}. Now I will translate it.'
)


def _paper_id(messages: list[dict[str, Any]]) -> str | None:
    """The paper a request is about: the arXiv id in the first user message, else an exact seed title."""
    user = next((str(m.get("content") or "") for m in messages if m.get("role") == "user"), "")
    m = re.search(r"arXiv id: (\S+)", user)
    if m:
        return m.group(1)
    for title, p in SEED_BY_TITLE.items():
        if title in user:
            return str(p["id"])
    return None


def reference_fields(paper_id: str | None) -> dict[str, str]:
    """The recorded Chinese summary of a seed paper, or a generated Chinese one."""
    if paper_id in SEED_BY_ID:
        p = SEED_BY_ID[paper_id]
        return {f: p[f] for f in FIELDS}
    pid = paper_id or "未知"
    return {
        "tldr": f"论文{pid}提出了一种新方法，并在实验中验证了其有效性。",
        "motivation": f"现有方法在论文{pid}所研究的问题上存在明显不足，需要更高效的解决方案。",
        "method": f"作者为论文{pid}设计了一个新的框架，结合理论分析与高效算法来解决该问题。",
        "result": f"在多个基准上，论文{pid}的方法优于现有基线，同时降低了计算开销。",
        "conclusion": f"论文{pid}的结果表明该方法具有实际应用价值，并为后续研究提供了方向。",
    }


def fulltext_of(messages: list[dict[str, Any]]) -> str | None:
    """The full text quoted in the first user message, if the prompt is the full-text one."""
    user = next((str(m.get("content") or "") for m in messages if m.get("role") == "user"), "")
    m = _FULLTEXT_RE.search(user)
    return m.group(1) if m else None


def key_number(text: str) -> str | None:
    """The first percentage of a text, else its first decimal number (outside LaTeX)."""
    m = _KEY_NUMBER_RE.search(text)
    return m.group(0) if m else None


def _answer_text(
    behaviour: str, paper_id: str | None, messages: list[dict[str, Any]], key: str = ""
) -> tuple[str, str]:
    """(content, finish_reason) for a 200 answer."""
    fields: dict[str, Any] = reference_fields(paper_id)
    if behaviour == "echo-key":
        return f"Unauthorized client. Your request said: Authorization: Bearer {key}", "stop"
    if behaviour == "key-in-summary":
        fields["method"] += f"（请求头 Authorization: Bearer {key}）"
    fulltext = fulltext_of(messages)
    if fulltext:
        number = key_number(fulltext)
        fields["result"] += f"全文报告的关键结果为 {number}。" if number else "全文给出了实验细节。"
    if behaviour == "invent":
        fields["result"] += INVENTED
    if behaviour == "missing":
        del fields["method"]
    if behaviour == "english":
        fields = {f: f"This paper studies an important problem and its {f} is described in English." for f in FIELDS}
    if behaviour in ("truncated", "truncated_early"):
        fields["keywords"] = ["压缩感知", "transformer", "扩散模型"]
    text = json.dumps(fields, ensure_ascii=False)
    if behaviour == "latex":
        fields["result"] = fields["result"] + LATEX_TAIL
        text = json.dumps(fields, ensure_ascii=False).replace("\\\\", "\\")  # as careless models write it
    elif behaviour == "fences":
        text = f"```json\n{json.dumps(fields, ensure_ascii=False, indent=2)}\n```"
    elif behaviour == "prose":
        text = f"Sure! Here is the summary you asked for:\n\n{text}\n\nLet me know if you need anything else."
    elif behaviour == "truncated":
        return text[: text.index('"keywords"') + len('"keywords": ["压缩')], "length"
    elif behaviour == "truncated_early":
        return text[: text.index('"method"') + 20], "length"
    elif behaviour == "apology":
        text = "I'm sorry, but I can't help with summarizing this paper."
    elif behaviour == "think":  # a reasoning model served without a reasoning parser
        text = f"<think>\n{REASONING.format(paper=paper_id)}\n</think>\n\n{text}"
    elif behaviour == "placeholder":  # a small model echoing the schema instead of filling it
        text = json.dumps({f: d for f, d in zip(FIELDS, _DESCRIPTIONS, strict=True)})
    return text, "stop"


# ---------------------------------------------------------------- theme overviews and relevance judgments
# The small LLM tasks of rank/llm.py announce themselves in their system prompt ("arxiv-digest task: ...").
# Answers are deterministic and in the language the prompt asks for; summaries are untouched by this part.


def task_answer(req: dict[str, Any], behaviour: str) -> tuple[str, str] | None:
    """(content, finish_reason) for a theme-overview or relevance request, None for anything else."""
    messages = req.get("messages", [])
    system = next((str(m.get("content") or "") for m in messages if m.get("role") == "system"), "")
    user = next((str(m.get("content") or "") for m in messages if m.get("role") == "user"), "")
    if not system.startswith("arxiv-digest task:"):
        return None
    if behaviour == "apology":
        return "I'm sorry, but I can't help with that.", "stop"
    chinese = "in Chinese" in user
    if system.startswith("arxiv-digest task: theme overview"):
        nums = re.findall(r"^\[(\d+)\] ", user, re.MULTILINE)[:2]
        label = re.search(r"^Theme: (.*)$", user, re.MULTILINE)
        topic = label.group(1) if label else "?"
        refs = "、".join(f"[{n}]" for n in nums) if chinese else " and ".join(f"[{n}]" for n in nums)
        text = (f"这一组论文围绕“{topic}”展开。{refs}最具代表性。" if chinese
                else f"These papers are about {topic}. {refs} stand out.")  # fmt: skip
        return json.dumps({"overview": text}, ensure_ascii=False), "stop"
    if system.startswith("arxiv-digest task: relevance"):
        return json.dumps({"judgments": _judge(user, chinese)}, ensure_ascii=False), "stop"
    return None


def _judge(user: str, chinese: str | bool) -> list[dict[str, Any]]:
    """Relevance = how many of the reader's keywords a candidate's title contains (at most 3)."""
    m = re.search(r"^Keywords: (.*)$", user, re.MULTILINE)
    keywords = [k.strip().lower() for k in m.group(1).split(";")] if m else []
    out = []
    for n, title in re.findall(r'<paper n="(\d+)">\nTitle: (.*)', user):
        hits = [k for k in keywords if k and k in title.lower()]
        why = (f"标题涉及{'、'.join(hits)}。" if hits else "与你的兴趣关系不大。") if chinese else (
            f"The title mentions {', '.join(hits)}." if hits else "Little to do with your interests.")
        out.append({"n": int(n), "relevance": min(3, len(hits) * 2), "reason": why})
    return out


# ---------------------------------------------------------------- store helpers and fixtures


def seed_paper(p: dict[str, Any]) -> Paper:
    return Paper(id=p["id"], version=1, title=p["title"], authors=p["authors"], abstract=p["abstract"],
                 categories=[p["category"]])  # fmt: skip


def synthetic_papers(n: int) -> list[Paper]:
    """n made-up papers (not in the seed), for the benchmark and load tests."""
    return [
        Paper(id=f"2699.{i:05d}", version=1, title=f"Synthetic paper {i}", authors=["A. Author"],
              abstract=f"We study problem {i}. We propose method {i}. Experiments show gains. This matters.",
              categories=["cs.LG"])
        for i in range(1, n + 1)
    ]  # fmt: skip


def fill_store(data_dir: Path, papers: list[Paper], day: date = SAMPLE_DAY) -> None:
    """A store holding these papers as `day`'s announcements (no fetch stage involved)."""
    with Store.open(data_dir) as store:
        for p in papers:
            store.upsert_paper(p)
        rows = [AnnouncementRow(p.id, p.categories[0], "new", i, False) for i, p in enumerate(papers, 1)]
        store.add_announcements(day, rows)


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    server = FakeLLM().start()
    yield server
    server.stop()


@pytest.fixture
def seed_store(tmp_path: Path) -> Path:
    """The data dir of a store holding the 131 reference papers on SAMPLE_DAY."""
    data_dir = tmp_path / "data"
    fill_store(data_dir, [seed_paper(p) for p in SEED])
    return data_dir


def main() -> None:
    """Serve in a process of its own: `python tests/fake_llm.py --latency 0.2 --cap 32` prints its URL,
    then serves until stdin closes (the benchmark keeps its CPU out of the process it measures)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--cap", type=int, default=None)
    ap.add_argument("--retry-after", default="0")
    ap.add_argument("--requests-limit", type=float, nargs=2, metavar=("LIMIT", "WINDOW"), default=None)
    a = ap.parse_args()
    limit = tuple(a.requests_limit) if a.requests_limit else None
    server = FakeLLM(latency=a.latency, cap=a.cap, retry_after=a.retry_after, requests_limit=limit).start()  # type: ignore[arg-type]
    print(server.url, flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
