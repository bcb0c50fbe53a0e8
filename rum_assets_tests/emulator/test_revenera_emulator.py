"""The Revenera emulator against the vendor's documentation (docs/vendors.md), over real HTTP on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from rum_assets_tests.fakes import FakeClock
from rum_emulator.revenera import (
    ReveneraApp,
    ReveneraEmulatorConfig,
    expected_active_clients,
    expected_event_counts,
    expected_lost_clients,
    expected_new_clients,
)
from rum_emulator.revenera.paths import ROUTES
from rum_emulator.server import EmulatorServer

HEADERS = {
    "Origin": "https://analytics.revenera.com",
    "RUI-Client": "tests",
    "RUI-Client-Version": "0.0.1",
    "Content-Type": "application/json",
}
LOGIN = {"userName": "demo@example.com", "password": "demo-revenera-password"}
PID = "2376158762"
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
DAY = date(2026, 11, 19)
CLIENTS = 450
DATA_ROUTES = [name for name, endpoint in ROUTES.items() if "{pid}" in endpoint.path]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def emulator(clock: FakeClock) -> Iterator[tuple[EmulatorServer, ReveneraApp]]:
    app = ReveneraApp(ReveneraEmulatorConfig(clock=clock, clients_per_product=CLIENTS, session_ttl_seconds=3600))
    with EmulatorServer([app]) as server:
        yield server, app


@pytest.fixture
def app(emulator: tuple[EmulatorServer, ReveneraApp]) -> ReveneraApp:
    return emulator[1]


def _login(client: httpx.Client) -> None:
    assert client.get("/v3/request-csrf").status_code == 204
    assert client.post("/v3/auth/web", json=LOGIN).status_code == 200


@pytest.fixture
def http(emulator: tuple[EmulatorServer, ReveneraApp]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emulator[0].base_url, headers=HEADERS) as client:
        _login(client)
        yield client


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[ReveneraApp, httpx.Client, httpx.Client]]:
    """One emulator, a logged-in client and an anonymous one, for the many read-only checks (speed)."""
    app = ReveneraApp(ReveneraEmulatorConfig(clock=FakeClock(NOW), clients_per_product=CLIENTS))
    with (
        EmulatorServer([app]) as server,
        httpx.Client(base_url=server.base_url, headers=HEADERS) as http,
        httpx.Client(base_url=server.base_url, headers=HEADERS) as anonymous,
    ):
        _login(http)
        yield app, http, anonymous


@pytest.fixture
def shared_http(shared: tuple[ReveneraApp, httpx.Client, httpx.Client]) -> httpx.Client:
    return shared[1]


def _post(http: httpx.Client, path: str, body: Any, pid: str = PID) -> httpx.Response:
    return http.post(f"{path}/{pid}", json=body)


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _call(http: httpx.Client, name: str, body: Any = None, pid: str = PID) -> httpx.Response:
    endpoint = ROUTES[name]
    path = endpoint.path.replace("{pid}", pid)
    return http.get(path) if endpoint.method == "GET" else http.post(path, json=body if body is not None else {})


def _zip_rows(content: bytes) -> tuple[str, list[str], list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        (name,) = archive.namelist()
        with archive.open(name) as member:
            reader = csv.DictReader(io.TextIOWrapper(member, encoding="utf-8", newline=""))
            return name, list(reader.fieldnames or []), list(reader)


def _download(http: httpx.Client, kind_path: str, file_name: str) -> httpx.Response:
    url = _ok(_post(http, f"{kind_path}/getDownloadUrl", {"fileName": file_name}))["downloadUrl"]
    return httpx.get(url)


# -- handshake --------------------------------------------------------------------------------


def test_handshake_csrf_cookie_login_body_and_cookies(emulator: tuple[EmulatorServer, ReveneraApp]) -> None:
    with httpx.Client(base_url=emulator[0].base_url, headers=HEADERS) as client:
        csrf = client.get("/v3/request-csrf")
        assert csrf.status_code == 204 and csrf.content == b""
        cookie = csrf.headers["set-cookie"]
        assert cookie.startswith("RUI-Csrf=") and "Path=/" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
        login = client.post("/v3/auth/web", json=LOGIN)
        assert login.status_code == 200
        body = login.json()
        assert set(body) == {"account", "freeware", "products", "userSettings", "currentProductDetails", "beatInterval"}
        assert set(body["account"]) == {"name", "surname", "email", "emailVerified", "userToken", "isSocialUser", "readTos"}
        assert body["products"] == {
            "2376158762": {"productId": "2376158762", "productName": "Demo Desktop App"},
            "2395188568": {"productId": "2395188568", "productName": "Demo Mobile App"},
        }
        assert body["userSettings"] == {"defaultProduct": None, "currentProduct": PID}
        assert body["currentProductDetails"] == {"permissions": {}, "config": {}} and body["beatInterval"] == 302
        cookies = login.headers.get_list("set-cookie")
        session = next(v for v in cookies if v.startswith("RUI-Session-Token="))
        for part in ("HttpOnly", "Max-Age=3600", "Path=/", "SameSite=Strict"):
            assert part in session
        assert any(v.startswith("RUI-Csrf=") for v in cookies)  # a fresh CSRF cookie
        assert {"RUI-Csrf", "RUI-Session-Token"} <= set(client.cookies)
        assert client.get(f"/v3/meta/productProperties/{PID}").status_code == 200  # no CSRF header needed


def test_cookie_missing_sets_the_cookie_so_the_retry_succeeds(emulator: tuple[EmulatorServer, ReveneraApp]) -> None:
    with httpx.Client(base_url=emulator[0].base_url, headers=HEADERS) as client:
        first = client.post("/v3/auth/web", json=LOGIN)
        assert first.status_code == 400 and first.json() == {"message": "Cookie Missing"}
        assert first.headers["set-cookie"].startswith("RUI-Csrf=")
        assert client.post("/v3/auth/web", json=LOGIN).status_code == 200


@pytest.mark.parametrize(
    ("drop", "override", "status", "message"),
    [
        (None, {"Origin": "https://evil.example"}, 403, "Invalid Origin"),
        ("Origin", {}, 403, "Invalid Origin"),
        ("RUI-Client", {}, 400, "RUI-Client"),
        ("RUI-Client-Version", {}, 400, "RUI-Client-Version"),
    ],
)
def test_origin_and_client_headers_are_checked_on_every_v3_route(
    shared_http: httpx.Client, drop: str | None, override: dict[str, str], status: int, message: str
) -> None:
    http = shared_http
    headers = {**{k: v for k, v in HEADERS.items() if k != drop}, **override}
    with httpx.Client(base_url=str(http.base_url), headers=headers, cookies=http.cookies) as client:
        for name in ["request_csrf", "login", "logout", *DATA_ROUTES]:
            response = _call(client, name, LOGIN if name == "login" else {})
            assert response.status_code == status, name
            assert message in response.json()["message"]
    assert _call(http, "product_properties").status_code == 200  # the refused logout did not log out


def test_login_refusals(emulator: tuple[EmulatorServer, ReveneraApp], http: httpx.Client) -> None:
    active = http.post("/v3/auth/web", json=LOGIN)
    assert active.status_code == 409 and active.json() == {"message": "User session already active; log out first"}
    with httpx.Client(base_url=emulator[0].base_url, headers=HEADERS) as fresh:
        fresh.get("/v3/request-csrf")
        assert fresh.post("/v3/auth/web", json={**LOGIN, "password": "wrong"}).status_code == 401
        assert fresh.post("/v3/auth/web", json={**LOGIN, "userName": "nobody@example.com"}).status_code == 401
        for body in (
            b"not json",
            b"[1, 2]",
            b'{"user": "demo@example.com", "password": "x"}',
            b'{"userName": "demo@example.com"}',
            b'{"userName": 5, "password": "x"}',
            b"",
        ):
            response = fresh.post("/v3/auth/web", content=body)
            assert response.status_code == 400 and response.json()["message"], body
        assert fresh.get(f"/v3/meta/productProperties/{PID}").status_code == 401  # never logged in


def test_expiry_and_logout_end_the_session(emulator: tuple[EmulatorServer, ReveneraApp], http: httpx.Client, clock: FakeClock) -> None:
    assert _call(http, "product_properties").status_code == 200
    clock.advance(3599)
    assert _call(http, "product_properties").status_code == 200
    clock.advance(2)
    expired = _call(http, "product_properties")
    assert expired.status_code == 401 and expired.json()["message"]
    assert http.post("/v3/auth/web", json=LOGIN).status_code == 200  # an expired session does not block a new login
    logout = http.post("/v3/auth/logout", json={"userName": "ignored"})
    assert logout.status_code == 204
    expiring = logout.headers.get_list("set-cookie")
    assert {c.split("=", 1)[0] for c in expiring} == {"RUI-Session-Token", "RUI-Csrf"} and all("Max-Age=0" in c for c in expiring)
    assert _call(http, "product_properties").status_code == 401
    with httpx.Client(base_url=emulator[0].base_url, headers=HEADERS) as other:  # the old token is dead on the server too
        other.cookies.set("RUI-Session-Token", "made-up-token")
        assert _call(other, "product_properties").status_code == 401


def test_a_csrf_header_is_optional_but_must_match_the_cookie(http: httpx.Client) -> None:
    csrf = http.cookies["RUI-Csrf"]
    assert http.get(f"/v3/meta/productProperties/{PID}", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert http.get(f"/v3/meta/productProperties/{PID}", headers={"RUI-Csrf": csrf}).status_code == 200
    assert http.get(f"/v3/meta/productProperties/{PID}", headers={"X-CSRF-Token": "other"}).status_code == 403


def test_secure_cookies_when_configured(clock: FakeClock) -> None:
    app = ReveneraApp(ReveneraEmulatorConfig(clock=clock, clients_per_product=10, secure_cookies=True))
    with EmulatorServer([app]) as server, httpx.Client(base_url=server.base_url, headers=HEADERS) as client:
        assert client.get("/v3/request-csrf").headers["set-cookie"].endswith("; Secure")
        # httpx keeps Secure cookies away from plain http, so the login sees no CSRF cookie: why the default is off
        assert client.post("/v3/auth/web", json=LOGIN).json() == {"message": "Cookie Missing"}


# -- envelopes and validation -------------------------------------------------------------------


@pytest.mark.parametrize("name", DATA_ROUTES)
def test_unknown_product_is_404_on_every_data_route(shared_http: httpx.Client, name: str) -> None:
    response = _call(shared_http, name, {}, pid="999")
    assert response.status_code == 404 and response.json() == {"message": "Unknown product 999"}


@pytest.mark.parametrize("name", DATA_ROUTES)
def test_every_data_route_needs_a_session(shared: tuple[ReveneraApp, httpx.Client, httpx.Client], name: str) -> None:
    response = _call(shared[2], name, {})
    assert response.status_code == 401 and response.json()["message"]


DATED = ["date_range", "usage_distribution", "event_full_report", "event_timeline", "event_lifetime_histogram"]


@pytest.mark.parametrize("name", DATED)
@pytest.mark.parametrize(
    ("dates", "problem"),
    [
        ({"startDate": "2026-11-19"}, "stopDate"),
        ({"stopDate": "2026-11-19"}, "startDate"),
        ({"startDate": "19/11/2026", "stopDate": "2026-11-19"}, "startDate"),
        ({"startDate": "2026-11-19", "stopDate": "2026-02-30"}, "stopDate"),
        ({"startDate": 20261119, "stopDate": "2026-11-19"}, "startDate"),
        ({"startDate": "2026-11-19", "stopDate": "2026-11-18"}, "startDate"),
        ({"startDate": "2026-08-22", "stopDate": "2026-08-23"}, "history"),
    ],
)
def test_dated_reports_validate_dates(shared_http: httpx.Client, name: str, dates: dict[str, Any], problem: str) -> None:
    response = _call(shared_http, name, {"clientStatus": ["active"], **dates})
    assert response.status_code == 400 and problem in response.json()["message"]


def test_oldest_retained_day_is_accepted_and_non_object_bodies_refused(http: httpx.Client) -> None:
    oldest = (TODAY - timedelta(days=90)).isoformat()
    assert (
        _post(http, "/v3/reporting/generic/dateRange", {"startDate": oldest, "stopDate": oldest, "clientStatus": ["active"]}).status_code
        == 200
    )
    assert _post(http, "/v3/reporting/generic/dateRange", [1]).status_code == 400
    assert http.post(f"/v3/reporting/generic/dateRange/{PID}", content=b"{nope").status_code == 400


def test_metadata_envelopes(http: httpx.Client) -> None:
    properties = _ok(_call(http, "product_properties"))["result"]
    assert {p["name"] for c in properties for p in c["properties"]} >= {
        "prodVersion",
        "prodEdition",
        "prodBuild",
        "prodLanguage",
        "licenseType",
        "geography.country",
        "os.platform",
        "cpuCores",
        "ram",
        "C01",
    }
    for category in properties:
        assert set(category) == {"category", "properties"}
        for prop in category["properties"]:
            assert set(prop) == {"name", "friendlyName", "filterType", "dataType", "supportsRegex", "supportsMeta", "supportsNull"}
            assert all(isinstance(prop[k], bool) for k in ("supportsRegex", "supportsMeta", "supportsNull"))
    catalog = _ok(_call(http, "event_catalog"))["result"]
    assert len(catalog) == 5 and all(2 <= len(c["categoryEventNames"]) <= 4 for c in catalog)
    for category in catalog:
        for event in category["categoryEventNames"]:
            assert set(event) == {"eventName", "basic", "advanced", "dateFirstSeen"} and date.fromisoformat(event["dateFirstSeen"])


def test_property_values(http: httpx.Client) -> None:
    editions = _ok(_call(http, "property_values", {"property": "prodEdition"}))
    assert editions == {"result": [{"value": v, "shortName": v} for v in ("Enterprise", "Free", "Pro")]}
    countries = _ok(_call(http, "property_values", {"property": "geography", "granularity": "country"}))["result"]
    assert "US" in {c["value"] for c in countries}
    after = _ok(_call(http, "property_values", {"property": "prodEdition", "startAfter": "Free"}))["result"]
    assert [v["value"] for v in after] == ["Pro"]
    assert _call(http, "property_values", {"property": "geography"}).status_code == 400  # needs a granularity
    assert _call(http, "property_values", {"property": "nope"}).status_code == 400
    assert _call(http, "property_values", {}).status_code == 400


def test_license_keys(http: httpx.Client) -> None:
    keys = _ok(_call(http, "license_keys", {}))["result"]
    assert keys and all(set(k) == {"licenseKey", "licenseType", "expiryDate", "allowed", "blocked", "activated", "expired"} for k in keys)
    purchased = _ok(_call(http, "license_keys", {"filters": {"licenseType": {"type": "string", "value": "purchased"}}}))["result"]
    assert purchased and {k["licenseType"] for k in purchased} == {"purchased"}
    one = _ok(_call(http, "license_keys", {"filters": {"licenseKey": {"type": "string", "value": keys[0]["licenseKey"]}}}))["result"]
    assert one == [keys[0]]
    assert _call(http, "license_keys", {"filters": {"expiryDate": {}}}).status_code == 400


# -- dateRange --------------------------------------------------------------------------------

BASE = {
    "startDate": "2026-11-02",
    "stopDate": "2026-11-19",
    "clientStatus": ["new", "active", "lost"],
    "daysUntilDeclaredLost": 7,
    "dateReportedLost": "dateLastSeen",
}


def _date_range(http: httpx.Client, **body: Any) -> Any:
    return _ok(_post(http, "/v3/reporting/generic/dateRange", {**BASE, **body}))["result"]


def test_date_range_daily_counts_are_the_expected_sets(app: ReveneraApp, http: httpx.Client) -> None:
    product = app.product(PID)
    daily = _date_range(http, dateSplit="day")
    assert list(daily) == [(date(2026, 11, 2) + timedelta(days=n)).isoformat() for n in range(18)]
    for key, counts in daily.items():
        day = date.fromisoformat(key)
        assert list(counts) == ["new", "active", "lost"]
        assert counts["active"] == len(expected_active_clients(product, day))
        assert counts["new"] == len(expected_new_clients(product, day))
        assert counts["lost"] == len(expected_lost_clients(product, day, 7, "dateLastSeen", TODAY))
    assert sum(v["new"] for v in daily.values()) > 0 and sum(v["lost"] for v in daily.values()) > 0
    # lost is reported only once its window is over: never in the last 7 days before today
    assert all(daily[(TODAY - timedelta(days=n)).isoformat()]["lost"] == 0 for n in range(2, 8))
    declared = _date_range(http, dateSplit="day", dateReportedLost="dateDeclaredLost")
    assert sum(v["lost"] for v in declared.values()) > 0
    for key, counts in declared.items():
        assert counts["lost"] == len(expected_lost_clients(product, date.fromisoformat(key), 7, "dateDeclaredLost", TODAY))
    only_active = _date_range(http, dateSplit="day", clientStatus=["active"])
    assert only_active[DAY.isoformat()] == {"active": daily[DAY.isoformat()]["active"]}


def test_date_range_week_month_and_totals(app: ReveneraApp, http: httpx.Client) -> None:
    weekly = _date_range(http, dateSplit="week")
    assert list(weekly) == ["2026-11-02", "2026-11-09", "2026-11-16"]  # Mondays
    product = app.product(PID)
    week = [date(2026, 11, 9) + timedelta(days=n) for n in range(7)]
    assert weekly["2026-11-09"]["active"] == len(set().union(*(expected_active_clients(product, d) for d in week)))  # distinct clients
    assert weekly["2026-11-09"]["new"] == sum(len(expected_new_clients(product, d)) for d in week)
    monthly = _date_range(http, startDate="2026-10-30", dateSplit="month")
    assert list(monthly) == ["2026-10-01", "2026-11-01"]
    mid_week = _date_range(http, startDate="2026-11-04", stopDate="2026-11-04", dateSplit="week")
    assert list(mid_week) == ["2026-11-02"]
    totals = _date_range(http)
    assert set(totals) == {"new", "active", "lost"} and totals["active"] == len(
        set().union(*(expected_active_clients(product, date(2026, 11, 2) + timedelta(days=n)) for n in range(18)))
    )
    future = _date_range(http, startDate="2026-11-20", stopDate="2026-11-24", dateSplit="day", clientStatus=["active"])
    assert future["2026-11-20"]["active"] > 0 and [future[f"2026-11-{d}"]["active"] for d in (22, 23, 24)] == [0, 0, 0]


def test_date_range_levels_and_filters(http: httpx.Client) -> None:
    day = {"startDate": DAY.isoformat(), "stopDate": DAY.isoformat(), "dateSplit": "day"}
    total = _date_range(http, **day)[DAY.isoformat()]
    split = {"level1": {"property": "prodEdition", "segments": [{"type": "regex", "value": ".*", "split": True}]}}
    segments = _date_range(http, **day, levels=split)[DAY.isoformat()]["level1"]
    assert set(segments) == {"Free", "Pro", "Enterprise"} and all(set(s) == {"totals"} for s in segments.values())
    for status in ("new", "active", "lost"):
        assert sum(s["totals"][status] for s in segments.values()) == total[status]
    labelled = {
        "level1": {
            "property": "licenseType",
            "segments": [
                {"type": "stringArray", "value": ["trial", "purchased"], "segmentLabel": "Paying or trying"},
                {"type": "string", "value": "freeware", "segmentLabel": "Free"},
                {"type": "string", "value": "no-such-license", "segmentLabel": "Nobody"},
            ],
        }
    }
    by_label = _date_range(http, **day, levels=labelled)[DAY.isoformat()]["level1"]
    assert list(by_label) == ["Paying or trying", "Free", "Nobody"] and by_label["Nobody"]["totals"] == {"new": 0, "active": 0, "lost": 0}
    assert by_label["Paying or trying"]["totals"]["active"] + by_label["Free"]["totals"]["active"] == total["active"]
    filtered = _date_range(http, **day, globalFilters={"prodEdition": {"type": "string", "value": "Pro"}})
    assert filtered[DAY.isoformat()]["active"] == segments["Pro"]["totals"]["active"]
    countries = _date_range(http, **day, globalFilters={"geography": {"type": "stringArray", "country": ["US", "DE"]}})[DAY.isoformat()][
        "active"
    ]
    us_de = _date_range(http, **day, globalFilters={"geography.country": {"type": "stringArray", "value": ["US", "DE"]}})[DAY.isoformat()][
        "active"
    ]
    assert 0 < countries == us_de < total["active"]
    versions = _date_range(
        http,
        **day,
        globalFilters={"prodVersion": {"type": "regex", "value": "^4\\."}, "licenseType": {"type": "string", "value": "purchased"}},
    )
    assert 0 < versions[DAY.isoformat()]["active"] < total["active"]
    nested = _date_range(
        http,
        startDate=DAY.isoformat(),
        stopDate=DAY.isoformat(),
        levels={**split, "level2": {"property": "os.platform", "segments": [{"type": "regex", "value": ".*", "split": True}]}},
    )
    pro = nested["level1"]["Pro"]
    assert (
        set(pro) == {"totals", "level2"}
        and sum(s["totals"]["active"] for s in pro["level2"].values()) == pro["totals"]["active"] == segments["Pro"]["totals"]["active"]
    )


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"clientStatus": ["gone"]}, "clientStatus"),
        ({"clientStatus": []}, "clientStatus"),
        ({"clientStatus": None}, "clientStatus"),
        ({"clientStatus": ["lost"], "daysUntilDeclaredLost": None}, "daysUntilDeclaredLost"),
        ({"clientStatus": ["lost"], "dateReportedLost": "whenever"}, "dateReportedLost"),
        ({"dateSplit": "year"}, "dateSplit"),
        ({"groupBy": "machineId"}, "groupBy"),
        (
            {
                "dateSplit": "day",
                "levels": {
                    "level1": {"property": "prodEdition", "segments": [{"type": "regex", "value": ".*", "split": True}]},
                    "level2": {"property": "licenseType", "segments": [{"type": "regex", "value": ".*", "split": True}]},
                },
            },
            "only one level",
        ),
        ({"levels": {"level2": {"property": "prodEdition", "segments": [{"type": "regex", "value": ".*", "split": True}]}}}, "level1"),
        ({"levels": {"level1": {"property": "nope", "segments": [{"type": "regex", "value": ".*", "split": True}]}}}, "nope"),
        ({"levels": {"level1": {"property": "prodEdition", "segments": [{"type": "regex", "value": ".*"}]}}}, "segmentLabel"),
        ({"levels": {"level1": {"property": "prodEdition", "segments": [{"type": "regex", "value": "("}]}}}, "regular expression"),
        ({"globalFilters": {"noSuchProperty": {"type": "string", "value": "x"}}}, "noSuchProperty"),
        ({"globalFilters": {"prodVersion": {"type": "bogus", "value": "x"}}}, "bogus"),
        ({"globalFilters": {"ram": {"type": "string", "value": "8192"}}}, "ram"),
    ],
)
def test_date_range_validation(shared_http: httpx.Client, body: dict[str, Any], problem: str) -> None:
    response = _post(shared_http, "/v3/reporting/generic/dateRange", {**BASE, **body})
    assert response.status_code == 400 and problem in response.json()["message"]


# -- event reports and engagement -------------------------------------------------------------


def test_event_reports(app: ReveneraApp, http: httpx.Client) -> None:
    product = app.product(PID)
    one_day = {"startDate": DAY.isoformat(), "stopDate": DAY.isoformat()}
    report = _ok(_call(http, "event_full_report", one_day))["result"]
    expected = expected_event_counts(product, DAY)
    assert len(report) == 15 and {(e["category"], e["name"]): e["eventCounts"] for e in report} == {
        k: expected[k] for k in ((e["category"], e["name"]) for e in report)
    }
    active = len(expected_active_clients(product, DAY))
    for event in report:
        assert {
            "uniqueUsersUsedAtLeastOnce",
            "uniqueUsersNeverUsed",
            "averageEventCountPerUserAtLeastOnce",
            "averageEventCountPerSessionAll",
        } <= set(event)
        assert event["uniqueUsersUsedAtLeastOnce"] + event["uniqueUsersNeverUsed"] == active
    chosen = _ok(
        _call(
            http,
            "event_full_report",
            {**one_day, "events": [{"category": "Editing", "name": "Undo"}, {"category": "Nope", "name": "Nope"}]},
        )
    )["result"]
    assert [(e["category"], e["name"], e["eventCounts"]) for e in chosen] == [
        ("Editing", "Undo", expected["Editing", "Undo"]),
        ("Nope", "Nope", 0),
    ]
    combi = {
        "combiLabel": "Files",
        "combiArray": [{"categoryType": "string", "nameType": "regex", "category": "File Operations", "name": ".*"}],
    }
    (files,) = _ok(_call(http, "event_full_report", {**one_day, "events": [combi]}))["result"]
    assert files["combiLabel"] == "Files" and files["eventCounts"] == sum(n for (c, _), n in expected.items() if c == "File Operations")
    by_edition = _ok(
        _call(
            http,
            "event_full_report",
            {**one_day, "segmentBy": "prodEdition", "segments": [{"type": "regex", "value": ".*", "split": True}]},
        )
    )["result"]
    assert set(by_edition) == {"Free", "Pro", "Enterprise"} and sum(e["eventCounts"] for rows in by_edition.values() for e in rows) == sum(
        expected.values()
    )
    assert _call(http, "event_full_report", {**one_day, "events": [{"category": "x"}]}).status_code == 400

    timeline = _ok(
        _call(
            http, "event_timeline", {"startDate": "2026-11-16", "stopDate": DAY.isoformat(), "dateSplit": "day", "dataView": "usageCounts"}
        )
    )["result"]
    assert list(timeline) == ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19"]
    assert all(set(e) == {"category", "name", "value"} for e in timeline[DAY.isoformat()])
    assert sum(e["value"] for e in timeline[DAY.isoformat()]) == sum(expected.values())
    weekly = _ok(
        _call(
            http,
            "event_timeline",
            {
                "startDate": "2026-11-16",
                "stopDate": DAY.isoformat(),
                "dateSplit": "week",
                "events": [{"category": "Editing", "name": "Undo"}],
            },
        )
    )["result"]
    assert weekly == {
        "2026-11-16": [
            {
                "category": "Editing",
                "name": "Undo",
                "value": sum(expected_event_counts(product, date(2026, 11, d))["Editing", "Undo"] for d in range(16, 20)),
            }
        ]
    }
    assert _call(http, "event_timeline", {**one_day, "dataView": "customValues"}).status_code == 400

    histogram = _ok(_call(http, "event_lifetime_histogram", one_day))["result"]
    assert set(histogram) == {"summary", "histograms"} and set(histogram["summary"]) == {"usedAtLeastOnce", "neverUsed"}
    used = {(e["category"], e["name"]): e["value"] for e in histogram["summary"]["usedAtLeastOnce"]}
    assert used == {(e["category"], e["name"]): e["uniqueUsersUsedAtLeastOnce"] for e in report}
    bins = histogram["histograms"]["eventCount"]
    assert sum(e["value"] for rows in bins.values() for e in rows) == sum(used.values())

    distribution = _ok(_call(http, "usage_distribution", {"startDate": "2026-11-13", "stopDate": DAY.isoformat()}))["result"]
    week = [date(2026, 11, 13) + timedelta(days=n) for n in range(7)]
    users = Counter(c for d in week for c in expected_active_clients(product, d))
    assert {k: v["users"] for k, v in distribution["activeDays"].items()} == {str(n): u for n, u in sorted(Counter(users.values()).items())}


# -- client profiles --------------------------------------------------------------------------


def test_client_property_list_pages_by_client_id(app: ReveneraApp, http: httpx.Client) -> None:
    product = app.product(PID)
    known = [c.client_id for c in product.clients if c.installed <= TODAY]
    assert 200 < len(known) < CLIENTS  # clients not installed yet are not listed
    seen: list[str] = []
    body: dict[str, Any] = {
        "startAtClientId": None,
        "properties": ["prodVersion", "geography.country", "C01", "ram"],
        "retDailyData": {"startDate": "2026-11-18", "stopDate": DAY.isoformat(), "properties": ["prodVersion", "licenseType"]},
    }
    daily: dict[str, set[str]] = {"2026-11-18": set(), DAY.isoformat(): set()}
    for _ in range(10):
        page = _ok(_post(http, "/v3/reporting/clientPropertyList", body))
        assert set(page) <= {"result", "reachedEnd", "nextClientId"}
        for row in page["result"]:
            assert set(row) == {"clientId", "prodVersion", "geography.country", "C01", "ram", "dailyData"}
            assert len(row["clientId"]) == 16 and row["clientId"] == row["clientId"].upper() and int(row["clientId"], 16) >= 0
            for entry in row["dailyData"]:
                assert set(entry) == {"date", "prodVersion", "licenseType"}
                daily[entry["date"]].add(row["clientId"])
        seen += [c["clientId"] for c in page["result"]]
        if page["reachedEnd"]:
            assert "nextClientId" not in page
            break
        assert len(page["result"]) == 200 and page["nextClientId"] > seen[-1]
        body["startAtClientId"] = page["nextClientId"]
    assert seen == known  # sorted, no gaps, no repeats
    assert daily[DAY.isoformat()] == expected_active_clients(product, DAY)
    assert daily["2026-11-18"] == expected_active_clients(product, date(2026, 11, 18))
    assert "<NULL>" in {
        row["C01"]
        for row in _ok(_post(http, "/v3/reporting/clientPropertyList", {"startAtClientId": None, "properties": ["C01"]}))["result"]
    }


def test_client_property_list_filters(app: ReveneraApp, http: httpx.Client) -> None:
    product = app.product(PID)
    bare = _ok(_post(http, "/v3/reporting/clientPropertyList", {"startAtClientId": None}))
    assert all(set(row) == {"clientId"} for row in bare["result"])
    window = {
        "dateInstalled": {"type": "dateRange", "min": "2026-01-01", "max": "2026-03-31"},
        "dateLastSeen": {"type": "dateRange", "min": DAY.isoformat()},
    }
    rows = _ok(
        _post(http, "/v3/reporting/clientPropertyList", {"startAtClientId": None, "globalFilters": window, "properties": ["dateInstalled"]})
    )["result"]
    expected = [
        c.client_id
        for c in product.clients
        if date(2026, 1, 1) <= c.installed <= date(2026, 3, 31) and (product.last_seen(c, TODAY) or date.min) >= DAY
    ]
    assert [r["clientId"] for r in rows] == expected and all("2026-01-01" <= r["dateInstalled"] <= "2026-03-31" for r in rows)
    german = _ok(
        _post(
            http,
            "/v3/reporting/clientPropertyList",
            {
                "startAtClientId": None,
                "globalFilters": {"geography.country": {"type": "string", "value": "DE"}},
                "properties": ["geography.country"],
            },
        )
    )["result"]
    assert german and {r["geography.country"] for r in german} == {"DE"}
    for bad in (
        {"properties": "prodVersion"},
        {"properties": ["nope"]},
        {"startAtClientId": 5},
        {"retDailyData": {"startDate": DAY.isoformat()}},
        {"retDailyData": {"startDate": DAY.isoformat(), "stopDate": DAY.isoformat(), "properties": ["ram"]}},
    ):
        assert _post(http, "/v3/reporting/clientPropertyList", bad).status_code == 400, bad


# -- exports ----------------------------------------------------------------------------------


def test_raw_file_list_final_days_only(http: httpx.Client, clock: FakeClock) -> None:
    files = _ok(_call(http, "raw_list"))["fileList"]
    assert [f["fileDate"] for f in files] == [
        (date(2026, 11, 20) - timedelta(days=n)).isoformat() for n in range(90)
    ]  # newest first, today open
    assert (
        files[0]["fileName"] == f"{PID}_2026-11-20.zip"
        and set(files[0]) == {"fileName", "fileDate", "compressedSizeKB"}
        and isinstance(files[0]["compressedSizeKB"], float)
    )
    clock.now = datetime(2026, 11, 21, 1, 59, 59, tzinfo=UTC)  # yesterday is final at 02:00
    assert _ok(_call(http, "raw_list"))["fileList"][0]["fileDate"] == "2026-11-19"
    assert _post(http, "/v3/rawEvents/download/getDownloadUrl", {"fileName": f"{PID}_2026-11-20.zip"}).status_code == 404
    clock.now = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
    assert _ok(_call(http, "raw_list"))["fileList"][0]["fileDate"] == "2026-11-20"


def test_tracking_file_lists_open_and_final(http: httpx.Client, clock: FakeClock) -> None:
    for path, kind in (("exceptionTracking", "exc"), ("customEventTracking", "cust")):
        listing = _ok(http.get(f"/v3/{path}/listFiles/{PID}"))
        assert set(listing) == {"openDailyFiles", "dailyFiles", "monthlyFiles"}
        assert listing["openDailyFiles"] == [
            {
                "fileName": f"{PID}_{kind}_2026-11-21.zip",
                "uncompressedSizeKB": listing["openDailyFiles"][0]["uncompressedSizeKB"],
                "fileDate": "2026-11-21",
                "isAvailable": True,
            }
        ]
        assert listing["dailyFiles"][0]["fileName"] == f"{PID}_{kind}_2026-11-20.zip" and len(listing["dailyFiles"]) == 90
        assert set(listing["dailyFiles"][0]) == {"fileName", "uncompressedSizeKB", "compressedSizeKB", "fileDate"}
        monthly = listing["monthlyFiles"]
        assert [m["fileName"] for m in monthly] == [
            f"{PID}_{kind}_2026-11-01_to_2026-11-20.zip",
            f"{PID}_{kind}_2026-10-01_to_2026-10-31.zip",
            f"{PID}_{kind}_2026-09-01_to_2026-09-30.zip",
        ]
        assert set(monthly[0]) == {"fileName", "uncompressedSizeKB", "compressedSizeKB", "fileStartDate", "fileStopDate"}
        open_now = _post(http, f"/v3/{path}/getDownloadUrl", {"fileName": f"{PID}_{kind}_2026-11-21.zip"})
        assert open_now.status_code == 409
        assert _post(http, f"/v3/{path}/getDownloadUrl", {"fileName": f"{PID}_{kind}_2026-11-22.zip"}).status_code == 404
        assert _post(http, f"/v3/{path}/getDownloadUrl", {"fileName": f"{PID}_{kind}_2026-08-01.zip"}).status_code == 404
        assert _post(http, f"/v3/{path}/getDownloadUrl", {}).status_code == 400
    clock.now = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
    early = _ok(http.get(f"/v3/exceptionTracking/listFiles/{PID}"))
    assert [(f["fileDate"], f["isAvailable"]) for f in early["openDailyFiles"]] == [("2026-11-21", True), ("2026-11-20", False)]
    assert early["dailyFiles"][0]["fileDate"] == "2026-11-19"
    assert _post(http, "/v3/exceptionTracking/getDownloadUrl", {"fileName": f"{PID}_exc_2026-11-20.zip"}).status_code == 409


def test_download_urls_are_single_use_and_zips_deterministic(app: ReveneraApp, http: httpx.Client) -> None:
    name = f"{PID}_{DAY.isoformat()}.zip"
    url = _ok(_post(http, "/v3/rawEvents/download/getDownloadUrl", {"fileName": name}))
    assert list(url) == ["downloadUrl"] and url["downloadUrl"].startswith(str(http.base_url).rstrip("/") + "/download/")
    first = httpx.get(url["downloadUrl"])  # no cookies, no Origin
    second = httpx.get(url["downloadUrl"])
    assert first.status_code == 200 and first.headers["content-type"] == "application/zip"
    assert second.status_code == 403
    assert httpx.get(url["downloadUrl"] + "x").status_code == 404
    assert _download(http, "/v3/rawEvents/download", name).content == first.content  # same bytes every time
    member, header, rows = _zip_rows(first.content)
    assert member == f"{PID}_{DAY.isoformat()}.csv"
    assert header == [
        "timestamp",
        "clientId",
        "sessionId",
        "eventCategory",
        "eventName",
        "eventData",
        "prodVersion",
        "prodEdition",
        "licenseType",
        "osPlatform",
        "country",
    ]
    assert all(r["timestamp"].startswith(DAY.isoformat()) for r in rows)
    # cross-consistency: the raw file, dateRange, client daily data and fullReport tell one story
    product = app.product(PID)
    assert {r["clientId"] for r in rows} == expected_active_clients(product, DAY)
    one_day = {"startDate": DAY.isoformat(), "stopDate": DAY.isoformat()}
    active = _ok(_post(http, "/v3/reporting/generic/dateRange", {**one_day, "dateSplit": "day", "clientStatus": ["active"]}))["result"][
        DAY.isoformat()
    ]["active"]
    assert active == len({r["clientId"] for r in rows})
    report = _ok(_call(http, "event_full_report", one_day))["result"]
    raw_counts = Counter((r["eventCategory"], r["eventName"]) for r in rows)
    assert {(e["category"], e["name"]): e["eventCounts"] for e in report} == {
        pair: raw_counts.get(pair, 0) for pair in ((e["category"], e["name"]) for e in report)
    }
    assert sum(raw_counts.values()) == len(rows)


def test_exception_and_custom_exports_and_last_lines(app: ReveneraApp, http: httpx.Client) -> None:
    product = app.product(PID)
    exc = _download(http, "/v3/exceptionTracking", f"{PID}_exc_{DAY.isoformat()}.zip")
    member, header, rows = _zip_rows(exc.content)
    assert member == f"{PID}_exc_{DAY.isoformat()}.csv" and {
        "timestamp",
        "clientId",
        "prodVersion",
        "className",
        "methodName",
        "exceptionMessage",
        "stackTrace",
    } <= set(header)
    assert rows and {r["clientId"] for r in rows} <= expected_active_clients(product, DAY)
    cust = _download(http, "/v3/customEventTracking", f"{PID}_cust_{DAY.isoformat()}.zip")
    _, cust_header, cust_rows = _zip_rows(cust.content)
    lines = _ok(_post(http, "/v3/customEventTracking/getLastLines", {"lineCount": "5"}))
    assert cust_header == list(lines["fieldNames"]) and lines["fieldNames"]["event.category"] == "Event Category"
    assert cust_rows and {r["clientId"] for r in cust_rows} <= expected_active_clients(product, DAY)
    assert 0 < len(lines["results"]) <= 5 and all(
        set(r) == set(lines["fieldNames"]) and all(isinstance(v, str) for v in r.values()) for r in lines["results"]
    )
    assert all(r["timestamp"] <= NOW.strftime("%Y-%m-%dT%H:%M:%S") for r in lines["results"])  # written so far
    exc_lines = _ok(_post(http, "/v3/exceptionTracking/getLastLines", {"lineCount": 3}))
    assert set(exc_lines) == {"fieldNames", "results"} and list(exc_lines["fieldNames"]) == header
    for bad in ({}, {"lineCount": "many"}, {"lineCount": 0}):
        assert _post(http, "/v3/exceptionTracking/getLastLines", bad).status_code == 400
    monthly = _download(http, "/v3/customEventTracking", f"{PID}_cust_2026-10-01_to_2026-10-31.zip")
    _, _, month_rows = _zip_rows(monthly.content)
    assert {r["timestamp"][:7] for r in month_rows} == {"2026-10"} and len({r["timestamp"][:10] for r in month_rows}) == 31


# -- determinism and scale --------------------------------------------------------------------


def test_products_differ_and_answers_repeat(http: httpx.Client) -> None:
    body = {"startDate": DAY.isoformat(), "stopDate": DAY.isoformat(), "dateSplit": "day", "clientStatus": ["active"]}
    first = _ok(http.post(f"/v3/reporting/generic/dateRange/{PID}", json=body))
    assert first == _ok(http.post(f"/v3/reporting/generic/dateRange/{PID}", json=body))
    assert first != _ok(http.post("/v3/reporting/generic/dateRange/2395188568", json=body))
    again = ReveneraApp(ReveneraEmulatorConfig(clients_per_product=CLIENTS)).product(PID)  # a new app, the same seed
    assert len(expected_active_clients(again, DAY)) == first["result"][DAY.isoformat()]["active"]
    other_seed = ReveneraApp(ReveneraEmulatorConfig(clients_per_product=CLIENTS, seed="other")).product(PID)
    assert expected_active_clients(other_seed, DAY) != expected_active_clients(again, DAY)


def test_scales_to_a_hundred_thousand_clients(clock: FakeClock) -> None:
    app = ReveneraApp(ReveneraEmulatorConfig(clock=clock, clients_per_product=100_000, products={PID: "Big"}))
    with EmulatorServer([app]) as server, httpx.Client(base_url=server.base_url, headers=HEADERS, timeout=30) as http:
        _login(http)
        page = _ok(_post(http, "/v3/reporting/clientPropertyList", {"startAtClientId": None, "properties": ["prodVersion"]}))
        assert len(page["result"]) == 200 and not page["reachedEnd"]
        later = _ok(
            _post(
                http,
                "/v3/reporting/clientPropertyList",
                {
                    "startAtClientId": "F0",
                    "properties": ["prodVersion"],
                    "retDailyData": {"startDate": DAY.isoformat(), "stopDate": DAY.isoformat(), "properties": ["prodVersion"]},
                },
            )
        )
        assert later["result"][0]["clientId"] >= "F0"
        assert len(_ok(_call(http, "raw_list"))["fileList"]) == 90
        active = _ok(
            _post(
                http,
                "/v3/reporting/generic/dateRange",
                {"startDate": DAY.isoformat(), "stopDate": DAY.isoformat(), "dateSplit": "day", "clientStatus": ["active"]},
            )
        )
        assert active["result"][DAY.isoformat()]["active"] > 10_000
