"""The sessions of one application that exist at one moment: retained days, ordered by ``startedAt``.

Days ``today - retention_days`` through today (UTC, by the clock) are retained; of today only the sessions
that have started are visible, so sessions arrive at the tail as the clock moves and whole days expire at
the head at midnight. The visible sessions in ``(startedAt, identifier)`` order are the days in order and
``i`` in order within each day, so a page at any offset maps to ``(day, i)`` by arithmetic over day counts.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from datetime import datetime
from itertools import accumulate
from typing import Any

from rum_emulator.raygun_v3.sessions import SessionSource, encode_identifier
from rum_emulator.raygun_v3.timeutil import day_number, floor_ms


class SessionWindow:
    def __init__(self, source: SessionSource, now: datetime, retention_days: int) -> None:
        self.source = source
        self.now_ms = floor_ms(now)
        self.today = day_number(now.date())
        self.first_day = self.today - retention_days
        self._days: list[tuple[int, int, int]] | None = None

    @property
    def days(self) -> list[tuple[int, int, int]]:
        """``(day, visible sessions, sessions of the whole day)`` of every retained day, oldest first."""
        if self._days is None:
            days = []
            for day in range(max(0, self.first_day), self.today + 1):
                n = self.source.count(day)
                visible = n if day < self.today else self.source.started_by(day, self.now_ms, n)
                days.append((day, visible, n))
            self._days = days
        return self._days

    def visible(self, day: int) -> int:
        if not self.first_day <= day <= self.today:
            return 0
        return self.days[day - max(0, self.first_day)][1] if day >= 0 else 0

    @property
    def total(self) -> int:
        return sum(visible for _, visible, _ in self.days)

    def identifiers(self, day: int) -> list[str]:
        return [encode_identifier(self.source.app_index, day, i) for i in range(self.visible(day))]

    def _ascending(self, begin: int, end: int) -> Iterator[tuple[int, int, int]]:
        """``(day, i, n)`` of ascending positions ``begin..end-1``."""
        position = 0
        for day, visible, n in self.days:
            if position >= end:
                return
            if position + visible > begin:
                for i in range(max(0, begin - position), min(visible, end - position)):
                    yield day, i, n
            position += visible

    def page(self, offset: int, count: int, descending: bool, omit_nulls: bool) -> list[dict[str, Any]]:
        total = self.total
        if descending:
            begin, end = max(0, total - offset - count), max(0, total - offset)
        else:
            begin, end = min(total, offset), min(total, offset + count)
        rows = [
            self.source.summary(day, i, self.now_ms, omit_nulls, self.source.core(day, i, n)) for day, i, n in self._ascending(begin, end)
        ]
        return rows[::-1] if descending else rows

    def all_summaries(self, omit_nulls: bool) -> list[dict[str, Any]]:
        """Every visible session (for orderings other than ``startedAt``: O(sessions retained))."""
        return [
            self.source.summary(day, i, self.now_ms, omit_nulls, self.source.core(day, i, n))
            for day, i, n in self._ascending(0, self.total)
        ]

    def at(self, positions: list[int], omit_nulls: bool) -> list[dict[str, Any]]:
        """The sessions at these ascending-order positions, in the order given (each ``0 <= position < total``)."""
        starts = list(accumulate((visible for _, visible, _ in self.days), initial=0))
        rows = []
        for position in positions:
            index = bisect_right(starts, position) - 1
            day, _, n = self.days[index]
            i = position - starts[index]
            rows.append(self.source.summary(day, i, self.now_ms, omit_nulls, self.source.core(day, i, n)))
        return rows

    def with_xhr(self, uri: str) -> list[int]:
        """Ascending-order positions of the sessions that called ``uri`` (a scan of the retained days)."""
        positions: list[int] = []
        position = 0
        for day, visible, _ in self.days:
            for i in range(visible):
                if uri in self.source.xhr_uris(self.source.draws(day, i)):
                    positions.append(position + i)
            position += visible
        return positions
