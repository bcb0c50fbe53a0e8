"""Rate limits against the v3 emulator: ledger corrected from the headers, 429 with and without
``Retry-After``, the daily budget. The emulator and the client share one fake clock, so every wait
advances it and costs no wall time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from rum_assets.raygun.v3.client import token_ledger
from rum_assets.raygun.v3.rate_limit import SlidingWindowLimiter, Window
from rum_assets.transport.errors import CallBudgetExhaustedError, RateLimitedError
from rum_assets_tests.fakes import FakeClock
from rum_assets_tests.raygun.v3.conftest import NOW, WEB_APP, fake_time_client
from rum_emulator.raygun_v3 import DEMO_TOKEN


def unpaced(clock: FakeClock) -> SlidingWindowLimiter:
    """A limiter that lets everything through, so the server's limits are the ones that bite."""
    return SlidingWindowLimiter([Window(1_000_000, 1.0)], monotonic=lambda: clock.now.timestamp(), sleep=clock.advance)


def test_daily_remaining_header_corrects_our_ledger(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, _ = start_v3(per_second_limit=0, per_minute_limit=0, per_day_limit=10_000)
    other_process = fake_time_client(server, clock, tmp_path / "other")
    for _ in range(7):
        other_process.list_applications()
    with fake_time_client(server, clock, tmp_path) as client:
        assert client.ledger is not None
        client.list_applications()
        assert client.ledger.used() == 8  # 1 of ours + 7 the server counted from elsewhere
        assert client.transport.ledger_corrections == 7
        client.list_applications()
        assert client.ledger.used() >= 9  # with the rest of the block reserved ahead
    assert client.ledger.used() == 9  # closing handed the unused calls back
    other_process.close()


def test_minute_remaining_header_slows_the_limiter(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, recording = start_v3(per_minute_limit=5, per_second_limit=0, per_day_limit=0, retry_after_on_429=False)
    elsewhere = fake_time_client(server, clock, tmp_path / "other")
    for _ in range(3):
        elsewhere.list_applications()
    with fake_time_client(server, clock, tmp_path) as client:
        for _ in range(4):
            client.list_applications()
    assert 429 not in recording.statuses()  # the header told us 1 then 0 remained: we waited instead
    assert clock.now >= NOW + timedelta(seconds=30)
    elsewhere.close()


@pytest.mark.logs_at("WARNING", why="it is about retries, each logged as a WARNING")
def test_429_with_retry_after_is_waited_out(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, recording = start_v3(per_second_limit=2, per_minute_limit=0, per_day_limit=0, retry_after_on_429=True)
    with fake_time_client(server, clock, tmp_path, limiter=unpaced(clock)) as client:
        for _ in range(5):
            assert client.list_applications()
        assert client.ledger is not None and client.ledger.used() == client.calls_made
    assert recording.statuses().count(429) >= 1
    assert recording.statuses()[-1] == 200
    assert clock.now > NOW


@pytest.mark.logs_at("WARNING", why="it is about retries, each logged as a WARNING")
def test_429_without_retry_after_in_the_minute_window_waits_for_the_next_minute(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, recording = start_v3(
        per_second_limit=0, per_minute_limit=3, per_day_limit=0, retry_after_on_429=False, rate_limit_reset_header=False
    )
    with fake_time_client(server, clock, tmp_path, limiter=unpaced(clock)) as client:
        for _ in range(4):
            client.list_applications()
    assert recording.statuses() == [200, 200, 200, 429, 200]
    assert clock.now.replace(second=0, microsecond=0) == NOW + timedelta(minutes=1)


def test_server_saying_none_remain_today_stops_us_without_a_call(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, recording = start_v3(per_second_limit=0, per_minute_limit=0, per_day_limit=3)
    with fake_time_client(server, clock, tmp_path, limiter=unpaced(clock)) as client:
        for _ in range(3):
            client.list_applications()
        with pytest.raises(CallBudgetExhaustedError, match="resets at 2026-11-22T00:00:00"):
            client.list_applications()
    assert recording.statuses() == [200, 200, 200]


def test_429_in_the_day_window_fails_with_the_reset_time_and_marks_the_budget_spent(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, recording = start_v3(
        per_second_limit=0, per_minute_limit=0, per_day_limit=3, retry_after_on_429=False, rate_limit_reset_header=False
    )
    with fake_time_client(server, clock, tmp_path / "other", ledger=None, limiter=unpaced(clock)) as elsewhere:
        for _ in range(3):
            elsewhere.list_applications()
    with fake_time_client(server, clock, tmp_path, limiter=unpaced(clock)) as client:
        with pytest.raises(RateLimitedError) as caught:
            client.list_applications()
        assert caught.value.resets_at is not None and caught.value.resets_at.isoformat() == "2026-11-22T00:00:00+00:00"
        assert str(caught.value).startswith("Raygun v3 GET /applications (HTTP 429): the daily call budget of this token is spent")
        assert "X-Raygun-RequestId" in str(caught.value)
        assert client.ledger is not None and client.ledger.remaining() == 0
        with pytest.raises(CallBudgetExhaustedError):
            client.list_applications()
    assert recording.statuses() == [200, 200, 200, 429]


def test_our_ledger_stops_before_the_server_does(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, recording = start_v3(per_day_limit=0)
    ledger = token_ledger(tmp_path / "ledger.sqlite", DEMO_TOKEN, daily_limit=4, clock=clock)
    with fake_time_client(server, clock, tmp_path, ledger=ledger) as client:
        for _ in range(4):
            client.list_sessions(WEB_APP, count=1)
        with pytest.raises(CallBudgetExhaustedError, match="daily call budget of 4 calls is spent"):
            client.list_sessions(WEB_APP, count=1)
    assert len(recording.answers) == 4


def test_client_pacing_keeps_the_server_limits(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _app, recording = start_v3(per_second_limit=10, per_minute_limit=600, per_day_limit=10_000)
    with fake_time_client(server, clock, tmp_path, ledger=None) as client:
        for _ in range(650):
            client.list_sessions(WEB_APP, count=1)
    assert 429 not in recording.statuses()
    assert len(recording.answers) == 650
    assert clock.now >= NOW + timedelta(seconds=60)
