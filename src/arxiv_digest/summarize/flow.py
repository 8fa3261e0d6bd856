"""Flow control for one endpoint: pacing by the provider's own rate-limit headers, and a breaker that
stops a run against an endpoint that fails every request.

Hosted providers say how much is left in `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`
(OpenAI, Groq, Together, DeepSeek's compatible gateways...). Their documented model is a token bucket:
`remaining` is what is left right after our request arrived and `reset` the time until the bucket is
full again, so the refill rate is (limit - remaining) / reset whatever the window is (per minute for
OpenAI, requests per day for Groq). We keep a local copy of each bucket, take one request (and its
estimated tokens) from it before sending, and correct it with every answer's headers. Without such
headers nothing is paced: the adaptive concurrency limit alone reacts to 429s.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(value: str | None) -> float | None:
    """'6m0s', '1.5s', '20ms', '2m59.56s' (Go-style, as OpenAI and Groq send) or '0.5' -> seconds."""
    if not value:
        return None
    text = value.strip().lower()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    parts = _DURATION_RE.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(n) * _UNITS[u] for n, u in parts)


@dataclass
class Limit:
    """One advertised limit as an answer's headers state it."""

    limit: float
    remaining: float
    reset: float | None  # seconds until the bucket is full again

    @property
    def rate(self) -> float | None:
        """Refill rate per second, when the headers allow working it out."""
        if self.reset and self.reset > 0 and self.remaining < self.limit:
            return (self.limit - self.remaining) / self.reset
        return None


def read_limits(headers: Any) -> dict[str, Limit]:
    """{'requests': Limit, 'tokens': Limit} for whichever the headers carry."""
    out: dict[str, Limit] = {}
    if headers is None:
        return out
    for kind in ("requests", "tokens"):
        try:
            limit = float(headers.get(f"x-ratelimit-limit-{kind}") or "nan")
            remaining = float(headers.get(f"x-ratelimit-remaining-{kind}") or "nan")
        except ValueError:
            continue
        if math.isfinite(limit) and math.isfinite(remaining) and limit > 0:
            out[kind] = Limit(limit, max(0.0, remaining), parse_duration(headers.get(f"x-ratelimit-reset-{kind}")))
    return out


@dataclass
class _Bucket:
    """Our copy of one provider bucket: refilled at `rate`, capped at `capacity`."""

    capacity: float
    rate: float | None = None  # unknown until an answer shows some of the bucket used
    level: float = 0.0
    at: float = 0.0
    after_send: dict[int, float] = field(default_factory=dict)  # our level right after each send in flight

    def refill(self, now: float) -> None:
        if self.rate:
            self.level = min(self.capacity, self.level + self.rate * (now - self.at))
        self.at = now

    def wait_for(self, cost: float) -> float:
        """Seconds until `cost` is available (0: now)."""
        if self.rate is None or self.level >= cost:
            return 0.0
        return (min(cost, self.capacity) - self.level) / self.rate


class Pacer:
    """Spaces requests so that the provider's advertised buckets never run dry."""

    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._lock = asyncio.Lock()
        self._seq = 0
        self.tokens_per_request = 0.0  # running mean of what answers cost, for the tokens bucket
        self.waited = 0.0  # seconds spent waiting for the buckets (for reports)

    @property
    def active(self) -> bool:
        return any(b.rate for b in self._buckets.values())

    async def take(self, tokens_guess: float) -> int:
        """Wait until both buckets allow one more request; returns its sequence number for `observe`."""
        cost = {"requests": 1.0, "tokens": self.tokens_per_request or tokens_guess}
        async with self._lock:  # one waiter at a time: requests go out in the order they asked
            while True:
                now = time.monotonic()
                for b in self._buckets.values():
                    b.refill(now)
                wait = max((b.wait_for(cost[k]) for k, b in self._buckets.items()), default=0.0)
                if wait <= 0:
                    break
                self.waited += wait
                await asyncio.sleep(wait)
            self._seq += 1
            for k, b in self._buckets.items():
                b.level -= cost[k]
                b.after_send[self._seq] = b.level
            return self._seq

    def observe(self, seq: int, headers: Any, used_tokens: int = 0) -> None:
        """An answer (any status) to request `seq`: resynchronise our buckets with what the server says."""
        if used_tokens:
            n = 0.8 if self.tokens_per_request else 0.0
            self.tokens_per_request = n * self.tokens_per_request + (1 - n) * used_tokens
        now = time.monotonic()
        for kind, lim in read_limits(headers).items():
            b = self._buckets.get(kind)
            if b is None:  # our requests sent after this one are not in its `remaining` yet
                later = (self._seq - seq) * (1.0 if kind == "requests" else self.tokens_per_request)
                b = self._buckets[kind] = _Bucket(lim.limit, level=lim.remaining - later, at=now)
            b.capacity = lim.limit
            rate = lim.rate
            if rate:
                b.rate = rate if b.rate is None else 0.7 * b.rate + 0.3 * rate
            b.refill(now)
            ours = b.after_send.pop(seq, None)
            if ours is not None:
                # What the server had left after this request arrived, against what we thought: the
                # difference is other clients' use or our estimates' error; it carries over to now.
                b.level = min(b.capacity, b.level + lim.remaining - ours)
            else:
                b.level = min(b.level, lim.remaining)
        for b in self._buckets.values():
            b.after_send.pop(seq, None)

    def forget(self, seq: int) -> None:
        """A request that got no answer at all (timeout, connection error)."""
        for b in self._buckets.values():
            b.after_send.pop(seq, None)

    def exhausted(self, headers: Any) -> bool:
        """Whether a 429 came with headers saying a bucket is empty (then pacing handles it)."""
        return any(lim.remaining < 1 for lim in read_limits(headers).values())


class Breaker:
    """Stops a run once `threshold` requests in a row failed transiently (5xx, timeouts, 429s, broken
    answers) with no success in between: the endpoint is down or broken, and hundreds more calls will
    not change that. Any complete answer resets the count, so a storm with successes is ridden out."""

    def __init__(self) -> None:
        self.in_a_row = 0

    def failed(self, threshold: int) -> bool:
        """Count one failure; True when the run should stop."""
        self.in_a_row += 1
        return self.in_a_row >= threshold

    def succeeded(self) -> None:
        self.in_a_row = 0
