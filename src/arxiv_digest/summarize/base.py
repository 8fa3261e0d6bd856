"""The seam between the runner and the backends: the `Summarizer` protocol, its results, and the
adaptive concurrency limit every HTTP call goes through."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

from ..models import Paper, Summary, SummaryKind, SummarySource


@dataclass
class Usage:
    """What one paper cost: HTTP calls made (retries included) and tokens billed."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class SummaryResult:
    summary: Summary
    usage: Usage
    source: SummarySource = "abstract"  # what it was written from
    unverified: list[str] = field(default_factory=list)  # numbers its source text does not state


class PaperFailed(Exception):
    """This paper could not be summarized this time; the run goes on and the failure is stored."""

    def __init__(self, reason: str, usage: Usage | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.usage = usage or Usage()


class Summarizer(Protocol):
    """A backend. `kind`, `language`, `model` and `prompt_version` form the store's cache key."""

    kind: SummaryKind
    language: str
    model: str
    prompt_version: str
    label: str  # for people: "openai-compatible deepseek-chat at https://api.deepseek.com"

    async def summarize(self, paper: Paper, limiter: AdaptiveLimiter) -> SummaryResult:
        """Summarize one paper; raise PaperFailed for this paper, SummarizeError to stop the run."""
        ...

    async def aclose(self) -> None: ...


class AdaptiveLimiter:
    """How many requests may be in flight, for an endpoint whose concurrency cap nobody told us.

    It starts at `initial` (at most 32: a first round never sends more than that before the endpoint
    has answered once) and, like TCP's slow start, grows by one per success until the first 429, as
    long as the limit is in use (a client too busy to fill it learns nothing from its successes). The
    growth is spread over time (one step per smoothed latency / limit), because answers to requests
    sent together come back together: granting a whole round's growth at once would send that many
    requests past the cap before the first 429 could say so. Each 429 takes one off (one request too
    many), and the level it happened at becomes a ceiling that is probed only every fourth window of
    successes afterwards. Never above `maximum`; slots are handed to waiters in FIFO order.
    """

    INITIAL = 32
    SLOW_PROBE = 4  # windows of successes before probing at or above the last ceiling

    def __init__(self, maximum: int, initial: int | None = None) -> None:
        self.maximum = maximum
        self.limit = min(maximum, initial or self.INITIAL)
        self.in_flight = 0
        self.throttles = 0  # 429s that cut the limit
        self.latency: float | None = None  # smoothed seconds per successful request
        self.ceiling = float("inf")  # the lowest level a 429 was seen at, since the last probe got through
        self._slow_start = True
        self._streak = 0
        self._pending = 0  # growth steps granted but not yet applied
        self._next_step = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        """Wait for a slot."""
        if self.in_flight < self.limit and not self._waiters:
            self.in_flight += 1
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await fut  # on wake-up the slot is already ours (counted in in_flight)
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release()  # woken and cancelled at once: hand the slot on
            elif fut in self._waiters:
                self._waiters.remove(fut)
            raise

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self.acquire()
        try:
            yield
        finally:
            self.release()

    def throttled(self) -> None:
        """The endpoint said 429 (too many requests at once)."""
        self._slow_start = False
        self._streak = self._pending = 0
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.ceiling = min(self.ceiling, self.limit)
        self.limit = max(1, self.limit - 1)
        self.throttles += 1

    def succeeded(self, latency: float) -> None:
        self.latency = latency if self.latency is None else 0.8 * self.latency + 0.2 * latency
        if self.limit >= self.maximum or self.in_flight + len(self._waiters) < self.limit:
            return  # a limit we do not even use says nothing about the endpoint: no growth
        if self._slow_start:
            self._grow(1)
            return
        self._streak += 1
        if self._streak >= self.limit * (self.SLOW_PROBE if self.limit + 1 >= self.ceiling else 1):
            self._streak = 0
            self._grow(1)

    def _grow(self, steps: int) -> None:
        self._pending += steps
        if self._timer is None:
            self._step()

    def _step(self) -> None:
        self._timer = None
        if self._pending <= 0 or self.limit >= self.maximum:
            self._pending = 0
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        if now < self._next_step:
            self._timer = loop.call_at(self._next_step, self._step)
            return
        self._pending -= 1
        self.limit += 1
        if self.limit > self.ceiling:  # the probe above the last ceiling got through
            self.ceiling = float("inf")
        self._next_step = now + (self.latency or 0.0) / self.limit
        self._wake()
        if self._pending:
            self._timer = loop.call_at(self._next_step, self._step)

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.limit:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_result(None)
                self.in_flight += 1
