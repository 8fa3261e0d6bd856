"""Small LLM tasks beside the summaries (theme overviews, relevance judgments): one prompt, one JSON
answer, cached in the store under a key of the task, its prompt version, the model, the language and the
input, so a re-run pays nothing.

Plain Chat Completions through the official SDK, asking for JSON in words (every OpenAI-compatible
server can do that) and reading the answer with json-repair, as the summaries do. The SDK's own retries
(which honour Retry-After) are enough for a handful of calls per day.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import json_repair
import openai

from ..config import Settings
from ..store import Store
from ..summarize.factory import backend_name, endpoint

CHARS_PER_TOKEN = 4  # for the estimate shown before any call; the real count comes back with each answer


class TaskFailed(Exception):
    """The LLM could not be used for this task (unreachable, bad key, unusable answer)."""


@dataclass
class Spend:
    """What a batch of LLM tasks cost: calls made, answers taken from the cache, tokens, USD."""

    calls: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    problems: list[str] = field(default_factory=list)


class TaskLLM:
    """The configured endpoint for small JSON tasks, with the store as its cache."""

    def __init__(self, settings: Settings, store: Store) -> None:
        base_url, key = endpoint(settings)
        self.model = settings.llm.model
        self.language = settings.language
        self._price = settings.llm.prices.get(self.model, {})
        self._temperature = settings.llm.temperature
        self._key = key
        self._client = openai.OpenAI(base_url=base_url, api_key=key, timeout=settings.llm.timeout_seconds,
                                     max_retries=3)  # fmt: skip
        self._store = store
        self.spend = Spend()

    @staticmethod
    def available(settings: Settings) -> bool:
        """An LLM is configured (the offline summarizer is the default without one)."""
        return backend_name(settings) == "openai"

    @property
    def priced(self) -> bool:
        return bool(self._price)

    def key(self, task: str, version: str, payload: Any) -> str:
        blob = json.dumps([task, version, self.model, self.language, payload], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def estimate(self, messages: list[dict[str, str]], answer_chars: int) -> float:
        """USD this request would cost, from its length (0 when no price is configured)."""
        prompt = sum(len(m["content"]) for m in messages) / CHARS_PER_TOKEN
        return self._cost(int(prompt), answer_chars // CHARS_PER_TOKEN)

    def _cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        price_in, price_out = self._price.get("input", 0.0), self._price.get("output", 0.0)
        return (prompt_tokens * price_in + completion_tokens * price_out) / 1e6

    def ask(self, task: str, key: str, messages: list[dict[str, str]]) -> dict[str, Any]:
        """The JSON object the model answers (from the cache when it was asked before). Raises TaskFailed."""
        cached = self._store.llm_answer(key)
        if cached is not None:
            self.spend.cached += 1
            return cached
        try:
            self.spend.calls += 1
            resp = self._client.chat.completions.create(model=self.model, messages=messages,  # type: ignore[arg-type]
                                                        temperature=self._temperature)  # fmt: skip
        except openai.OpenAIError as e:
            raise TaskFailed(self._clean(f"{type(e).__name__}: {e}")) from None
        text = (resp.choices[0].message.content or "") if resp.choices else ""
        answer = json_repair.loads(text) if text.strip() else None
        if not isinstance(answer, dict):
            raise TaskFailed(f"the answer is not a JSON object: {self._clean(text)[:80]!r}")
        usage = resp.usage
        pt, ct = (usage.prompt_tokens or 0, usage.completion_tokens or 0) if usage else (0, 0)
        cost = self._cost(pt, ct)
        self.spend.prompt_tokens += pt
        self.spend.completion_tokens += ct
        self.spend.cost_usd += cost
        self._store.save_llm_answer(key, task, self.model, answer, (pt, ct, cost))
        return answer

    def _clean(self, text: str) -> str:
        text = " ".join(text.split())[:300]
        return text.replace(self._key, "***") if self._key else text

    def close(self) -> None:
        self._client.close()
