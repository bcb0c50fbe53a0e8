"""The Revenera emulator against the seed and the reference, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from rum_assets.emulator.revenera import ReveneraApp, ReveneraEmulatorConfig, expected_active_clients
from rum_assets.emulator.server import EmulatorServer
from rum_assets_tests.fakes import FakeClock

HEADERS = {"Origin": "https://analytics.revenera.com", "RUI-Client": "tests", "RUI-Client-Version": "0.0.1", "Content-Type": "application/json"}
LOGIN = {"userName": "demo@example.com", "password": "demo-revenera-password"}
PID = "2376158762"
DAY = date(2026, 11, 19)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 21, 9, 0, tzinfo=UTC))


@pytest.fixture
def emulator(clock: FakeClock) -> Iterator[tuple[EmulatorServer, ReveneraApp]]:
    app = ReveneraApp(ReveneraEmulatorConfig(clock=clock, clients_per_product=450, session_ttl_seconds=3600))
    with EmulatorServer([app]) as server:
        yield server, app


@pytest.fixture
def http(emulator: tuple[EmulatorServer, ReveneraApp]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emulator[0].base_url, headers=HEADERS) as client:
        assert client.get("/v3/request-csrf").status_code == 204
        assert client.post("/v3/auth/web", json=LOGIN).status_code == 200
        yield client


def _post(http: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
    return http.post(f"{path}/{PID}", json=body)


def test_handshake_csrf_cookie_login_and_cookies(emulator: tuple[EmulatorServer, ReveneraApp]) -> None:
    server, _ = emulator
    with httpx.Client(base_url=server.base_url, headers=HEADERS) as client:
        csrf = client.get("/v3/request-csrf")
        assert csrf.status_code == 204 and "RUI-Csrf=" in csrf.headers["set-cookie"]
        login = client.post("/v3/auth/web", json=LOGIN)
        assert login.status_code == 200
        assert {"account", "freeware", "products", "userSettings", "currentProductDetails"} <= set(login.json())
        assert set(login.json()["products"]) == {"2376158762", "2395188568"}
        session_cookie = next(v for v in login.headers.get_list("set-cookie") if v.startswith("RUI-Session-Token="))
        assert "HttpOnly" in session_cookie and "Max-Age=3600" in session_cookie and "SameSite=Strict" in session_cookie
        assert {"RUI-Csrf", "RUI-Session-Token"} <= set(client.cookies)


def test_cookie_missing_then_retry_succeeds(emulator: tuple[EmulatorServer, ReveneraApp]) -> None:
    with httpx.Client(base_url=emulator[0].base_url, headers=HEADERS) as client:
        first = client.post("/v3/auth/web", json=LOGIN)
        assert first.status_code == 400 and first.json()["message"] == "Cookie Missing"
        assert client.post("/v3/auth/web", json=LOGIN).status_code == 200


@pytest.mark.parametrize(
    ("headers", "status"),
    [({**HEADERS, "Origin": "https://evil.example"}, 403), ({k: v for k, v in HEADERS.items() if k != "Origin"}, 403),
     ({k: v for k, v in HEADERS.items() if k != "RUI-Client"}, 400), ({k: v for k, v in HEADERS.items() if k != "RUI-Client-Version"}, 400)],
)
def test_origin_and_client_headers_are_required_everywhere(emulator: tuple[EmulatorServer, ReveneraApp], headers: dict[str, str], status: int) -> None:
    with httpx.Client(base_url=emulator[0].base_url) as client:
        assert client.get("/v3/request-csrf", headers=headers).status_code == status
        assert client.post("/v3/auth/web", json=LOGIN, headers=headers).status_code == status
        assert client.get(f"/v3/meta/productProperties/{PID}", headers=headers).status_code == status


def test_login_refusals(emulator: tuple[EmulatorServer, ReveneraApp], http: httpx.Client) -> None:
    assert http.post("/v3/auth/web", json=LOGIN).status_code == 409  # a session is active
    with httpx.Client(base_url=emulator[0].base_url, headers=HEADERS) as fresh:
        fresh.get("/v3/request-csrf")
        assert fresh.post("/v3/auth/web", json={**LOGIN, "password": "wrong"}).status_code == 401
        assert fresh.post("/v3/auth/web", content=b"not json").status_code == 400
        assert fresh.post("/v3/auth/web", json={"user": "demo@example.com"}).status_code == 400


def test_expiry_and_logout_end_the_session(emulator: tuple[EmulatorServer, ReveneraApp], http: httpx.Client, clock: FakeClock) -> None:
    assert http.get(f"/v3/meta/productProperties/{PID}").status_code == 200
    clock.advance(3601)
    assert http.get(f"/v3/meta/productProperties/{PID}").status_code == 401
    clock.advance(-3601)
    assert http.post("/v3/auth/logout").status_code == 204
    assert http.get(f"/v3/meta/productProperties/{PID}").status_code == 401


def test_metadata_envelopes(http: httpx.Client) -> None:
    properties = http.get(f"/v3/meta/productProperties/{PID}").json()["result"]
    first = properties[0]["properties"][0]
    assert set(first) == {"name", "friendlyName", "filterType", "dataType", "supportsRegex", "supportsMeta", "supportsNull"}
    catalog = http.get(f"/v3/event-tracking/{PID}").json()["result"]
    assert set(catalog[0]) == {"category", "categoryEventNames"}
    assert set(catalog[0]["categoryEventNames"][0]) == {"eventName", "basic", "advanced", "dateFirstSeen"}
    assert http.get("/v3/meta/productProperties/999").status_code == 404


@pytest.mark.parametrize(
    ("body", "problem"),
    [({"startDate": "2026-11-19"}, "stopDate"), ({"startDate": "19/11/2026", "stopDate": "2026-11-19"}, "startDate"),
     ({"startDate": "2026-11-19", "stopDate": "2026-11-18"}, "startDate"), ({"startDate": "2025-01-01", "stopDate": "2025-01-02"}, "days of history"),
     ({"startDate": "2026-11-19", "stopDate": "2026-11-19", "clientStatus": ["gone"]}, "clientStatus"),
     ({"startDate": "2026-11-19", "stopDate": "2026-11-19", "clientStatus": ["lost"]}, "daysUntilDeclaredLost")],
)
def test_date_range_validation(http: httpx.Client, body: dict[str, Any], problem: str) -> None:
    response = _post(http, "/v3/reporting/generic/dateRange", {"clientStatus": ["active"], **body})
    assert response.status_code == 400 and problem in response.json()["message"]


def test_date_range_splits_and_levels(emulator: tuple[EmulatorServer, ReveneraApp], http: httpx.Client) -> None:
    base = {"startDate": "2026-11-02", "stopDate": "2026-11-19", "clientStatus": ["new", "active", "lost"], "daysUntilDeclaredLost": 7, "dateReportedLost": "dateLastSeen"}
    daily = _post(http, "/v3/reporting/generic/dateRange", {**base, "dateSplit": "day"}).json()["result"]
    assert len(daily) == 18 and set(daily["2026-11-19"]) == {"new", "active", "lost"}
    product = emulator[1].product(PID)
    assert daily["2026-11-19"]["active"] == len(expected_active_clients(product, DAY))
    assert sum(v["lost"] for v in daily.values()) > 0
    weekly = _post(http, "/v3/reporting/generic/dateRange", {**base, "dateSplit": "week"}).json()["result"]
    assert list(weekly) == ["2026-11-02", "2026-11-09", "2026-11-16"]  # Mondays
    monthly = _post(http, "/v3/reporting/generic/dateRange", {**base, "dateSplit": "month"}).json()["result"]
    assert list(monthly) == ["2026-11-01"]
    level = {"level1": {"property": "prodEdition", "segments": [{"type": "regex", "value": ".*", "split": True}]}}
    segmented = _post(http, "/v3/reporting/generic/dateRange", {**base, "startDate": "2026-11-19", "dateSplit": "day", "levels": level}).json()["result"]
    segments = segmented["2026-11-19"]["level1"]
    assert set(segments) == {"Free", "Pro", "Enterprise"}
    assert sum(s["totals"]["active"] for s in segments.values()) == daily["2026-11-19"]["active"]
    filtered = _post(http, "/v3/reporting/generic/dateRange", {**base, "startDate": "2026-11-19", "dateSplit": "day", "globalFilters": {"prodEdition": {"type": "string", "value": "Pro"}}}).json()["result"]
    assert filtered["2026-11-19"]["active"] == segments["Pro"]["totals"]["active"]


def test_client_property_list_pages_by_client_id(emulator: tuple[EmulatorServer, ReveneraApp], http: httpx.Client) -> None:
    seen: list[str] = []
    body: dict[str, Any] = {"startAtClientId": None, "properties": ["prodVersion", "geography.country", "C01"], "retDailyData": {"startDate": "2026-11-19", "stopDate": "2026-11-19", "properties": ["prodVersion"]}}
    with_daily = 0
    for _ in range(10):
        page = _post(http, "/v3/reporting/clientPropertyList", body).json()
        seen += [c["clientId"] for c in page["result"]]
        with_daily += sum(1 for c in page["result"] if c["dailyData"])
        if page["reachedEnd"]:
            assert "nextClientId" not in page
            break
        assert len(page["result"]) == 200
        body["startAtClientId"] = page["nextClientId"]
    assert len(seen) == len(set(seen)) == 450 and seen == sorted(seen)
    assert with_daily == len(expected_active_clients(emulator[1].product(PID), DAY))


def test_event_reports_agree_with_the_raw_export(emulator: tuple[EmulatorServer, ReveneraApp], http: httpx.Client) -> None:
    report = _post(http, "/v3/reporting/eventTracking/advanced/fullReport", {"startDate": "2026-11-19", "stopDate": "2026-11-19"}).json()["result"]
    url = _post(http, "/v3/rawEvents/download/getDownloadUrl", {"fileName": f"{PID}_2026-11-19.zip"}).json()["downloadUrl"]
    rows = _zip_rows(httpx.get(url).content)
    for event in report:
        assert event["eventCounts"] == sum(1 for r in rows if (r["eventCategory"], r["eventName"]) == (event["category"], event["name"]))
    assert {r["clientId"] for r in rows} == expected_active_clients(emulator[1].product(PID), DAY)
    timeline = _post(http, "/v3/reporting/eventTracking/basic/timeline", {"startDate": "2026-11-19", "stopDate": "2026-11-19", "dateSplit": "day"}).json()["result"]
    assert sum(e["value"] for e in timeline["2026-11-19"]) == len(rows)
    histogram = _post(http, "/v3/reporting/eventTracking/lifetime/histogram", {"startDate": "2026-11-19", "stopDate": "2026-11-19"}).json()["result"]
    assert set(histogram) == {"summary", "histograms"}


def _zip_rows(content: bytes) -> list[dict[str, str]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        (name,) = archive.namelist()
        with archive.open(name) as member:
            return list(csv.DictReader(io.TextIOWrapper(member, encoding="utf-8")))


def test_exports_final_versus_open_and_one_time_urls(http: httpx.Client, clock: FakeClock) -> None:
    raw = http.get(f"/v3/rawEvents/download/listFiles/{PID}").json()["fileList"]
    assert raw[0] == {"fileName": f"{PID}_2026-11-20.zip", "fileDate": "2026-11-20", "compressedSizeKB": raw[0]["compressedSizeKB"]}
    tracking = http.get(f"/v3/exceptionTracking/listFiles/{PID}").json()
    assert [f["fileDate"] for f in tracking["openDailyFiles"]] == ["2026-11-21"]
    assert tracking["dailyFiles"][0]["fileName"] == f"{PID}_exc_2026-11-20.zip"
    assert tracking["monthlyFiles"][0]["fileName"] == f"{PID}_exc_2026-11-01_to_2026-11-20.zip"
    assert _post(http, "/v3/exceptionTracking/getDownloadUrl", {"fileName": f"{PID}_exc_2026-11-21.zip"}).status_code == 409
    clock.now = datetime(2026, 11, 21, 1, 59, tzinfo=UTC)
    assert http.get(f"/v3/rawEvents/download/listFiles/{PID}").json()["fileList"][0]["fileDate"] == "2026-11-19"
    clock.now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    url = _post(http, "/v3/customEventTracking/getDownloadUrl", {"fileName": f"{PID}_cust_2026-11-19.zip"}).json()["downloadUrl"]
    first, second = httpx.get(url), httpx.get(url)
    assert first.status_code == 200 and first.headers["content-type"] == "application/zip"
    assert second.status_code == 403
    rows = _zip_rows(first.content)
    assert rows and "event.category" in rows[0]
    assert _post(http, "/v3/rawEvents/download/getDownloadUrl", {"fileName": "nope.zip"}).status_code == 404
    lines = _post(http, "/v3/customEventTracking/getLastLines", {"lineCount": "5"}).json()
    assert lines["fieldNames"]["clientId"] == "Client ID"


def test_several_products_and_determinism(emulator: tuple[EmulatorServer, ReveneraApp], http: httpx.Client) -> None:
    body = {"startDate": "2026-11-19", "stopDate": "2026-11-19", "dateSplit": "day", "clientStatus": ["active"]}
    first = http.post("/v3/reporting/generic/dateRange/2376158762", json=body).json()
    other = http.post("/v3/reporting/generic/dateRange/2395188568", json=body).json()
    assert first == http.post("/v3/reporting/generic/dateRange/2376158762", json=body).json()
    assert first != other


def test_scales_to_many_clients_without_scanning_history(clock: FakeClock) -> None:
    app = ReveneraApp(ReveneraEmulatorConfig(clock=clock, clients_per_product=100_000))
    with EmulatorServer([app]) as server, httpx.Client(base_url=server.base_url, headers=HEADERS) as http:
        http.get("/v3/request-csrf")
        http.post("/v3/auth/web", json=LOGIN)
        page = _post(http, "/v3/reporting/clientPropertyList", {"startAtClientId": None, "properties": ["prodVersion"]}).json()
        assert len(page["result"]) == 200 and not page["reachedEnd"]
        assert len(http.get(f"/v3/rawEvents/download/listFiles/{PID}").json()["fileList"]) == 90
