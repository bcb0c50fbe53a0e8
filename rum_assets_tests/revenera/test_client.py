"""The Revenera client against the Revenera emulator, over real HTTP on 127.0.0.1."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from rum_assets.revenera.client import ReveneraClient
from rum_assets.revenera.exports import iter_csv_batches
from rum_assets.transport.errors import AuthenticationError, NotFoundError, PayloadError, VendorHTTPError
from rum_assets_tests.fakes import FakeClock
from rum_emulator.environment import DEMO_REVENERA_PASSWORD
from rum_emulator.faults import FaultRule
from rum_emulator.revenera import expected_active_clients

from .conftest import DAY, PRODUCTS, make_client

PID = PRODUCTS[0]


def test_login_handshake_headers_cookies_and_logout(start_revenera) -> None:
    server, _ = start_revenera()
    client = make_client(server.base_url)
    with client:
        client.product_properties(PID)
        assert {"RUI-Session-Token", "RUI-Csrf"} <= set(client._http.cookies.keys())
        session_cookie = client._http.cookies["RUI-Session-Token"]
        headers = client._http.headers
        assert headers["Origin"] == "https://analytics.revenera.com" and headers["RUI-Client"] and headers["RUI-Client-Version"]
        assert set(client.products) == set(PRODUCTS)
    assert server.requests_by_path["/v3/request-csrf"] == 1 and server.requests_by_path["/v3/auth/logout"] == 1
    after = httpx.get(
        f"{server.base_url}/v3/meta/productProperties/{PID}",
        headers={
            "Origin": "https://analytics.revenera.com",
            "RUI-Client": "x",
            "RUI-Client-Version": "1",
            "Cookie": f"RUI-Session-Token={session_cookie}",
        },
    )
    assert after.status_code == 401  # logout on close ended the session


def test_cookie_missing_is_retried_once(start_revenera) -> None:
    server, _ = start_revenera()
    server.faults.add(FaultRule("/v3/request-csrf", status=204, body=b""))  # answers without the CSRF cookie
    with make_client(server.base_url) as client:
        client.event_catalog(PID)
    assert server.requests_by_path["/v3/auth/web"] == 2


def test_expired_session_logs_in_again(start_revenera, clock: FakeClock) -> None:
    server, _ = start_revenera(session_ttl_seconds=60)
    with make_client(server.base_url) as client:
        client.event_catalog(PID)
        clock.advance(61)
        client.event_catalog(PID)
    assert client.logins == 2


def test_an_active_session_is_logged_out_before_logging_in(start_revenera) -> None:
    server, _ = start_revenera()
    with make_client(server.base_url) as first, make_client(server.base_url) as second:
        first.login()
        second._http.cookies.set("RUI-Session-Token", first._http.cookies["RUI-Session-Token"])
        second.event_catalog(PID)
        assert second.logins == 1
    assert server.requests_by_path["/v3/auth/logout"] >= 2


def test_bad_password_is_a_clear_error_without_the_password(start_revenera) -> None:
    server, _ = start_revenera()
    with make_client(server.base_url, password="not-the-password-42") as client, pytest.raises(AuthenticationError) as raised:
        client.event_catalog(PID)
    assert "Revenera POST /v3/auth/web (HTTP 401)" in str(raised.value)
    assert "not-the-password-42" not in str(raised.value) and DEMO_REVENERA_PASSWORD not in str(raised.value)


def test_bad_product_and_bad_dates_name_what_is_wrong(start_revenera) -> None:
    server, _ = start_revenera()
    with make_client(server.base_url) as client:
        with pytest.raises(NotFoundError, match=r"Revenera GET /v3/event-tracking/999 \(HTTP 404\): product 999"):
            client.event_catalog("999")
        old = DAY - timedelta(days=200)
        with pytest.raises(VendorHTTPError) as raised:
            client.user_activity(PID, old)
    assert f"for day {old.isoformat()} (HTTP 400)" in str(raised.value) and "history" in str(raised.value)


def test_user_activity_sends_the_documented_body_and_parses_segments(start_revenera) -> None:
    server, app = start_revenera()
    with make_client(server.base_url) as client:
        totals = client.user_activity(PID, DAY, days_until_declared_lost=14, date_reported_lost="dateDeclaredLost").result[DAY]
        segmented = client.user_activity(PID, DAY, segment_property="prodEdition").result[DAY]
    path, body = next((p, b) for p, b in app.received if p.startswith("/v3/reporting/generic/dateRange"))
    assert path == f"/v3/reporting/generic/dateRange/{PID}"
    assert body == {
        "startDate": DAY.isoformat(),
        "stopDate": DAY.isoformat(),
        "dateSplit": "day",
        "clientStatus": ["new", "active", "lost"],
        "daysUntilDeclaredLost": 14,
        "dateReportedLost": "dateDeclaredLost",
        "groupBy": "clientId",
    }
    assert totals.active == len(expected_active_clients(app.product(PID), DAY))  # type: ignore[union-attr]
    assert sum(s.totals.active or 0 for s in segmented.level1.values()) == totals.active  # type: ignore[union-attr]


def test_a_malformed_report_names_the_field(start_revenera) -> None:
    server, _ = start_revenera()
    server.faults.add(
        FaultRule(
            "/v3/reporting/eventTracking/advanced/fullReport",
            status=200,
            body=b'{"result": [{"category": "x", "name": "Open", "eventCounts": "lots"}]}',
        )
    )
    with make_client(server.base_url) as client, pytest.raises(PayloadError) as raised:
        client.event_usage(PID, DAY)
    assert f"for day {DAY.isoformat()}: field 'result.0.eventCounts' breaks the contract" in str(raised.value)


def test_client_pages_follow_next_client_id(start_revenera) -> None:
    server, app = start_revenera(clients_per_product=700)
    with make_client(server.base_url) as client:
        pages = list(client.iter_client_pages(PID, DAY, ["ram"], ["prodVersion"]))
    rows = [r for page in pages for r in page.result]
    assert len(pages) >= 2 and len({r["clientId"] for r in rows}) == len(rows)
    active_that_day = {r["clientId"] for r in rows if any(d["date"] == DAY.isoformat() for d in r["dailyData"])}
    assert active_that_day == expected_active_clients(app.product(PID), DAY)


@pytest.mark.logs_at("WARNING", why="it is about retries, each logged as a WARNING")
def test_export_download_streams_and_asks_a_fresh_url_per_attempt(start_revenera, tmp_path: Path) -> None:
    server, app = start_revenera()
    server.faults.add(FaultRule("/download/", status=502, times=1))
    with make_client(server.base_url) as client:
        name = client.final_export_file("raw", PID, DAY)
        assert name == f"{PID}_{DAY.isoformat()}.zip"
        path = client.download_export("raw", PID, name, tmp_path, DAY)
    assert server.requests_by_path[f"/v3/rawEvents/download/getDownloadUrl/{PID}"] == 2
    rows = [row for batch in iter_csv_batches(path, batch_size=50) for row in batch]
    assert {r["clientId"] for r in rows} == expected_active_clients(app.product(PID), DAY)


def test_open_export_files_are_not_final(start_revenera, clock: FakeClock) -> None:
    server, _ = start_revenera()
    clock.now = clock.now - timedelta(days=1) - timedelta(hours=8)  # 01:00 the day after DAY
    with make_client(server.base_url) as client:
        assert client.final_export_file("exc", PID, DAY) is None
        assert client.final_export_file("raw", PID, DAY) is None
        clock.advance(3600)
        assert client.final_export_file("exc", PID, DAY) == f"{PID}_exc_{DAY.isoformat()}.zip"


def test_client_needs_credentials() -> None:
    with pytest.raises(AuthenticationError, match="no user name or password"):
        ReveneraClient("http://127.0.0.1:9", "", "")
