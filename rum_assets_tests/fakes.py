"""Test doubles that are not of our own client: a clock the emulator and the code under test share."""

from __future__ import annotations

from datetime import datetime, timedelta


class FakeClock:
    """A clock shared by the emulator and the client, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
