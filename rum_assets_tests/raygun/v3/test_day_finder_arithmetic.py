"""The day finder's search and paging arithmetic over an in-memory, changing session list.

These pin the arithmetic (probe counts, re-anchoring, dedupe) on lists built exactly as each case
needs; the emulator tests run the same finder over HTTP.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from rum_assets.raygun.v3.day_finder import DayFinder
from rum_assets.raygun.v3.models import Session

DAY = date(2026, 11, 10)
DAY_START = datetime(2026, 11, 10, tzinfo=UTC)


class ChangingList:
    """Sessions ordered by ``startedAt``; ``before_call`` may add or expire sessions between calls."""

    def __init__(self, starts: list[datetime]) -> None:
        self.rows = sorted((moment, f"s{i:07d}") for i, moment in enumerate(starts))
        self.calls = 0
        self.before_call: Callable[[ChangingList], None] | None = None

    def __call__(self, offset: int, count: int, newest_first: bool) -> list[Session]:
        if self.before_call is not None:
            self.before_call(self)
        self.calls += 1
        rows = self.rows[::-1] if newest_first else self.rows
        return [Session(identifier=ident, started_at=moment) for moment, ident in rows[offset : offset + count]]

    def add(self, moment: datetime) -> None:
        bisect.insort(self.rows, (moment, f"n{len(self.rows):07d}"))

    def in_day(self) -> set[str]:
        return {ident for moment, ident in self.rows if DAY_START <= moment < DAY_START + timedelta(days=1)}


def spread(first: datetime, days: float, count: int) -> list[datetime]:
    step = timedelta(days=days) / max(count, 1)
    return [first + i * step for i in range(count)]


def app_with(day_sessions: int, *, days_before: int = 30, days_after: int = 5, per_other_day: int = 2000) -> ChangingList:
    starts = spread(DAY_START - timedelta(days=days_before), days_before, per_other_day * days_before)
    starts += spread(DAY_START, 1, day_sessions)
    starts += spread(DAY_START + timedelta(days=1), days_after, per_other_day * days_after)
    return ChangingList(starts)


@pytest.mark.parametrize("day_sessions", [0, 1, 499, 500, 501, 1999, 12_345])
def test_finds_exactly_the_days_sessions_in_logarithmic_probes(day_sessions: int) -> None:
    vendor = app_with(day_sessions)
    result = DayFinder(vendor).find(DAY)
    assert {s.identifier for s in result.sessions} == vendor.in_day()
    assert len(result.sessions) == day_sessions
    stats = result.stats
    assert stats.calls == vendor.calls
    assert stats.minimum_pages == math.ceil(day_sessions / 500)
    total = len(vendor.rows)
    assert stats.probes <= 2 + 2 * math.ceil(math.log2(total))
    # one row of overlap per page and at most one partial page of rows before the day
    assert stats.pages <= math.ceil((day_sessions + 500) / 499) + 1


def test_newest_first_for_yesterday() -> None:
    vendor = app_with(3000, days_before=60, days_after=1)
    result = DayFinder(vendor).find(DAY)
    assert result.stats.order == "startedAt desc"
    assert len(result.sessions) == 3000
    oldest_first = app_with(3000, days_before=1, days_after=60)
    assert DayFinder(oldest_first).find(DAY).stats.order == "startedAt"


def test_days_outside_the_list_cost_at_most_two_probes() -> None:
    vendor = app_with(100)
    assert DayFinder(vendor).find(DAY - timedelta(days=400)).stats.calls == 1
    assert DayFinder(vendor).find(DAY + timedelta(days=400)).stats.calls == 2
    assert DayFinder(ChangingList([])).find(DAY).stats.calls == 1


def test_probe_count_stays_flat_as_the_day_moves_back() -> None:
    vendor = ChangingList(spread(DAY_START - timedelta(days=89), 90, 90 * 1000))
    probes = []
    for back in range(0, 89, 8):
        result = DayFinder(vendor).find(DAY - timedelta(days=back))
        assert 990 <= len(result.sessions) <= 1010
        probes.append(result.stats.probes)
    assert max(probes) <= 2 + 2 * math.ceil(math.log2(90 * 1000))
    assert max(probes) - min(probes) <= 12


def test_head_expiring_mid_run_is_re_anchored_not_skipped() -> None:
    """The day sits at the retention edge; every call expires the 300 oldest sessions."""
    starts = (
        spread(DAY_START - timedelta(hours=2), 2 / 24, 3000) + spread(DAY_START, 1, 2500) + spread(DAY_START + timedelta(days=1), 1, 3000)
    )
    vendor = ChangingList(starts)
    expected = vendor.in_day()
    pages_seen = [0]

    def expire_head(lst: ChangingList) -> None:
        pages_seen[0] += 1
        if pages_seen[0] > 3:
            del lst.rows[:300]
            expected.intersection_update(ident for _, ident in lst.rows)

    vendor.before_call = expire_head
    result = DayFinder(vendor).find(DAY)
    found = {s.identifier for s in result.sessions}
    assert expected <= found  # everything still there at the end was found, nothing skipped
    assert len(found) == len(result.sessions)
    assert result.stats.reanchors >= 1


def test_sessions_arriving_at_the_newest_end_while_paging_newest_first() -> None:
    vendor = app_with(2200, days_before=40, days_after=1, per_other_day=300)
    arrival = [DAY_START + timedelta(days=2, hours=1)]

    def arrive(lst: ChangingList) -> None:
        for _ in range(120):
            arrival[0] += timedelta(seconds=1)
            lst.add(arrival[0])

    vendor.before_call = arrive
    result = DayFinder(vendor).find(DAY)
    assert result.stats.order == "startedAt desc"
    assert {s.identifier for s in result.sessions} == vendor.in_day()
    assert len(result.sessions) == 2200


def test_today_newest_first_keeps_every_session_present_when_paging_began() -> None:
    """Arrivals push rows to higher offsets: they show up twice (dropped), none is skipped."""
    vendor = ChangingList(spread(DAY_START - timedelta(days=1), 1, 400) + spread(DAY_START, 0.5, 1200))
    moment = [DAY_START + timedelta(hours=13)]
    present_at_first_page: set[str] = set()

    def arrive(lst: ChangingList) -> None:
        for _ in range(50):
            moment[0] += timedelta(seconds=30)
            lst.add(moment[0])
        if lst.calls == 2:
            present_at_first_page.update(lst.in_day())

    vendor.before_call = arrive
    result = DayFinder(vendor).find(DAY)
    assert result.stats.order == "startedAt desc"
    found = {s.identifier for s in result.sessions}
    assert len(found) == len(result.sessions)
    assert present_at_first_page <= found <= vendor.in_day()
    assert len(present_at_first_page) == 1200 + 3 * 50


def test_bounded_when_the_list_never_ends() -> None:
    class Endless:
        def __call__(self, offset: int, count: int, newest_first: bool) -> list[Session]:
            return [Session(identifier=f"x{offset + i}", started_at=DAY_START + timedelta(hours=1)) for i in range(count)]

    with pytest.raises(Exception, match="gave up after 50 list calls"):
        DayFinder(Endless(), max_calls=50).find(DAY)
