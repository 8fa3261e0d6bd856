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
    def used(self) -> float:
        return self.limit - self.remaining

    @property
    def rate(self) -> float | None:
        """Refill rate per second, when the headers allow working it out. Servers round `remaining`
        down to a whole number, so one unit is taken off what was used: a lower bound, never a rate
        that would run the bucket dry."""
        if self.reset and self.reset > 0 and self.used >= 2:
            return (self.used - 1) / self.reset
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
    _num: float = 0.0  # the rate is an average of the answers' estimates, weighted by how much of
    _den: float = 0.0  # the bucket each saw used (the more used, the less rounding matters)
    at: float = 0.0
    after_send: dict[int, float] = field(default_factory=dict)  # our level right after each send in flight

    def learn(self, lim: Limit) -> None:
        rate = lim.rate
        if rate:
            self._num = 0.9 * self._num + lim.used * rate
            self._den = 0.9 * self._den + lim.used
            self.rate = self._num / self._den

    def refill(self, now: float) -> None:
        if self.rate:
            self.level = min(self.capacity, self.level + self.rate * (now - self.at))
        self.at = now

    def wait_for(self, cost: float) -> float:
        """Seconds until `cost` is available (0: now), keeping one request's cost in reserve: answers on
        parallel connections can reach the server in another order than we sent them, which shifts a
        whole request's cost between two answers' `remaining`. In the steady state the refill rate
        alone sets the pace, so the reserve costs nothing but the first burst's last request."""
        need = min(2 * cost, self.capacity)
        if self.rate is None or self.level >= need:
            return 0.0
        return (need - self.level) / self.rate


class Pacer:
    """Spaces requests so that the provider's advertised buckets never run dry.

    A request costs one unit of the requests bucket and, of the tokens bucket, our guess (prompt
    and answer) times a scale learnt from the server's own accounting: the drift between what it
    says is left and what we thought is what we under- or over-charged for that request."""

    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._lock = asyncio.Lock()
        self._seq = 0
        self._guess: dict[int, float] = {}  # tokens guessed for each request in flight
        self.token_scale = 1.0
        self._served = self._guessed = 0.0  # decaying sums: what the server charged, what we guessed
        self.waited = 0.0  # seconds spent waiting for the buckets

    def _cost(self, kind: str, guess: float) -> float:
        return 1.0 if kind == "requests" else guess * self.token_scale

    async def take(self, tokens_guess: float) -> int:
        """Wait until every bucket allows one more request; returns its sequence number for `observe`."""
        async with self._lock:  # one waiter at a time: requests go out in the order they asked
            while True:
                now = time.monotonic()
                for b in self._buckets.values():
                    b.refill(now)
                wait = max((b.wait_for(self._cost(k, tokens_guess)) for k, b in self._buckets.items()), default=0.0)
                if wait <= 0:
                    break
                self.waited += wait
                await asyncio.sleep(wait)
            self._seq += 1
            self._guess[self._seq] = tokens_guess
            for k, b in self._buckets.items():
                b.level -= self._cost(k, tokens_guess)
                b.after_send[self._seq] = b.level
            return self._seq

    def observe(self, seq: int, headers: Any, charged: bool = False) -> None:
        """An answer (any status) to request `seq`: resynchronise our buckets with what the server says.
        `charged`: the request was served (a rejected one costs the provider's bucket nothing)."""
        guess = self._guess.pop(seq, 0.0)
        now = time.monotonic()
        for kind, lim in read_limits(headers).items():
            b = self._buckets.get(kind)
            if b is None:  # our requests sent after this one are not in its `remaining` yet
                later = sum(self._cost(kind, g) for k, g in self._guess.items() if k > seq)
                b = self._buckets[kind] = _Bucket(lim.limit, level=lim.remaining - later, at=now)
            b.capacity = lim.limit
            b.refill(now)
            b.learn(lim)
            ours = b.after_send.pop(seq, None)
            if ours is None:
                b.level = min(b.level, lim.remaining)
                continue
            # What the server had left after this request arrived, against what we thought: the
            # difference is other clients' use or our estimates' error; it carries over to now, and
            # to our record of the requests still in flight (or it would be counted again).
            drift = lim.remaining - ours
            b.level = min(b.capacity, b.level + drift)
            for k in b.after_send:
                b.after_send[k] += drift
            if kind == "tokens" and charged and guess > 0:
                # What the server charged for it; summed over answers, so that the swaps above cancel.
                self._served = 0.9 * self._served + max(0.0, self._cost(kind, guess) - drift)
                self._guessed = 0.9 * self._guessed + guess
                self.token_scale = min(20.0, max(0.05, self._served / self._guessed))

    def forget(self, seq: int) -> None:
        """A request that got no answer at all (timeout, connection error)."""
        self._guess.pop(seq, None)
        for b in self._buckets.values():
            b.after_send.pop(seq, None)

    def exhausted(self, headers: Any) -> bool:
        """Whether a 429 came with headers saying a bucket is empty (then pacing handles it)."""
        return any(lim.remaining < 1 for lim in read_limits(headers).values())


class Breaker:
    """Stops a run once `threshold` requests in a row failed (5xx, timeouts, broken answers) with no
    success in between: the endpoint is down or broken, and hundreds more calls will not change that.
    Any complete answer resets the count, so a storm with successes is ridden out. A 429 means the
    server works and asks us to wait: it counts only while the run has had no success at all (an
    endpoint that refuses everything), never against an endpoint that has answered before."""

    def __init__(self) -> None:
        self.in_a_row = 0
        self.ever_succeeded = False

    def failed(self, threshold: int, throttle: bool = False) -> bool:
        """Count one failure; True when the run should stop."""
        if throttle and self.ever_succeeded:
            return False
        self.in_a_row += 1
        return self.in_a_row >= threshold

    def succeeded(self) -> None:
        self.in_a_row = 0
        self.ever_succeeded = True
