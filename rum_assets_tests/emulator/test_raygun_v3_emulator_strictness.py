"""What the published description makes strict, over real HTTP: its parameters, its scopes, no order without orderby."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from rum_assets_tests.emulator.raygun_v3_support import LISTS, MOBILE, NOW, WEB, assert_problem, ids, served, small, walk
from rum_assets_tests.fakes import FakeClock
from rum_emulator.raygun_v3 import ALL_SCOPES, DEMO_TOKEN, RaygunV3App, RaygunV3EmulatorConfig
from rum_emulator.raygun_v3.spec import description, operations

METRIC_BODY = {"start": "2026-11-20T00:00:00Z", "end": "2026-11-21T00:00:00Z", "granularity": "1d", "aggregation": "count"}
CALLS: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "list-applications": ("GET", "/applications", None),
    "list-sessions": ("GET", f"/applications/{WEB}/sessions", None),
    "get-session-by-identifier": ("GET", f"/applications/{WEB}/sessions/000000000000", None),
    "list-pages": ("GET", f"/applications/{WEB}/pages", None),
    "list-customers": ("GET", f"/applications/{WEB}/customers", None),
    "list-error-groups": ("GET", f"/applications/{WEB}/error-groups", None),
    "list-deployments": ("GET", f"/applications/{WEB}/deployments", None),
    "metrics-pages-time-series": ("POST", f"/metrics/{WEB}/pages/time-series", {**METRIC_BODY, "metrics": ["loadTime"]}),
    "metrics-pages-histogram": ("POST", f"/metrics/{WEB}/pages/histogram", {**METRIC_BODY, "metrics": ["loadTime"]}),
    "metrics-errors-time-series": ("POST", f"/metrics/{WEB}/errors/time-series", {**METRIC_BODY, "metrics": ["errorInstances"]}),
}
"""One call of every operation the emulator serves."""


def test_the_packaged_description_is_a_valid_openapi_document() -> None:
    validate(description())  # the emulator skips this check at start-up (it takes about half a second)


def test_every_operation_the_emulator_serves_is_called_here() -> None:
    assert {operation.operation_id for operation, _ in RaygunV3App(small()).served} == set(CALLS)


@pytest.mark.parametrize("operation_id", sorted(CALLS))
def test_each_operation_needs_the_scope_its_description_names_and_the_403_does_not_name_it(operation_id: str) -> None:
    scopes = operations()[operation_id].scopes
    assert len(scopes) == 1 and scopes <= ALL_SCOPES
    config = small(tokens={"without": ALL_SCOPES - scopes, "only": scopes, DEMO_TOKEN: ALL_SCOPES})
    method, path, body = CALLS[operation_id]
    with served(config) as (app, client):
        refused = client.request(method, path, json=body, headers={"Authorization": "Bearer without"})
        problem = assert_problem(refused, 403)
        assert not any(scope in refused.text for scope in ALL_SCOPES), problem
        allowed = client.request(method, path, json=body, headers={"Authorization": "Bearer only"})
        assert allowed.status_code in (200, 404), allowed.text
        assert app.calls_by_token == {"without": 1, "only": 1}


def test_error_groups_need_cr_errors_read_and_deployments_need_deployments_read() -> None:
    assert operations()["list-error-groups"].scopes == {"cr.errors:read"}
    assert operations()["list-deployments"].scopes == {"deployments:read"}


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (f"/applications/{WEB}/sessions", {"count": "0"}, "count"),
        (f"/applications/{WEB}/sessions", {"count": "501"}, "count"),
        (f"/applications/{WEB}/sessions", {"count": "ten"}, "count"),
        (f"/applications/{WEB}/sessions", {"offset": "-1"}, "offset"),
        (f"/applications/{WEB}/sessions", {"orderby": "nonsense"}, "orderby"),
        (f"/applications/{WEB}/sessions", {"orderby": "startedAt asc"}, "orderby"),
        (f"/applications/{WEB}/sessions", {"orderby": "ipAddress"}, "orderby"),
        (f"/applications/{WEB}/sessions", {"orderby": ["startedAt", "startedAt"]}, "orderby"),
        (f"/applications/{WEB}/sessions", {"orderby": "startedAt,countryCode"}, "orderby"),  # sessions' orderby explodes
        (f"/applications/{WEB}/sessions", {"filter": "xhr.uri eq https://x.example/a", "orderby": "startedAt"}, "filter"),
        (f"/applications/{WEB}/sessions", {"filter": "countryCode eq NZ"}, "filter"),
        (f"/applications/{WEB}/sessions/000000000000", {"include": "pageViews,crashes"}, "include"),
        (f"/applications/{WEB}/sessions/000000000000", {"include": "pageviews"}, "include"),
        ("/applications", {"orderby": "identifier"}, "orderby"),
        (f"/applications/{WEB}/pages", {"orderby": "identifier"}, "orderby"),
        (f"/applications/{WEB}/pages", {"orderby": "lastSeenAt,lastSeenAt"}, "orderby"),
        (f"/applications/{WEB}/customers", {"orderby": "identifier"}, "orderby"),
        (f"/applications/{WEB}/customers", {"orderby": "isAnonymous,firstSeenAt"}, "orderby"),  # customers' orderby explodes
        (f"/applications/{WEB}/error-groups", {"orderby": "identifier"}, "orderby"),
        (f"/applications/{WEB}/deployments", {"orderby": "identifier"}, "orderby"),
        (f"/applications/{WEB}/deployments", {"count": "1000"}, "count"),
    ],
)
def test_a_request_outside_the_description_is_400_with_an_errors_map(path: str, params: dict[str, Any], field: str) -> None:
    with served(small()) as (app, client):
        problem = assert_problem(client.get(path, params=params), 400, field=field)
        assert set(problem["errors"]) == {field}
        assert app.calls_by_token == {DEMO_TOKEN: 1}


def test_orderby_is_comma_separated_where_the_description_says_explode_false_and_repeated_elsewhere() -> None:
    with served(small(customers_per_application=40)) as (_, client):
        pages = client.get(f"/applications/{WEB}/pages", params={"orderby": "lastSeenAt desc,uri", "count": 500}).json()
        applications = client.get("/applications", params={"orderby": "apikey desc"}).json()
        customers = client.get(
            f"/applications/{WEB}/customers", params={"orderby": ["isAnonymous", "firstSeenAt desc"], "count": 500}
        ).json()
    assert [p["lastSeenAt"] for p in pages] == sorted((p["lastSeenAt"] for p in pages), reverse=True) and len(pages) > 10
    assert [a["apiKey"] for a in applications] == sorted((a["apiKey"] for a in applications), reverse=True)
    assert [c["isAnonymous"] for c in customers] == sorted(c["isAnonymous"] for c in customers) and len(customers) == 40
    for anonymous in (False, True):
        seen = [c["firstSeenAt"] for c in customers if c["isAnonymous"] == anonymous]
        assert seen == sorted(seen, reverse=True) and seen


@pytest.mark.parametrize("path", sorted(LISTS))
def test_a_list_without_orderby_comes_in_a_new_order_on_every_request(path: str) -> None:
    retention = 60 if path.endswith("deployments") else 3  # a release every 14 days
    with served(small(sessions_per_day=40, customers_per_application=60, retention_days=retention)) as (_, client):
        orders = [ids(client.get(path, params={"count": 500}).json()) for _ in range(8)]
        ordered = ids(client.get(path, params={"count": 500, "orderby": LISTS[path]}).json())
    assert all(sorted(order) == sorted(ordered) for order in orders) and len(ordered) >= 3
    assert len({tuple(order) for order in orders}) > 1
    assert any(order != ordered for order in orders)


@pytest.mark.parametrize(("path", "count"), [(f"/applications/{WEB}/sessions", 10), (f"/applications/{WEB}/customers", 10)])
def test_offset_paging_without_orderby_skips_and_repeats_rows(path: str, count: int) -> None:
    with served(small(sessions_per_day=40, customers_per_application=100)) as (_, client):
        paged = ids(walk(client, path, count))
        complete = ids(walk(client, path, 500, orderby=LISTS[path]))
    assert len(paged) == len(complete)
    assert len(set(paged)) < len(paged) and set(complete) - set(paged)


def test_rows_tied_under_the_orderby_come_in_any_order() -> None:
    with served(small(customers_per_application=80)) as (_, client):
        orders = [
            ids(client.get(f"/applications/{WEB}/customers", params={"orderby": "isAnonymous", "count": 500}).json()) for _ in range(6)
        ]
    assert len({tuple(order) for order in orders}) > 1
    assert len({frozenset(order[:20]) for order in orders}) > 1


def test_the_xhr_filter_promises_no_order_either() -> None:
    with served(small(sessions_per_day=60)) as (_, client):
        params = {"count": 500, "filter": "xhr.uri eq https://shop.example.com/api/cart"}
        orders = [ids(client.get(f"/applications/{WEB}/sessions", params=params).json()) for _ in range(6)]
    assert len({frozenset(order) for order in orders}) == 1 and len(orders[0]) > 5
    assert len({tuple(order) for order in orders}) > 1


def test_the_emulator_checks_the_scope_before_the_parameters_and_the_parameters_before_the_application() -> None:
    config = small(tokens={"none": frozenset(), DEMO_TOKEN: ALL_SCOPES})
    with served(config) as (_, client):
        assert_problem(
            client.get("/applications/nope/pages", params={"orderby": "identifier"}, headers={"Authorization": "Bearer none"}), 403
        )
        assert_problem(client.get("/applications/nope/pages", params={"orderby": "identifier"}), 400, field="orderby")
        assert_problem(client.get("/applications/nope/pages", params={"orderby": "uri"}), 404)


def test_mobile_pages_accept_the_whole_pages_enum() -> None:
    config = RaygunV3EmulatorConfig(clock=FakeClock(NOW), per_second_limit=0)
    with served(config) as (_, client):
        by_uri = client.get(f"/applications/{MOBILE}/pages", params={"orderby": "uri"})
        by_name = client.get(f"/applications/{MOBILE}/pages", params={"orderby": "name desc"}).json()
    assert by_uri.status_code == 200 and all("uri" not in page for page in by_uri.json())
    assert [p["name"] for p in by_name] == sorted((p["name"] for p in by_name), reverse=True)
