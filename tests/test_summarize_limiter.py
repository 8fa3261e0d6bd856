"""The adaptive concurrency limit, on its own: slow start spread over time, one off per 429, FIFO hand-off."""

from __future__ import annotations

import asyncio

from arxiv_digest.summarize.base import AdaptiveLimiter


def _busy(lim: AdaptiveLimiter, latency: float) -> None:
    """One success while every slot is in use (growth needs a limit that is used)."""
    lim.in_flight = lim.limit
    lim.succeeded(latency)


def test_each_429_takes_one_off_and_never_below_one() -> None:
    async def go() -> None:
        lim = AdaptiveLimiter(16)
        for _ in range(16):
            await lim.acquire()
        for _ in range(5):  # five requests too many: five 429s
            lim.throttled()
        assert lim.limit == 11 and lim.throttles == 5 and lim.ceiling == 12
        for _ in range(20):
            lim.throttled()
        assert lim.limit == 1

    asyncio.run(go())


def test_starts_at_most_at_32_and_slow_start_grows_one_per_success_spread_over_time() -> None:
    assert AdaptiveLimiter(8).limit == 8 and AdaptiveLimiter(64).limit == 32

    async def go() -> None:
        lim = AdaptiveLimiter(64)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        for _ in range(8):  # eight answers arrive together, each 0.2 s after it was sent
            _busy(lim, 0.2)
        assert lim.limit == 33  # one step now, the other seven spread over the next ~0.2 s / 33 each
        while lim.limit < 40:
            await asyncio.sleep(0.001)
        spent = loop.time() - t0
        assert 7 * 0.2 / 40 <= spent < 1.0
        lim.throttled()  # a 429: slow start is over
        assert lim.limit == 39
        for _ in range(39 * 3):  # near the ceiling: one step per fourth window of successes
            _busy(lim, 0.2)
        assert lim.limit == 39
        for _ in range(39):
            _busy(lim, 0.2)
        await asyncio.sleep(0.2 / 39)  # the growth step's spacing
        assert lim.limit == 40

    asyncio.run(go())


def test_grows_by_one_per_window_of_successes_up_to_the_maximum() -> None:
    async def go() -> None:
        lim = AdaptiveLimiter(6, initial=4)
        lim.throttled()  # out of slow start, ceiling 4, limit 3
        lim.ceiling = float("inf")  # (as if the ceiling were long ago)
        for _ in range(2):
            _busy(lim, 0.0)
        assert lim.limit == 3
        _busy(lim, 0.0)
        assert lim.limit == 4
        lim.in_flight = 1
        for _ in range(100):  # successes while the limit is not even used: no growth
            lim.succeeded(0.0)
        assert lim.limit == 4
        for _ in range(100):
            _busy(lim, 0.0)
            await asyncio.sleep(0)
        assert lim.limit == 6

    asyncio.run(go())


def test_waiters_get_slots_in_order_and_the_limit_holds() -> None:
    async def go() -> list[int]:
        lim = AdaptiveLimiter(2)
        order: list[int] = []
        peak = 0
        gate, two_in = asyncio.Event(), asyncio.Event()

        async def worker(i: int) -> None:
            nonlocal peak
            async with lim.slot():
                peak = max(peak, lim.in_flight)
                order.append(i)
                if len(order) == 2:
                    two_in.set()
                await gate.wait()

        tasks = [asyncio.create_task(worker(i)) for i in range(6)]
        await two_in.wait()
        assert order == [0, 1] and lim.in_flight == 2
        gate.set()
        await asyncio.gather(*tasks)
        assert peak == 2 and lim.in_flight == 0
        return order

    assert asyncio.run(go()) == [0, 1, 2, 3, 4, 5]


def test_a_cancelled_waiter_passes_its_slot_on() -> None:
    async def go() -> None:
        lim = AdaptiveLimiter(1)
        await lim.acquire()
        a = asyncio.create_task(lim.acquire())
        b = asyncio.create_task(lim.acquire())
        await asyncio.sleep(0)  # one loop turn: both tasks queue up as waiters
        assert len(lim._waiters) == 2
        lim.release()  # hands the slot to a ...
        a.cancel()  # ... which is cancelled before it runs: b must get it
        await asyncio.wait_for(b, 1)
        assert lim.in_flight == 1

    asyncio.run(go())
