"""What the fake LLM knows about limits and slowness, as real providers show them on the wire.

- `RateLimit`: a hosted provider's requests- or tokens-per-window limit (OpenAI, Groq, Together...): a
  token bucket of `limit` refilled over `window` seconds, reported on every answer as
  x-ratelimit-limit-*, -remaining-* and -reset-* (Go-style durations such as "6m0s", "20ms"), and a
  429 with the same headers and retry-after-ms when it runs dry.
- `Slow`: an answer that takes its time on the wire: DeepSeek under load (no fixed limit: it keeps the
  connection open and sends blank lines until the answer is ready), a server that trickles a byte every
  half second forever after the headers, or one that sends even its status line that slowly.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def go_duration(seconds: float) -> str:
    """1.5 -> '1.5s', 0.02 -> '20ms', 90 -> '1m30s' (how OpenAI and Groq write x-ratelimit-reset-*)."""
    if seconds < 1:
        return f"{math.ceil(seconds * 1000)}ms"
    minutes, rest = divmod(seconds, 60)
    secs = f"{rest:.3f}".rstrip("0").rstrip(".") + "s"
    return f"{int(minutes)}m{secs}" if minutes else secs


class RateLimit:
    """One bucket: `limit` units per `window` seconds, full at the start, refilled continuously."""

    def __init__(self, kind: str, limit: float, window: float) -> None:
        self.kind = kind  # "requests" or "tokens"
        self.limit = limit
        self.rate = limit / window
        self.level = float(limit)
        self.at = time.monotonic()
        self._lock = threading.Lock()

    def take(self, cost: float) -> bool:
        with self._lock:
            self._refill()
            if self.level < cost:
                return False
            self.level -= cost
            return True

    def wait(self, cost: float) -> float:
        """Seconds until `cost` is available again."""
        with self._lock:
            self._refill()
            return max(0.0, (min(cost, self.limit) - self.level) / self.rate)

    def headers(self) -> dict[str, str]:
        with self._lock:
            self._refill()
            return {
                f"x-ratelimit-limit-{self.kind}": str(int(self.limit)),
                f"x-ratelimit-remaining-{self.kind}": str(int(self.level)),
                f"x-ratelimit-reset-{self.kind}": go_duration((self.limit - self.level) / self.rate),
            }

    def _refill(self) -> None:
        now = time.monotonic()
        self.level = min(self.limit, self.level + self.rate * (now - self.at))
        self.at = now


@dataclass
class Slow:
    """How a slow answer goes out: `filler` every `interval` seconds for `duration` seconds (None: until
    the server stops), then `payload` (a 200 JSON body). `before_status`: the filler goes out before
    even the status line is complete. `done` runs when the answer is over (load accounting)."""

    payload: Any
    interval: float
    duration: float | None
    filler: bytes = b"\n"
    before_status: bool = False
    done: Callable[[], None] | None = None


def write_slow(handler: Any, slow: Slow, release: threading.Event) -> None:
    """Write `slow` on a BaseHTTPRequestHandler's socket (chunked, so the body length need not be known)."""
    w = handler.wfile
    try:
        if slow.before_status:
            for ch in b"HTTP/1.1 200 OK\r\n":
                if release.wait(slow.interval):
                    return
                w.write(bytes([ch]))
                w.flush()
            return  # never gets further than the status line
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        end = None if slow.duration is None else time.monotonic() + slow.duration
        while end is None or time.monotonic() < end:
            wait = slow.interval if end is None else min(slow.interval, max(0.0, end - time.monotonic()))
            if release.wait(wait):
                return
            w.write(b"%x\r\n%s\r\n" % (len(slow.filler), slow.filler))
            w.flush()
        data = json.dumps(slow.payload, ensure_ascii=False).encode()
        w.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data))
        w.flush()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (its deadline) or was killed
    finally:
        if slow.done is not None:
            slow.done()
