"""Raygun's call-limit 429 without Retry-After: the day's budget is gone, so stop at once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rum_assets.budget.ledger import CallBudgetLedger
from rum_assets.transport.errors import CallBudgetExhaustedError, RateLimitedError
from rum_assets_tests.fakes import FakeClock
from rum_emulator.environment import DEMO_RAYGUN_API_KEY

from ..conftest import make_client

DAY = date(2026, 11, 20)


def test_a_429_without_retry_after_stops_at_once_and_spends_the_ledger(start_raygun, clock: FakeClock, tmp_path: Path) -> None:
    server, app = start_raygun(sessions_per_day=20, daily_call_limit=3, clock=clock, limit_retry_after=False)
    ledger = CallBudgetLedger(tmp_path / "l.sqlite3", "raygun:t", daily_limit=50, vendor="Raygun", clock=clock)
    sleeps: list[float] = []
    with make_client(server.base_url, clock=clock, ledger=ledger, sleep=sleeps.append) as client:
        session = next(client.iter_session_pages(DAY)).sessions[0]
        client.get_session(session.id, DAY)
        with pytest.raises(RateLimitedError) as raised:
            client.get_session(session.id, DAY)
        assert client.calls_made == 4  # auth, page, detail, the refused detail: no retry
        with pytest.raises(CallBudgetExhaustedError):
            client.get_session(session.id, DAY)
    assert sleeps == []
    assert server.requests_by_path["/api/v1/pulse/session"] == 2
    assert ledger.remaining() == 0
    assert app.calls_used(DEMO_RAYGUN_API_KEY, clock().date()) == 3
    error = raised.value
    assert error.resets_at is not None and error.resets_at.isoformat() == "2026-11-22T00:00:00+00:00"
    message = str(error)
    assert message.startswith("Raygun GET /api/v1/pulse/session for day 2026-11-20 (HTTP 429): rate limited without Retry-After")
    assert message.endswith("the budget resets at 2026-11-22T00:00:00+00:00")
