"""Client-side pacing for the Raygun v3 limits: 10 calls a second and 600 a minute per token.

The server counts a call in the window in which the request *arrives*, which we never see: it lies
somewhere between the moment we start the call and the moment its answer is back. A limiter that
counts from the start (a token bucket, or a log of start times) is therefore fooled by jitter: an
early call delayed on the way and a later one that is not can arrive in the same server second as
ten others. So each call is held from its start until ``seconds`` after its answer came back (a call
still in flight holds its place indefinitely): a new call may start only when fewer than ``limit``
calls could still share a window with it. That holds for any window the server may count in, fixed
or sliding, whatever the network does, at the price of the round trip (at 100 ms of latency, 10
calls per 1.1 s instead of per 1 s). Thread-safe: concurrent detail fetches share one limiter.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

PERIOD_PATTERN = re.compile(r"^\s*(\d+)\s*([smhd])\s*$", re.IGNORECASE)
PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DAY_SECONDS = 86400
IN_FLIGHT = float("inf")


def parse_period(value: str | None) -> int | None:
    """Seconds in an ``X-Rate-Limit-Limit`` period such as ``1m`` or ``1d``; None if unreadable."""
    if value is None:
        return None
    match = PERIOD_PATTERN.match(value)
    if match is None:
        return None
    return int(match.group(1)) * PERIOD_SECONDS[match.group(2).lower()]


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: float


RAYGUN_V3_WINDOWS = (Window(10, 1.0), Window(600, 60.0))


@dataclass(eq=False)
class Permit:
    """One call's place in the limiter: held from its start until ``ended`` plus a window's length."""

    started: float
    waited: float = 0.0
    """Seconds the call waited for its place."""
    ended: float = field(default=IN_FLIGHT)


class SlidingWindowLimiter:
    def __init__(
        self,
        windows: Iterable[Window] = RAYGUN_V3_WINDOWS,
        *,
        margin_seconds: float = 0.01,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_wait_seconds: float = 120.0,
    ) -> None:
        self.windows = tuple(windows)
        for window in self.windows:
            if window.limit < 1 or window.seconds <= 0:
                raise ValueError(f"a rate window needs a positive limit and length, not {window}")
        self.margin_seconds = margin_seconds
        self.monotonic = monotonic
        self.sleep = sleep
        self.max_wait_seconds = max_wait_seconds
        self._held: dict[Window, list[Permit]] = {window: [] for window in self.windows}
        self._released = threading.Condition()
        self.waited_seconds = 0.0

    def _forget_old(self, now: float) -> None:
        for window, permits in self._held.items():
            horizon = now - window.seconds - self.margin_seconds
            permits[:] = [permit for permit in permits if permit.ended > horizon]

    def _wait_needed(self, now: float) -> float:
        """Seconds until one more call fits every window; ``IN_FLIGHT`` when only an answer can free a place."""
        wait = 0.0
        for window, permits in self._held.items():
            if len(permits) >= window.limit:
                ends = sorted(permit.ended for permit in permits)
                freeing = ends[len(ends) - window.limit]
                wait = max(wait, freeing + window.seconds + self.margin_seconds - now)
        return wait

    def acquire(self) -> Permit:
        """Block until one more call fits every window and hold a place for it; ``release`` it once answered."""
        waited = 0.0
        for _ in range(10_000):
            with self._released:
                now = self.monotonic()
                self._forget_old(now)
                wait = self._wait_needed(now)
                if wait <= 0:
                    permit = Permit(now, waited)
                    for permits in self._held.values():
                        permits.append(permit)
                    self.waited_seconds += waited
                    return permit
                if wait == IN_FLIGHT:
                    if waited >= self.max_wait_seconds:
                        raise TimeoutError(
                            f"the client-side rate limiter waited {self.max_wait_seconds:.0f} s for calls in flight to answer"
                        )
                    before = time.monotonic()
                    self._released.wait(timeout=self.max_wait_seconds - waited)
                    waited += time.monotonic() - before
                    continue
            if waited + wait > self.max_wait_seconds:
                raise TimeoutError(f"the client-side rate limiter would wait more than {self.max_wait_seconds:.0f} s")
            self.sleep(wait)
            waited += wait
        raise TimeoutError("the client-side rate limiter did not free a place after 10,000 waits")

    def release(self, permit: Permit) -> None:
        """The call's answer (or its failure) is back: it can have arrived no later than now."""
        with self._released:
            if permit.ended == IN_FLIGHT:
                permit.ended = self.monotonic()
            self._released.notify_all()

    @contextmanager
    def call(self) -> Iterator[Permit]:
        """Hold a place for the call made inside the block."""
        permit = self.acquire()
        try:
            yield permit
        finally:
            self.release(permit)

    def observe_remaining(self, period_seconds: float, remaining: int) -> None:
        """The server says ``remaining`` calls are left in its ``period_seconds`` window.

        When that is fewer than we think (another process shares the token), count phantom calls
        answered now so that we slow down to what the server will accept.
        """
        with self._released:
            now = self.monotonic()
            self._forget_old(now)
            for window, permits in self._held.items():
                if abs(window.seconds - period_seconds) > 1e-9:
                    continue
                ours_left = window.limit - len(permits)
                for _ in range(max(0, ours_left - max(0, remaining))):
                    permits.append(Permit(now, ended=now))

    def in_window(self, period_seconds: float) -> int:
        """Calls counted in the window of that length (for tests and logs)."""
        with self._released:
            self._forget_old(self.monotonic())
            return sum(len(permits) for window, permits in self._held.items() if window.seconds == period_seconds)
