"""The Raygun client against the Raygun emulator, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from rum_assets.budget.ledger import CallBudgetLedger
from rum_assets.raygun.v1.client import RaygunClient
from rum_assets.transport.errors import AuthenticationError, CallBudgetExhaustedError, NotFoundError, PayloadError, RateLimitedError
from rum_assets_tests.fakes import FakeClock
from rum_emulator.environment import DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_SECRET
from rum_emulator.faults import FaultRule

from ..conftest import make_client

DAY = date(2026, 11, 20)


def test_pages_through_a_day_following_links_next(start_raygun, clock: FakeClock) -> None:
    server, _ = start_raygun(sessions_per_day=1203, daily_call_limit=0, clock=clock)
    with make_client(server.base_url, clock=clock) as client:
        pages = list(client.iter_session_pages(DAY))
    ids = [s.id for page in pages for s in page.sessions]
    assert len(pages) == 3
    assert len(ids) == len(set(ids)) == pages[0].total_sessions == 1203
    assert all(s.session_start.date() == DAY for page in pages for s in page.sessions)
    assert server.requests_by_path["/api/v1/pulse/sessions"] == 3
    assert client.authentications == 1


def test_the_next_page_is_fetched_while_the_caller_works_and_no_further(start_raygun, clock: FakeClock) -> None:
    server, _ = start_raygun(sessions_per_day=100, daily_call_limit=0, clock=clock)
    with make_client(server.base_url, clock=clock, page_size=10) as client:
        pages = client.iter_session_pages(DAY)
        first = next(pages)
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        while server.requests_by_path["/api/v1/pulse/sessions"] < 2 and datetime.now(UTC) < deadline:
            threading.Event().wait(0.01)
        assert server.requests_by_path["/api/v1/pulse/sessions"] == 2  # page 2 came while page 1 was in our hands
        pages.close()
        assert [s.id for s in first.sessions] and server.requests_by_path["/api/v1/pulse/sessions"] == 2
        assert client.calls_made == 3


@pytest.mark.parametrize("pages_ahead", [0, 1, 3])
def test_reading_ahead_makes_the_same_calls_for_the_same_sessions(start_raygun, clock: FakeClock, pages_ahead: int) -> None:
    server, _ = start_raygun(sessions_per_day=95, daily_call_limit=0, clock=clock)
    with make_client(server.base_url, clock=clock, page_size=10, pages_ahead=pages_ahead) as client:
        ids = [s.id for page in client.iter_session_pages(DAY) for s in page.sessions]
    assert len(ids) == len(set(ids)) == 95
    assert server.requests_by_path["/api/v1/pulse/sessions"] == 10
    assert client.calls_made == 11


def test_reuses_the_session_key_and_renews_it_before_expiry(start_raygun, clock: FakeClock) -> None:
    server, _ = start_raygun(sessions_per_day=20, daily_call_limit=0, clock=clock, session_key_ttl_seconds=120)
    with make_client(server.base_url, clock=clock, session_key_ttl=timedelta(seconds=120), renew_margin=timedelta(seconds=30)) as client:
        first = next(client.iter_session_pages(DAY)).sessions[0]
        client.get_session(first.id, DAY)
        assert client.authentications == 1
        clock.advance(95)
        client.get_session(first.id, DAY)
    assert client.authentications == 2
    assert client.calls_made == 5  # auth, page, detail, auth, detail: renewed without a 401


def test_reauthenticates_once_when_the_key_expires_early(start_raygun, clock: FakeClock) -> None:
    server, _ = start_raygun(sessions_per_day=20, daily_call_limit=0, clock=clock, session_key_ttl_seconds=1)
    with make_client(server.base_url, clock=clock) as client:
        session = next(client.iter_session_pages(DAY)).sessions[0]
        clock.advance(2)
        detail = client.get_session(session.id, DAY)
    assert detail.id == session.id
    assert client.authentications == 2


def test_bad_credentials_raise_without_leaking_secrets(start_raygun, clock: FakeClock) -> None:
    server, _ = start_raygun(clock=clock)
    client = RaygunClient(server.base_url, DEMO_RAYGUN_API_KEY, "demo-raygun-client-id", "wrong-secret-value", clock=clock)
    with client, pytest.raises(AuthenticationError) as raised:
        client.authenticate()
    message = str(raised.value)
    assert message.startswith("Raygun POST /api/v1/pulse/authenticate (HTTP 401)")
    assert "wrong-secret-value" not in message and DEMO_RAYGUN_API_KEY not in message
    assert DEMO_RAYGUN_CLIENT_SECRET not in repr(client.__dict__.get("_http"))


def test_vendor_429_raises_with_reset_time_and_marks_the_ledger(start_raygun, clock: FakeClock, tmp_path: Path) -> None:
    server, _ = start_raygun(sessions_per_day=20, daily_call_limit=3, clock=clock)
    ledger = CallBudgetLedger(tmp_path / "l.sqlite3", "raygun:t", daily_limit=0, vendor="Raygun", clock=clock)
    with make_client(server.base_url, clock=clock, ledger=ledger) as client:
        session = next(client.iter_session_pages(DAY)).sessions[0]
        client.get_session(session.id, DAY)
        with pytest.raises(RateLimitedError) as raised:
            client.get_session(session.id, DAY)
    assert raised.value.resets_at is not None
    assert raised.value.resets_at.isoformat() == "2026-11-22T00:00:00+00:00"
    assert "Raygun GET /api/v1/pulse/session for day 2026-11-20 (HTTP 429)" in str(raised.value)


def test_the_ledger_stops_calls_before_the_vendor_limit(start_raygun, clock: FakeClock, tmp_path: Path) -> None:
    server, app = start_raygun(sessions_per_day=20, daily_call_limit=50, clock=clock)
    ledger = CallBudgetLedger(tmp_path / "l.sqlite3", "raygun:t", daily_limit=4, vendor="Raygun", clock=clock)
    with make_client(server.base_url, clock=clock, ledger=ledger) as client:
        sessions = next(client.iter_session_pages(DAY)).sessions
        client.get_session(sessions[0].id, DAY)
        client.get_session(sessions[1].id, DAY)
        with pytest.raises(CallBudgetExhaustedError):
            client.get_session(sessions[2].id, DAY)
    assert ledger.used() == 4
    assert app.calls_used(DEMO_RAYGUN_API_KEY, clock().date()) == 4


@pytest.mark.logs_at("WARNING", why="it is about retries, each logged as a WARNING")
def test_retries_server_errors(start_raygun, clock: FakeClock) -> None:
    server, _ = start_raygun(sessions_per_day=20, daily_call_limit=0, clock=clock)
    server.faults.add(FaultRule("/api/v1/pulse/sessions", status=500, times=2))
    with make_client(server.base_url, clock=clock) as client:
        page = next(client.iter_session_pages(DAY))
    assert page.total_sessions == 20
    assert server.requests_by_path["/api/v1/pulse/sessions"] == 3


def test_unknown_session_is_not_found(start_raygun, clock: FakeClock) -> None:
    server, _ = start_raygun(clock=clock, daily_call_limit=0)
    with make_client(server.base_url, clock=clock) as client, pytest.raises(NotFoundError, match="session 9999999 is unknown"):
        client.get_session(9_999_999, DAY)


def test_a_payload_breaking_the_contract_names_endpoint_day_and_field(start_raygun, clock: FakeClock) -> None:
    server, _ = start_raygun(clock=clock, daily_call_limit=0)
    body = b'{"totalSessions": 1, "sessions": [{"id": "not-a-number", "sessionStart": "2026-11-20T01:00:00.000Z"}], "links": {}}'
    server.faults.add(FaultRule("/api/v1/pulse/sessions", status=200, body=body))
    with make_client(server.base_url, clock=clock) as client, pytest.raises(PayloadError) as raised:
        list(client.iter_session_pages(DAY))
    message = str(raised.value)
    assert message.startswith("Raygun GET /api/v1/pulse/sessions for day 2026-11-20: field 'sessions.0.id' breaks the contract")
    assert "not-a-number" in message


def test_not_json_is_a_payload_error(start_raygun, clock: FakeClock) -> None:
    server, _ = start_raygun(clock=clock, daily_call_limit=0)
    server.faults.add(FaultRule("/api/v1/pulse/sessions", status=200, body=b"<html>maintenance</html>"))
    with make_client(server.base_url, clock=clock) as client, pytest.raises(PayloadError, match="not JSON"):
        list(client.iter_session_pages(DAY))


def test_active_sessions_today_have_no_end(start_raygun, clock: FakeClock) -> None:
    server, _ = start_raygun(sessions_per_day=500, daily_call_limit=0, clock=clock)
    with make_client(server.base_url, clock=clock) as client:
        sessions = [s for page in client.iter_session_pages(clock().date()) for s in page.sessions]
    assert sessions and max(s.session_start for s in sessions) <= clock()
    active = [s for s in sessions if s.status == "active"]
    assert active and all(s.session_end is None for s in active)


def _fetch_details(base_url: str, ledger_path: str, session_ids: list[int], results: multiprocessing.Queue[tuple[int, int]]) -> None:
    ledger = CallBudgetLedger(ledger_path, "raygun:shared", daily_limit=20, vendor="Raygun")
    fetched = 0
    with make_client(base_url, ledger=ledger) as client:
        for session_id in session_ids:
            try:
                client.get_session(session_id, DAY)
            except CallBudgetExhaustedError:
                break
            fetched += 1
    results.put((fetched, client.calls_made))


@pytest.mark.slow
def test_two_processes_never_pass_the_budget_together(start_raygun, tmp_path: Path) -> None:
    server, app = start_raygun(sessions_per_day=60, daily_call_limit=0)
    with make_client(server.base_url) as lister:
        ids = [s.id for page in lister.iter_session_pages(DAY) for s in page.sessions]
    calls_before = app.calls_used(DEMO_RAYGUN_API_KEY, datetime.now(UTC).date())
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[tuple[int, int]] = context.Queue()
    workers = [
        context.Process(target=_fetch_details, args=(server.base_url, str(tmp_path / "ledger.sqlite3"), ids[n::2], results))
        for n in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    reports = [results.get(timeout=5) for _ in workers]
    spent = app.calls_used(DEMO_RAYGUN_API_KEY, datetime.now(UTC).date()) - calls_before
    assert spent == 20  # the ledger's limit, however the two processes shared it
    assert sum(calls for _, calls in reports) == 20 and sum(fetched for fetched, _ in reports) >= 18
