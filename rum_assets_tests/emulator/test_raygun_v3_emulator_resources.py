"""The Raygun v3 emulator's pages, customers, error groups and metrics, over real HTTP."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from rum_assets_tests.emulator.raygun_v3_support import (
    BOOL,
    LIMITS_OFF,
    MOBILE,
    NO_RUM,
    NOW,
    STR,
    WEB,
    assert_problem,
    conforms,
    served,
    small,
    walk,
)
from rum_assets_tests.fakes import FakeClock
from rum_emulator.raygun_v3 import ALL_SCOPES, DEMO_TOKEN, RaygunV3EmulatorConfig

WEB_PAGE = {"identifier": STR, "applicationIdentifier": STR, "uri": STR, "type": STR, "lastSeenAt": STR}
MOBILE_PAGE = {"identifier": STR, "applicationIdentifier": STR, "name": STR, "type": STR, "lastSeenAt": STR}
CUSTOMER = {
    "identifier": STR, "applicationIdentifier": STR, "externalIdentifier": STR, "emailAddress": STR, "firstName": STR,
    "fullName": STR, "isAnonymous": BOOL, "firstSeenAt": STR, "lastSeenAt": STR,
}  # fmt: skip
ANONYMOUS_LACKS = frozenset({"emailAddress", "firstName", "fullName"})
ERROR_GROUP = {
    "identifier": STR, "applicationIdentifier": STR, "message": STR, "status": STR, "lastOccurredAt": STR, "createdAt": STR,
    "resolvedIn": dict, "discardNewOccurrences": BOOL, "applicationUrl": STR,
}  # fmt: skip
DEPLOYMENT = {
    "identifier": STR, "applicationIdentifier": STR, "version": STR, "emailAddress": STR, "ownerName": STR, "comment": STR,
    "scmIdentifier": STR, "scmType": STR, "deployedAt": STR, "applicationUrl": STR,
}  # fmt: skip
DEPLOYMENT_OPTIONAL = frozenset({"emailAddress", "ownerName", "comment", "scmIdentifier", "scmType"})
TIMING = [
    "loadTime",
    "firstPaint",
    "firstContentfulPaint",
    "firstInputDelay",
    "largestContentfulPaint",
    "cumulativeLayoutShift",
    "interactionToNextPaint",
]
AGGREGATIONS = ["count", "average", "median", "sum", "min", "max", "p95", "p99"]


def _details(client: httpx.Client, sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [client.get(f"/applications/{WEB}/sessions/{s['identifier']}", params={"include": "pageViews,errors"}).json() for s in sessions]


def _series(client: httpx.Client, path: str, body: dict[str, Any], status: int = 200) -> list[dict[str, Any]]:
    response = client.post(path, json=body)
    assert response.status_code == status, response.text
    return response.json()


# -- pages, customers, error groups -------------------------------------------------------------


def test_web_and_mobile_pages_have_their_variant_fields() -> None:
    with served(small()) as (_, client):
        web = walk(client, f"/applications/{WEB}/pages", 7, orderby="uri")
        mobile = walk(client, f"/applications/{MOBILE}/pages", 500, orderby="name")
        assert client.get(f"/applications/{NO_RUM}/pages").json() == []
        newest = client.get(f"/applications/{WEB}/pages", params={"orderby": "lastSeenAt desc", "count": 500}).json()
    for page in web:
        conforms(page, WEB_PAGE, "web page")
        assert page["type"] == "web" and page["uri"].startswith("https://") and page["applicationIdentifier"] == WEB
    for page in mobile:
        conforms(page, MOBILE_PAGE, "mobile page")
        assert page["type"] == "mobile" and page["applicationIdentifier"] == MOBILE
    assert len({p["identifier"] for p in web}) == len(web) > 7
    assert [p["uri"] for p in web] == sorted(p["uri"] for p in web)
    assert [p["name"] for p in mobile] == sorted(p["name"] for p in mobile)
    assert [p["lastSeenAt"] for p in newest] == sorted((p["lastSeenAt"] for p in web), reverse=True)
    assert all(p["lastSeenAt"] <= "2026-11-21T09:30:00.000Z" for p in web)


def test_customers_page_by_lastseenat_and_own_every_session() -> None:
    with served(small(customers_per_application=130)) as (_, client):
        customers = walk(client, f"/applications/{WEB}/customers", 50, orderby="firstSeenAt")
        ascending = walk(client, f"/applications/{WEB}/customers", 50, orderby="lastSeenAt")
        descending = walk(client, f"/applications/{WEB}/customers", 50, orderby="lastSeenAt desc")
        sessions = walk(client, f"/applications/{WEB}/sessions", 500, orderby="startedAt")
    assert len(customers) == 130
    for customer in customers:
        conforms(customer, CUSTOMER, "customer", optional=ANONYMOUS_LACKS)
        assert customer["firstSeenAt"] <= customer["lastSeenAt"]
        assert ("emailAddress" not in customer) == customer["isAnonymous"]
    assert {c["firstSeenAt"][:4] for c in customers} == {"2024", "2025"}
    assert [c["lastSeenAt"] for c in ascending] == sorted(c["lastSeenAt"] for c in customers)
    assert descending == ascending[::-1]
    assert {s["customerIdentifier"] for s in sessions} <= {c["identifier"] for c in customers}


def test_error_groups_cover_every_session_error() -> None:
    with served(small(sessions_per_day=30)) as (_, client):
        groups = walk(client, f"/applications/{WEB}/error-groups", 3, orderby="createdAt")
        details = _details(client, walk(client, f"/applications/{WEB}/sessions", 500, orderby="startedAt"))
        latest = client.get(f"/applications/{WEB}/error-groups", params={"orderby": "lastOccurredAt desc"}).json()
    for group in groups:
        conforms(group, ERROR_GROUP, "error group", optional=frozenset({"resolvedIn"}))
        assert group["applicationUrl"] == f"https://app.raygun.com/crashreporting/{WEB}/errors/{group['identifier']}"
    referenced = {e["errorGroupIdentifier"] for d in details for e in d["errors"]}
    assert referenced and referenced <= {g["identifier"] for g in groups}
    assert [g["lastOccurredAt"] for g in latest] == sorted((g["lastOccurredAt"] for g in groups), reverse=True)


def test_error_groups_carry_every_status_and_resolved_ones_name_the_next_release() -> None:
    with served(small()) as (_, client):
        groups = {app: walk(client, f"/applications/{app}/error-groups", 500, orderby="createdAt") for app in (WEB, MOBILE, NO_RUM)}
        releases = {app: walk(client, f"/applications/{app}/deployments", 500, orderby="deployedAt") for app in groups}
    every = [g for app_groups in groups.values() for g in app_groups]
    assert {g["status"] for g in every} == {"active", "resolved", "ignored", "permanentlyIgnored"}
    assert all("resolvedIn" not in g for g in every if g["status"] != "resolved")
    assert not any(g["discardNewOccurrences"] for g in every if g["status"] != "permanentlyIgnored")
    for app, app_groups in groups.items():
        versions = [d["version"] for d in releases[app]]
        for group in (g for g in app_groups if g["status"] == "resolved"):
            live = [d["version"] for d in releases[app] if d["deployedAt"] <= group["lastOccurredAt"]][-1]
            following = versions[versions.index(live) + 1 :]
            assert group["resolvedIn"]["version"] == following[0] if following else group["resolvedIn"]["version"] not in versions
            assert isinstance(group["resolvedIn"]["discardFromPreviousVersions"], bool)


# -- deployments --------------------------------------------------------------------------------


def test_deployments_span_retention_in_deployedat_order_and_match_the_sessions_versions() -> None:
    config = small(retention_days=60, sessions_per_day=20)
    with served(config) as (_, client):
        deployments = walk(client, f"/applications/{WEB}/deployments", 3, orderby="deployedAt")
        newest_first = walk(client, f"/applications/{WEB}/deployments", 500, orderby="deployedAt desc")
        crash_only = walk(client, f"/applications/{NO_RUM}/deployments", 500, orderby="deployedAt")
        sessions = walk(client, f"/applications/{WEB}/sessions", 500, orderby="startedAt")
    assert 4 <= len(deployments) <= 6 and crash_only
    for deployment in deployments:
        conforms(deployment, DEPLOYMENT, "deployment", optional=DEPLOYMENT_OPTIONAL)
        assert deployment["applicationIdentifier"] == WEB
    assert newest_first == deployments[::-1]
    assert deployments[0]["deployedAt"] <= "2026-09-22T00:00:00.000Z" < deployments[1]["deployedAt"]
    assert deployments[-1]["deployedAt"] <= "2026-11-21T09:30:00.000Z"
    assert len({d["version"] for d in deployments}) == len(deployments)
    for session in sessions:
        if session["deploymentVersion"] is not None:
            live = [d for d in deployments if d["deployedAt"] <= session["startedAt"]][-1]
            assert session["deploymentVersion"] == live["version"], session["identifier"]
    assert {s["deploymentVersion"] for s in sessions} - {None} == {d["version"] for d in deployments}
    assert any(set(DEPLOYMENT_OPTIONAL) - set(d) for d in deployments + crash_only)


def test_a_deployment_cadence_of_one_day_deploys_every_application_every_day() -> None:
    with served(small(retention_days=10, sessions_per_day=5, deployment_cadence_days=1)) as (_, client):
        deployments = walk(client, f"/applications/{WEB}/deployments", 500, orderby="deployedAt")
    days = [d["deployedAt"][:10] for d in deployments]
    assert len(days) == len(set(days)) >= 10
    first, last = (datetime.fromisoformat(day).date() for day in (days[0], days[-1]))
    assert (last - first).days == len(days) - 1


# -- metrics ------------------------------------------------------------------------------------


def test_page_views_and_errors_per_bucket_equal_the_sessions_own() -> None:
    with served(small(sessions_per_day=40)) as (_, client):
        details = _details(client, walk(client, f"/applications/{WEB}/sessions", 500, orderby="startedAt"))
        body = {"start": "2026-11-19T00:00:00Z", "end": "2026-11-22T00:00:00Z", "granularity": "1h", "aggregation": "count"}
        views = _series(client, f"/metrics/{WEB}/pages/time-series", {**body, "metrics": ["pageViews"]})
        errors = _series(client, f"/metrics/{WEB}/errors/time-series", {**body, "metrics": ["errorInstances"]})
        daily = _series(client, f"/metrics/{WEB}/pages/time-series", {**body, "granularity": "1d", "metrics": ["pageViews"]})
    # The oldest retained day (11-18) is left out: sessions of the expired day before it spill into it.
    expected_views = Counter(v["viewedAt"][:13] for d in details for v in d["pageViews"] if v["viewedAt"] >= "2026-11-19")
    expected_errors = Counter(e["occurredAt"][:13] for d in details for e in d["errors"] if e["occurredAt"] >= "2026-11-19")
    assert views[0]["metric"] == "pageViews" and views[0]["aggregation"] == "count"
    assert len(views[0]["series"]) == 72
    assert {p["time"][:13]: p["value"] for p in views[0]["series"] if p["value"]} == dict(expected_views)
    assert {p["time"][:13]: p["value"] for p in errors[0]["series"] if p["value"]} == dict(expected_errors)
    assert [p["value"] for p in daily[0]["series"]] == [
        sum(n for hour, n in expected_views.items() if hour.startswith(day)) for day in ("2026-11-19", "2026-11-20", "2026-11-21")
    ]
    assert sum(expected_errors.values()) > 0


def test_every_timing_metric_and_aggregation_is_served_consistently() -> None:
    with served(small(sessions_per_day=40)) as (_, client):
        body = {"start": "2026-11-10T00:00:00Z", "end": "2026-11-21T00:00:00Z", "granularity": "1d", "metrics": ["pageViews", *TIMING]}
        answers = {a: _series(client, f"/metrics/{WEB}/pages/time-series", {**body, "aggregation": a}) for a in AGGREGATIONS}
        again = _series(client, f"/metrics/{WEB}/pages/time-series", {**body, "aggregation": "p95"})
    assert again == answers["p95"]
    counts = [p["value"] for p in answers["count"][0]["series"]]
    assert counts[:7] == [0] * 7 and all(n > 0 for n in counts[8:])  # retained from 11-18
    for aggregation, result in answers.items():
        assert [r["metric"] for r in result] == ["pageViews", *TIMING]
        assert all(r["aggregation"] == aggregation for r in result)
        assert [p["value"] for p in result[0]["series"]] == counts
        for r in result[1:]:
            valued = ["value" in p for p in r["series"]]
            assert valued == [n > 0 for n in counts] or (aggregation == "count" and all(valued))
    for m in range(1, len(TIMING) + 1):
        for day in range(8, 11):
            v = {a: answers[a][m]["series"][day]["value"] for a in AGGREGATIONS}
            assert v["count"] == counts[day]
            assert v["min"] < v["median"] < v["average"] < v["p95"] < v["p99"] < v["max"], (TIMING[m - 1], v)
            assert v["sum"] == pytest.approx(v["average"] * v["count"], rel=0.01)


def test_histogram_buckets_add_up_to_the_page_views() -> None:
    with served(small(sessions_per_day=40)) as (_, client):
        window = {"start": "2026-11-20T00:00:00Z", "end": "2026-11-21T00:00:00Z"}
        views = _series(
            client, f"/metrics/{WEB}/pages/time-series", {**window, "granularity": "1d", "aggregation": "count", "metrics": ["pageViews"]}
        )
        histogram = _series(client, f"/metrics/{WEB}/pages/histogram", {**window, "metrics": TIMING})
        assert_problem(client.post(f"/metrics/{WEB}/pages/histogram", json={**window, "metrics": ["pageViews"]}), 400, field="metrics[0]")
    total = views[0]["series"][0]["value"]
    assert [h["metric"] for h in histogram] == TIMING
    for h in histogram:
        assert sum(b["count"] for b in h["buckets"]) == total > 0
        keys = [b["key"] for b in h["buckets"]]
        assert keys == sorted(keys) and keys[0] == 0
        assert all(isinstance(b["range"], str) and b["range"] for b in h["buckets"])


def test_todays_page_views_grow_with_the_clock() -> None:
    clock = FakeClock(NOW)
    with served(small(clock, sessions_per_day=40)) as (_, client):
        body = {"start": "2026-11-21T00:00:00Z", "end": "2026-11-22T00:00:00Z", "granularity": "1d", "aggregation": "count"}
        morning = _series(client, f"/metrics/{WEB}/pages/time-series", {**body, "metrics": ["pageViews"]})[0]["series"][0]["value"]
        clock.advance(6 * 3600)
        afternoon = _series(client, f"/metrics/{WEB}/pages/time-series", {**body, "metrics": ["pageViews"]})[0]["series"][0]["value"]
        clock.now = datetime(2026, 11, 22, 6, tzinfo=UTC)
        final = _series(client, f"/metrics/{WEB}/pages/time-series", {**body, "metrics": ["pageViews"]})[0]["series"][0]["value"]
        assert final == _series(client, f"/metrics/{WEB}/pages/time-series", {**body, "metrics": ["pageViews"]})[0]["series"][0]["value"]
    assert 0 < morning < afternoon < final


METRIC_BODY = {"start": "2026-11-20T00:00:00Z", "end": "2026-11-21T00:00:00Z", "granularity": "1h", "aggregation": "count"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("pages/time-series", {"granularity": "2 hours"}, "granularity"),
        ("pages/time-series", {"aggregation": "mean"}, "aggregation"),
        ("pages/time-series", {"metrics": ["timeToFirstByte"]}, "metrics[0]"),
        ("pages/time-series", {"start": "yesterday"}, "start"),
        ("pages/time-series", {"end": "2026-11-21"}, "end"),
        ("pages/time-series", {"filter": 42}, "filter"),
        ("pages/time-series", {"granularity": None}, "granularity"),
        ("errors/time-series", {"aggregation": "average"}, "aggregation"),
        ("errors/time-series", {"metrics": ["pageViews"]}, "metrics[0]"),
    ],
)
def test_metric_bodies_outside_the_description_are_400_with_field_errors(path: str, body: dict[str, Any], field: str) -> None:
    metric = "errorInstances" if path.startswith("errors") else "pageViews"
    request = {key: value for key, value in {**METRIC_BODY, "metrics": [metric], **body}.items() if value is not None}
    with served(small()) as (_, client):
        assert_problem(client.post(f"/metrics/{WEB}/{path}", json=request), 400, field=field)
        assert_problem(
            client.post(f"/metrics/{WEB}/{path}", content=b"not json", headers={"Content-Type": "application/json"}), 400, field="body"
        )
        assert_problem(client.post(f"/metrics/{WEB}/{path}"), 400, field="body")
        assert_problem(client.post(f"/metrics/nope/{path}", json={**METRIC_BODY, "metrics": [metric]}), 404)
        assert_problem(client.get(f"/metrics/{WEB}/{path}"), 405)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"granularity": "2h"}, "granularity"),
        ({"metrics": []}, "metrics"),
        ({"end": "2026-11-01T00:00:00Z"}, "end"),
        ({"start": "2000-01-01T00:00:00Z", "granularity": "15m"}, "granularity"),
    ],
)
def test_metric_queries_the_description_allows_but_the_emulator_cannot_answer_are_422(body: dict[str, Any], field: str) -> None:
    with served(small()) as (_, client):
        assert_problem(
            client.post(f"/metrics/{WEB}/pages/time-series", json={**METRIC_BODY, "metrics": ["pageViews"], **body}), 422, field=field
        )


@pytest.mark.parametrize(
    ("path", "scope", "metric"),
    [
        ("pages/time-series", "metrics:pages", "loadTime"),
        ("pages/histogram", "metrics:pages", "loadTime"),
        ("errors/time-series", "metrics:errors", "errorInstances"),
    ],
)
def test_metrics_need_their_scope(path: str, scope: str, metric: str) -> None:
    config = RaygunV3EmulatorConfig(clock=FakeClock(NOW), tokens={"t": ALL_SCOPES - {scope}, DEMO_TOKEN: ALL_SCOPES}, **LIMITS_OFF)
    body = {**METRIC_BODY, "granularity": "1d", "metrics": [metric]}
    with served(config) as (_, client):
        refused = assert_problem(client.post(f"/metrics/{WEB}/{path}", json=body, headers={"Authorization": "Bearer t"}), 403)
        assert scope not in refused["detail"]
        assert client.post(f"/metrics/{WEB}/{path}", json=body).status_code == 200


def test_a_series_without_rum_data_is_all_zero() -> None:
    with served(small()) as (_, client):
        body = {
            "start": "2026-11-19T00:00:00Z",
            "end": "2026-11-21T00:00:00Z",
            "granularity": "12h",
            "aggregation": "median",
            "metrics": ["pageViews", "loadTime"],
        }
        result = _series(client, f"/metrics/{NO_RUM}/pages/time-series", body)
    assert [p["value"] for p in result[0]["series"]] == [0, 0, 0, 0]
    assert [set(p) for p in result[1]["series"]] == [{"time"}] * 4
    assert [p["time"] for p in result[1]["series"]] == [
        (datetime(2026, 11, 19, tzinfo=UTC) + timedelta(hours=12 * k)).strftime("%Y-%m-%dT%H:%M:%S.000Z") for k in range(4)
    ]
