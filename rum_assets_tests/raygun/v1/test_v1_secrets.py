"""No Raygun secret (the consumer application's client id included) reaches a log line or an error."""

from __future__ import annotations

import base64
import logging
from datetime import date

import pytest

from rum_assets.transport.errors import VendorHTTPError
from rum_assets_tests.fakes import FakeClock
from rum_emulator.environment import DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET
from rum_emulator.faults import FaultRule

from ..conftest import make_client

DAY = date(2026, 11, 20)
BASIC = base64.b64encode(f"{DEMO_RAYGUN_CLIENT_ID}:{DEMO_RAYGUN_CLIENT_SECRET}".encode()).decode()
ECHO = f'{{"message": "bad request from {DEMO_RAYGUN_CLIENT_ID} key={DEMO_RAYGUN_API_KEY} secret={DEMO_RAYGUN_CLIENT_SECRET} auth=Basic {BASIC}"}}'.encode()
SECRETS = (DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_SECRET, BASIC)


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


@pytest.mark.logs_at("WARNING", why="it is about retries, each logged as a WARNING")
def test_retry_warnings_and_errors_mask_echoed_credentials(start_raygun, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    server, _ = start_raygun(daily_call_limit=0, clock=clock)
    server.faults.add(FaultRule("/api/v1/pulse/authenticate", status=500, times=None, body=ECHO))
    with (
        caplog.at_level(logging.WARNING),
        make_client(server.base_url, clock=clock, sleep=lambda _: None) as client,
        pytest.raises(VendorHTTPError) as raised,
    ):
        client.authenticate()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and all("bad request from ***" in w for w in warnings)
    assert [leak for w in warnings for leak in _leaks(w)] == []
    assert "bad request from ***" in str(raised.value) and _leaks(str(raised.value)) == []


@pytest.mark.logs_at("WARNING", why="it is about retries, each logged as a WARNING")
def test_data_call_warnings_mask_the_client_id(start_raygun, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    server, _ = start_raygun(sessions_per_day=10, daily_call_limit=0, clock=clock)
    server.faults.add(FaultRule("/api/v1/pulse/sessions", status=503, times=1, body=ECHO))
    with caplog.at_level(logging.WARNING), make_client(server.base_url, clock=clock, sleep=lambda _: None) as client:
        assert next(client.iter_session_pages(DAY)).total_sessions == 10
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "HTTP 503" in warnings[0] and _leaks(warnings[0]) == []
