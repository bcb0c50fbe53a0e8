"""The client-side limiter: never more than a window's limit in any window, however late a call's
request arrives before its answer; thread-safe, in memory and on a shared store."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from rum_assets.budget.pacing_sqlite import SqlitePermitStore
from rum_assets.raygun.v3.rate_limit import SlidingWindowLimiter, Window, parse_period
from rum_assets_tests.fakes import ManualTime


def answered_at_once(limiter: SlidingWindowLimiter) -> float:
    """A call answered the moment it starts; the seconds it waited for its place."""
    with limiter.call() as permit:
        return permit.waited


def max_in_any_window(starts: list[float], seconds: float) -> int:
    starts = sorted(starts)
    best = 0
    for i, first in enumerate(starts):
        best = max(best, sum(1 for later in starts[i:] if later < first + seconds))
    return best


def test_periods() -> None:
    assert parse_period("1m") == 60
    assert parse_period("1d") == 86400
    assert parse_period(" 10S ") == 10
    assert parse_period("soon") is None
    assert parse_period(None) is None


def test_never_more_than_the_limits_in_any_window() -> None:
    clock = ManualTime()
    limiter = SlidingWindowLimiter([Window(10, 1.0), Window(600, 60.0)], margin_seconds=0.0, monotonic=clock.monotonic, sleep=clock.sleep)
    starts = []
    for _ in range(1500):
        answered_at_once(limiter)
        starts.append(clock.now)
    assert max_in_any_window(starts, 1.0) == 10
    assert max_in_any_window(starts, 60.0) == 600
    # 1500 calls at 10/s and 600/min: the minute window, not the second one, sets the pace
    assert clock.now - 1000.0 >= 120.0


def test_a_burst_of_ten_goes_at_once_the_eleventh_waits_a_second() -> None:
    clock = ManualTime()
    limiter = SlidingWindowLimiter([Window(10, 1.0)], margin_seconds=0.05, monotonic=clock.monotonic, sleep=clock.sleep)
    assert [answered_at_once(limiter) for _ in range(10)] == [0.0] * 10
    assert answered_at_once(limiter) == pytest.approx(1.05)


def test_server_saying_fewer_remain_slows_us_down() -> None:
    clock = ManualTime()
    limiter = SlidingWindowLimiter([Window(10, 1.0), Window(600, 60.0)], margin_seconds=0.0, monotonic=clock.monotonic, sleep=clock.sleep)
    answered_at_once(limiter)
    limiter.observe_remaining(60, 2)
    assert limiter.in_window(60) == 598
    answered_at_once(limiter)
    answered_at_once(limiter)
    assert answered_at_once(limiter) > 50  # the third after the server's "2 left" waits for the minute to pass
    limiter.observe_remaining(60, 500)  # more than we think: never loosens our own count
    assert limiter.in_window(60) <= 600


@pytest.mark.parametrize("stored", [False, True], ids=["memory", "sqlite"])
def test_threads_share_the_limit(stored: bool, tmp_path: Path) -> None:
    clock = ManualTime()
    store = SqlitePermitStore(tmp_path / "ledger.sqlite3", clock.monotonic) if stored else None
    limiter = SlidingWindowLimiter([Window(10, 1.0)], margin_seconds=0.0, monotonic=clock.monotonic, sleep=clock.sleep, store=store)
    starts: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            with limiter.call() as permit, lock:
                starts.append(permit.started)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(starts) == 200
    assert max_in_any_window(starts, 1.0) <= 10


def test_refuses_to_wait_beyond_its_bound() -> None:
    clock = ManualTime()
    limiter = SlidingWindowLimiter([Window(1, 600.0)], monotonic=clock.monotonic, sleep=clock.sleep, max_wait_seconds=5)
    answered_at_once(limiter)
    with pytest.raises(TimeoutError, match="more than 5 s"):
        limiter.acquire()


def test_a_call_holds_its_place_until_a_window_after_its_answer() -> None:
    """Ten calls started at once and answered half a second later may have reached the server as late
    as then: the eleventh waits for a second after those answers, not after those starts."""
    clock = ManualTime()
    limiter = SlidingWindowLimiter([Window(10, 1.0)], margin_seconds=0.0, monotonic=clock.monotonic, sleep=clock.sleep)
    permits = [limiter.acquire() for _ in range(10)]
    assert [permit.waited for permit in permits] == [0.0] * 10
    clock.sleep(0.5)
    for permit in permits:
        limiter.release(permit)
    clock.sleep(0.6)  # 1.1 s after the starts, 0.6 s after the answers
    assert limiter.acquire().waited == pytest.approx(0.4)


def test_calls_in_flight_hold_their_places_until_answered() -> None:
    clock = ManualTime()
    limiter = SlidingWindowLimiter([Window(2, 1.0)], margin_seconds=0.0, monotonic=clock.monotonic, sleep=clock.sleep)
    first, second = limiter.acquire(), limiter.acquire()
    clock.sleep(5.0)  # far past the window, but neither call has answered
    third: list[float] = []
    waiter = threading.Thread(target=lambda: third.append(limiter.acquire().started))
    waiter.start()
    waiter.join(timeout=0.2)
    assert waiter.is_alive() and not third
    answered = clock.monotonic()
    limiter.release(first)
    waiter.join(timeout=5)
    assert third == [pytest.approx(answered + 1.0)]  # a window after the first answer
    limiter.release(second)


def test_waiting_for_calls_in_flight_is_bounded() -> None:
    limiter = SlidingWindowLimiter([Window(1, 1.0)], max_wait_seconds=0.2)
    limiter.acquire()
    with pytest.raises(TimeoutError, match="in flight"):
        limiter.acquire()
