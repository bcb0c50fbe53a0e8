"""The Raygun emulator checked against the vendor's v1 documentation (docs/vendors.md), over real HTTP."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from rum_assets_tests.fakes import FakeClock
from rum_emulator.raygun import RaygunApp, RaygunCredentials, RaygunEmulatorConfig
from rum_emulator.raygun.data import day_number, floor_ms
from rum_emulator.server import EmulatorServer

API_KEY, CLIENT_ID, CLIENT_SECRET = "demo-raygun-api-key", "demo-raygun-client-id", "demo-raygun-client-secret"
BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
STR, INT, BOOL, NULL = str, int, bool, type(None)
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")

# Every field of the vendor's documented response models with the JSON types it allows (nullable where the documentation says
# so, and the user's descriptive fields, which are null for anonymous users). Key sets are exact.
USER = {
    "id": INT,
    "isAnonymous": BOOL,
    "identifier": STR,
    "firstName": (STR, NULL),
    "fullName": (STR, NULL),
    "emailAddress": (STR, NULL),
    "firstSeen": (STR, NULL),
    "lastSeen": (STR, NULL),
    "links": dict,
}
SUMMARY = {
    "id": INT,
    "sessionStart": STR,
    "sessionUpdated": STR,
    "sessionEnd": (STR, NULL),
    "user": dict,
    "browser": dict,
    "platform": dict,
    "os": dict,
    "location": dict,
    "sessionLength": INT,
    "status": STR,
    "pageViewCount": INT,
    "links": dict,
}
DETAIL = {**{k: v for k, v in SUMMARY.items() if k != "pageViewCount"}, "satisfactionRating": STR, "errors": list, "pageViews": list}
NAME_VERSION = {"name": STR, "version": STR}
LOCATION = {"country": STR, "ipAddress": STR}
IP_LOOKUP = {"country": STR, "state": STR, "city": STR}
ERROR = {"groupId": INT, "instanceId": INT, "title": STR, "links": dict}
PAGE_VIEW = {"page": STR, "loadingTime": INT, "viewingTime": INT, "viewedOn": STR}


def _conforms(record: dict[str, Any], model: dict[str, Any], where: str) -> None:
    assert set(record) == set(model), f"{where}: keys differ: {set(record) ^ set(model)}"
    for name, allowed in model.items():
        value = record[name]
        assert isinstance(value, allowed) and not (isinstance(value, bool) and allowed is not BOOL), f"{where}.{name}={value!r}"
        if isinstance(value, str) and name in ("sessionStart", "sessionUpdated", "sessionEnd", "firstSeen", "lastSeen", "viewedOn"):
            assert TIMESTAMP.fullmatch(value), f"{where}.{name}={value!r}"


def _check_common(session: dict[str, Any], base_url: str, now: datetime) -> None:
    _conforms(session["user"], USER, "user")
    _conforms(session["user"]["links"], {"web": STR}, "user.links")
    _conforms(session["browser"], NAME_VERSION, "browser")
    _conforms(session["platform"], {"name": STR}, "platform")
    _conforms(session["os"], NAME_VERSION, "os")
    _conforms(session["links"], {"self": STR, "web": STR}, "links")
    assert session["links"]["self"] == f"{base_url}/api/v1/pulse/session?id={session['id']}"
    assert session["links"]["web"].startswith("https://app.raygun.com/")
    assert session["platform"]["name"] in {"Desktop", "Mobile", "Tablet"}
    assert re.fullmatch(r"[A-Z]{2}", session["location"]["country"])
    user = session["user"]
    if user["isAnonymous"]:
        assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", user["identifier"])
        assert user["firstName"] is user["fullName"] is user["emailAddress"] is None
    else:
        assert "@" in user["emailAddress"] and user["fullName"].startswith(user["firstName"])
    start, updated = _at(session["sessionStart"]), _at(session["sessionUpdated"])
    assert start <= updated <= now
    if session["status"] == "active":
        assert session["sessionEnd"] is None
        assert session["sessionLength"] == int((now - start) / timedelta(milliseconds=1))
    else:
        assert session["status"] == "ended" and session["sessionEnd"] == session["sessionUpdated"]
        assert session["sessionLength"] == int((_at(session["sessionEnd"]) - start) / timedelta(milliseconds=1))


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def emulator(clock: FakeClock) -> Iterator[tuple[EmulatorServer, RaygunApp]]:
    app = RaygunApp(RaygunEmulatorConfig(clock=clock, daily_call_limit=0))
    with EmulatorServer([app]) as server:
        yield server, app


@pytest.fixture
def http(emulator: tuple[EmulatorServer, RaygunApp]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emulator[0].base_url) as client:
        yield client


def _key(http: httpx.Client, api_key: str = API_KEY, basic: str = BASIC) -> str:
    response = http.post("/api/v1/pulse/authenticate", headers={"X-ApiKey": api_key, "Authorization": basic})
    assert response.status_code == 202, response.text
    return response.json()["sessionKey"]


def _sessions(http: httpx.Client, key: str, **params: Any) -> httpx.Response:
    return http.get(
        "/api/v1/pulse/sessions", params={"dateFrom": "2026-11-20", "dateTo": "2026-11-20", **params}, headers={"x-sessionkey": key}
    )


def _detail(http: httpx.Client, key: str, session_id: Any) -> httpx.Response:
    return http.get("/api/v1/pulse/session", params={"id": session_id}, headers={"X-SessionKey": key})


# -- authenticate ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_authenticate_accepts_get_and_post(emulator: tuple[EmulatorServer, RaygunApp], method: str) -> None:
    server, _ = emulator
    response = httpx.request(method, server.base_url + "/api/v1/pulse/authenticate", headers={"X-ApiKey": API_KEY, "Authorization": BASIC})
    assert response.status_code == 202 and set(response.json()) == {"sessionKey"}
    assert isinstance(response.json()["sessionKey"], str) and len(response.json()["sessionKey"]) >= 20


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": BASIC},
        {"X-ApiKey": "wrong", "Authorization": BASIC},
        {"X-ApiKey": API_KEY},
        {"X-ApiKey": API_KEY, "Authorization": "Basic " + base64.b64encode(f"{CLIENT_ID}:nope".encode()).decode()},
        {"X-ApiKey": API_KEY, "Authorization": "Basic " + base64.b64encode(f"someone-else:{CLIENT_SECRET}".encode()).decode()},
        {"X-ApiKey": API_KEY, "Authorization": "Basic not-base64!"},
        {"X-ApiKey": API_KEY, "Authorization": "Bearer " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()},
    ],
)
def test_authenticate_refuses_missing_or_wrong_credentials(emulator: tuple[EmulatorServer, RaygunApp], headers: dict[str, str]) -> None:
    server, app = emulator
    response = httpx.post(server.base_url + "/api/v1/pulse/authenticate", headers=headers)
    assert response.status_code == 401 and response.json()["message"]
    assert CLIENT_SECRET not in response.text
    assert app.calls_used(API_KEY, NOW.date()) == 0  # refused calls are not counted


def test_keys_expire_and_unknown_keys_are_refused(clock: FakeClock) -> None:
    with (
        EmulatorServer([RaygunApp(RaygunEmulatorConfig(clock=clock, session_key_ttl_seconds=1))]) as server,
        httpx.Client(base_url=server.base_url) as http,
    ):
        key = _key(http)
        assert (
            http.get(
                "/api/v1/pulse/sessions", params={"dateFrom": "2026-11-20", "dateTo": "2026-11-20"}, headers={"X-SESSIONKEY": key}
            ).status_code
            == 200
        )
        clock.advance(0.9)
        assert _sessions(http, key).status_code == 200
        clock.advance(0.2)
        assert _sessions(http, key).status_code == 401
        assert _detail(http, key, 1).status_code == 401
        assert _sessions(http, "made-up").status_code == 401
        assert http.get("/api/v1/pulse/sessions", params={"dateFrom": "2026-11-20", "dateTo": "2026-11-20"}).status_code == 401
        assert _sessions(http, _key(http)).status_code == 200


# -- the documented shapes (docs/vendors.md) -------------------------------------------------------------------------


def test_sessions_and_detail_match_the_seed_field_by_field(emulator: tuple[EmulatorServer, RaygunApp], http: httpx.Client) -> None:
    server, _ = emulator
    key = _key(http)
    page = _sessions(http, key, limit=500).json()
    assert set(page) == {"totalSessions", "sessions", "links"} and set(page["links"]) == {"self", "next", "previous"}
    assert page["totalSessions"] == 300 and len(page["sessions"]) == 300
    assert page["links"]["next"] is None and page["links"]["previous"] is None
    sessions = page["sessions"]
    assert len({s["id"] for s in sessions}) == 300
    assert [s["sessionStart"] for s in sessions] == sorted(s["sessionStart"] for s in sessions)
    for session in sessions:
        _conforms(session, SUMMARY, "session")
        _conforms(session["location"], LOCATION, "location")
        _check_common(session, server.base_url, NOW)
        assert session["status"] == "ended" and session["sessionStart"].startswith("2026-11-20")
        assert 1 <= session["pageViewCount"] <= 12
    assert 0.2 < sum(s["user"]["isAnonymous"] for s in sessions) / 300 < 0.5
    assert any(s["user"]["firstSeen"] is None for s in sessions) and any(s["user"]["firstSeen"] for s in sessions)
    assert len({s["user"]["id"] for s in sessions}) < 300  # users come back
    assert len({s["browser"]["name"] for s in sessions}) >= 4 and len({s["os"]["name"] for s in sessions}) >= 5
    assert {s["platform"]["name"] for s in sessions} == {"Desktop", "Mobile", "Tablet"}
    assert len({s["location"]["country"] for s in sessions}) >= 8

    with_errors = 0
    for session in sessions[:80]:
        response = _detail(http, key, session["id"])
        assert response.status_code == 200 and set(response.json()) == {"session"}
        detail = response.json()["session"]
        _conforms(detail, DETAIL, "detail")
        _conforms(detail["location"], {**LOCATION, "ipLookup": dict}, "detail.location")
        _conforms(detail["location"]["ipLookup"], IP_LOOKUP, "ipLookup")
        _check_common(detail, server.base_url, NOW)
        assert {k: v for k, v in detail.items() if k not in ("satisfactionRating", "errors", "pageViews", "location")} == {
            k: v for k, v in session.items() if k not in ("pageViewCount", "location")
        }
        assert detail["satisfactionRating"] in {"Excellent", "Good", "Average", "Poor"}
        assert len(detail["pageViews"]) == session["pageViewCount"]
        for view in detail["pageViews"]:
            _conforms(view, PAGE_VIEW, "pageView")
            assert view["page"].startswith("https://") and view["loadingTime"] >= 0 and view["viewingTime"] >= 0
            assert _at(detail["sessionStart"]) <= _at(view["viewedOn"]) <= _at(detail["sessionEnd"])
        assert len(detail["errors"]) <= 3
        for error in detail["errors"]:
            _conforms(error, ERROR, "error")
            _conforms(error["links"], {"web": STR}, "error.links")
        with_errors += bool(detail["errors"])
    assert 0 < with_errors < 40


def test_same_day_is_deterministic_across_emulators(clock: FakeClock) -> None:
    pages = []
    for _ in range(2):
        with EmulatorServer([RaygunApp(RaygunEmulatorConfig(clock=clock))]) as server, httpx.Client(base_url=server.base_url) as http:
            key = _key(http)
            page = _sessions(http, key, limit=100).json()
            detail = _detail(http, key, page["sessions"][7]["id"]).json()
            pages.append(json.loads(json.dumps([page["sessions"], detail]).replace(server.base_url, "BASE")))
    assert pages[0] == pages[1]
    other_seed = RaygunApp(RaygunEmulatorConfig(clock=clock, seed="another"))
    assert other_seed.generator(API_KEY).summary(day_number(date(2026, 11, 20)), 7, floor_ms(NOW), "BASE") != pages[0][0][7]


# -- paging and time selection -----------------------------------------------------------------


def test_paging_follows_absolute_links_to_the_total(emulator: tuple[EmulatorServer, RaygunApp], http: httpx.Client) -> None:
    server, _ = emulator
    key = _key(http)
    ids: list[int] = []
    url: str | None = f"{server.base_url}/api/v1/pulse/sessions?dateFrom=2026-11-20T00:00:00Z&dateTo=2026-11-20T23:59:59.999Z&limit=70"
    pages = 0
    while url and pages < 20:
        assert url.startswith(server.base_url)
        page = http.get(url, headers={"X-SessionKey": key}).json()
        assert (page["links"]["previous"] is None) == (pages == 0)
        assert page["totalSessions"] == 300
        ids += [s["id"] for s in page["sessions"]]
        url, pages = page["links"]["next"], pages + 1
    assert pages == 5 and len(ids) == len(set(ids)) == 300


def test_links_keep_every_parameter_and_change_only_skip(http: httpx.Client) -> None:
    key = _key(http)
    page = _sessions(http, key, country=["us", "NZ,gb"], userType="anonymous", skip=10, limit=5).json()
    links = page["links"]
    query = {name: parse_qs(urlsplit(url).query) for name, url in links.items()}
    expected = {"dateFrom": ["2026-11-20"], "dateTo": ["2026-11-20"], "country": ["us", "NZ,gb"], "userType": ["anonymous"], "limit": ["5"]}
    assert query["self"] == {**expected, "skip": ["10"]}
    assert query["next"] == {**expected, "skip": ["15"]}
    assert query["previous"] == {**expected, "skip": ["5"]}
    assert urlsplit(links["self"]).path == "/api/v1/pulse/sessions"
    no_skip = _sessions(http, key, limit=120).json()["links"]
    assert parse_qs(urlsplit(no_skip["next"]).query) == {
        "dateFrom": ["2026-11-20"],
        "dateTo": ["2026-11-20"],
        "limit": ["120"],
        "skip": ["120"],
    }
    last = _sessions(http, key, skip=280, limit=50).json()
    assert len(last["sessions"]) == 20 and last["links"]["next"] is None
    beyond = _sessions(http, key, skip=1000).json()
    assert beyond["sessions"] == [] and beyond["totalSessions"] == 300 and beyond["links"]["next"] is None


def test_plain_dates_datetimes_and_offsets_select_on_session_start(http: httpx.Client) -> None:
    key = _key(http)
    plain = _sessions(http, key, limit=500).json()["sessions"]
    spelled = _sessions(http, key, dateFrom="2026-11-20T00:00:00Z", dateTo="2026-11-20T23:59:59.999Z", limit=500).json()["sessions"]
    naive = _sessions(http, key, dateFrom="2026-11-20T00:00:00", dateTo="2026-11-20T23:59:59.999", limit=500).json()["sessions"]
    offset = _sessions(http, key, dateFrom="2026-11-20T13:00:00+13:00", dateTo="2026-11-21T12:59:59.999+13:00", limit=500).json()[
        "sessions"
    ]
    assert plain == spelled == naive == offset and len(plain) == 300

    noon = _sessions(http, key, dateFrom="2026-11-20T12:00:00Z", dateTo="2026-11-20T12:59:59.999Z", limit=500).json()
    assert 0 < noon["totalSessions"] < 30 and all(s["sessionStart"].startswith("2026-11-20T12:") for s in noon["sessions"])
    assert noon["sessions"] == [s for s in plain if s["sessionStart"].startswith("2026-11-20T12:")]

    one = plain[123]["sessionStart"]  # both bounds inclusive
    exact = _sessions(http, key, dateFrom=one, dateTo=one).json()
    assert [s["id"] for s in exact["sessions"]] == [s["id"] for s in plain if s["sessionStart"] == one]

    three_days = _sessions(http, key, dateFrom="2026-11-18", dateTo="2026-11-20", limit=500).json()
    assert three_days["totalSessions"] == 900
    assert [s["sessionStart"][:10] for s in three_days["sessions"]][::100] == ["2026-11-18"] * 3 + ["2026-11-19"] * 2
    users = [
        {s["user"]["id"] for s in _sessions(http, key, dateFrom=d, dateTo=d, limit=500).json()["sessions"]}
        for d in ("2026-11-19", "2026-11-20")
    ]
    assert users[0] & users[1]  # users recur across days

    future = _sessions(http, key, dateFrom="2026-11-22", dateTo="2026-11-30").json()
    assert future["totalSessions"] == 0 and future["sessions"] == [] and future["links"]["next"] is None
    before_2000 = _sessions(http, key, dateFrom="1999-12-31", dateTo="1999-12-31").json()
    assert before_2000["totalSessions"] == 0


def test_today_has_only_started_sessions_and_active_ones_have_no_end(clock: FakeClock) -> None:
    config = RaygunEmulatorConfig(clock=clock, sessions_per_day=2000, daily_call_limit=0)
    with EmulatorServer([RaygunApp(config)]) as server, httpx.Client(base_url=server.base_url) as http:
        key = _key(http)
        total = _sessions(http, key, dateFrom="2026-11-21", dateTo="2026-11-21").json()["totalSessions"]
        assert total == pytest.approx(2000 * 9.5 / 24, abs=2)
        last = _sessions(http, key, dateFrom="2026-11-21", dateTo="2026-11-21", skip=total - 100, limit=100).json()["sessions"]
        active = [s for s in last if s["status"] == "active"]
        assert active and len(active) < 100
        for session in last:
            _check_common(session, server.base_url, clock())
        detail = _detail(http, key, active[-1]["id"]).json()["session"]
        assert detail["status"] == "active" and detail["sessionEnd"] is None
        assert len(detail["pageViews"]) == active[-1]["pageViewCount"]
        assert all(_at(v["viewedOn"]) <= clock() for v in detail["pageViews"])
        # A session that has not started yet is not there, not even by id.
        upcoming_id = active[-1]["id"] + 5
        assert _detail(http, key, upcoming_id).status_code == 404
        clock.advance(3600)
        key = _key(http)  # the old one expired
        assert _detail(http, key, upcoming_id).status_code == 200
        later = _sessions(http, key, dateFrom="2026-11-21", dateTo="2026-11-21").json()["totalSessions"]
        assert later == pytest.approx(total + 2000 / 24, abs=2)


# -- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"limit": 501}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "2.5"}, "limit"),
        ({"skip": -1}, "skip"),
        ({"skip": "x"}, "skip"),
        ({"dateFrom": ""}, "dateFrom"),
        ({"dateFrom": None}, "dateFrom"),
        ({"dateTo": None}, "dateTo"),
        ({"dateTo": "20/11/2026"}, "dateTo"),
        ({"dateFrom": "2026-13-01"}, "dateFrom"),
        ({"dateFrom": "2026-11-21", "dateTo": "2026-11-20"}, "dateFrom"),
    ],
)
def test_bad_queries_are_400_naming_the_parameter(http: httpx.Client, params: dict[str, Any], problem: str) -> None:
    key = _key(http)
    query = {k: v for k, v in {"dateFrom": "2026-11-20", "dateTo": "2026-11-20", **params}.items() if v is not None}
    response = http.get("/api/v1/pulse/sessions", params=query, headers={"X-SessionKey": key})
    assert response.status_code == 400 and problem in response.json()["message"]


def test_limit_bounds_are_inclusive(http: httpx.Client) -> None:
    key = _key(http)
    assert len(_sessions(http, key, limit=1).json()["sessions"]) == 1
    assert len(_sessions(http, key, limit=500).json()["sessions"]) == 300
    assert len(_sessions(http, key).json()["sessions"]) == 50  # the default


def test_filters(http: httpx.Client) -> None:
    key = _key(http)
    everything = _sessions(http, key, limit=500).json()["sessions"]

    def selected(**params: Any) -> list[dict[str, Any]]:
        page = _sessions(http, key, limit=500, **params).json()
        assert page["totalSessions"] == len(page["sessions"])
        return page["sessions"]

    us_nz = [s for s in everything if s["location"]["country"] in ("US", "NZ")]
    assert 0 < len(us_nz) < 300
    assert selected(country="nz,US") == selected(country=["US", "nz"]) == selected(**{"country[]": ["US", "NZ"]}) == us_nz
    anonymous = [s for s in everything if s["user"]["isAnonymous"]]
    assert selected(userType="Anonymous") == anonymous
    for known in ("identified", "KNOWN", "registered"):
        assert selected(userType=known) == [s for s in everything if not s["user"]["isAnonymous"]]
    assert selected(userType="whatever") == everything
    regular = max({s["user"]["identifier"] for s in everything}, key=lambda i: sum(s["user"]["identifier"] == i for s in everything))
    mine = selected(userIdentifier=regular)
    assert len(mine) >= 2 and mine == [s for s in everything if s["user"]["identifier"] == regular]
    for kind in (True, False):  # a GUID (anonymous) and an e-mail (identified) identifier
        someone = next(s["user"]["identifier"] for s in everything if s["user"]["isAnonymous"] is kind)
        assert selected(userIdentifier=someone) == [s for s in everything if s["user"]["identifier"] == someone]
    assert selected(userIdentifier="nobody@example.com") == selected(userIdentifier="nobody99@example.com") == []
    combined = selected(country="US", userType="anonymous")
    assert combined == [s for s in anonymous if s["location"]["country"] == "US"]
    paged = _sessions(http, key, country="US", limit=10, skip=10).json()
    assert paged["sessions"] == [s for s in everything if s["location"]["country"] == "US"][10:20]


def test_unknown_or_bad_session_ids(http: httpx.Client) -> None:
    key = _key(http)
    first = _sessions(http, key, limit=1).json()["sessions"][0]
    assert _detail(http, key, first["id"]).status_code == 200
    for unknown in (9_999_999, -1, first["id"] + 10_000_000 * 10_000, 2**63 - 1):
        response = _detail(http, key, unknown)
        assert response.status_code == 404 and response.json()["message"], unknown
    for bad in ("abc", "1.5", "", str(2**63), "12abc"):
        response = _detail(http, key, bad)
        assert response.status_code == 400 and "id" in response.json()["message"], bad
    assert http.get("/api/v1/pulse/session", headers={"X-SessionKey": key}).status_code == 400


def test_applications_see_only_their_own_sessions(clock: FakeClock) -> None:
    other = RaygunCredentials("second-api-key", "second-client", "second-secret", "Second")
    config = RaygunEmulatorConfig(applications=[*RaygunEmulatorConfig().applications, other], clock=clock, daily_call_limit=2)
    app = RaygunApp(config)
    with EmulatorServer([app]) as server, httpx.Client(base_url=server.base_url) as http:
        first_key = _key(http)
        second_key = _key(http, "second-api-key", "Basic " + base64.b64encode(b"second-client:second-secret").decode())
        # The first application's client id and secret do not open the second application.
        assert http.post("/api/v1/pulse/authenticate", headers={"X-ApiKey": "second-api-key", "Authorization": BASIC}).status_code == 401
        mine = _sessions(http, first_key, limit=3).json()["sessions"]
        theirs = _sessions(http, second_key, limit=3).json()["sessions"]
        assert {s["id"] for s in mine}.isdisjoint(s["id"] for s in theirs) and mine != theirs
        assert _detail(http, second_key, mine[0]["id"]).status_code == 429  # second's limit (2) is spent
        assert app.calls_used("second-api-key", NOW.date()) == 2 and app.calls_used(API_KEY, NOW.date()) == 2
    app2 = RaygunApp(RaygunEmulatorConfig(applications=config.applications, clock=clock, daily_call_limit=0))
    with EmulatorServer([app2]) as server, httpx.Client(base_url=server.base_url) as http:
        second_key = _key(http, "second-api-key", "Basic " + base64.b64encode(b"second-client:second-secret").decode())
        assert _detail(http, second_key, mine[0]["id"]).status_code == 404
        assert _detail(http, second_key, theirs[0]["id"]).status_code == 200


# -- the daily call limit ----------------------------------------------------------------------


def test_daily_limit_answers_429_with_seconds_to_midnight(clock: FakeClock) -> None:
    app = RaygunApp(RaygunEmulatorConfig(clock=clock, daily_call_limit=3))
    with EmulatorServer([app]) as server, httpx.Client(base_url=server.base_url) as http:
        key = _key(http)  # call 1
        assert [_sessions(http, key).status_code for _ in range(3)] == [200, 200, 429]
        limited = _sessions(http, key)
        assert limited.status_code == 429 and limited.json()["message"]
        assert limited.headers["Retry-After"] == str(int((datetime(2026, 11, 22, tzinfo=UTC) - clock()).total_seconds())) == "52200"
        assert http.post("/api/v1/pulse/authenticate", headers={"X-ApiKey": API_KEY, "Authorization": BASIC}).status_code == 429
        # Order of checks: a bad key is 401 before the limit, the limit is 429 before validation.
        assert _sessions(http, "made-up", limit=9999).status_code == 401
        assert _sessions(http, key, limit=9999).status_code == 429
        assert _detail(http, key, "not-an-id").status_code == 429
        assert app.calls_used(API_KEY, clock().date()) == 3
        clock.now = datetime(2026, 11, 22, 0, 0, 1, tzinfo=UTC)  # a new UTC day
        assert _sessions(http, key).status_code == 401  # the key expired meanwhile
        assert _sessions(http, _key(http)).status_code == 200
        assert app.calls_used(API_KEY, date(2026, 11, 22)) == 2


def test_retry_after_is_at_least_one_second(clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 21, 23, 59, 59, 900_000, tzinfo=UTC)
    with (
        EmulatorServer([RaygunApp(RaygunEmulatorConfig(clock=clock, daily_call_limit=1))]) as server,
        httpx.Client(base_url=server.base_url) as http,
    ):
        key = _key(http)
        limited = _sessions(http, key)
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"


def test_authenticate_need_not_count_and_400s_do(clock: FakeClock) -> None:
    app = RaygunApp(RaygunEmulatorConfig(clock=clock, daily_call_limit=2, count_authenticate=False))
    with EmulatorServer([app]) as server, httpx.Client(base_url=server.base_url) as http:
        key = _key(http)
        _key(http)
        assert app.calls_used(API_KEY, NOW.date()) == 0
        assert _sessions(http, key, limit=0).status_code == 400
        assert _sessions(http, key).status_code == 200
        assert _sessions(http, key).status_code == 429
        assert _key(http)  # still allowed: authenticate is free in this mode


# -- scale -------------------------------------------------------------------------------------


def test_a_million_sessions_a_day_pages_without_building_the_day(clock: FakeClock) -> None:
    app = RaygunApp(RaygunEmulatorConfig(clock=clock, sessions_per_day=1_000_000, daily_call_limit=0))
    with EmulatorServer([app]) as server, httpx.Client(base_url=server.base_url) as http:
        key = _key(http)
        page = _sessions(http, key, skip=750_000, limit=500).json()
        assert page["totalSessions"] == 1_000_000 and len(page["sessions"]) == 500
        starts = [s["sessionStart"] for s in page["sessions"]]
        assert starts == sorted(starts) and starts[0].startswith("2026-11-20T18:")
        hour = _sessions(http, key, dateFrom="2026-11-20T18:00:00Z", dateTo="2026-11-20T18:59:59.999Z", limit=500).json()
        assert hour["totalSessions"] == pytest.approx(1_000_000 / 24, abs=2)
        assert _detail(http, key, page["sessions"][-1]["id"]).status_code == 200


# -- variants the real API may send (configurable) ---------------------------------------------


def _links_with(clock: FakeClock, **config: Any) -> tuple[str, list[dict[str, Any]]]:
    app = RaygunApp(RaygunEmulatorConfig(clock=clock, daily_call_limit=0, **config))
    with EmulatorServer([app]) as server, httpx.Client(base_url=server.base_url) as http:
        key = _key(http)
        return server.base_url, [_sessions(http, key, skip=skip, limit=100).json()["links"] for skip in (0, 200)]


def test_links_styles(clock: FakeClock) -> None:
    base, (first, last) = _links_with(clock, links_style="absolute")
    assert first["next"].startswith(base + "/api/v1/pulse/sessions?") and last["next"] is None
    _, (first, last) = _links_with(clock, links_style="relative")
    assert first["next"].startswith("/api/v1/pulse/sessions?") and "skip=100" in first["next"]
    assert first["self"].startswith("/api/v1/pulse/sessions?") and last["next"] is None
    _, (first, last) = _links_with(clock, links_style="empty")
    assert first["next"] == "" == last["next"]
    _, (first, last) = _links_with(clock, links_style="missing")
    assert "next" not in first and "next" not in last and "self" in first
    _, (first, _) = _links_with(clock, links_style="foreign", foreign_base_url="https://elsewhere.example:8443/")
    assert first["next"].startswith("https://elsewhere.example:8443/api/v1/pulse/sessions?")
    with pytest.raises(ValueError, match="links_style"):
        RaygunEmulatorConfig(links_style="sideways")  # type: ignore[arg-type]


@pytest.mark.parametrize(("methods", "refusal"), [(("GET",), 405), (("GET",), 404), (("POST",), 405)])
def test_authenticate_can_refuse_a_method(clock: FakeClock, methods: tuple[str, ...], refusal: int) -> None:
    app = RaygunApp(RaygunEmulatorConfig(clock=clock, authenticate_methods=methods, authenticate_refusal_status=refusal))
    headers = {"X-ApiKey": API_KEY, "Authorization": BASIC}
    with EmulatorServer([app]) as server, httpx.Client(base_url=server.base_url) as http:
        answers = {method: http.request(method, "/api/v1/pulse/authenticate", headers=headers) for method in ("GET", "POST")}
    for method, response in answers.items():
        if method in methods:
            assert response.status_code == 202 and response.json()["sessionKey"]
        else:
            assert response.status_code == refusal
            assert response.headers.get("Allow") == (", ".join(methods) if refusal == 405 else None)
    with pytest.raises(ValueError, match="authenticate_methods"):
        RaygunEmulatorConfig(authenticate_methods=("PUT",))


def _first_session_with(clock: FakeClock, **config: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    app = RaygunApp(RaygunEmulatorConfig(clock=clock, daily_call_limit=0, **config))
    with EmulatorServer([app]) as server, httpx.Client(base_url=server.base_url) as http:
        key = _key(http)
        summary = next(s for s in _sessions(http, key).json()["sessions"] if s["user"]["lastSeen"])
        return summary, _detail(http, key, int(summary["id"])).json()["session"]


def test_record_variants(clock: FakeClock) -> None:
    plain, plain_detail = _first_session_with(clock)
    upper, _ = _first_session_with(clock, status_case="upper")
    title, _ = _first_session_with(clock, status_case="title")
    assert (plain["status"], upper["status"], title["status"]) == ("ended", "ENDED", "Ended")
    naive, naive_detail = _first_session_with(clock, naive_datetimes=True)
    assert naive["sessionStart"] == plain["sessionStart"].removesuffix("Z") and not naive["sessionStart"].endswith("Z")
    assert naive["user"]["lastSeen"] == plain["user"]["lastSeen"][:-1]
    assert naive_detail["pageViews"][0]["viewedOn"] == plain_detail["pageViews"][0]["viewedOn"][:-1]
    floats, floats_detail = _first_session_with(clock, float_integers=True)
    assert type(floats["pageViewCount"]) is float and floats["pageViewCount"] == plain["pageViewCount"]
    assert type(floats["id"]) is float and floats["id"] == plain["id"]
    assert type(floats_detail["pageViews"][0]["loadingTime"]) is float
    dated, _ = _first_session_with(clock, datetime_dates=True)
    assert dated["user"]["lastSeen"] == plain["user"]["lastSeen"][:10]
    assert dated["sessionStart"] == plain["sessionStart"]


def test_the_call_limit_429_can_come_without_retry_after(clock: FakeClock) -> None:
    with (
        EmulatorServer([RaygunApp(RaygunEmulatorConfig(clock=clock, daily_call_limit=1, limit_retry_after=False))]) as server,
        httpx.Client(base_url=server.base_url) as http,
    ):
        key = _key(http)
        limited = _sessions(http, key)
    assert limited.status_code == 429 and "Retry-After" not in limited.headers and limited.json()["message"]
