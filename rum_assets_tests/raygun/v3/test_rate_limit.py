"""The client-side limiter: never more than a window's limit in any window, thread-safe."""

from __future__ import annotations

import threading

import pytest

from rum_assets.raygun.v3.rate_limit import SlidingWindowLimiter, Window, parse_period


class ManualTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.lock = threading.Lock()

    def monotonic(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


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
        limiter.acquire()
        starts.append(clock.now)
    assert max_in_any_window(starts, 1.0) == 10
    assert max_in_any_window(starts, 60.0) == 600
    # 1500 calls at 10/s and 600/min: the minute window, not the second one, sets the pace
    assert clock.now - 1000.0 >= 120.0


def test_a_burst_of_ten_goes_at_once_the_eleventh_waits_a_second() -> None:
    clock = ManualTime()
    limiter = SlidingWindowLimiter([Window(10, 1.0)], margin_seconds=0.05, monotonic=clock.monotonic, sleep=clock.sleep)
    assert [limiter.acquire() for _ in range(10)] == [0.0] * 10
    assert limiter.acquire() == pytest.approx(1.05)


def test_server_saying_fewer_remain_slows_us_down() -> None:
    clock = ManualTime()
    limiter = SlidingWindowLimiter([Window(10, 1.0), Window(600, 60.0)], margin_seconds=0.0, monotonic=clock.monotonic, sleep=clock.sleep)
    limiter.acquire()
    limiter.observe_remaining(60, 2)
    assert limiter.in_window(60) == 598
    limiter.acquire()
    limiter.acquire()
    assert limiter.acquire() > 50  # the third after the server's "2 left" waits for the minute to pass
    limiter.observe_remaining(60, 500)  # more than we think: never loosens our own count
    assert limiter.in_window(60) <= 600


def test_threads_share_the_limit() -> None:
    clock = ManualTime()
    limiter = SlidingWindowLimiter([Window(10, 1.0)], margin_seconds=0.0, monotonic=clock.monotonic, sleep=clock.sleep)
    starts: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            limiter.acquire()
            with lock:
                starts.append(clock.monotonic())

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
    limiter.acquire()
    with pytest.raises(TimeoutError, match="more than 5 s"):
        limiter.acquire()
