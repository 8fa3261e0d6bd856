"""Summaries from any OpenAI-compatible Chat Completions endpoint, through the official SDK.

The SDK's own retries are off (`max_retries=0`): we retry ourselves so that a 429 can shrink the
shared concurrency limit, `Retry-After` is honoured, and every HTTP call is counted.

Structured output is negotiated once per endpoint+model: json_schema -> json_object with the schema
inside (llama.cpp's servers turn it into a grammar) -> json_object -> tools -> plain text. Requests go
out optimistically in the current mode; the first rejection moves everyone one rung down, so an
endpoint that rejects a mode costs at most the requests in flight (rejections are immediate and
unbilled) and no paper waits for a probe. A rejection is a 400 or 422, or a 5xx whose message is about
the structured-output fields (llama-cpp-python answers an unknown response_format type with a 500).
The mode that worked is kept in the store, so later runs start with it; a rejection in a mode that
works is then taken as about that paper alone.

Every request has an overall deadline (`timeout`), whatever the server does: httpx's timeouts are per
read, so a server that trickles a byte every few seconds would otherwise hold a request forever.
Pacing by the provider's rate-limit headers and the breaker that stops a run against an endpoint
that fails everything are in `flow.py`.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass
from typing import Any, Protocol

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion

from ..errors import SummarizeError
from ..models import Paper, SummaryKind
from ..redact import Secrets
from .base import AdaptiveLimiter, PaperFailed, SummaryResult, Usage
from .flow import Breaker, Pacer
from .parsing import SummaryInvalid, check_language, parse_summary, strip_reasoning
from .prompt import Prompt, grammar_schema, load_prompt, summary_schema

MODES = ("json_schema", "json_object_schema", "json_object", "tools", "text")
TOOL_NAME = "record_summary"
# The SDK's own switch for handing back the raw response (headers included) instead of the parsed
# model: what `with_raw_response` sets. We need the rate-limit headers of successful answers.
_RAW_RESPONSE = {"X-Stainless-Raw-Response": "true"}
# A server error that is about the request's structured-output fields, not a fault of the server.
_FORMAT_COMPLAINT = re.compile(r"response_format|json_schema|tool_choice|\btools\b", re.IGNORECASE)


class ModeMemory(Protocol):
    """Where the structured-output mode that worked is remembered (the store)."""

    def get_mode(self, endpoint: str, model: str) -> str | None: ...
    def set_mode(self, endpoint: str, model: str, mode: str) -> None: ...


@dataclass
class Reply:
    text: str
    finish_reason: str | None
    refusal: str | None = None


class _ModeRejected(Exception):
    """The endpoint rejected a request in this structured-output mode (400, 422, or a 5xx about it)."""

    def __init__(self, mode: str, message: str, status: int) -> None:
        super().__init__(f"({status}): {message}")
        self.mode = mode


class _Retryable(Exception):
    def __init__(self, reason: str, wait: float | None, connect: bool = False, throttle: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait  # what the server asked for (Retry-After), if anything
        self.connect = connect  # the endpoint could not be reached at all
        self.throttle = throttle  # a 429: the server works, it asks us to wait


def retry_after(headers: Any) -> float | None:
    """Seconds the server asks us to wait (retry-after-ms or Retry-After in seconds), if it says."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name) if headers is not None else None
        if value:
            try:
                return max(0.0, float(value) * scale)
            except ValueError:
                continue  # an HTTP date: rare enough to fall back to our own backoff
    return None


class OpenAISummarizer:
    """One endpoint, one model, one language."""

    kind: SummaryKind = "llm"

    def __init__(
        self, *, model: str, language: str, base_url: str, api_key: str, timeout: float = 120.0,
        max_retry_seconds: float = 300.0, memory: ModeMemory | None = None, prompt: Prompt | None = None,
        max_corrections: int = 2, max_transport_attempts: int = 8, backoff_seconds: float = 1.0,
        max_tokens: int | None = None, max_failures_in_a_row: int | None = None, temperature: float = 0.2,
    ) -> None:  # fmt: skip
        self.model = model
        self.language = language
        self.base_url = base_url.rstrip("/")
        self.prompt = prompt or load_prompt()
        self.prompt_version = self.prompt.version
        self.label = f"{model} at {self.base_url}"
        self.max_corrections = max_corrections
        self.max_transport_attempts = max_transport_attempts
        self.max_retry_seconds = max_retry_seconds
        self.backoff_seconds = backoff_seconds
        self.timeout = timeout
        self.max_tokens = max_tokens
        self.temperature = temperature
        # None: max_concurrency + 8, so a broken endpoint costs at most 2 x max_concurrency + 8 calls
        self.max_failures_in_a_row = max_failures_in_a_row
        self.pacer = Pacer()
        self._breaker = Breaker()
        self._secrets = Secrets([api_key])  # endpoints echo the key: scrubbed from all they send back
        self._client = AsyncOpenAI(api_key=api_key, base_url=self.base_url, max_retries=0, timeout=timeout,
                                   http_client=_http_client(timeout))  # fmt: skip
        self._memory = memory
        remembered = memory.get_mode(self.base_url, model) if memory else None
        self.mode = remembered if remembered in MODES else MODES[0]
        self._confirmed = remembered in MODES
        self._reached = False  # any HTTP answer at all from the endpoint
        self._fatal: SummarizeError | None = None  # once the run must stop, no request is sent any more

    async def aclose(self) -> None:
        await self._client.close()

    # ------------------------------------------------------------ one paper

    async def summarize(self, paper: Paper, limiter: AdaptiveLimiter) -> SummaryResult:
        usage = Usage()
        messages = self.prompt.messages(paper, self.language)
        problem = ""
        for _ in range(1 + self.max_corrections):
            reply = await self._complete(messages, limiter, usage)
            reply.text = self._secrets.scrub(reply.text)  # before it is parsed, quoted or stored
            if reply.finish_reason == "content_filter" and not reply.text.strip():
                raise PaperFailed("the endpoint's content filter stopped the answer", usage)  # asking again won't help
            try:
                if reply.refusal:
                    raise SummaryInvalid(f"the model refused: {self._clean(reply.refusal)[:120]}")
                summary = parse_summary(reply.text)
                check_language(summary, self.language)
                return SummaryResult(summary, usage)
            except SummaryInvalid as e:
                problem = str(e)
                if reply.finish_reason == "length":
                    problem += " (the answer was cut off at the token limit)"
            # Tell the model what was wrong and ask again, in the same conversation.
            messages = [
                *messages,
                {"role": "assistant", "content": reply.text[:8000] or "(empty)"},
                {"role": "user", "content": self._correction(problem)},
            ]
        raise PaperFailed(f"unusable answer after {1 + self.max_corrections} tries: {problem}", usage)

    def _correction(self, problem: str) -> str:
        return (
            f"Your previous answer could not be used: {problem}. Reply again with only the JSON object: the "
            f"fields tldr, motivation, method, result and conclusion, all non-empty and written in {self.language}, "
            "and optionally keywords. Write each LaTeX backslash twice inside JSON strings."
        )

    # ------------------------------------------------------------ structured-output negotiation

    async def _complete(self, messages: list[dict[str, Any]], limiter: AdaptiveLimiter, usage: Usage) -> Reply:
        own: str | None = None  # a rung for this paper alone, after its own 400s; None: the shared one
        while True:
            try:
                mode, reply = await self._call(own, messages, limiter, usage)
            except _ModeRejected as e:
                own = self._after_rejection(e.mode, own is not None, str(e), usage)
                continue
            self._after_success(mode, own is not None)
            return reply

    def _after_rejection(self, mode: str, local: bool, message: str, usage: Usage) -> str | None:
        """The rung to try next after a rejection ("(status): message") in `mode` (None: the shared one)."""
        if not local and mode != self.mode:
            return None  # another request already moved the shared rung: follow it
        last = mode == MODES[-1]
        if not local and not self._confirmed:  # still discovering: step down for everyone
            if last:
                self._fatal = SummarizeError(
                    f"{self.base_url} rejected every request format for model {self.model!r} {message}"
                )
                raise self._fatal
            self.mode = MODES[MODES.index(mode) + 1]
            return None
        # A mode that works was rejected for this paper (some providers answer 400 to content they
        # refuse): try the lower rungs for it alone, keep the shared mode.
        if last:
            raise PaperFailed(f"the endpoint rejected the request {message}", usage)
        return MODES[MODES.index(mode) + 1]

    def _after_success(self, mode: str, local: bool) -> None:
        if local or (self._confirmed and MODES.index(mode) >= MODES.index(self.mode)):
            return
        self.mode, self._confirmed = mode, True  # the best mode seen working; later runs start there
        if self._memory is not None:
            self._memory.set_mode(self.base_url, self.model, mode)

    def _mode_args(self, mode: str) -> dict[str, Any]:
        schema = summary_schema()
        if mode == "json_schema":
            spec = {"name": "paper_summary", "strict": True, "schema": schema}
            return {"response_format": {"type": "json_schema", "json_schema": spec}}
        if mode == "json_object_schema":  # llama.cpp constrains decoding with a grammar made from `schema`
            return {"response_format": {"type": "json_object", "schema": grammar_schema()}}
        if mode == "json_object":
            return {"response_format": {"type": "json_object"}}
        if mode == "tools":
            fn = {"name": TOOL_NAME, "description": "Record the paper's structured summary.", "parameters": schema}
            return {"tools": [{"type": "function", "function": fn}],
                    "tool_choice": {"type": "function", "function": {"name": TOOL_NAME}}}  # fmt: skip
        return {}

    # ------------------------------------------------------------ transport

    async def _call(
        self, mode: str | None, messages: list[dict[str, Any]], limiter: AdaptiveLimiter, usage: Usage
    ) -> tuple[str, Reply]:
        """One logical request, retried on 429/5xx/timeouts; 400 -> _ModeRejected; fatal -> SummarizeError.
        Returns the mode it was sent in (`mode`, or the shared one at the moment it got a slot)."""
        try:
            return await self._retrying(mode, messages, limiter, usage)
        except SummarizeError as e:
            self._fatal = self._fatal or e  # tasks already waiting for a slot must not send anything
            raise

    async def _retrying(
        self, mode: str | None, messages: list[dict[str, Any]], limiter: AdaptiveLimiter, usage: Usage
    ) -> tuple[str, Reply]:
        started = time.monotonic()
        attempt = faults = 0  # all attempts; those that were not 429s (a 429 is no fault of the paper's)
        while True:
            attempt += 1
            try:
                return await self._send(mode, messages, limiter, usage)
            except _Retryable as e:
                faults += 0 if e.throttle else 1
                if self._breaker.failed(self.max_failures_in_a_row or limiter.maximum + 8, e.throttle):
                    self._fatal = self._fatal or SummarizeError(  # the first to trip it speaks for all
                        f"{self.base_url} failed {self._breaker.in_a_row} requests in a row without one success; "
                        f"the last: {e.reason}"
                    )
                    raise self._fatal from None
                # What the server asked for, spread a little: requests refused together must not all
                # come back at the very moment the server named.
                wait = e.wait * (1 + random.random() / 2) if e.wait is not None else self._backoff(attempt)
                spent = time.monotonic() - started
                last_try = faults >= self.max_transport_attempts or spent + wait > self.max_retry_seconds
                if e.connect and not self._reached and (last_try or attempt >= 3):
                    raise SummarizeError(f"cannot reach {self.base_url}: {e.reason}") from None
                if last_try:
                    raise PaperFailed(f"{e.reason} (gave up after {attempt} attempts)", usage) from None
                await asyncio.sleep(wait)  # outside the slot: others use it meanwhile

    def _backoff(self, attempt: int) -> float:
        # Exponential with jitter so that papers throttled together do not come back together.
        return min(60.0, self.backoff_seconds * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)

    async def _send(
        self, own: str | None, messages: list[dict[str, Any]], limiter: AdaptiveLimiter, usage: Usage
    ) -> tuple[str, Reply]:
        async with limiter.slot():
            seq = await self.pacer.take(_prompt_chars(messages) / 3 + (self.max_tokens or 1000))
            if self._fatal is not None:
                self.pacer.forget(seq)
                raise self._fatal
            mode = own or self.mode  # read now, not when the paper started waiting for a slot
            usage.calls += 1
            sent = time.monotonic()
            try:
                raw = await self._post(mode, messages)
                resp = raw.parse()
            except openai.APIStatusError as e:
                self._reached = True
                self.pacer.observe(seq, e.response.headers)
                if e.status_code == 429 and not self.pacer.exhausted(e.response.headers):
                    limiter.throttled()  # too many at once; an empty rate-limit bucket is the pacer's business
                raise self._status_error(e, mode, usage) from None
            except (TimeoutError, openai.APIConnectionError) as e:  # APITimeoutError is an APIConnectionError
                self.pacer.forget(seq)
                cause = _root_cause(e)
                if isinstance(e, TimeoutError) or isinstance(cause, TimeoutError) or (
                    isinstance(e, openai.APITimeoutError) and cause is e
                ):  # our deadline, or a timeout the transport saw
                    raise _Retryable(f"no complete answer within {self.timeout:g} s", None) from None
                raise _Retryable(self._clean(str(cause)), None, connect=True) from None
            except ValueError:  # a JSON body cut short or empty (a gateway): the SDK lets json's error through
                self._reached = True
                self.pacer.forget(seq)
                raise _Retryable("the answer's body is not valid JSON", None) from None
            self._reached = True
            self._check_completion(resp)
            self.pacer.observe(seq, raw.headers, charged=True)
            limiter.succeeded(time.monotonic() - sent)
            self._breaker.succeeded()
        # Answers arrive in bursts: let the others be read and their slots handed on before this one's
        # parsing and checks take the loop.
        await asyncio.sleep(0)
        if resp.usage is not None:
            usage.prompt_tokens += resp.usage.prompt_tokens or 0
            usage.completion_tokens += resp.usage.completion_tokens or 0
        return mode, self._reply(resp)

    async def _post(self, mode: str, messages: list[dict[str, Any]]) -> Any:
        """One HTTP request, within the overall deadline; the SDK's raw response (headers and body)."""
        # The SDK's documented raw form of chat.completions.create: same client, retries, errors and
        # response model, without re-validating our plain-dict body against its TypedDicts on every
        # call (about a millisecond of CPU each, which adds up with hundreds in flight).
        body: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": self.temperature,
                                **self._mode_args(mode)}
        if self.max_tokens:
            body["max_tokens"] = self.max_tokens
        async with asyncio.timeout(self.timeout):  # the body is read inside: a trickle cannot outlast it
            return await self._client.post(
                "/chat/completions", cast_to=ChatCompletion, body=body, options={"headers": _RAW_RESPONSE}
            )

    def _check_completion(self, resp: object) -> None:
        """A 200 answer that is not a completion: a web page (fatal) or a proxy's error (retried)."""
        if not isinstance(resp, ChatCompletion):  # the SDK hands back the text of a non-JSON 200 answer
            raise SummarizeError(
                f"{self.base_url} answered with {_media_type(resp)}, not a Chat Completions response; "
                "check the base URL (it usually ends in /v1)"
            )
        if not resp.choices:  # a proxy's error with status 200 ({"error": ...}): nothing the model wrote
            raise _Retryable(f"no completion in the answer: {self._clean(_body_error(resp))}", None)

    def _status_error(self, e: openai.APIStatusError, mode: str, usage: Usage) -> Exception:
        code = e.status_code
        if code in (401, 403):
            return SummarizeError(f"the API key was rejected by {self.base_url} ({code}); set OPENAI_API_KEY")
        message = self._clean(_message(e))
        # 402: no credit left (DeepSeek's "Insufficient Balance"); OpenAI says the same with a 429
        if code == 402 or (code == 429 and getattr(e, "code", None) == "insufficient_quota"):
            return SummarizeError(f"{self.base_url} refused to serve the request ({code}): {message}")
        if code == 404:
            return SummarizeError(
                f"{self.base_url} does not know model {self.model!r} (404); set MODEL_NAME or --model "
                "(or check the base URL)"
            )
        # 422: FastAPI-based servers reject a request field they do not know; some answer that with a 500
        if code in (400, 422) or (code >= 500 and mode != "text" and _FORMAT_COMPLAINT.search(message)):
            return _ModeRejected(mode, message, code)
        if code == 429 or code == 408 or code >= 500:
            return _Retryable(f"HTTP {code}: {message}", retry_after(e.response.headers), throttle=code == 429)
        return PaperFailed(f"HTTP {code}: {message}", usage)

    def _reply(self, resp: Any) -> Reply:
        if not resp.choices:
            return Reply("", None)
        choice = resp.choices[0]
        msg = choice.message
        if msg is None:  # some providers send no message when their filter stops the answer
            return Reply("", choice.finish_reason)
        if getattr(msg, "refusal", None):
            return Reply("", choice.finish_reason, refusal=msg.refusal)
        if msg.tool_calls:
            return Reply(msg.tool_calls[0].function.arguments or "", choice.finish_reason)
        # Only `content` is the answer: a reasoning model's `reasoning_content` (DeepSeek) is never
        # read, and reasoning written inline as <think>...</think> (servers without a reasoning parser)
        # is cut off, so neither can end up published or sent back in a correction.
        return Reply(strip_reasoning(msg.content or ""), choice.finish_reason)

    def _clean(self, text: str) -> str:
        """Server text for a stored failure reason: one line, short, never the key."""
        return self._secrets.scrub(" ".join(text.split()))[:300]


def _http_client(timeout: float) -> Any:
    """The SDK's aiohttp transport (the `openai[aiohttp]` extra), which it recommends for concurrency:
    measured, it halves the client's time per request against httpx's (a round of 32 requests at
    once: 27-33 ms against 44-60 ms). None (the SDK's default) where the extra is missing."""
    try:
        return openai.DefaultAioHttpClient(timeout=timeout)
    except (AttributeError, RuntimeError):  # an SDK without it, or aiohttp not installed
        return None


def _root_cause(e: BaseException) -> BaseException:
    """What went wrong underneath the SDK's error. Its aiohttp transport reports every aiohttp connection
    error (refused, reset, the server gone) as a connect timeout: only the cause tells them apart."""
    while e.__cause__ is not None:
        e = e.__cause__
    return e


def _prompt_chars(messages: list[dict[str, Any]]) -> int:
    return sum(len(str(m.get("content") or "")) for m in messages)


def _media_type(body: object) -> str:
    """What came back instead of a completion, for the error line."""
    return "a text/html page" if str(body).lstrip().startswith("<") else "an unexpected body"


def _body_error(resp: ChatCompletion) -> str:
    err = getattr(resp, "error", None)  # extra fields are kept on the SDK's models
    if isinstance(err, dict) and err.get("message"):
        return str(err["message"])
    return "the answer has no choices"


def _message(e: openai.APIStatusError) -> str:
    body = e.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return e.message
