"""The adaptive concurrency limit, on its own: halve on 429 once per window, grow slowly, FIFO hand-off."""

from __future__ import annotations

import asyncio

from arxiv_digest.summarize.base import AdaptiveLimiter


def test_halves_once_per_window_and_never_below_one() -> None:
    async def go() -> None:
        lim = AdaptiveLimiter(16)
        epochs = [await lim.acquire() for _ in range(16)]
        for e in epochs:  # a burst of 429s from one overload: one cut
            lim.throttled(e)
        assert lim.limit == 8 and lim.throttles == 1
        newer = await asyncio.wait_for(_acquire_after_release(lim), 1)
        lim.throttled(newer)  # a request sent after the cut is throttled too: cut again
        assert lim.limit == 4
        for _ in range(10):
            lim.throttled(lim._epoch)
        assert lim.limit == 1

    asyncio.run(go())


async def _acquire_after_release(lim: AdaptiveLimiter) -> int:
    for _ in range(lim.in_flight):
        lim.release()
    return await lim.acquire()


def test_grows_by_one_per_window_of_successes_up_to_the_maximum() -> None:
    lim = AdaptiveLimiter(6)
    lim.limit = 3
    for _ in range(2):
        lim.succeeded()
    assert lim.limit == 3
    lim.succeeded()
    assert lim.limit == 4
    for _ in range(100):
        lim.succeeded()
    assert lim.limit == 6


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
