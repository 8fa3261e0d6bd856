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
    """How many requests may be in flight: halves on a rate limit, grows by one after a window of
    successes, never exceeds `maximum`. Slots are handed to waiters in FIFO order.

    Only the first 429 of a window halves the limit: requests sent before the cut carry an older
    epoch, so a burst of 429s from the same overload does not collapse the limit to 1.
    """

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum
        self.limit = maximum
        self.in_flight = 0
        self.throttles = 0  # how often the limit was cut
        self._epoch = 0
        self._streak = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> int:
        """Wait for a slot; returns the epoch to pass to `throttled`."""
        if self.in_flight < self.limit and not self._waiters:
            self.in_flight += 1
            return self._epoch
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
        return self._epoch

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[int]:
        epoch = await self.acquire()
        try:
            yield epoch
        finally:
            self.release()

    def throttled(self, epoch: int) -> None:
        """The endpoint said 429 to a request sent in `epoch`."""
        self._streak = 0
        if epoch == self._epoch:
            self.limit = max(1, self.limit // 2)
            self._epoch += 1
            self.throttles += 1

    def succeeded(self) -> None:
        self._streak += 1
        if self._streak >= self.limit and self.limit < self.maximum:
            self.limit += 1
            self._streak = 0
            self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.limit:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_result(None)
                self.in_flight += 1
