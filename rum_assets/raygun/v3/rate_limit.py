"""Client-side pacing for the Raygun v3 limits: 10 calls a second and 600 a minute per token.

A plain token bucket of 10 refilling at 10/s lets 20 calls into one of the server's second windows
(10 saved up, 10 refilled), so each window here is a sliding log instead: a call may start only
when fewer than ``limit`` calls started in the last ``seconds`` (plus a small margin for network
jitter between our start and the server's arrival time). That holds for any window the server may
count in, fixed or sliding. Thread-safe: concurrent detail fetches share one limiter.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

PERIOD_PATTERN = re.compile(r"^\s*(\d+)\s*([smhd])\s*$", re.IGNORECASE)
PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DAY_SECONDS = 86400


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


class SlidingWindowLimiter:
    def __init__(
        self,
        windows: Iterable[Window] = RAYGUN_V3_WINDOWS,
        *,
        margin_seconds: float = 0.05,
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
        self._starts: dict[Window, deque[float]] = {window: deque() for window in self.windows}
        self._lock = threading.Lock()
        self.waited_seconds = 0.0

    def _forget_old(self, now: float) -> None:
        for window, starts in self._starts.items():
            horizon = now - window.seconds - self.margin_seconds
            while starts and starts[0] <= horizon:
                starts.popleft()

    def _wait_needed(self, now: float) -> float:
        wait = 0.0
        for window, starts in self._starts.items():
            if len(starts) >= window.limit:
                oldest_blocking = starts[len(starts) - window.limit]
                wait = max(wait, oldest_blocking + window.seconds + self.margin_seconds - now)
        return wait

    def acquire(self) -> float:
        """Block until one more call fits every window, record it, return the seconds waited."""
        waited = 0.0
        for _ in range(10_000):
            with self._lock:
                now = self.monotonic()
                self._forget_old(now)
                wait = self._wait_needed(now)
                if wait <= 0:
                    for starts in self._starts.values():
                        starts.append(now)
                    self.waited_seconds += waited
                    return waited
            if waited + wait > self.max_wait_seconds:
                raise TimeoutError(f"the client-side rate limiter would wait more than {self.max_wait_seconds:.0f} s")
            self.sleep(wait)
            waited += wait
        raise TimeoutError("the client-side rate limiter did not free a slot after 10,000 waits")

    def observe_remaining(self, period_seconds: float, remaining: int) -> None:
        """The server says ``remaining`` calls are left in its ``period_seconds`` window.

        When that is fewer than we think (another process shares the token), count phantom calls
        now so that we slow down to what the server will accept.
        """
        with self._lock:
            now = self.monotonic()
            self._forget_old(now)
            for window, starts in self._starts.items():
                if abs(window.seconds - period_seconds) > 1e-9:
                    continue
                ours_left = window.limit - len(starts)
                for _ in range(max(0, ours_left - max(0, remaining))):
                    starts.append(now)

    def in_window(self, period_seconds: float) -> int:
        """Calls counted in the window of that length (for tests and logs)."""
        with self._lock:
            self._forget_old(self.monotonic())
            return sum(len(starts) for window, starts in self._starts.items() if window.seconds == period_seconds)
