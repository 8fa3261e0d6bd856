"""The polite client: spacing from the end of the previous request, bounded retries, clear errors.

Timing logic runs on a fake clock through httpx.MockTransport (no waiting); behaviour on the wire runs
against the fake arXiv server on 127.0.0.1, whose referee fails the test if spacing or the
one-request-at-a-time rule is broken.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from arxiv_digest import __version__
from arxiv_digest.config import ArxivSettings
from arxiv_digest.errors import ArxivAPIError, ArxivError, ArxivHTTPError, ArxivParseError
from arxiv_digest.sources.api import parse_api
from arxiv_digest.sources.http import ArxivClient, retry_after_seconds, user_agent
from fake_arxiv import REAL, FakeArxiv, Fault, synthetic_day, timeout, too_many, trickle, unavailable

URL = "https://export.example.org/api/query"  # not arxiv.org: these tests set their own spacing
XML = {"content-type": "application/atom+xml; charset=utf-8"}
Handler = Callable[[httpx.Request], httpx.Response]


class FakeTime:
    """A clock that only moves when the client sleeps or a request 'takes' time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def mock_client(handler: Handler, t: FakeTime, backoff: float = 1.0, **settings: float) -> ArxivClient:
    cfg = ArxivSettings.model_validate({"delay_seconds": 3.0, "max_retry_seconds": 60.0, **settings})
    return ArxivClient(cfg, "me@example.org", clock=t.clock, sleep=t.sleep, rng=random.Random(1),
                       backoff_seconds=backoff, transport=httpx.MockTransport(handler))  # fmt: skip


def scripted(*answers: httpx.Response | type[httpx.TransportError], t: FakeTime, takes: float = 0.0) -> Handler:
    """Answer requests in order with these responses / exceptions; each request lasts `takes` seconds."""
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        t.now += takes
        nxt = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(nxt, type):
            raise nxt("simulated", request=request)
        return nxt

    return handle


def ok() -> httpx.Response:
    return httpx.Response(200, headers=XML, content=b"<feed xmlns='http://www.w3.org/2005/Atom'/>")


# ---------------------------------------------------------------- headers and spacing


def test_user_agent_names_the_tool_and_the_contact_or_nothing() -> None:
    expected = f"arxiv-digest/{__version__} (+https://github.com/arxiv-digest; mailto:me@example.org)"
    assert user_agent("me@example.org") == expected
    assert user_agent(None) == f"arxiv-digest/{__version__} (+https://github.com/arxiv-digest)"
    assert user_agent("  ") == user_agent(None)


def test_spacing_is_measured_from_the_end_of_the_previous_request() -> None:
    t = FakeTime()
    with mock_client(scripted(ok(), t=t, takes=2.0), t) as client:
        client.get(URL)
        client.get(URL)
        client.get(URL)
    # Each request took 2 s; a client spacing from the START would have slept only 1 s.
    assert t.sleeps == [3.0, 3.0]
    assert client.requests == 3


def test_no_wait_when_the_previous_request_ended_long_ago() -> None:
    t = FakeTime()
    with mock_client(scripted(ok(), t=t), t) as client:
        client.get(URL)
        t.now += 10
        client.get(URL)
    assert t.sleeps == []


# ---------------------------------------------------------------- retries


def test_retry_after_seconds_is_honoured() -> None:
    t = FakeTime()
    busy = httpx.Response(503, headers={"Retry-After": "7"})
    with mock_client(scripted(busy, ok(), t=t), t, delay_seconds=0.0) as client:
        answer = client.get(URL)
    assert answer.status == 200 and answer.retries == 1
    assert t.sleeps == [7.0]


def test_retry_after_http_date_is_honoured() -> None:
    t = FakeTime()
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    with mock_client(scripted(httpx.Response(429, headers={"Retry-After": when}), ok(), t=t), t) as client:
        client.get(URL)
    assert len(t.sleeps) == 1 and 27 <= t.sleeps[0] <= 30


def test_retry_after_parsing() -> None:
    now = datetime(2026, 1, 28, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds("Wed, 28 Jan 2026 12:00:45 GMT", now) == 45
    assert retry_after_seconds("Wed, 28 Jan 2026 11:00:00 GMT", now) == 0  # in the past: go now
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_backoff_is_exponential_with_full_jitter_and_bounded_by_the_budget() -> None:
    t = FakeTime()
    with (
        mock_client(scripted(httpx.ReadTimeout, t=t, takes=1.0), t, delay_seconds=0, max_retry_seconds=40) as client,
        pytest.raises(ArxivError) as exc,
    ):
        client.get(URL)
    e = exc.value
    assert not isinstance(e, ArxivHTTPError)
    assert e.url == URL and e.retries == len(t.sleeps) >= 3
    for n, wait in enumerate(t.sleeps):  # full jitter: anywhere in [0, base * 2^n]
        assert 0 <= wait <= 1.0 * 2**n
    assert t.now - 1000.0 <= 40.0 + 1.0  # the budget, plus the last attempt's own duration
    assert str(e).startswith(f"arXiv kept failing for {URL}: timed out (ReadTimeout); gave up after {e.retries} ")
    assert str(e).endswith("(max_retry_seconds=40)")


def test_gives_up_with_the_url_retry_count_and_status() -> None:
    t = FakeTime()
    busy = httpx.Response(503, headers={"Retry-After": "5"})
    with (
        mock_client(scripted(busy, t=t), t, backoff=0.1, max_retry_seconds=12.0) as client,
        pytest.raises(ArxivHTTPError) as exc,
    ):
        client.get(URL, {"id_list": "2601.18927"})
    e = exc.value
    assert (e.status, e.retries) == (503, 2)
    assert e.url == f"{URL}?id_list=2601.18927"
    assert str(e) == (f"arXiv kept failing for {URL}?id_list=2601.18927: HTTP 503 (Retry-After 5 s); "
                      "gave up after 2 retries in 10.0 s (max_retry_seconds=12)")  # fmt: skip


def test_the_retry_budget_is_for_the_whole_fetch_not_each_request() -> None:
    """max_retry_seconds bounds the TOTAL retrying of a fetch: a flaky arXiv cannot stretch a fetch of
    7 requests to 7 times the budget."""
    t = FakeTime()
    busy = httpx.Response(503, headers={"Retry-After": "7"})
    with mock_client(scripted(busy, ok(), busy, ok(), t=t), t, delay_seconds=0.0, max_retry_seconds=10.0) as client:
        assert client.get(URL).retries == 1  # 7 s of the 10 s budget
        with pytest.raises(ArxivHTTPError) as exc:
            client.get(URL)  # another 7 s would make 14
    assert t.sleeps == [7.0]
    assert str(exc.value) == (f"arXiv kept failing for {URL}: HTTP 503 (Retry-After 7 s); gave up after 0 retries "
                              "in 0.0 s (7.0 s of retrying before; max_retry_seconds=10)")  # fmt: skip


def test_retry_after_beyond_the_budget_gives_up_at_once() -> None:
    t = FakeTime()
    with (
        mock_client(scripted(httpx.Response(429, headers={"Retry-After": "3600"}), t=t), t) as client,
        pytest.raises(ArxivHTTPError, match=r"HTTP 429 \(Retry-After 3600 s\); gave up after 0 retries"),
    ):
        client.get(URL)
    assert t.sleeps == []


def test_connection_errors_are_retried() -> None:
    t = FakeTime()
    with mock_client(scripted(httpx.ConnectError, ok(), t=t), t) as client:
        assert client.get(URL).status == 200
    assert client.requests == 2


def test_a_url_that_cannot_be_requested_is_not_retried() -> None:
    t = FakeTime()
    with (
        mock_client(scripted(httpx.UnsupportedProtocol, t=t), t) as client,
        pytest.raises(ArxivError, match=r"^cannot request https://export\.example\.org/api/query: simulated$"),
    ):
        client.get(URL)
    assert client.requests == 1 and t.sleeps == []


@pytest.mark.parametrize("status", [403, 404, 410])
def test_other_4xx_are_not_retried(status: int) -> None:
    t = FakeTime()
    with (
        mock_client(scripted(httpx.Response(status), t=t), t) as client,
        pytest.raises(ArxivHTTPError) as exc,
    ):
        client.get(URL)
    assert client.requests == 1 and exc.value.status == status and exc.value.retries == 0
    assert str(exc.value) == f"arXiv answered HTTP {status} for {URL} (not retried)"


def test_the_api_error_feed_reaches_the_parser() -> None:
    t = FakeTime()
    body = (REAL / "api_atom_2026_error_incorrect_id_http400.xml").read_bytes()
    with mock_client(scripted(httpx.Response(400, headers=XML, content=body), t=t), t) as client:
        answer = client.get(URL, {"id_list": "abc"}, error_bodies=(400,))
        with pytest.raises(ArxivHTTPError):  # without opting in, a 400 is an HTTP error
            client.get(URL, {"id_list": "abc"})
    assert answer.status == 400
    with pytest.raises(ArxivAPIError, match=r"^arXiv API error: incorrect id format for abc$"):
        parse_api(answer.content)


def test_html_where_xml_is_expected_is_a_parse_error() -> None:
    t = FakeTime()
    page = httpx.Response(200, headers={"content-type": "text/html"}, content=b"<html>Oops</html>")
    with mock_client(scripted(page, t=t), t) as client, pytest.raises(ArxivParseError) as exc:
        client.get(URL)
    assert str(exc.value) == f"expected XML from {URL} but got text/html (HTTP 200; an error page?)"
    assert client.requests == 1  # not retried: a fallback or a clear error is the caller's call


def test_redirects_are_followed_through_the_spacing() -> None:
    t = FakeTime()
    moved = httpx.Response(301, headers={"Location": "https://export.example.org/api/query2"})
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return moved if len(seen) == 1 else ok()

    with mock_client(handle, t) as client:
        assert client.get(URL).url == "https://export.example.org/api/query2"
    assert seen == [URL, "https://export.example.org/api/query2"] and t.sleeps == [3.0]


# ---------------------------------------------------------------- on the wire, refereed

DELAY = 0.05


@pytest.fixture
def fake() -> Iterator[FakeArxiv]:
    with FakeArxiv(min_spacing=DELAY, day=synthetic_day(5, ["cs.LG"])) as server:
        yield server


def wire_client(fake: FakeArxiv, **kw: float) -> ArxivClient:
    return ArxivClient(fake.arxiv_settings(**kw), "me@example.org", backoff_seconds=0.05)


def test_real_requests_are_spaced_on_one_connection_with_our_user_agent(fake: FakeArxiv) -> None:
    with wire_client(fake) as client:
        for _ in range(4):
            client.get(f"{fake.rss_url}/cs.LG")
    assert fake.counts["rss"] == 4
    assert set(fake.user_agents) == {user_agent("me@example.org")}
    # the referee (asserted when the fixture exits) saw no early or overlapping request


@pytest.mark.parametrize("fault", [unavailable("0"), unavailable(None), too_many("0"), too_many(None)])
def test_503_and_429_are_retried_and_recover(fake: FakeArxiv, fault: object) -> None:
    fake.fault("rss", fault)  # type: ignore[arg-type]
    with wire_client(fake) as client:
        answer = client.get(f"{fake.rss_url}/cs.LG")
    assert answer.status == 200 and answer.retries == 1 and fake.counts["rss"] == 2


def test_a_timeout_is_retried_and_recovers(fake: FakeArxiv) -> None:
    fake.fault("rss", timeout())
    with wire_client(fake, timeout_seconds=0.3) as client:
        answer = client.get(f"{fake.rss_url}/cs.LG")
    assert answer.status == 200 and answer.retries == 1 and fake.counts["rss"] == 2


def test_the_referee_catches_a_rude_client() -> None:
    fake = FakeArxiv(min_spacing=0.5, day=synthetic_day(5, ["cs.LG"]))
    fake.__enter__()
    with ArxivClient(fake.arxiv_settings(delay_seconds=0.0)) as client:
        client.get(f"{fake.rss_url}/cs.LG")
        client.get(f"{fake.rss_url}/cs.LG")
    fake.stop()
    assert len(fake.violations) == 1 and "minimum 0.5 s" in fake.violations[0]



def test_the_referee_catches_overlapping_requests() -> None:
    fake = FakeArxiv(min_spacing=0.0, day=synthetic_day(5, ["cs.LG"]))
    fake.__enter__()
    slow = Fault(gate=threading.Event())
    fake.fault("rss", slow)
    with ArxivClient(fake.arxiv_settings()) as first, ArxivClient(fake.arxiv_settings()) as second:
        worker = threading.Thread(target=first.get, args=(f"{fake.rss_url}/cs.LG",))
        worker.start()
        assert slow.entered.wait(timeout=10)
        second.get(f"{fake.rss_url}/cs.LG")  # a second connection while the first request is in flight
        assert slow.gate is not None
        slow.gate.set()
        worker.join()
    fake.stop()
    assert fake.violations == ["rss /rss/cs.LG: started while another request was in flight"]


def test_never_closer_than_3_s_to_arxiv_org_whatever_the_config() -> None:
    t = FakeTime()
    ok = httpx.Response(200, headers={"content-type": "application/atom+xml"}, content=b"<feed/>")
    with mock_client(scripted(ok, t=t), t, delay_seconds=0) as client:
        client.get("https://export.arxiv.org/api/query")
        client.get("https://rss.arxiv.org/rss/cs.LG")
        client.get(URL)  # another host: the configured spacing (0) applies
    assert t.sleeps == [3.0]


def test_spacing_holds_across_processes_through_the_pace_file(tmp_path: Path) -> None:
    """A second client (another process: a rank after a fetch, a rerun) waits for the first one's request."""
    pace = tmp_path / "arxiv-last-request"
    ok = httpx.Response(200, headers={"content-type": "application/atom+xml"}, content=b"<feed/>")
    first, second = FakeTime(), FakeTime()
    cfg = ArxivSettings(delay_seconds=3.0)
    with ArxivClient(cfg, clock=first.clock, sleep=first.sleep, transport=httpx.MockTransport(lambda r: ok),
                     pace_file=pace) as a:  # fmt: skip
        a.get(URL)
    assert first.sleeps == [] and float(pace.read_text()) > 0
    with ArxivClient(cfg, clock=second.clock, sleep=second.sleep, transport=httpx.MockTransport(lambda r: ok),
                     pace_file=pace) as b:  # fmt: skip
        b.get(URL)
    assert len(second.sleeps) == 1 and 2.0 < second.sleeps[0] <= 3.0  # the rest of the 3 s since a's request


# ---------------------------------------------------------------- servers that never finish answering


@pytest.mark.parametrize("status_line", [False, True], ids=["trickled-body", "slow-status-line"])
def test_a_trickling_server_cannot_outlast_the_retry_budget(status_line: bool) -> None:
    """httpx's timeouts are per read: a byte every 0.2 s never trips them. The request's own deadline does."""
    fake = FakeArxiv(min_spacing=DELAY, day=synthetic_day(5, ["cs.LG"]))
    fake.__enter__()
    fake.fault("rss", *[trickle(0.2, status_line=status_line)] * 20)
    outcome: list[BaseException] = []

    def fetch() -> None:
        with wire_client(fake, timeout_seconds=0.6, max_retry_seconds=1.0) as client:
            try:
                client.get(f"{fake.rss_url}/cs.LG")
            except ArxivError as e:
                outcome.append(e)

    worker = threading.Thread(target=fetch)
    worker.start()
    worker.join(timeout=30)  # the bound is about 0.6 s + 1.0 s; a client without a deadline would still be reading
    finished = not worker.is_alive()
    fake.stop()  # ends the trickle either way
    worker.join()
    assert finished, "the client was still reading a trickled answer after 30 s"
    assert fake.violations == []
    assert len(outcome) == 1 and "timed out (no complete answer within" in str(outcome[0])
    assert "\n" not in str(outcome[0]) and fake.counts["rss"] >= 2  # retried within the budget, then gave up
