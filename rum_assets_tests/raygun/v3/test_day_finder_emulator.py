"""The day finder over HTTP against the v3 emulator: exact days of any size in few calls, and
sessions arriving and expiring while it pages (the shared fake clock moves between calls)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from rum_assets.raygun.v3.client import RaygunV3Client
from rum_assets.raygun.v3.day_finder import DayFinder, DayResult, find_day
from rum_assets.raygun.v3.models import Session
from rum_assets_tests.fakes import FakeClock
from rum_assets_tests.raygun.v3.conftest import WEB_APP, fake_time_client

TARGET = date(2026, 11, 10)


def shaped(target_count: int, other_days: int = 700) -> Callable[[str, date], int]:
    return lambda app, day: target_count if day == TARGET else other_days


@pytest.mark.parametrize("count", [0, 1, 499, 500, 501, 4321])
def test_exact_day_in_few_calls(start_v3, clock: FakeClock, tmp_path: Path, count: int) -> None:
    server, app, recording = start_v3(sessions_per_day=shaped(count), retention_days=60)
    with fake_time_client(server, clock, tmp_path) as client:
        result = find_day(client, WEB_APP, TARGET)
    assert [s.identifier for s in sorted(result.sessions, key=lambda s: (s.started_at, s.identifier))] == app.sessions_on(WEB_APP, TARGET)
    stats = result.stats
    assert stats.sessions == count
    assert stats.attempts == stats.calls == len(recording.answers)
    assert stats.minimum_pages == -(-count // 500)
    assert stats.probes <= 12
    assert stats.pages <= stats.minimum_pages + 2
    assert all(s.started_at.date() == TARGET for s in result.sessions)


def test_days_outside_retention_and_in_the_future_are_empty(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, _ = start_v3(sessions_per_day=300, retention_days=30)
    with fake_time_client(server, clock, tmp_path) as client:
        old = find_day(client, WEB_APP, date(2026, 9, 1))
        future = find_day(client, WEB_APP, date(2026, 12, 1))
    assert old.sessions == [] and old.stats.calls == 1
    assert future.sessions == [] and future.stats.calls == 2


def moving_finder(client: RaygunV3Client, clock: FakeClock, advance: Callable[[int, int], float]) -> DayFinder:
    """A finder whose every list call first moves the shared clock by ``advance(call, count)`` seconds."""
    calls = [0]

    def lister(offset: int, count: int, newest_first: bool) -> list[Session]:
        clock.advance(advance(calls[0], count))
        calls[0] += 1
        return client.list_sessions(
            WEB_APP, count=count, offset=offset, orderby="startedAt desc" if newest_first else "startedAt", day=TARGET
        )

    return DayFinder(lister)


def test_head_expiring_while_paging_oldest_first(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    """The day after the oldest retained one; midnight passes after the first page and the whole
    oldest day (ahead of our offsets) expires, shifting every row down by a day's sessions."""
    clock.now = datetime(2026, 11, 20, 23, 58, tzinfo=UTC)
    server, app, _ = start_v3(sessions_per_day=shaped(2600, 1500), retention_days=11)
    expected = app.sessions_on(WEB_APP, TARGET)
    assert len(expected) == 2600
    pages = [0]

    def advance(call: int, count: int) -> float:
        if count > 1:
            pages[0] += 1
        return 300.0 if pages[0] == 2 and count > 1 else 0.0

    with fake_time_client(server, clock, tmp_path) as client:
        result: DayResult = moving_finder(client, clock, advance).find(TARGET)
    assert result.stats.order == "startedAt"
    assert app.session_count(WEB_APP, TARGET - timedelta(days=1)) == 0  # the day before did expire mid-run
    assert sorted(s.identifier for s in result.sessions) == sorted(expected)
    assert result.stats.reanchors >= 1


def test_arrivals_while_paging_yesterday_newest_first(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    clock.now = datetime(2026, 11, 11, 6, 0, tzinfo=UTC)
    server, app, _ = start_v3(sessions_per_day=shaped(3100, 20_000), retention_days=40)
    expected = app.sessions_on(WEB_APP, TARGET)
    with fake_time_client(server, clock, tmp_path) as client:
        result = moving_finder(client, clock, lambda call, count: 120.0).find(TARGET)
    assert result.stats.order == "startedAt desc"
    assert clock.now > datetime(2026, 11, 11, 6, 10, tzinfo=UTC)  # hundreds of sessions arrived meanwhile
    assert sorted(s.identifier for s in result.sessions) == sorted(expected)
    assert len({s.identifier for s in result.sessions}) == len(result.sessions)


def test_today_is_what_exists_now(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, app, _ = start_v3(sessions_per_day=2000, retention_days=10)
    with fake_time_client(server, clock, tmp_path) as client:
        result = find_day(client, WEB_APP, clock.now.date())
    assert sorted(s.identifier for s in result.sessions) == sorted(app.sessions_on(WEB_APP, clock.now.date()))
    assert 0 < len(result.sessions) < 2000
