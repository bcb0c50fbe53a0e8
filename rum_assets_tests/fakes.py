"""Test doubles that are not of our own client: a clock the emulator and the code under test share."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta


class FakeClock:
    """A clock shared by the emulator and the client, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class ManualTime:
    """Seconds on a clock that only sleeping moves: a limiter's waits cost no wall time."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.lock = threading.Lock()

    def monotonic(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds
