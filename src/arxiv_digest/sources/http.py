"""The one polite HTTP client every request to arXiv goes through.

arXiv's terms for its legacy interfaces (RSS, query API, listings): one connection, one request at a time,
at least `delay_seconds` (3 s by default) between requests, and a descriptive User-Agent. The spacing is
measured from the END of the previous request, as arxiv.py does, so a slow answer never lets the next
request start early. Transient failures (timeouts, connection errors, 5xx, 429) are retried with
exponential backoff and full jitter, honouring `Retry-After`, until `max_retry_seconds` is used up: one
budget for the client's whole life (one fetch), not per request. Then one clear error names the URL and
how often we retried.

Every request has an overall deadline (`timeout_seconds`, and no more than what is left of the retry
budget once retrying): httpx's timeouts are per socket read, so a server that trickles a byte every half
second, in the status line or the body, would otherwise hold a request forever. The request runs on an
asyncio loop of the client's own, where one `asyncio.timeout` covers connect, headers and body.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urljoin

import httpx

from .. import USER_AGENT_NAME, __version__
from ..config import ArxivSettings
from ..errors import ArxivError, ArxivHTTPError, ArxivParseError

log = logging.getLogger(__name__)

HOMEPAGE = "https://github.com/arxiv-digest"
ARXIV_MIN_DELAY = 3.0  # arXiv's terms: never closer than this to arxiv.org, whatever the config says
BACKOFF_CAP_SECONDS = 60.0  # no single backoff wait longer than this (Retry-After may ask for more)
MAX_REDIRECTS = 5

Expect = Literal["xml", "html", "any"]


def user_agent(contact: str | None) -> str:
    """'arxiv-digest/0.1.0 (+https://github.com/arxiv-digest; mailto:me@example.org)'; no mailto if unset."""
    contact = (contact or "").strip()
    extra = f"; mailto:{contact}" if contact else ""
    return f"{USER_AGENT_NAME}/{__version__} (+{HOMEPAGE}{extra})"


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header (delta-seconds or an HTTP date) -> seconds to wait, None if absent/unreadable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT by definition
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def short_url(url: str, limit: int = 100) -> str:
    """URLs with 100 ids in them do not fit on one line of an error message; the full one is on the error."""
    return url if len(url) <= limit else url[: limit - 3] + "..."


@dataclass
class Answer:
    """A final answer from arXiv: the body and what is needed to judge it."""

    url: str
    status: int
    content_type: str
    content: bytes
    retries: int
    location: str | None = None  # for redirects


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying."""

    def __init__(self, reason: str, status: int = 0, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.wait = wait  # from Retry-After, when the server said


class ArxivClient:
    """One connection to arXiv, spaced requests, bounded retries. Use as a context manager or close()."""

    def __init__(
        self,
        settings: ArxivSettings,
        contact: str | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        backoff_seconds: float | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        pace_file: Path | None = None,
    ) -> None:
        self.delay = settings.delay_seconds
        self.timeout = settings.timeout_seconds
        # When the last request to arXiv ended, in wall-clock time, shared by every process using the same
        # data dir: arXiv counts the spacing per user, not per process (fetch, then rank, then a rerun).
        self.pace_file = pace_file
        self.max_retry_seconds = settings.max_retry_seconds
        # First backoff step; the spacing is the natural unit (and at least 1 s against a real server).
        self.backoff = backoff_seconds if backoff_seconds is not None else max(settings.delay_seconds, 1.0)
        self.user_agent = user_agent(contact)
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._last_end: float | None = None
        self.requests = 0  # every HTTP attempt, retries included
        self.retries = 0
        self.retry_seconds = 0.0  # time spent in requests that needed retries: counts against max_retry_seconds
        self._loop = asyncio.Runner()  # one loop for the client's life: the connection is kept between requests
        self._http = httpx.AsyncClient(
            headers={"User-Agent": self.user_agent},
            timeout=settings.timeout_seconds,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            follow_redirects=False,  # redirects go through our own loop so they are spaced too
            transport=transport,
        )

    def __enter__(self) -> ArxivClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._loop.run(self._http.aclose())
        finally:
            self._loop.close()

    # ------------------------------------------------------------ public

    def get(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        *,
        expect: Expect = "xml",
        error_bodies: tuple[int, ...] = (),
    ) -> Answer:
        """GET with spacing and retries; return the final 2xx answer (or one whose status is in
        `error_bodies`, e.g. the API's HTTP 400 error feed, which its parser turns into a clear error).

        Raises ArxivHTTPError on other statuses or when retries run out, ArxivError on network failure
        after retries, ArxivParseError when the content type is not the expected XML/HTML.
        """
        if params:
            url = str(httpx.URL(url, params=dict(params)))
        started = self._clock()
        attempt = redirects = 0
        while True:
            try:
                answer = self._attempt(url, attempt, error_bodies, started)
            except _Retry as r:
                wait = self._backoff_wait(attempt, r.wait)
                spent = self._clock() - started
                if self.retry_seconds + spent + wait > self.max_retry_seconds:
                    raise self._give_up(url, attempt, spent, r) from None
                log.warning("retrying %s in %.1f s: %s", short_url(url), wait, r.reason)
                attempt += 1
                self.retries += 1
                self._wait_until(self._clock() + wait)
                continue
            if 300 <= answer.status < 400:
                redirects += 1
                url = _redirect(answer, redirects)
                continue
            if attempt:
                self.retry_seconds += self._clock() - started
            _check_type(answer, expect)
            return answer

    # ------------------------------------------------------------ internals

    def _deadline(self, attempt: int, started: float) -> float:
        """Seconds this attempt may take in all: the timeout, and once retrying no more than the budget left."""
        if attempt == 0:
            return self.timeout
        left = self.max_retry_seconds - self.retry_seconds - (self._clock() - started)
        return max(min(self.timeout, left), 0.1)

    async def _get(self, url: str, seconds: float) -> httpx.Response:
        async with asyncio.timeout(seconds):
            return await self._http.get(url)  # the whole body is read inside the deadline

    def _attempt(self, url: str, attempt: int, error_bodies: tuple[int, ...], started: float) -> Answer:
        """One spaced HTTP request. Raises _Retry for transient failures, ArxivHTTPError for final ones."""
        delay = max(self.delay, ARXIV_MIN_DELAY) if _is_arxiv(url) else self.delay
        if self._last_end is not None:
            self._wait_until(self._last_end + delay)
        self._wait_for_other_processes(delay)
        self.requests += 1
        seconds = self._deadline(attempt, started)
        try:
            r = self._loop.run(self._get(url, seconds))
        except TimeoutError:
            raise _Retry(f"timed out (no complete answer within {seconds:.3g} s)") from None
        except httpx.TimeoutException as e:
            raise _Retry(f"timed out ({type(e).__name__})") from None
        except httpx.UnsupportedProtocol as e:  # a malformed base URL: retrying cannot help
            raise ArxivError(f"cannot request {short_url(url)}: {e}", url=url, retries=attempt) from None
        except httpx.TransportError as e:
            raise _Retry(f"connection failed ({type(e).__name__}: {e})") from None
        finally:
            self._last_end = self._clock()
            self._record_end()
        answer = Answer(
            url, r.status_code, r.headers.get("content-type", ""), r.content, attempt, r.headers.get("location")
        )
        if r.status_code == 429 or r.status_code >= 500:
            wait = retry_after_seconds(r.headers.get("retry-after"))
            said = f" (Retry-After {wait:g} s)" if wait is not None else ""
            raise _Retry(f"HTTP {r.status_code}{said}", r.status_code, wait)
        if r.status_code >= 400 and r.status_code not in error_bodies:
            raise ArxivHTTPError(
                f"arXiv answered HTTP {r.status_code} for {short_url(url)} (not retried)",
                url=url, retries=attempt, status=r.status_code,
            )  # fmt: skip
        return answer

    def _backoff_wait(self, attempt: int, retry_after: float | None) -> float:
        """Full jitter (uniform 0..base*2^n, capped); Retry-After is a floor we always honour."""
        jitter = self._rng.uniform(0, min(BACKOFF_CAP_SECONDS, self.backoff * 2**attempt))
        return max(jitter, retry_after) if retry_after is not None else jitter

    def _wait_for_other_processes(self, delay: float) -> None:
        if self.pace_file is None:
            return
        try:
            last = float(self.pace_file.read_text().strip() or 0)
        except (OSError, ValueError):
            return  # no record (first request ever) or unreadable: nothing to wait for
        remaining = min(last + delay - time.time(), delay)  # min: a clock set back must not stall us
        if remaining > 0:
            self._sleep(remaining)

    def _record_end(self) -> None:
        if self.pace_file is None:
            return
        try:
            self.pace_file.write_text(f"{time.time():.3f}\n")
        except OSError as e:  # the spacing within this process still holds
            log.warning("cannot record arXiv's request time in %s: %s", self.pace_file, e.strerror)

    def _wait_until(self, deadline: float) -> None:
        remaining = deadline - self._clock()
        if remaining > 0:
            self._sleep(remaining)

    def _give_up(self, url: str, attempt: int, spent: float, r: _Retry) -> ArxivError:
        before = f"{self.retry_seconds:.1f} s of retrying before; " if self.retry_seconds else ""
        msg = (
            f"arXiv kept failing for {short_url(url)}: {r.reason}; gave up after {attempt} "
            f"{'retry' if attempt == 1 else 'retries'} in {spent:.1f} s "
            f"({before}max_retry_seconds={self.max_retry_seconds:g})"
        )
        if r.status:
            return ArxivHTTPError(msg, url=url, retries=attempt, status=r.status)
        return ArxivError(msg, url=url, retries=attempt)


def _is_arxiv(url: str) -> bool:
    host = httpx.URL(url).host
    return host == "arxiv.org" or host.endswith(".arxiv.org")


def _redirect(answer: Answer, redirects: int) -> str:
    if not answer.location or redirects > MAX_REDIRECTS:
        raise ArxivHTTPError(
            f"arXiv answered HTTP {answer.status} for {short_url(answer.url)} without a usable redirect",
            url=answer.url, retries=answer.retries, status=answer.status,
        )  # fmt: skip
    return urljoin(answer.url, answer.location)


def _check_type(answer: Answer, expect: Expect) -> None:
    """An HTML error page served with 200 where XML is expected must never be parsed as a feed."""
    ctype = answer.content_type.lower()
    if expect == "any" or not ctype:
        return
    ok = "xml" in ctype if expect == "xml" else "html" in ctype
    if not ok:
        raise ArxivParseError(
            f"expected {expect.upper()} from {short_url(answer.url)} but got {ctype.split(';')[0]} "
            f"(HTTP {answer.status}; an error page?)",
            url=answer.url, retries=answer.retries,
        )  # fmt: skip
