"""The Raygun emulator checked against the seed (../shared/seeds/000_*), over real HTTP."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from rum_assets.emulator.raygun import RaygunApp, RaygunEmulatorConfig
from rum_assets.emulator.server import EmulatorServer
from rum_assets_tests.fakes import FakeClock

API_KEY, CLIENT_ID, CLIENT_SECRET = "demo-raygun-api-key", "demo-raygun-client-id", "demo-raygun-client-secret"
BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
DAY = date(2026, 11, 20)
STR, INT, BOOL, NULL = str, int, bool, type(None)

# Every field of the seed's response models, with the JSON types it allows (nullable where the seed says so).
USER = {"id": INT, "isAnonymous": BOOL, "identifier": STR, "firstName": (STR, NULL), "fullName": (STR, NULL), "emailAddress": (STR, NULL), "firstSeen": (STR, NULL), "lastSeen": (STR, NULL), "links": dict}
SUMMARY = {"id": INT, "sessionStart": STR, "sessionUpdated": STR, "sessionEnd": (STR, NULL), "user": dict, "browser": dict, "platform": dict, "os": dict, "location": dict, "sessionLength": INT, "status": STR, "pageViewCount": INT, "links": dict}
DETAIL = {**{k: v for k, v in SUMMARY.items() if k != "pageViewCount"}, "satisfactionRating": STR, "errors": list, "pageViews": list}
ERROR = {"groupId": INT, "instanceId": INT, "title": STR, "links": dict}
PAGE_VIEW = {"page": STR, "loadingTime": INT, "viewingTime": INT, "viewedOn": STR}


def _conforms(record: dict[str, Any], model: dict[str, Any], where: str) -> None:
    assert set(model) <= set(record), f"{where}: missing {set(model) - set(record)}"
    for name, allowed in model.items():
        assert isinstance(record[name], allowed) and not (allowed is INT and isinstance(record[name], bool)), f"{where}.{name}={record[name]!r}"


def _is_timestamp(value: str) -> bool:
    return value.endswith("Z") and datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 21, 9, 30, tzinfo=UTC))


@pytest.fixture
def emulator(clock: FakeClock) -> Iterator[tuple[EmulatorServer, RaygunApp]]:
    app = RaygunApp(RaygunEmulatorConfig(clock=clock, daily_call_limit=0))
    with EmulatorServer([app]) as server:
        yield server, app


def _key(http: httpx.Client) -> str:
    response = http.post("/api/v1/pulse/authenticate", headers={"X-ApiKey": API_KEY, "Authorization": BASIC})
    assert response.status_code == 202
    return response.json()["sessionKey"]


def _sessions(http: httpx.Client, key: str, **params: Any) -> httpx.Response:
    return http.get("/api/v1/pulse/sessions", params={"dateFrom": "2026-11-20", "dateTo": "2026-11-20", **params}, headers={"x-sessionkey": key})


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_authenticate_accepts_get_and_post(emulator: tuple[EmulatorServer, RaygunApp], method: str) -> None:
    server, _ = emulator
    response = httpx.request(method, server.base_url + "/api/v1/pulse/authenticate", headers={"X-ApiKey": API_KEY, "Authorization": BASIC})
    assert response.status_code == 202 and response.json()["sessionKey"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": BASIC}, {"X-ApiKey": "wrong", "Authorization": BASIC}, {"X-ApiKey": API_KEY},
     {"X-ApiKey": API_KEY, "Authorization": "Basic " + base64.b64encode(b"demo-raygun-client-id:nope").decode()}],
)
def test_authenticate_refuses_missing_or_wrong_credentials(emulator: tuple[EmulatorServer, RaygunApp], headers: dict[str, str]) -> None:
    server, _ = emulator
    response = httpx.post(server.base_url + "/api/v1/pulse/authenticate", headers=headers)
    assert response.status_code == 401 and CLIENT_SECRET not in response.text


def test_sessions_and_detail_match_the_seed_field_by_field(emulator: tuple[EmulatorServer, RaygunApp]) -> None:
    server, _ = emulator
    with httpx.Client(base_url=server.base_url) as http:
        key = _key(http)
        page = _sessions(http, key, limit=500).json()
        assert set(page) == {"totalSessions", "sessions", "links"} and set(page["links"]) == {"self", "next", "previous"}
        assert page["totalSessions"] == 300 and len(page["sessions"]) == 300
        anonymous = [s for s in page["sessions"] if s["user"]["isAnonymous"]]
        assert 0 < len(anonymous) < 300 and all(s["user"]["emailAddress"] is None for s in anonymous)
        for session in page["sessions"]:
            _conforms(session, SUMMARY, "session")
            _conforms(session["user"], USER, "user")
            _conforms(session["location"], {"country": STR, "ipAddress": STR}, "location")
            assert set(session["browser"]) == {"name", "version"} and set(session["os"]) == {"name", "version"}
            assert set(session["links"]) == {"self", "web"} and session["links"]["self"].startswith(server.base_url)
            assert session["status"] == "ended" and _is_timestamp(session["sessionStart"])
            assert session["sessionStart"].startswith("2026-11-20") and len(session["location"]["country"]) == 2
        with_errors = 0
        for session in page["sessions"][:60]:
            detail = http.get("/api/v1/pulse/session", params={"id": session["id"]}, headers={"X-SessionKey": key}).json()["session"]
            _conforms(detail, DETAIL, "detail")
            assert "pageViewCount" not in detail and detail["satisfactionRating"] in {"Excellent", "Good", "Average", "Poor"}
            assert set(detail["location"]["ipLookup"]) == {"country", "state", "city"}
            assert len(detail["pageViews"]) == session["pageViewCount"] >= 1
            for view in detail["pageViews"]:
                _conforms(view, PAGE_VIEW, "pageView")
                assert session["sessionStart"] <= view["viewedOn"]
            for error in detail["errors"]:
                _conforms(error, ERROR, "error")
            with_errors += bool(detail["errors"])
        assert 0 < with_errors < 60


def test_same_day_is_deterministic(emulator: tuple[EmulatorServer, RaygunApp]) -> None:
    server, _ = emulator
    with httpx.Client(base_url=server.base_url) as http:
        key = _key(http)
        assert _sessions(http, key, limit=100).json() == _sessions(http, key, limit=100).json()


def test_paging_follows_absolute_links_to_the_total(emulator: tuple[EmulatorServer, RaygunApp]) -> None:
    server, _ = emulator
    ids: list[int] = []
    with httpx.Client(base_url=server.base_url) as http:
        key = _key(http)
        url: str | None = f"{server.base_url}/api/v1/pulse/sessions?dateFrom=2026-11-20T00:00:00Z&dateTo=2026-11-20T23:59:59.999Z&limit=70"
        pages = 0
        while url and pages < 20:
            page = http.get(url, headers={"X-SessionKey": key}).json()
            assert page["links"]["previous"] is (None if pages == 0 else page["links"]["previous"])
            ids += [s["id"] for s in page["sessions"]]
            url, pages = page["links"]["next"], pages + 1
    assert pages == 5 and len(ids) == len(set(ids)) == 300


@pytest.mark.parametrize(
    ("params", "problem"),
    [({"limit": 501}, "limit"), ({"limit": 0}, "limit"), ({"skip": -1}, "skip"), ({"limit": "ten"}, "limit"), ({"dateFrom": ""}, "dateFrom"), ({"dateTo": "20/11/2026"}, "dateTo"), ({"dateFrom": "2026-11-21", "dateTo": "2026-11-20"}, "dateFrom")],
)
def test_bad_queries_are_400_naming_the_parameter(emulator: tuple[EmulatorServer, RaygunApp], params: dict[str, Any], problem: str) -> None:
    server, _ = emulator
    with httpx.Client(base_url=server.base_url) as http:
        response = _sessions(http, _key(http), **params)
    assert response.status_code == 400 and problem in response.json()["message"]


def test_filters_and_multi_day_ranges(emulator: tuple[EmulatorServer, RaygunApp]) -> None:
    server, _ = emulator
    with httpx.Client(base_url=server.base_url) as http:
        key = _key(http)
        two_days = _sessions(http, key, dateFrom="2026-11-19", dateTo="2026-11-20T23:59:59Z", limit=500).json()
        assert two_days["totalSessions"] == 600
        nz = _sessions(http, key, country="nz,US", limit=500).json()
        assert 0 < nz["totalSessions"] < 300 and {s["location"]["country"] for s in nz["sessions"]} == {"NZ", "US"}
        anonymous = _sessions(http, key, userType="Anonymous", limit=500).json()
        assert all(s["user"]["isAnonymous"] for s in anonymous["sessions"])
        one = anonymous["sessions"][0]["user"]["identifier"]
        assert all(s["user"]["identifier"] == one for s in _sessions(http, key, userIdentifier=one).json()["sessions"])


def test_unknown_or_bad_session_ids(emulator: tuple[EmulatorServer, RaygunApp]) -> None:
    server, _ = emulator
    with httpx.Client(base_url=server.base_url) as http:
        headers = {"X-SessionKey": _key(http)}
        assert http.get("/api/v1/pulse/session", params={"id": 9_999_999}, headers=headers).status_code == 404
        assert http.get("/api/v1/pulse/session", params={"id": "abc"}, headers=headers).status_code == 400
        assert http.get("/api/v1/pulse/session", headers=headers).status_code == 400


def test_keys_expire_and_unknown_keys_are_refused(clock: FakeClock) -> None:
    with EmulatorServer([RaygunApp(RaygunEmulatorConfig(clock=clock, session_key_ttl_seconds=1))]) as server, httpx.Client(base_url=server.base_url) as http:
        key = _key(http)
        assert _sessions(http, key).status_code == 200
        clock.advance(1.5)
        assert _sessions(http, key).status_code == 401
        assert _sessions(http, "made-up").status_code == 401


def test_daily_limit_answers_429_with_seconds_to_midnight(clock: FakeClock) -> None:
    app = RaygunApp(RaygunEmulatorConfig(clock=clock, daily_call_limit=3))
    with EmulatorServer([app]) as server, httpx.Client(base_url=server.base_url) as http:
        key = _key(http)
        assert [_sessions(http, key).status_code for _ in range(3)] == [200, 200, 429]
        limited = _sessions(http, key)
        assert limited.headers["Retry-After"] == str(int((datetime(2026, 11, 22, tzinfo=UTC) - clock()).total_seconds()))
        assert app.calls_used(API_KEY, clock().date()) == 3
        clock.advance(15 * 3600)  # a new UTC day
        assert _sessions(http, key).status_code == 401  # the key expired meanwhile
        assert _sessions(http, _key(http)).status_code == 200


def test_today_has_only_started_sessions_and_active_ones_have_no_end(clock: FakeClock) -> None:
    with EmulatorServer([RaygunApp(RaygunEmulatorConfig(clock=clock, sessions_per_day=2000, daily_call_limit=0))]) as server, httpx.Client(base_url=server.base_url) as http:
        key = _key(http)
        page = _sessions(http, key, dateFrom="2026-11-21", dateTo="2026-11-21", skip=0, limit=500)
        total = page.json()["totalSessions"]
        assert 0 < total < 2000 * 0.45  # 09:30 is ~40% into the day
        last = _sessions(http, key, dateFrom="2026-11-21", dateTo="2026-11-21", skip=total - 50, limit=50).json()["sessions"]
        active = [s for s in last if s["status"] == "active"]
        assert active and all(s["sessionEnd"] is None for s in active)
        assert all(datetime.fromisoformat(s["sessionStart"].replace("Z", "+00:00")) <= clock() for s in last)


def test_a_million_sessions_a_day_pages_without_building_the_day(clock: FakeClock) -> None:
    with EmulatorServer([RaygunApp(RaygunEmulatorConfig(clock=clock, sessions_per_day=1_000_000, daily_call_limit=0))]) as server, httpx.Client(base_url=server.base_url) as http:
        key = _key(http)
        began = time.perf_counter()
        page = _sessions(http, key, skip=750_000, limit=500).json()
        elapsed = time.perf_counter() - began
    assert page["totalSessions"] == 1_000_000 and len(page["sessions"]) == 500
    starts = [s["sessionStart"] for s in page["sessions"]]
    assert starts == sorted(starts) and starts[0].startswith("2026-11-20T18:")
    assert elapsed < 30  # a sanity bound, not a benchmark: the whole day would take minutes
