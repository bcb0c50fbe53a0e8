"""Progress of a long step as log lines a person can follow: done out of total, rate, time left, calls left.

A step that pages through a day's sessions or fetches its details reports at most every
``every_seconds`` (and once at the end), in the step's own log (the Dagster UI, the daemon, CI) and on
the ``rum_assets.progress`` Python logger with the figures attached, which the demo turns into a
progress bar when it runs in a terminal. Nothing has a handler on that logger elsewhere, so a run
prints each line once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

PROGRESS_LOGGER = logging.getLogger("rum_assets.progress")
EVERY_SECONDS = 3.0
"""How often a long step says where it is: often enough to see it move, rarely enough to read."""


@dataclass(frozen=True)
class ProgressState:
    """What one progress line says, for a renderer that draws it instead of printing it."""

    label: str
    unit: str
    done: int
    total: int | None
    rate_per_second: float
    seconds_left: float | None
    calls_left_today: int | None
    final: bool


def describe(state: ProgressState) -> str:
    parts = [f"{state.done:,} of {state.total:,} {state.unit}" if state.total is not None else f"{state.done:,} {state.unit}"]
    if state.total:
        parts[0] += f" ({state.done / state.total:.0%})"
    if state.rate_per_second > 0:
        parts.append(f"{state.rate_per_second:.1f}/s")
    if state.seconds_left is not None and not state.final:
        parts.append(f"about {state.seconds_left:.0f} s left")
    if state.calls_left_today is not None:
        parts.append(f"{state.calls_left_today:,} calls left today")
    return f"{state.label}: {', '.join(parts)}"


class Progress:
    """Counts what a step has done and reports it at most every ``every_seconds``.

    ``calls_left`` is read only when a line is written (it may query the call ledger).
    """

    def __init__(
        self,
        log: logging.Logger | logging.LoggerAdapter,
        label: str,
        unit: str,
        total: int | None = None,
        *,
        calls_left: Callable[[], int | None] | None = None,
        every_seconds: float = EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = log
        self.label = label
        self.unit = unit
        self.total = total
        self.done = 0
        self._calls_left = calls_left
        self._every = every_seconds
        self._clock = clock
        self._started = clock()
        self._next = self._started + every_seconds
        self._finished = False
        self._reported_done: int | None = None

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self._clock() >= self._next:
            self._report(final=False)

    def set_total(self, total: int | None) -> None:
        self.total = total

    def finish(self) -> None:
        """The last line, once, for a step long enough to report at all, unless the last line said it already."""
        if not self._finished and self._clock() - self._started >= self._every and self.done != self._reported_done:
            self._report(final=True)
        self._finished = True

    def state(self, *, final: bool = False) -> ProgressState:
        elapsed = max(self._clock() - self._started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if self.total is not None and rate > 0 else None
        calls_left = self._calls_left() if self._calls_left else None
        return ProgressState(self.label, self.unit, self.done, self.total, rate, left, calls_left, final)

    def _report(self, *, final: bool) -> None:
        self._next = self._clock() + self._every
        self._reported_done = self.done
        state = self.state(final=final)
        line = describe(state)
        self.log.info(line)
        PROGRESS_LOGGER.info(line, extra={"progress": state})
