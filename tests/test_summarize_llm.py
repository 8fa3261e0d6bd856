"""The OpenAI-compatible backend against the local fake server, through the real `openai` SDK."""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from arxiv_digest.config import Settings, load_settings
from arxiv_digest.errors import StoreError, SummarizeError
from arxiv_digest.store import Store
from arxiv_digest.summarize import OpenAISummarizer, SummarizeReport, summarize_day
from arxiv_digest.summarize.openai_backend import MODES
from arxiv_digest.summarize.prompt import load_prompt
from fake_llm import (
    LATEX_TAIL,
    SAMPLE_DAY,
    SEED,
    FakeLLM,
    fake_llm,  # noqa: F401  (fixture)
    fill_store,
    reference_fields,
    seed_paper,
    seed_store,  # noqa: F401  (fixture)
    synthetic_papers,
)

KEY = "sk-test-SECRET-1234567890"
FIELDS = ("tldr", "motivation", "method", "result", "conclusion")


def settings(fake: FakeLLM, data_dir: Path, **over: Any) -> Settings:
    base = {"llm.base_url": fake.url, "llm.api_key": KEY, "data_dir": data_dir, "llm.max_concurrency": 8,
            "llm.timeout_seconds": 10}  # fmt: skip
    return load_settings(overrides={**base, **over})


def backend(s: Settings, store: Store, **kw: Any) -> OpenAISummarizer:
    """The backend make_summarizer would build, with a short retry backoff so tests stay fast."""
    assert s.llm.base_url is not None
    return OpenAISummarizer(
        model=s.llm.model, language=s.language, base_url=s.llm.base_url, api_key=KEY,
        timeout=s.llm.timeout_seconds, memory=store, backoff_seconds=kw.pop("backoff_seconds", 0.01), **kw,
    )  # fmt: skip


def run(s: Settings, **kw: Any) -> SummarizeReport:
    with Store.open(s.data_dir) as store:
        return summarize_day(s, store, SAMPLE_DAY, backend=backend(s, store, **kw), progress=False)


def stored(data_dir: Path, paper_id: str) -> dict[str, str] | None:
    with Store.open(data_dir) as store:
        got = store.best_summaries([paper_id], "Chinese").get(paper_id)
        return None if got is None or got.kind != "llm" else {f: getattr(got.summary, f) for f in FIELDS}


@pytest.fixture
def small_store(tmp_path: Path) -> Iterator[Path]:
    data = tmp_path / "small"
    fill_store(data, [seed_paper(p) for p in SEED[:6]])
    yield data


def test_sample_day_gets_the_reference_summaries(fake_llm: FakeLLM, seed_store: Path) -> None:  # noqa: F811
    s = settings(fake_llm, seed_store, **{"llm.prices": {"deepseek-chat": {"input": 0.27, "output": 1.1}}})
    with Store.open(seed_store) as store:
        report = summarize_day(s, store, SAMPLE_DAY, progress=False)  # the backend make_summarizer builds
        assert (report.done, report.failed, report.calls, fake_llm.calls) == (131, 0, 131, 131)
        digest = store.load_day(SAMPLE_DAY, ["eess.SP", "cs.LG", "stat.ML"], "Chinese")
        for e in digest.entries:  # byte for byte the recorded Chinese fields
            assert e.summary is not None and e.summary.kind == "llm"
            assert {f: getattr(e.summary.summary, f) for f in FIELDS} == reference_fields(e.paper.id)
        pt, ct, cost = store.summary_usage([e.paper.id for e in digest.entries])
        assert (pt, ct) == (report.prompt_tokens, report.completion_tokens) and pt > 0 and ct > 0
        assert cost == pytest.approx(report.cost_usd) and report.cost_usd == pytest.approx((pt * 0.27 + ct * 1.1) / 1e6)
        assert store.runs(1)[0]["status"] == "ok"
    assert {c.mode for c in fake_llm.log} == {"json_schema"}
    again = run(settings(fake_llm, seed_store))
    assert (again.done, again.skipped_cached, again.calls, fake_llm.calls) == (0, 131, 0, 131)


def test_mode_ladder_and_memory(small_store: Path) -> None:
    fake = FakeLLM(reject_modes={"json_schema", "json_object_schema", "json_object"}).start()
    try:
        r = run(settings(fake, small_store))
        assert (r.done, r.failed) == (6, 0)
        modes = [c.mode for c in fake.log]
        assert modes[0] == "json_schema" and modes[-1] == "tools"
        # rejected requests are bounded by what was in flight (6 papers, 8 slots), not by the day's size
        assert all(modes.count(m) <= 6 for m in ("json_schema", "json_object_schema", "json_object"))
        assert modes.count("tools") == 6
        assert stored(small_store, SEED[0]["id"]) == reference_fields(SEED[0]["id"])  # read from tool_calls
        with Store.open(small_store) as store:
            assert store.get_mode(fake.url, "deepseek-chat") == "tools"
        fill_store(small_store, [seed_paper(p) for p in SEED[6:10]])  # more papers on the same day
        fake.reset_counts()
        r = run(settings(fake, small_store))
        assert r.done == 4 and [c.mode for c in fake.log] == ["tools"] * 4  # straight to what worked
    finally:
        fake.stop()


def test_rejections_bounded_by_concurrency_on_a_big_day(fake_llm: FakeLLM, seed_store: Path) -> None:  # noqa: F811
    fake_llm.reject_modes = {"json_schema"}
    r = run(settings(fake_llm, seed_store, **{"llm.max_concurrency": 4}))
    assert (r.done, r.failed) == (131, 0)
    assert 1 <= [c.mode for c in fake_llm.log].count("json_schema") <= 4 and r.calls <= 131 + 4


def test_plain_text_mode_and_no_mode_at_all(small_store: Path) -> None:
    fake = FakeLLM(reject_modes={"json_schema", "json_object_schema", "json_object", "tools"}).start()
    try:
        fake.for_paper(SEED[0]["id"], "prose")
        r = run(settings(fake, small_store))
        assert r.done == 6 and stored(small_store, SEED[0]["id"]) == reference_fields(SEED[0]["id"])
    finally:
        fake.stop()
    fake = FakeLLM(reject_modes={"json_schema", "json_object_schema", "json_object", "tools", "text"}).start()
    try:
        fill_store(small_store, [seed_paper(SEED[7])])
        with pytest.raises(SummarizeError, match="rejected every request format for model 'deepseek-chat'"):
            run(settings(fake, small_store))  # a new endpoint where nothing works: stop
        assert fake.calls <= 4 * 8
    finally:
        fake.stop()


def test_a_paper_the_endpoint_refuses_fails_alone(fake_llm: FakeLLM, small_store: Path) -> None:  # noqa: F811
    with Store.open(small_store) as store:
        store.set_mode(fake_llm.url, "deepseek-chat", "json_schema")
    pid = SEED[4]["id"]
    fake_llm.for_paper(pid, *["400"] * 5)
    r = run(settings(fake_llm, small_store))
    assert (r.done, r.failed) == (5, 1) and r.failures == [
        (pid, "the endpoint rejected the request (400): Content Exists Risk")
    ]
    assert [c.mode for c in fake_llm.calls_for(pid)] == list(MODES)
    with Store.open(small_store) as store:
        assert store.get_mode(fake_llm.url, "deepseek-chat") == "json_schema"  # the shared mode is kept


@pytest.mark.parametrize(
    ("behaviour", "calls"),
    [("latex", 1), ("fences", 1), ("prose", 1), ("truncated", 1),  # repaired in place
     ("missing", 2), ("english", 2), ("truncated_early", 2), ("refusal", 2), ("apology", 2)],  # asked again
)  # fmt: skip
def test_malformed_answers(fake_llm: FakeLLM, small_store: Path, behaviour: str, calls: int) -> None:  # noqa: F811
    pid = SEED[2]["id"]
    fake_llm.for_paper(pid, behaviour)
    r = run(settings(fake_llm, small_store))
    assert (r.done, r.failed) == (6, 0)
    assert len(fake_llm.calls_for(pid)) == calls
    want = reference_fields(pid)
    if behaviour == "latex":
        want["result"] += LATEX_TAIL  # single backslashes from the model, LaTeX intact in the store
        assert "\\frac{1}{\\sqrt{n}}" in LATEX_TAIL
    assert stored(small_store, pid) == want
    if calls == 2:  # the second request carries the first answer and what was wrong with it
        correction = fake_llm.calls_for(pid)[1].messages[-1]["content"]
        assert correction.startswith("Your previous answer could not be used:")


def test_persistent_failure_is_stored_retried_then_given_up(fake_llm: FakeLLM, small_store: Path) -> None:  # noqa: F811
    pid = SEED[1]["id"]
    fake_llm.for_paper(pid, *["english"] * 9)
    s = settings(fake_llm, small_store, **{"llm.max_attempts": 2})
    first = run(s)
    assert (first.done, first.failed, first.missing) == (5, 1, 1)
    assert first.failures[0][0] == pid and "not written in Chinese" in first.failures[0][1]
    assert len(fake_llm.calls_for(pid)) == 3  # one answer + two corrections
    second = run(s)
    assert (second.done, second.failed, second.calls) == (0, 1, 3)
    fake_llm.reset_counts()
    third = run(s)  # max_attempts runs failed: reported, not retried
    assert (third.calls, third.exhausted, third.missing, fake_llm.calls) == (0, 1, 1, 0)
    assert "gave up after 2 runs" in third.failures[0][1]
    with Store.open(small_store) as store:
        entry = next(e for e in store.load_day(SAMPLE_DAY, ["eess.SP"], "Chinese").entries if e.paper.id == pid)
        assert entry.summary is None and entry.failure is not None  # nothing fake is published
        assert store.failures([pid], "Chinese", "deepseek-chat", "summary-v1")[pid][0] == 2
        assert store.runs(1)[0]["status"] == "failed"


@pytest.mark.parametrize("error", ["429", "500", "hang"])
def test_transient_errors_are_retried(small_store: Path, error: str) -> None:
    fake = FakeLLM(retry_after="0").start()
    try:
        pid = SEED[3]["id"]
        fake.for_paper(pid, error, error)
        s = settings(fake, small_store, **{"llm.timeout_seconds": 0.5})
        r = run(s)
        assert (r.done, r.failed) == (6, 0) and len(fake.calls_for(pid)) == 3 and r.calls == 8
        assert stored(small_store, pid) == reference_fields(pid)
    finally:
        fake.stop()


def test_retry_after_is_honoured_and_429s_are_bounded_by_time(fake_llm: FakeLLM, small_store: Path) -> None:  # noqa: F811
    pid, other = SEED[0]["id"], SEED[1]["id"]
    fake_llm.retry_after = "0.1"
    fake_llm.for_paper(pid, *["429"] * 10)  # a 429 is no fault of the paper's: it is ridden out
    fake_llm.for_paper(other, *["429"] * 100)
    s = settings(fake_llm, small_store, **{"llm.max_concurrency": 2})
    r = run(s, max_transport_attempts=3, backoff_seconds=50, max_retry_seconds=2)
    # With a 50 s backoff, finishing at all means the server's 0.1 s Retry-After was used instead.
    assert (r.done, r.failed) == (5, 1) and len(fake_llm.calls_for(pid)) == 11
    n = len(fake_llm.calls_for(other))
    assert 10 <= n <= 21  # about 2 s of retries 0.1-0.15 s apart
    assert r.failures == [(other, f"HTTP 429: Rate limit reached (gave up after {n} attempts)")]


def test_bad_key_stops_at_once_without_leaking_it(seed_store: Path) -> None:  # noqa: F811
    fake = FakeLLM(api_key="sk-the-right-one").start()
    try:
        with pytest.raises(SummarizeError) as e:
            run(settings(fake, seed_store, **{"llm.max_concurrency": 4}))
        assert str(e.value) == f"the API key was rejected by {fake.url} (401); set OPENAI_API_KEY"
        assert 1 <= fake.calls <= 4  # what was in flight, not 131 (the server echoed the key; we never do)
    finally:
        fake.stop()
    db = b"".join(p.read_bytes() for p in seed_store.iterdir() if p.is_file())
    assert KEY.encode() not in db
    fake = FakeLLM(api_key=KEY).start()  # the same server takes the right key
    try:
        assert run(settings(fake, seed_store)).done == 131
    finally:
        fake.stop()


def test_unknown_model_stops_at_once(small_store: Path) -> None:
    fake = FakeLLM(models={"deepseek-chat"}).start()
    try:
        with pytest.raises(SummarizeError, match="does not know model 'no-such-model' \\(404\\)"):
            run(settings(fake, small_store, **{"llm.model": "no-such-model", "llm.max_concurrency": 2}))
        assert 1 <= fake.calls <= 2  # what was in flight; nothing is sent after the first 404
    finally:
        fake.stop()


def test_unreachable_endpoint_stops(small_store: Path) -> None:
    fake = FakeLLM().start()
    url = fake.url
    fake.stop()  # nothing listens on that port any more
    s = load_settings(overrides={"llm.base_url": url, "llm.api_key": KEY, "data_dir": small_store})
    with pytest.raises(SummarizeError, match=f"cannot reach {url}"):
        run(s)


def test_the_unreachable_message_names_the_refusal(small_store: Path) -> None:
    # the SDK's aiohttp transport calls a refused connection a connect timeout; the cause is what we report
    fake = FakeLLM().start()
    url = fake.url
    fake.stop()
    s = load_settings(overrides={"llm.base_url": url, "llm.api_key": KEY, "data_dir": small_store})
    with pytest.raises(SummarizeError) as e:
        run(s)
    assert "within" not in str(e.value) and "connect" in str(e.value).lower()


def test_a_store_failing_mid_run_stops_it_and_keeps_what_was_committed(
    fake_llm: FakeLLM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    fill_store(tmp_path / "d", synthetic_papers(40))
    s = settings(fake_llm, tmp_path / "d")
    real, saves = Store.save_summary, []

    def failing(self: Store, paper_id: str, *a: Any, **k: Any) -> None:
        saves.append(paper_id)
        if len(saves) == 10:
            raise StoreError(f"cannot write to the store in {self.data_dir}: database or disk is full")
        real(self, paper_id, *a, **k)

    monkeypatch.setattr(Store, "save_summary", failing)
    with pytest.raises(StoreError, match="disk is full"):
        run(s)
    monkeypatch.setattr(Store, "save_summary", real)
    with Store.open(tmp_path / "d") as store:
        kept = store.summarized_ids([p.id for p in synthetic_papers(40)], "Chinese", s.llm.model, load_prompt().version)
    # what was committed stays (also what finished while the run stopped); the failed write's paper is not stored
    assert len(kept) < 40 and saves[9] not in kept
    r = run(s)  # the next run does the rest
    assert r.done == 40 - len(kept) and r.skipped_cached == len(kept)


def test_a_run_leaves_the_collector_as_it_found_it(fake_llm: FakeLLM, small_store: Path) -> None:  # noqa: F811
    assert gc.get_freeze_count() == 0
    run(settings(fake_llm, small_store))
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_summaries_are_committed_from_a_thread_that_is_gone_when_the_run_ends(
    fake_llm: FakeLLM, small_store: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    real, writers = Store.save_summary, set()

    def save(self: Store, *a: Any, **k: Any) -> None:
        writers.add(threading.current_thread().name)
        real(self, *a, **k)

    monkeypatch.setattr(Store, "save_summary", save)
    before = set(threading.enumerate())
    r = run(settings(fake_llm, small_store))
    assert r.done > 0 and r.missing == 0
    # not the event loop's thread, and nothing left running or open once the run has returned
    assert writers and threading.main_thread().name not in writers
    assert set(threading.enumerate()) == before
    with Store.open(small_store) as store:
        assert len(store.summarized_ids([p.id for p in store.day_papers(SAMPLE_DAY)], "Chinese", r.model,
                                        r.prompt_version)) == r.done  # fmt: skip


def test_adaptive_concurrency_under_a_cap(tmp_path: Path) -> None:
    fake = FakeLLM(cap=3, latency=0.05, retry_after="0").start()
    try:
        fill_store(tmp_path / "d", synthetic_papers(40))
        r = run(settings(fake, tmp_path / "d", **{"llm.max_concurrency": 12}))
        assert (r.done, r.failed) == (40, 0)
        assert r.calls == 40 + fake.throttled and fake.throttled > 0 and r.throttles > 0
        # Halving keeps rejections to the first burst and the odd probe above the cap (10-20 here); a fixed
        # limit of 12 against a cap of 3 collects 150-200 and exhausts some papers' retries.
        assert fake.throttled <= 40
    finally:
        fake.stop()


def test_failure_reasons_never_contain_the_key(small_store: Path) -> None:
    fake = FakeLLM().start()
    try:
        pid = SEED[0]["id"]
        fake.for_paper(pid, *["500-echo"] * 5)
        r = run(settings(fake, small_store), max_transport_attempts=2)
        assert r.failed == 1 and r.failures[0][1] == (
            "HTTP 500: upstream failed for Authorization: Bearer *** (gave up after 2 attempts)"
        )
        with Store.open(small_store) as store:
            detail = json.loads(store.runs(1)[0]["detail"])
        assert detail["failed"] == 1 and KEY not in json.dumps(detail)
    finally:
        fake.stop()


def test_progress_bar_on_a_terminal(
    fake_llm: FakeLLM,  # noqa: F811
    small_store: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich draws its bar as on a terminal
    with Store.open(small_store) as store:
        r = summarize_day(settings(fake_llm, small_store), store, SAMPLE_DAY, progress=True)
    assert r.done == 6
    err = capsys.readouterr().err
    assert "6/6" in err and "0 failed" in err and "in flight" in err and "tok" in err


def test_a_web_page_instead_of_an_api_stops_at_once(small_store: Path) -> None:
    fake = FakeLLM().start()
    try:
        fake.script(*["html"] * 20)  # a base URL without /v1 on a host whose web site answers every path
        with pytest.raises(SummarizeError) as e:
            run(settings(fake, small_store, **{"llm.max_concurrency": 2}))
        assert str(e.value) == (
            f"{fake.url} answered with a text/html page, not a Chat Completions response; check the base URL "
            "(it usually ends in /v1)"
        )
        assert 1 <= fake.calls <= 2
    finally:
        fake.stop()
    with Store.open(small_store) as store:
        assert store.failures([p["id"] for p in SEED[:6]], "Chinese", "deepseek-chat", "summary-v1") == {}


def test_an_answer_without_choices_is_retried_not_corrected(fake_llm: FakeLLM, small_store: Path) -> None:  # noqa: F811
    once, always = SEED[3]["id"], SEED[4]["id"]
    fake_llm.for_paper(once, "no-choices")
    fake_llm.for_paper(always, *["no-choices"] * 3)
    r = run(settings(fake_llm, small_store), max_transport_attempts=3)
    assert (r.done, r.failed) == (5, 1)
    assert len(fake_llm.calls_for(once)) == 2 and stored(small_store, once) == reference_fields(once)
    assert [c.messages for c in fake_llm.calls_for(always)] == [fake_llm.calls_for(always)[0].messages] * 3
    assert r.failures == [(always, "no completion in the answer: upstream provider error (gave up after 3 attempts)")]


def test_no_credit_left_stops_at_once(seed_store: Path) -> None:  # noqa: F811
    fake = FakeLLM().start()
    try:
        fake.script(*["402"] * 200)
        with pytest.raises(SummarizeError) as e:
            run(settings(fake, seed_store, **{"llm.max_concurrency": 4}))
        assert str(e.value) == f"{fake.url} refused to serve the request (402): Insufficient Balance"
        assert 1 <= fake.calls <= 4  # not one futile call per paper
    finally:
        fake.stop()


def test_mode_ladder_on_a_server_that_answers_422(small_store: Path) -> None:
    fake = FakeLLM(reject_modes={"json_schema", "json_object_schema"}, reject_status=422).start()
    try:
        r = run(settings(fake, small_store))
        assert (r.done, r.failed) == (6, 0)
        with Store.open(small_store) as store:
            assert store.get_mode(fake.url, "deepseek-chat") == "json_object"
    finally:
        fake.stop()


def test_a_cut_short_json_body_is_retried(fake_llm: FakeLLM, small_store: Path) -> None:  # noqa: F811
    pid = SEED[2]["id"]
    fake_llm.for_paper(pid, "broken-json")
    r = run(settings(fake_llm, small_store))
    assert (r.done, r.failed) == (6, 0) and len(fake_llm.calls_for(pid)) == 2
    assert stored(small_store, pid) == reference_fields(pid)


def test_a_content_filter_stop_fails_the_paper_at_once(fake_llm: FakeLLM, small_store: Path) -> None:  # noqa: F811
    pid = SEED[2]["id"]
    fake_llm.for_paper(pid, "filtered", "filtered", "filtered")
    r = run(settings(fake_llm, small_store))
    assert (r.done, r.failed) == (5, 1) and len(fake_llm.calls_for(pid)) == 1  # asking again will not help
    assert r.failures == [(pid, "the endpoint's content filter stopped the answer")]
    assert stored(small_store, pid) is None
