"""The v3 client against the v3 emulator over HTTP: lists, detail, paging, each error status."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from rum_assets.raygun.v3.client import token_scope
from rum_assets.raygun.v3.problems import MissingScopeError
from rum_assets.transport.errors import AuthenticationError, NotFoundError, PayloadError, VendorHTTPError
from rum_assets_tests.fakes import FakeClock
from rum_assets_tests.raygun.v3.conftest import NOW, WEB_APP, fake_time_client
from rum_emulator.faults import FaultRule
from rum_emulator.raygun_v3 import ALL_SCOPES, DEMO_TOKEN
from rum_emulator.raygun_v3.recording import recorded

YESTERDAY = date(2026, 11, 20)
NOW_DAY = date(2026, 11, 21)


def test_applications_without_their_ingestion_key(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, _ = start_v3()
    with fake_time_client(server, clock, tmp_path) as client:
        apps = client.list_applications()
    assert {app.identifier for app in apps} == {"wb7k2q", "mb4x9r", "in3p8t"}
    for app in apps:
        dumped = app.model_dump_json(by_alias=True)
        assert "apiKey" not in dumped and "ingest-key" not in dumped


def test_session_paging_and_detail(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, app, _ = start_v3(sessions_per_day=40, retention_days=3)
    with fake_time_client(server, clock, tmp_path, page_size=50) as client:
        pages = list(client.iter_sessions(WEB_APP))
        first = client.list_sessions(WEB_APP, count=1, offset=0)
        detail = client.get_session(WEB_APP, first[0].identifier)
    rows = [s for page in pages for s in page]
    assert [len(page) for page in pages][:-1] == [50] * (len(pages) - 1)
    assert len(pages[-1]) < 50 or len(pages) == 1
    assert len({s.identifier for s in rows}) == len(rows)
    assert len(rows) == sum(app.session_count(WEB_APP, NOW_DAY - timedelta(days=back)) for back in range(0, 4))
    assert [s.started_at for s in rows] == sorted(s.started_at for s in rows)
    assert detail.identifier == first[0].identifier
    assert detail.started_at == first[0].started_at
    assert len(detail.page_views) <= 500 and len(detail.errors) <= 500


def test_pages_customers_error_groups(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, _ = start_v3(customers_per_application=1200)
    with fake_time_client(server, clock, tmp_path) as client:
        pages = [p for page in client.iter_pages(WEB_APP) for p in page]
        customers = [c for page in client.iter_customers(WEB_APP) for c in page]
        since = customers[len(customers) // 2].last_seen_at
        recent = [c for page in client.iter_customers(WEB_APP, seen_since=since) for c in page]
        groups = [g for page in client.iter_error_groups(WEB_APP) for g in page]
    assert pages and all(p.type == "web" and p.uri for p in pages)
    assert len(customers) == 1200 == len({c.identifier for c in customers})
    assert [c.last_seen_at for c in customers] == sorted((c.last_seen_at for c in customers), reverse=True)
    assert recent == [c for c in customers if c.last_seen_at >= since]
    assert groups and len({g.identifier for g in groups}) == len(groups)


def test_unknown_session_is_not_found_with_request_id_and_no_token(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, _ = start_v3()
    with fake_time_client(server, clock, tmp_path) as client, pytest.raises(NotFoundError) as caught:
        client.get_session(WEB_APP, "nosuchsession", day=YESTERDAY)
    message = str(caught.value)
    assert message.startswith(f"Raygun v3 GET /applications/{WEB_APP}/sessions/nosuchsession for day 2026-11-20 (HTTP 404)")
    assert "X-Raygun-RequestId" in message
    assert DEMO_TOKEN not in message


def test_expired_token_is_401_naming_the_token_setting(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, _ = start_v3(token_expires_at={DEMO_TOKEN: NOW - timedelta(days=1)})
    with fake_time_client(server, clock, tmp_path) as client, pytest.raises(AuthenticationError) as caught:
        client.list_applications()
    assert caught.value.status == 401
    assert "Raygun v3 GET /applications" in str(caught.value) and "RAYGUN_PAT" in str(caught.value)
    assert DEMO_TOKEN not in str(caught.value)


def test_missing_scope_is_named(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    token = "token-without-sessions"
    server, _, _ = start_v3(tokens={token: ALL_SCOPES - {"rum.sessions:read"}})
    with fake_time_client(server, clock, tmp_path, token=token) as client:
        assert client.list_applications()
        with pytest.raises(MissingScopeError) as caught:
            client.list_sessions(WEB_APP, count=10, day=YESTERDAY)
    assert caught.value.scope == "rum.sessions:read"
    assert caught.value.status == 403
    assert "the token lacks rum.sessions:read: add it in Raygun's personal access token settings" in str(caught.value)
    assert token not in str(caught.value)


def test_missing_scope_is_named_from_the_description_when_the_403_does_not(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    token = "token-without-errors"
    server, _, _ = start_v3(tokens={token: ALL_SCOPES - {"cr.errors:read"}})
    with (
        recorded() as exchanges,
        fake_time_client(server, clock, tmp_path, token=token) as client,
        pytest.raises(MissingScopeError) as caught,
    ):
        list(client.iter_error_groups(WEB_APP))
    [answer] = exchanges
    assert answer.status == 403 and b"cr.errors" not in answer.body  # the emulator, like Raygun, does not name it
    assert caught.value.scope == "cr.errors:read"
    assert str(caught.value).startswith(
        f"Raygun v3 GET /applications/{WEB_APP}/error-groups (HTTP 403): the token lacks cr.errors:read: "
        "add it in Raygun's personal access token settings ("
    )
    assert token not in str(caught.value)


@pytest.mark.logs_at("WARNING", why="it is about retries, each logged as a WARNING")
def test_server_errors_are_retried_then_reported(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, _recording = start_v3()
    server.faults.add(FaultRule("/v3/applications", status=503, times=2))
    with fake_time_client(server, clock, tmp_path) as client:
        assert client.list_applications()
        assert client.calls_made == 3
        server.faults.add(FaultRule("/v3/applications", status=500, times=None))
        with pytest.raises(VendorHTTPError, match=r"Raygun v3 GET /applications: gave up after 4 attempts; last error: HTTP 500"):
            client.list_applications()


def test_unprocessable_request_quotes_the_field_errors(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, _ = start_v3()
    with fake_time_client(server, clock, tmp_path) as client, pytest.raises(VendorHTTPError) as caught:
        client.list_sessions(WEB_APP, count=10, orderby="notAField", day=YESTERDAY)
    assert caught.value.status in (400, 422)
    assert "orderby" in str(caught.value).lower()
    assert "X-Raygun-RequestId" in str(caught.value)


def test_broken_payload_names_the_field(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, _ = start_v3()
    server.faults.add(FaultRule(f"/v3/applications/{WEB_APP}/sessions", status=200, body=b'[{"identifier": "x"}]'))
    with fake_time_client(server, clock, tmp_path) as client, pytest.raises(PayloadError, match=r"field '0.startedAt' breaks the contract"):
        client.list_sessions(WEB_APP, count=10, day=YESTERDAY)


def test_ledger_is_keyed_by_a_hash_of_the_token(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, _ = start_v3()
    with fake_time_client(server, clock, tmp_path) as client:
        client.list_applications()
        assert client.ledger is not None
        assert client.ledger.scope == token_scope(DEMO_TOKEN)
        assert DEMO_TOKEN not in client.ledger.scope
        assert DEMO_TOKEN.encode() not in (tmp_path / "ledger.sqlite").read_bytes()
        assert client.ledger.used() == 1
