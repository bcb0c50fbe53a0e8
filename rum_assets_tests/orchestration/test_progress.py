"""A long step's progress lines: at most every few seconds, with rate, time left and calls left."""

from __future__ import annotations

import logging

import pytest

from rum_assets.orchestration.progress import PROGRESS_LOGGER, Progress, ProgressState


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_lines_come_at_most_every_interval_with_rate_time_left_and_calls_left(caplog: pytest.LogCaptureFixture) -> None:
    clock, calls = Ticks(), iter([990, 960])
    log = logging.getLogger("test.progress")
    progress = Progress(log, "Raygun v3 wb7k2q 2026-12-01", "details fetched", 100, calls_left=lambda: next(calls), clock=clock)
    with caplog.at_level(logging.INFO):
        for _ in range(10):
            clock.now += 0.25
            progress.advance()  # 2.5 s: nothing yet
        assert not caplog.records
        clock.now += 0.5
        progress.advance(20)  # 30 done after 3 s: 10/s, 70 left -> 7 s
        clock.now += 1.0
        progress.advance(10)  # 1 s after the last line: quiet
        clock.now += 2.0
        progress.advance(10)  # 50 done after 6 s
        progress.finish()
    lines = [r.getMessage() for r in caplog.records if r.name == "test.progress"]
    assert lines == [
        "Raygun v3 wb7k2q 2026-12-01: 30 of 100 details fetched (30%), 10.0/s, about 7 s left, 990 calls left today",
        "Raygun v3 wb7k2q 2026-12-01: 50 of 100 details fetched (50%), 8.3/s, about 6 s left, 960 calls left today",
    ]
    states = [r.progress for r in caplog.records if r.name == PROGRESS_LOGGER.name]
    assert [s.done for s in states] == [30, 50] and all(isinstance(s, ProgressState) for s in states)


def test_a_short_step_says_nothing_and_an_unknown_total_is_a_count(caplog: pytest.LogCaptureFixture) -> None:
    clock = Ticks()
    log = logging.getLogger("test.progress")
    with caplog.at_level(logging.INFO):
        quick = Progress(log, "Revenera p1 2026-12-01", "client pages read", clock=clock)
        quick.advance(3)
        quick.finish()
        assert not caplog.records
        said = Progress(log, "Revenera p1 2026-12-01", "client pages read", clock=clock)
        clock.now += 4
        said.advance(1)
        said.finish()  # the line just said so
        assert len([r for r in caplog.records if r.name == "test.progress"]) == 1
        caplog.clear()
        slow = Progress(log, "Revenera p1 2026-12-01", "client pages read", clock=clock)
        clock.now += 4
        slow.advance(8)
        slow.advance(2)
        clock.now += 1
        slow.finish()
        slow.finish()
    lines = [r.getMessage() for r in caplog.records if r.name == "test.progress"]
    assert lines == ["Revenera p1 2026-12-01: 8 client pages read, 2.0/s", "Revenera p1 2026-12-01: 10 client pages read, 2.0/s"]
