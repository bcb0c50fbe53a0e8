"""v1 session keys the server ends early, under 8 details in flight, over real HTTP against the emulator.

Raygun promises a key for 15 minutes, but a server may end it sooner (after a few uses, or at any
moment). A 401 on a data call then means "renew the key", not "the credentials are wrong"; the
renewals are bounded per call and per run, and every one is a call counted in the ledger.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from rum_assets.budget.ledger import CallBudgetLedger
from rum_assets.raygun.v1.client import AUTHENTICATE_PATH, SESSION_PATH, SESSIONS_PATH
from rum_assets.raygun.v1.session_keys import MIN_REFUSED_KEYS_CAP
from rum_assets.transport.errors import SessionKeysRefusedError
from rum_assets_tests.fakes import FakeClock
from rum_emulator.environment import DEMO_RAYGUN_API_KEY
from rum_emulator.faults import FaultRule
from rum_emulator.raygun import RaygunApp, RaygunEmulatorConfig
from rum_emulator.server import EmulatorServer

from ..conftest import make_client
from .test_v1_concurrent_details import DAY, CountingFaults, detail_ids, load_details, serve, warehouse_with_sessions

__all__ = ["serve"]


def _authenticate(server: EmulatorServer) -> str:
    response = httpx.post(
        server.base_url + AUTHENTICATE_PATH,
        headers={"X-ApiKey": DEMO_RAYGUN_API_KEY},
        auth=("demo-raygun-client-id", "demo-raygun-client-secret"),
    )
    assert response.status_code == 202
    return str(response.json()["sessionKey"])


def _list(server: EmulatorServer, key: str) -> int:
    return httpx.get(
        server.base_url + SESSIONS_PATH, params={"dateFrom": "2026-11-20", "dateTo": "2026-11-20"}, headers={"X-SessionKey": key}
    ).status_code


def test_the_emulator_revokes_a_key_after_its_uses_or_at_any_moment(clock: FakeClock) -> None:
    app = RaygunApp(RaygunEmulatorConfig(sessions_per_day=5, daily_call_limit=0, session_key_max_uses=2, clock=clock))
    with EmulatorServer([app]) as server:
        key = _authenticate(server)
        assert [_list(server, key) for _ in range(3)] == [200, 200, 401]
        assert _list(server, _authenticate(server)) == 200  # authenticate keeps working
        app.config.session_key_max_uses = 0
        live = _authenticate(server)
        assert _list(server, live) == 200
        assert app.revoke_session_keys() >= 1
        assert _list(server, live) == 401
        assert _list(server, _authenticate(server)) == 200
    assert app.refused_revoked_keys == 2


def test_keys_revoked_after_a_few_uses_under_8_in_flight_every_detail_lands(serve, clock: FakeClock, tmp_path: Path) -> None:
    faults = CountingFaults(hold_seconds=0.01)
    server = serve(faults, sessions_per_day=240, daily_call_limit=0, session_key_max_uses=5, clock=clock)
    warehouse = warehouse_with_sessions(server, tmp_path / "w.duckdb", clock)
    auth_before = server.requests_by_path[AUTHENTICATE_PATH]
    ledger = CallBudgetLedger(tmp_path / "ledger.sqlite3", "raygun:test", 0, vendor="Raygun", clock=clock)
    with make_client(server.base_url, clock=clock, ledger=ledger) as client:
        figures = load_details(client, warehouse, in_flight=8)
    assert figures.fetched == 240 and figures.broken == [] and not figures.stopped_by_budget
    assert len(detail_ids(warehouse)) == 240
    authentications = server.requests_by_path[AUTHENTICATE_PATH] - auth_before
    # every key answers 5 details: at least 48 keys; a refused key is renewed once for all 8 threads
    assert client.authentications == authentications and 240 / 5 <= authentications <= 240 / 5 + 1
    assert client.keys.refused_keys == authentications - 1
    assert faults.detail_requests > 240  # requests sent with a key that had just been revoked were refused and sent again
    assert ledger.used() == client.calls_made == authentications + faults.detail_requests
    print(
        f"v1 details with keys revoked after 5 uses, 8 in flight: 240/240 landed, {authentications} authentications, {ledger.used()} calls"
    )


def test_keys_revoked_at_any_moment_are_renewed_once(serve, clock: FakeClock, tmp_path: Path) -> None:
    app_holder: list[RaygunApp] = []

    def revoke(number: int) -> None:
        if number in (20, 60):
            app_holder[0].revoke_session_keys()

    faults = CountingFaults(hold_seconds=0.02, on_request=revoke)
    server = serve(faults, sessions_per_day=80, daily_call_limit=0, clock=clock)
    app_holder.append(server.apps[0])
    warehouse = warehouse_with_sessions(server, tmp_path / "w.duckdb", clock)
    with make_client(server.base_url, clock=clock) as client:
        figures = load_details(client, warehouse, in_flight=8)
    assert figures.fetched == 80 and figures.broken == []
    assert client.authentications == 3 and client.keys.refused_keys == 2


@pytest.mark.parametrize("server_refuses", ["every key", "each key after one use"])
def test_a_server_that_refuses_keys_stops_the_run_within_the_cap(serve, clock: FakeClock, tmp_path: Path, server_refuses: str) -> None:
    faults = CountingFaults(hold_seconds=0.005)
    config = {"session_key_max_uses": 1} if server_refuses == "each key after one use" else {}
    server = serve(faults, sessions_per_day=240, daily_call_limit=0, clock=clock, **config)
    warehouse = warehouse_with_sessions(server, tmp_path / "w.duckdb", clock)
    if server_refuses == "every key":
        faults.add(FaultRule(SESSION_PATH, status=401, times=None))
    auth_before = server.requests_by_path[AUTHENTICATE_PATH]
    ledger = CallBudgetLedger(tmp_path / "ledger.sqlite3", "raygun:test", 0, vendor="Raygun", clock=clock)
    with make_client(server.base_url, clock=clock, ledger=ledger) as client, pytest.raises(SessionKeysRefusedError) as raised:
        load_details(client, warehouse, in_flight=8)
    message = str(raised.value)
    assert f"GET {SESSION_PATH} for day {DAY.isoformat()}" in message and "session keys" in message and "refused" in message
    assert "RAYGUN_CLIENT_SECRET" not in message  # the credentials were accepted: the error must not blame them
    authentications = server.requests_by_path[AUTHENTICATE_PATH] - auth_before
    assert authentications <= MIN_REFUSED_KEYS_CAP + 1
    assert ledger.used() == client.calls_made <= authentications + 8 * (MIN_REFUSED_KEYS_CAP + 2)
