"""A token without an endpoint's scope fails that asset naming the scope, and an unknown application fails
naming it, while the other assets and applications land and a failed application keeps its rows."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from rum_assets.raygun.assets import raygun_sessions
from rum_assets.raygun.v3.assets import (
    CUSTOMERS_KEY,
    ERROR_GROUPS_KEY,
    ERROR_METRICS_KEY,
    PAGE_METRICS_KEY,
    PAGES_KEY,
    ROWS_BY_APPLICATION,
    raygun_customers,
    raygun_deployments,
    raygun_error_groups,
    raygun_error_metrics,
    raygun_page_metrics,
    raygun_pages,
)
from rum_assets_tests.raygun.v3.test_v3_assets_support import (
    DAY,
    MOBILE_APP,
    RUM_APPS,
    WEB_APP,
    clock,  # noqa: F401  (fixture)
    failure_message,
    materialize,
    metadata,
    query,
    resources,
    start_v3,  # noqa: F401  (fixture)
)
from rum_emulator.raygun_v3 import ALL_SCOPES

CATALOG = [raygun_pages, raygun_customers, raygun_error_groups]
DAILY = [raygun_page_metrics, raygun_error_metrics]
NO_CUSTOMERS = "token-without-customers"
NO_PAGE_METRICS = "token-without-page-metrics"
NO_ERRORS = "token-without-cr-errors"


def _retries(result: dg.ExecuteInProcessResult) -> int:
    return sum(1 for event in result.all_events if event.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY)


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_missing_customers_scope_fails_customers_only_and_keeps_its_rows(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, _ = start_v3(customers_per_application=50, tokens={"full": ALL_SCOPES, NO_CUSTOMERS: ALL_SCOPES - {"customers:read"}})
    assert materialize(CATALOG, resources(server, tmp_path, pat="full")).success
    customers_before = query(tmp_path, "SELECT * FROM raygun.customers ORDER BY ALL")

    result = materialize(CATALOG, resources(server, tmp_path, pat=NO_CUSTOMERS))
    assert not result.success
    message = failure_message(result, CUSTOMERS_KEY)
    assert "the token lacks customers:read: add it in Raygun's personal access token settings" in message
    assert "2 of 2 applications failed" in message
    for app_id in RUM_APPS:
        assert f"application {app_id}: Raygun v3 GET /applications/{app_id}/customers" in message
    assert NO_CUSTOMERS not in message
    for landed in (PAGES_KEY, ERROR_GROUPS_KEY):
        assert set(metadata(result, landed)[ROWS_BY_APPLICATION]) == set(RUM_APPS)
    assert query(tmp_path, "SELECT * FROM raygun.customers ORDER BY ALL") == customers_before


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_a_token_without_cr_errors_read_fails_error_groups_only(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, _ = start_v3(customers_per_application=30, tokens={NO_ERRORS: ALL_SCOPES - {"cr.errors:read"}})
    config = resources(server, tmp_path, pat=NO_ERRORS)
    catalog = materialize(CATALOG, config)
    daily = materialize([raygun_sessions, *DAILY, raygun_deployments], config, DAY)
    assert not catalog.success and daily.success
    message = failure_message(catalog, ERROR_GROUPS_KEY)
    for app_id in RUM_APPS:
        assert (
            f"application {app_id}: Raygun v3 GET /applications/{app_id}/error-groups (HTTP 403): the token lacks cr.errors:read: "
            "add it in Raygun's personal access token settings"
        ) in message
    assert NO_ERRORS not in message and _retries(catalog) == 0
    for landed in (PAGES_KEY, CUSTOMERS_KEY):
        assert set(metadata(catalog, landed)[ROWS_BY_APPLICATION]) == set(RUM_APPS)
    counts = dict(query(tmp_path, "SELECT application_id, count(*) FROM raygun.sessions WHERE partition_date = ? GROUP BY ALL", [DAY]))
    assert set(counts) == set(RUM_APPS) and all(counts.values())
    assert query(tmp_path, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'error_groups'")[0][0] == 0


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_missing_page_metrics_scope_fails_page_metrics_without_retry(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, _ = start_v3(tokens={NO_PAGE_METRICS: ALL_SCOPES - {"metrics:pages"}})
    result = materialize(DAILY, resources(server, tmp_path, pat=NO_PAGE_METRICS), DAY)
    assert not result.success
    message = failure_message(result, PAGE_METRICS_KEY)
    assert "the token lacks metrics:pages" in message and f"for {DAY}" in message
    assert f"application {WEB_APP}: Raygun v3 POST /metrics/{WEB_APP}/pages/time-series for day {DAY}" in message
    assert _retries(result) == 0  # a missing scope is not fixed by retrying the step
    assert metadata(result, ERROR_METRICS_KEY)["dagster/row_count"] == len(RUM_APPS)
    assert query(tmp_path, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'page_metrics'")[0][0] == 0


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_unknown_application_fails_naming_it_while_the_others_land(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, app = start_v3()
    configured = f"{WEB_APP},nosuch9,{MOBILE_APP}"
    result = materialize([raygun_pages], resources(server, tmp_path, application_ids=configured))
    assert not result.success
    message = failure_message(result, PAGES_KEY)
    assert "1 of 3 applications failed" in message and "application nosuch9: Raygun v3 GET /applications/nosuch9/pages" in message
    assert f"application {WEB_APP}" not in message and f"application {MOBILE_APP}" not in message
    counts = dict(query(tmp_path, "SELECT application_id, count(*) FROM raygun.pages GROUP BY ALL"))
    assert counts == {app_id: len(app.catalogs[app_id].pages) for app_id in RUM_APPS}


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_unknown_application_fails_the_day_naming_it_while_the_others_land(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, _ = start_v3()
    result = materialize([raygun_error_metrics], resources(server, tmp_path, application_ids=f"nosuch9,{WEB_APP}"), DAY)
    assert not result.success
    message = failure_message(result, ERROR_METRICS_KEY)
    assert f"application nosuch9: Raygun v3 POST /metrics/nosuch9/errors/time-series for day {DAY}" in message
    assert _retries(result) == 0
    assert query(tmp_path, "SELECT application_id FROM raygun.error_metrics WHERE partition_date = ?", [DAY]) == [(WEB_APP,)]
