"""The v3 emulator's opt-in variants: each plausible way a server could differ where the description is silent,
or what the emulator used to do leniently. Off by default; a client must cope with each."""

from __future__ import annotations

import pytest

from rum_assets_tests.emulator.raygun_v3_support import (
    LIMITS_OFF,
    LISTS,
    NOW,
    SESSION,
    WEB,
    assert_problem,
    ids,
    retained_ids,
    served,
    small,
    walk,
)
from rum_assets_tests.fakes import FakeClock
from rum_emulator.raygun_v3 import ALL_SCOPES, DEMO_TOKEN, RaygunV3EmulatorConfig


@pytest.mark.parametrize("path", sorted(LISTS))
def test_stable_default_order_gives_every_list_one_order_and_exact_paging(path: str) -> None:
    with served(small(stable_default_order=True, customers_per_application=60, retention_days=60, sessions_per_day=2)) as (app, client):
        orders = {tuple(ids(walk(client, path, 7))) for _ in range(3)}
    assert len(orders) == 1
    (order,) = orders
    if path.endswith("/sessions"):
        assert list(order) == retained_ids(app, WEB, NOW, 60)
    else:
        assert list(order) == sorted(order)
    assert len(set(order)) == len(order) > 1


def test_stable_default_order_breaks_ties_by_identifier_in_the_first_fields_direction() -> None:
    with served(small(stable_default_order=True, customers_per_application=80)) as (_, client):
        up = client.get(f"/applications/{WEB}/customers", params={"orderby": "isAnonymous", "count": 500}).json()
        down = client.get(f"/applications/{WEB}/customers", params={"orderby": "isAnonymous desc", "count": 500}).json()
    assert down == up[::-1]
    for anonymous in (False, True):
        block = [c["identifier"] for c in up if c["isAnonymous"] == anonymous]
        assert block == sorted(block)


def test_scope_named_in_403_names_the_missing_scope() -> None:
    config = small(scope_named_in_403=True, tokens={"narrow": ALL_SCOPES - {"cr.errors:read"}, DEMO_TOKEN: ALL_SCOPES})
    with served(config) as (_, client):
        assert_problem(
            client.get(f"/applications/{WEB}/error-groups", headers={"Authorization": "Bearer narrow"}), 403, mentions="cr.errors:read"
        )


def test_validation_status_422_answers_a_request_outside_the_description_with_422() -> None:
    with served(small(validation_status=422)) as (_, client):
        assert_problem(client.get(f"/applications/{WEB}/pages", params={"orderby": "identifier"}), 422, field="orderby")
        assert_problem(client.post(f"/metrics/{WEB}/pages/histogram", json={"metrics": ["loadTime"]}), 422, field="start")


def test_problem_media_type_sends_problem_json() -> None:
    with served(small(problem_media_type="application/problem+json")) as (_, client):
        assert_problem(client.get("/applications/nope/pages"), 404, media_type="application/problem+json")
        assert_problem(client.get("/applications", params={"count": 0}), 400, field="count", media_type="application/problem+json")
        assert client.get("/applications").headers["content-type"].startswith("application/json")


def test_omit_null_fields_leaves_the_sessions_null_fields_out() -> None:
    with served(RaygunV3EmulatorConfig(clock=FakeClock(NOW), omit_null_fields=True, **LIMITS_OFF)) as (_, client):
        page = client.get(f"/applications/{WEB}/sessions", params={"count": 500, "orderby": "startedAt desc"}).json()
    assert all(None not in s.values() for s in page)
    assert any("endedAt" not in s and s["isActive"] for s in page)
    assert all(set(s) <= set(SESSION) for s in page) and any(len(s) < len(SESSION) for s in page)


def test_null_for_absent_fields_sends_null_where_the_default_leaves_a_field_out() -> None:
    body = {
        "start": "2026-11-19T00:00:00Z",
        "end": "2026-11-20T00:00:00Z",
        "granularity": "1d",
        "aggregation": "median",
        "metrics": ["loadTime"],
    }
    answers = {}
    for nulls in (False, True):
        with served(small(null_for_absent_fields=nulls, retention_days=60)) as (_, client):
            answers[nulls] = {
                "customers": client.get(f"/applications/{WEB}/customers", params={"count": 500, "orderby": "firstSeenAt"}).json(),
                "groups": client.get(f"/applications/{WEB}/error-groups", params={"orderby": "createdAt"}).json(),
                "deployments": client.get(f"/applications/{WEB}/deployments", params={"orderby": "deployedAt"}).json(),
                "series": client.post("/metrics/in3p8t/pages/time-series", json=body).json()[0]["series"],
            }
    for kind, rows in answers[True].items():
        plain = answers[False][kind]
        assert [{k: v for k, v in row.items() if v is not None} for row in rows] == plain, kind
        assert any(None in row.values() for row in rows), kind
        assert not any(None in row.values() for row in plain), kind
    assert {c["emailAddress"] is None for c in answers[True]["customers"]} == {True, False}
    assert {g["status"] for g in answers[True]["groups"] if g["resolvedIn"] is None} <= {"active", "ignored", "permanentlyIgnored"}
