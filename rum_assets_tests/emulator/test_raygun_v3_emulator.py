"""The Raygun v3 emulator over real HTTP: auth, rate limits, problem details, applications, sessions, detail.

What the description makes strict (400s, scopes, no order without ``orderby``) is in
``test_raygun_v3_emulator_strictness``; the opt-in variants in ``test_raygun_v3_emulator_variants``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from rum_assets_tests.emulator.raygun_v3_support import (
    BOOL,
    LIMITS_OFF,
    MOBILE,
    NO_RUM,
    NOW,
    SESSION,
    STR,
    WEB,
    assert_problem,
    conforms,
    ids,
    retained_ids,
    served,
    small,
    walk,
)
from rum_assets_tests.fakes import FakeClock
from rum_emulator.raygun_v3 import ALL_SCOPES, DEMO_TOKEN, RaygunV3EmulatorConfig

# -- auth and problem details -------------------------------------------------------------------


def test_applications_lists_every_documented_field_deterministically() -> None:
    with served() as (_, client):
        response = client.get("/applications")
        assert response.status_code == 200
        assert response.headers["x-raygun-requestid"]
        apps = response.json()
    model = {
        "identifier": STR,
        "planIdentifier": STR,
        "name": STR,
        "apiKey": STR,
        "hasSentCrashData": BOOL,
        "hasSentApmData": BOOL,
        "hasSentRumData": BOOL,
        "rumDataType": STR,
    }
    assert len(apps) == 3
    for app in apps:
        conforms(app, model, "application")
    assert [a["hasSentRumData"] for a in sorted(apps, key=lambda a: a["identifier"])] == [False, True, True]
    assert {a["rumDataType"] for a in apps} == {"web", "mobile"}
    with served() as (_, client):
        assert sorted(client.get("/applications").json(), key=lambda a: a["identifier"]) == sorted(apps, key=lambda a: a["identifier"])
        assert [a["name"] for a in client.get("/applications", params={"orderby": "name desc"}).json()] == [
            "Web shop",
            "Mobile app",
            "Internal tools",
        ]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": f"Basic {DEMO_TOKEN}"}, {"Authorization": "Bearer"}],
    ids=["missing", "unknown", "wrong-scheme", "empty"],
)
def test_missing_or_unknown_token_is_401_problem_without_rate_limit_headers(headers: dict[str, str]) -> None:
    with served() as (app, client):
        client.headers.pop("Authorization")
        response = client.get(f"/applications/{WEB}/sessions", headers=headers)
        assert_problem(response, 401)
        assert "x-rate-limit-remaining" not in response.headers
        assert DEMO_TOKEN not in response.text
        assert app.calls_by_token == {}


def test_expired_token_is_401_once_the_clock_passes_its_expiry() -> None:
    clock = FakeClock(NOW)
    config = RaygunV3EmulatorConfig(clock=clock, token_expires_at={DEMO_TOKEN: NOW + timedelta(minutes=5)})
    with served(config) as (_, client):
        assert client.get("/applications").status_code == 200
        clock.advance(300)
        assert_problem(client.get("/applications"), 401, mentions="expired")


def test_unknown_application_session_or_route_is_404_problem() -> None:
    with served(small()) as (app, client):
        assert_problem(client.get("/applications/nope/sessions"), 404, mentions="nope")
        assert_problem(client.get(f"/applications/{WEB}/sessions/zzzzzzzzzzzz"), 404, mentions="zzzzzzzzzzzz")
        assert_problem(client.get(f"/applications/{WEB}/sessions/not-an-id"), 404)
        mobile_session = app.sessions_on(MOBILE, NOW.date())[0]
        assert_problem(client.get(f"/applications/{WEB}/sessions/{mobile_session}"), 404)
        assert client.get(f"/applications/{MOBILE}/sessions/{mobile_session}").status_code == 200
        assert_problem(client.get(f"/applications/{WEB}/nothing-here"), 404)
        assert_problem(client.post("/applications"), 405)


def test_per_second_limit_refuses_the_eleventh_call_with_an_empty_429_until_the_next_second() -> None:
    clock = FakeClock(NOW.replace(microsecond=250_000))
    with served(RaygunV3EmulatorConfig(clock=clock)) as (app, client):
        remaining = [int(client.get("/applications").headers["x-rate-limit-remaining"]) for _ in range(10)]
        assert remaining == list(range(599, 589, -1))
        refused = client.get("/applications")
        assert refused.status_code == 429
        assert refused.content == b""
        assert refused.headers["retry-after"] == "1"
        assert refused.headers["x-rate-limit-reset"] == "2026-11-21T09:30:01Z"
        assert refused.headers["x-raygun-requestid"]
        assert app.calls_by_token == {DEMO_TOKEN: 10}
        clock.advance(0.75)
        assert client.get("/applications").status_code == 200


def test_per_minute_limit_names_1m_and_resets_at_the_minute() -> None:
    clock = FakeClock(NOW.replace(second=40))
    with served(RaygunV3EmulatorConfig(clock=clock, per_second_limit=0, per_minute_limit=5)) as (app, client):
        answers = [client.get("/applications") for _ in range(5)]
        assert [a.headers["x-rate-limit-limit"] for a in answers] == ["1m"] * 5
        assert [a.headers["x-rate-limit-remaining"] for a in answers] == ["4", "3", "2", "1", "0"]
        refused = client.get("/applications")
        assert refused.status_code == 429 and refused.content == b""
        assert refused.headers["retry-after"] == "20"
        assert refused.headers["x-rate-limit-reset"] == "2026-11-21T09:31:00Z"
        clock.advance(20)
        assert client.get("/applications").status_code == 200
        assert app.calls_by_token == {DEMO_TOKEN: 6}


def test_per_day_limit_names_1d_once_it_binds_and_resets_at_utc_midnight() -> None:
    clock = FakeClock(NOW)
    with served(RaygunV3EmulatorConfig(clock=clock, per_day_limit=3)) as (_, client):
        answers = [client.get("/applications") for _ in range(3)]
        assert [(a.headers["x-rate-limit-limit"], a.headers["x-rate-limit-remaining"]) for a in answers] == [
            ("1d", "2"),
            ("1d", "1"),
            ("1d", "0"),
        ]
        assert answers[0].headers["x-rate-limit-reset"] == "2026-11-22T00:00:00Z"
        refused = client.get("/applications")
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == str(int((datetime(2026, 11, 22, tzinfo=UTC) - NOW).total_seconds()))
        clock.advance(3600)
        assert client.get("/applications").status_code == 429
        clock.now = datetime(2026, 11, 22, tzinfo=UTC)
        assert client.get("/applications").status_code == 200


def test_429_without_retry_after_or_reset_when_configured_off() -> None:
    config = RaygunV3EmulatorConfig(clock=FakeClock(NOW), per_second_limit=1, retry_after_on_429=False, rate_limit_reset_header=False)
    with served(config) as (_, client):
        first = client.get("/applications")
        assert "x-rate-limit-reset" not in first.headers
        refused = client.get("/applications")
        assert refused.status_code == 429 and refused.content == b""
        assert "retry-after" not in refused.headers
        assert "x-rate-limit-reset" not in refused.headers


def test_limits_are_per_token_and_zero_turns_them_off() -> None:
    config = RaygunV3EmulatorConfig(
        clock=FakeClock(NOW), tokens={"a": ALL_SCOPES, "b": ALL_SCOPES}, per_second_limit=0, per_minute_limit=2, per_day_limit=0
    )
    with served(config) as (app, client):
        for _ in range(2):
            assert client.get("/applications", headers={"Authorization": "Bearer a"}).status_code == 200
        assert client.get("/applications", headers={"Authorization": "Bearer a"}).status_code == 429
        assert client.get("/applications", headers={"Authorization": "Bearer b"}).status_code == 200
        assert app.calls_by_token == {"a": 2, "b": 1}
    unlimited = RaygunV3EmulatorConfig(clock=FakeClock(NOW), per_second_limit=0, per_minute_limit=0, per_day_limit=0)
    with served(unlimited) as (_, client):
        answers = [client.get("/applications") for _ in range(30)]
        assert {a.status_code for a in answers} == {200}
        assert "x-rate-limit-limit" not in answers[-1].headers


# -- sessions -----------------------------------------------------------------------------------


def test_sessions_have_exactly_the_documented_fields() -> None:
    with served(RaygunV3EmulatorConfig(clock=FakeClock(NOW))) as (_, client):
        for application in (WEB, MOBILE):
            page = client.get(f"/applications/{application}/sessions", params={"count": 500, "orderby": "startedAt desc"}).json()
            assert len(page) == 500
            for session in page:
                conforms(session, SESSION, "session")
                assert session["applicationIdentifier"] == application
                assert session["isActive"] == (session["endedAt"] is None)
                assert session["startedAt"] <= session["updatedAt"] <= "2026-11-21T09:30:00.000Z"
            nullable = {name for name, model in SESSION.items() if isinstance(model, tuple)}
            assert {name for session in page for name in nullable if session[name] is None} >= nullable - {"browserVersion"}
            assert any(s["isActive"] for s in page) and not all(s["isActive"] for s in page)
        assert client.get(f"/applications/{NO_RUM}/sessions").json() == []


@pytest.mark.parametrize("count", [1, 4, 7, 500])
def test_offset_paging_ascending_and_descending_is_exact(count: int) -> None:
    with served(small()) as (app, client):
        expected = retained_ids(app, WEB, NOW, 3)
        assert len(expected) == 3 * 7 + app.session_count(WEB, NOW.date())
        ascending = walk(client, f"/applications/{WEB}/sessions", count, orderby="startedAt")
        descending = walk(client, f"/applications/{WEB}/sessions", count, orderby="startedAt desc")
    assert ids(ascending) == expected
    assert ids(descending) == expected[::-1]
    keys = [(s["startedAt"], s["identifier"]) for s in ascending]
    assert keys == sorted(keys)


def test_pages_past_the_end_are_empty_and_offsets_land_exactly() -> None:
    with served(small()) as (app, client):
        expected = retained_ids(app, WEB, NOW, 3)
        for offset in (0, 5, 20, len(expected) - 1):
            page = client.get(f"/applications/{WEB}/sessions", params={"offset": offset, "count": 3, "orderby": "startedAt"}).json()
            assert [s["identifier"] for s in page] == expected[offset : offset + 3]
            back = client.get(f"/applications/{WEB}/sessions", params={"offset": offset, "count": 3, "orderby": "startedAt desc"}).json()
            assert [s["identifier"] for s in back] == expected[::-1][offset : offset + 3]
        assert client.get(f"/applications/{WEB}/sessions", params={"offset": len(expected)}).json() == []
        assert client.get(f"/applications/{WEB}/sessions", params={"offset": len(expected), "orderby": "startedAt"}).json() == []


def test_startedat_ties_are_broken_by_identifier_in_the_order_direction() -> None:
    # 10,000,000 sessions in a day: many share a millisecond.
    day = NOW.date() - timedelta(days=1)
    config = small(sessions_per_day=lambda app, d: 10_000_000 if d == day else 0)
    with served(config) as (_, client):
        page = client.get(f"/applications/{WEB}/sessions", params={"count": 500, "orderby": "startedAt"}).json()
        back = client.get(
            f"/applications/{WEB}/sessions", params={"count": 500, "offset": 10_000_000 - 500, "orderby": "startedAt desc"}
        ).json()
    keys = [(s["startedAt"], s["identifier"]) for s in page]
    assert keys == sorted(keys) and len({s["startedAt"] for s in page}) < len(page)
    assert back == page[::-1]


@pytest.mark.parametrize("per_day", [0, 1, 499, 500, 501])
def test_days_of_any_size_page_completely(per_day: int) -> None:
    day = NOW.date() - timedelta(days=2)
    config = small(sessions_per_day=lambda app, d: per_day if d == day else 0)
    with served(config) as (app, client):
        assert app.session_count(WEB, day) == per_day
        rows = walk(client, f"/applications/{WEB}/sessions", 500, orderby="startedAt desc")
    assert [s["identifier"] for s in rows] == app.sessions_on(WEB, day)[::-1]
    assert all(s["startedAt"].startswith(day.isoformat()) for s in rows)


@pytest.mark.parametrize("field", ["countryCode", "browserVersion desc", "endedAt", "viewportWidth desc", "customerIdentifier"])
def test_other_orderby_fields_sort_with_nulls_last_ascending(field: str) -> None:
    with served(small(sessions_per_day=40)) as (app, client):
        rows = walk(client, f"/applications/{WEB}/sessions", 50, orderby=[field, "startedAt desc"])  # a repeated parameter: explode
        assert sorted(s["identifier"] for s in rows) == sorted(retained_ids(app, WEB, NOW, 3))
    name, _, direction = field.partition(" ")
    descending = direction == "desc"
    values = [s[name] for s in rows]
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=descending)
    nulls = [i for i, v in enumerate(values) if v is None]
    if nulls:
        assert nulls == (list(range(len(nulls))) if descending else list(range(len(values) - len(nulls), len(values))))


def test_xhr_filter_selects_the_sessions_that_called_the_uri() -> None:
    with served(small(sessions_per_day=40)) as (app, client):
        everything = ids(walk(client, f"/applications/{WEB}/sessions", 500, orderby="startedAt"))
        cart = client.get(
            f"/applications/{WEB}/sessions", params={"count": 500, "filter": "xhr.uri eq 'https://shop.example.com/api/cart'"}
        )
        search = client.get(
            f"/applications/{WEB}/sessions", params={"count": 500, "filter": "xhr.uri eq https://shop.example.com/api/search"}
        )
        assert client.get(f"/applications/{WEB}/sessions", params={"filter": "xhr.uri eq https://elsewhere.example/x"}).json() == []
    source = app.sources[WEB]
    calls = {sid: source.xhr_uris(source.draws(*_day_and_index(sid))) for sid in everything}
    assert set(ids(cart.json())) == {sid for sid, uris in calls.items() if "https://shop.example.com/api/cart" in uris}
    assert set(ids(search.json())) == {sid for sid, uris in calls.items() if "https://shop.example.com/api/search" in uris}
    assert 0 < len(cart.json()) < len(everything) and set(ids(cart.json())) != set(ids(search.json()))


def _day_and_index(session_identifier: str) -> tuple[int, int]:
    from rum_emulator.raygun_v3.sessions import decode_identifier

    decoded = decode_identifier(session_identifier)
    assert decoded is not None
    return decoded[1], decoded[2]


def test_sessions_arrive_at_the_tail_as_the_clock_moves_and_expire_at_the_head() -> None:
    clock = FakeClock(datetime(2026, 11, 21, 0, 0, 1, tzinfo=UTC))
    config = small(clock, sessions_per_day=24)
    with served(config) as (app, client):
        before = ids(walk(client, f"/applications/{WEB}/sessions", 500, orderby="startedAt"))
        assert len(before) == 3 * 24 + app.session_count(WEB, clock.now.date())
        clock.advance(6 * 3600)
        later = ids(walk(client, f"/applications/{WEB}/sessions", 500, orderby="startedAt"))
        assert later[: len(before)] == before
        assert len(later) - len(before) >= 5
        assert app.session_count(WEB, clock.now.date()) == len(later) - 3 * 24
        oldest_day = date(2026, 11, 18)
        expiring = app.sessions_on(WEB, oldest_day)
        assert later[: len(expiring)] == expiring and len(expiring) == 24
        clock.now = datetime(2026, 11, 22, 0, 0, 1, tzinfo=UTC)
        next_day = ids(walk(client, f"/applications/{WEB}/sessions", 500, orderby="startedAt"))
        assert app.session_count(WEB, oldest_day) == 0
        assert not set(next_day) & set(app.sessions_on(WEB, oldest_day))
        assert next_day[0] == app.sessions_on(WEB, date(2026, 11, 19))[0]
        assert set(before) - set(next_day) == set(expiring)
        assert_problem(client.get(f"/applications/{WEB}/sessions/{before[0]}"), 404)


def test_same_config_gives_the_same_sessions_and_different_seeds_differ() -> None:
    with served(small()) as (_, client):
        first = walk(client, f"/applications/{WEB}/sessions", 500, orderby="startedAt")
    with served(small()) as (_, client):
        assert walk(client, f"/applications/{WEB}/sessions", 500, orderby="startedAt") == first
    with served(small(seed="other")) as (_, client):
        other = walk(client, f"/applications/{WEB}/sessions", 500, orderby="startedAt")
    assert len(other) - len(first) in (-1, 0, 1)  # today's last slot may or may not have started yet
    assert [s["startedAt"] for s in other[:21]] != [s["startedAt"] for s in first[:21]]


# -- session detail -----------------------------------------------------------------------------


def test_detail_without_include_is_the_summary_and_include_adds_views_and_errors() -> None:
    with served(RaygunV3EmulatorConfig(clock=FakeClock(NOW), heavy_session_rate=0.0, **LIMITS_OFF)) as (app, client):
        listed = client.get(f"/applications/{WEB}/sessions", params={"count": 300, "orderby": "startedAt desc"}).json()
        for summary in listed[::10]:
            plain = client.get(f"/applications/{WEB}/sessions/{summary['identifier']}").json()
            assert plain == summary
            full = client.get(f"/applications/{WEB}/sessions/{summary['identifier']}", params={"include": "pageViews,errors"}).json()
            assert {k: v for k, v in full.items() if k not in ("pageViews", "errors")} == summary
            only_views = client.get(f"/applications/{WEB}/sessions/{summary['identifier']}", params={"include": "pageViews"}).json()
            assert "errors" not in only_views and only_views["pageViews"] == full["pageViews"]
            assert full["pageViews"], summary
            assert summary["applicationUrl"] == f"https://app.raygun.com/rum/{WEB}/sessions/{summary['identifier']}"
            assert all(v["applicationUrl"].startswith(summary["applicationUrl"] + "/page-views/") for v in full["pageViews"])
            for view in full["pageViews"]:
                conforms(view, {"pageIdentifier": STR, "viewedAt": STR, "applicationUrl": STR}, "pageView")
                assert summary["startedAt"] <= view["viewedAt"] <= summary["updatedAt"]
            for error in full["errors"]:
                conforms(error, {"errorGroupIdentifier": STR, "occurredAt": STR, "applicationUrl": STR}, "error")
                assert summary["startedAt"] <= error["occurredAt"] <= summary["updatedAt"]
            pages = {p["identifier"] for p in client.get(f"/applications/{WEB}/pages", params={"count": 500}).json()}
            assert {v["pageIdentifier"] for v in full["pageViews"]} <= pages
        assert any(
            client.get(f"/applications/{WEB}/sessions/{s['identifier']}", params={"include": "errors"}).json()["errors"]
            for s in listed[:60]
        )
        assert app.calls_by_token[DEMO_TOKEN] > 60


def test_detail_caps_page_views_and_errors_at_500() -> None:
    with served(small(heavy_session_rate=1.0)) as (app, client):
        sid = app.sessions_on(WEB, NOW.date() - timedelta(days=1))[3]
        full = client.get(f"/applications/{WEB}/sessions/{sid}", params={"include": "errors,pageViews"}).json()
    assert len(full["pageViews"]) == 500 and len(full["errors"]) == 500
    times = [v["viewedAt"] for v in full["pageViews"]]
    assert times == sorted(times)


def test_an_active_session_shows_only_the_page_views_so_far() -> None:
    clock = FakeClock(NOW)
    with served(small(clock, heavy_session_rate=1.0)) as (app, client):
        sid = app.sessions_on(WEB, NOW.date())[-1]
        early = client.get(f"/applications/{WEB}/sessions/{sid}", params={"include": "pageViews"}).json()
        assert early["isActive"] and early["endedAt"] is None
        clock.advance(5 * 3600)
        late = client.get(f"/applications/{WEB}/sessions/{sid}", params={"include": "pageViews"}).json()
    assert not late["isActive"] and late["endedAt"]
    assert len(early["pageViews"]) < len(late["pageViews"])
    assert late["pageViews"][: len(early["pageViews"])] == early["pageViews"]
    assert all(v["viewedAt"] <= "2026-11-21T09:30:00.000Z" for v in early["pageViews"])
