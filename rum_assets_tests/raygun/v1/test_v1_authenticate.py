"""Authenticate by POST, falling back to GET once, and remembering what worked (over real HTTP)."""

from __future__ import annotations

from datetime import date

import pytest

from rum_assets.transport.errors import VendorHTTPError
from rum_assets_tests.fakes import FakeClock
from rum_emulator.faults import FaultRule

from ..conftest import make_client

DAY = date(2026, 11, 20)


@pytest.mark.parametrize("refusal", [404, 405])
def test_falls_back_to_get_once_and_remembers_it(start_raygun, clock: FakeClock, refusal: int) -> None:
    server, _ = start_raygun(
        sessions_per_day=20, daily_call_limit=0, clock=clock, authenticate_methods=("GET",), authenticate_refusal_status=refusal
    )
    with make_client(server.base_url, clock=clock) as client:
        client.authenticate()
        assert client.calls_made == 2  # POST refused, then GET
        client.authenticate()
        page = next(client.iter_session_pages(DAY))
    assert page.total_sessions == 20
    assert client.calls_made == 4  # the second authenticate went straight to GET
    assert client.authentications == 2
    assert server.requests_by_path["/api/v1/pulse/authenticate"] == 3


def test_post_is_used_when_accepted(start_raygun, clock: FakeClock) -> None:
    server, _ = start_raygun(daily_call_limit=0, clock=clock, authenticate_methods=("POST",))
    with make_client(server.base_url, clock=clock) as client:
        client.authenticate()
        client.authenticate()
    assert client.calls_made == 2 and client.authentications == 2


def test_get_is_tried_only_once(start_raygun, clock: FakeClock) -> None:
    server, _ = start_raygun(daily_call_limit=0, clock=clock)
    server.faults.add(FaultRule("/api/v1/pulse/authenticate", status=404, times=None))
    with (
        make_client(server.base_url, clock=clock) as client,
        pytest.raises(VendorHTTPError, match=r"GET /api/v1/pulse/authenticate \(HTTP 404\): authenticate refused POST and GET"),
    ):
        client.authenticate()
    assert server.requests_by_path["/api/v1/pulse/authenticate"] == 2
