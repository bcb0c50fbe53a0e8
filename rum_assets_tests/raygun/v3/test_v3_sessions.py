"""The Raygun session assets over v3, v1 or both, against both emulators over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from rum_assets.orchestration.quality import ROW_COUNT_MATCHES_VENDOR
from rum_assets.raygun import names
from rum_assets.raygun.assets import raygun_session_details, raygun_sessions
from rum_assets.raygun.resource import RaygunResource
from rum_assets.warehouse.resource import WarehouseResource
from rum_emulator.environment import DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET
from rum_emulator.raygun import RaygunApp, RaygunEmulatorConfig
from rum_emulator.raygun_v3 import DEMO_TOKEN, RaygunV3App, RaygunV3EmulatorConfig
from rum_emulator.server import EmulatorServer

DAY = datetime.now(UTC).date() - timedelta(days=2)
PER_DAY = 12
RUM_APPS = ["mb4x9r", "wb7k2q"]
"""The demo token's applications that have sent RUM data (``in3p8t`` has not)."""
LIMITED_TOKEN = "limited-raygun-pat"


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    v3 = RaygunV3App(
        RaygunV3EmulatorConfig(
            sessions_per_day=PER_DAY,
            tokens={DEMO_TOKEN: RaygunV3EmulatorConfig().tokens[DEMO_TOKEN], LIMITED_TOKEN: frozenset({"applications:read"})},
        )
    )
    v1 = RaygunApp(RaygunEmulatorConfig(sessions_per_day=PER_DAY, daily_call_limit=0))
    with EmulatorServer([v1, v3]) as running:
        yield running


def resources(server: EmulatorServer, tmp_path: Path, *, v1: bool = False, v3: bool = True, **raygun: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "daily_call_limit": 0,
        "max_attempts": 2,
        "retry_base_delay_seconds": 0.01,
        "state_dir": str(tmp_path / "state"),
    }
    if v1:
        options |= {
            "api_key": DEMO_RAYGUN_API_KEY,
            "client_id": DEMO_RAYGUN_CLIENT_ID,
            "client_secret": DEMO_RAYGUN_CLIENT_SECRET,
            "base_url": server.base_url,
        }
    if v3:
        options |= {"pat": DEMO_TOKEN, "v3_base_url": server.base_url + "/v3"}
    return {"raygun": RaygunResource(**{**options, **raygun}), "warehouse": WarehouseResource(database=str(tmp_path / "warehouse.duckdb"))}


def materialize(res: dict[str, Any], assets: list[Any] | None = None, day: date = DAY, **kwargs: Any) -> dg.ExecuteInProcessResult:
    return dg.materialize(assets or [raygun_sessions, raygun_session_details], partition_key=day.isoformat(), resources=res, **kwargs)


def query(tmp_path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def metadata(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> dict[str, Any]:
    events = [e for e in result.get_asset_materialization_events() if e.asset_key == key]
    return {k: v.value for k, v in events[-1].step_materialization_data.materialization.metadata.items()}


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    error = result.get_step_failure_events()[0].step_failure_data.error
    assert error is not None
    return error.message


def test_v3_only_lands_every_rum_application_with_details(server: EmulatorServer, tmp_path: Path) -> None:
    result = materialize(resources(server, tmp_path))
    assert result.success
    rows = query(
        tmp_path, "SELECT source_api, application_id, count(*), count(DISTINCT session_id) FROM raygun.sessions GROUP BY ALL ORDER BY 2"
    )
    assert rows == [("v3", app, PER_DAY, PER_DAY) for app in RUM_APPS]
    sessions = metadata(result, names.SESSIONS)
    by_source = sessions[names.ROWS_BY_SOURCE]
    assert set(by_source) == {f"v3/{app}" for app in RUM_APPS}
    assert all(figures["rows"] == figures["vendor_rows"] == PER_DAY for figures in by_source.values())
    assert all(figures["day_finder_calls"] >= figures["day_finder_minimum_calls"] == 1 for figures in by_source.values())
    assert sessions[names.V3_DAY_FINDER_MIN_CALLS] == len(RUM_APPS)
    assert sessions[names.API_CALLS_USED] == sessions[names.V3_CALLS_USED] > sessions[names.V3_DAY_FINDER_CALLS]  # + GET /applications
    assert names.V1_CALLS_USED not in sessions
    checks = {c.check_name: c for c in result.get_asset_check_evaluations() if c.asset_key == names.SESSIONS}
    assert all(c.passed for c in checks.values()), {n: c.metadata for n, c in checks.items() if not c.passed}
    assert ROW_COUNT_MATCHES_VENDOR in checks
    for key, read_by_sensors in names.SENSOR_METADATA.items():
        assert set(read_by_sensors) <= set(metadata(result, key)), key

    # v1-only columns are NULL on v3 rows, v3 columns are filled, PII is hashed by default.
    v1_only = query(
        tmp_path, "SELECT count(*) FROM raygun.sessions WHERE user_id IS NOT NULL OR user_email IS NOT NULL OR web_url IS NOT NULL"
    )
    assert v1_only == [(0,)]
    filled = query(
        tmp_path,
        "SELECT count(viewport_width), count(deployment_version), count(platform_name), count(customer_identifier) FROM raygun.sessions",
    )[0]
    assert all(n > 0 for n in filled), filled
    for customer, ip in query(
        tmp_path, "SELECT customer_identifier, ip_address FROM raygun.sessions WHERE customer_identifier IS NOT NULL"
    ):
        assert len(customer) == 64 and (ip is None or len(ip) == 64)

    details = metadata(result, names.SESSION_DETAILS)
    assert details[names.DETAILS_FETCHED] == PER_DAY * len(RUM_APPS) and details[names.DETAIL_COVERAGE] == 1.0
    views, with_ids, links, pages = query(
        tmp_path, "SELECT count(*), count(page_identifier), count(application_url), count(page) FROM raygun.page_views"
    )[0]
    assert views == with_ids == links == query(tmp_path, "SELECT sum(page_view_count) FROM raygun.session_details")[0][0]
    # applicationUrl is Raygun's link to the page view, not the page: it lands in application_url, and page stays NULL.
    assert pages == 0
    assert query(tmp_path, "SELECT count(*) FROM raygun.page_views WHERE application_url NOT LIKE '%/page-views/%'") == [(0,)]
    errors = query(tmp_path, "SELECT count(*), count(error_group_identifier), count(occurred_at) FROM raygun.session_errors")[0]
    assert errors[0] == errors[1] == errors[2] == query(tmp_path, "SELECT sum(error_count) FROM raygun.session_details")[0][0]
    assert query(tmp_path, "SELECT count(*) FROM raygun.session_details WHERE satisfaction_rating IS NOT NULL OR ip_city IS NOT NULL") == [
        (0,)
    ]
    assert query(
        tmp_path,
        "SELECT count(*) FROM raygun.page_views WHERE application_url LIKE '%?%' AND length(split_part(application_url, '?', 2)) <> 64",
    ) == [(0,)]

    # A second run fetches no final detail again and keeps every row once.
    again = materialize(resources(server, tmp_path))
    ended = query(tmp_path, "SELECT count(*) FROM raygun.sessions WHERE status = 'ended'")[0][0]
    assert metadata(again, names.SESSION_DETAILS)[names.DETAILS_FETCHED] == PER_DAY * len(RUM_APPS) - ended
    assert query(tmp_path, "SELECT count(*), count(DISTINCT (application_id, session_id)) FROM raygun.session_details")[0] == (24, 24)


def test_v1_and_v3_both_land_in_one_table(server: EmulatorServer, tmp_path: Path) -> None:
    result = materialize(resources(server, tmp_path, v1=True, v1_application_id="shop-v1"))
    assert result.success
    assert query(tmp_path, "SELECT source_api, application_id, count(*) FROM raygun.sessions GROUP BY ALL ORDER BY 1, 2") == [
        ("v1", "shop-v1", PER_DAY),
        *[("v3", app, PER_DAY) for app in RUM_APPS],
    ]
    sessions = metadata(result, names.SESSIONS)
    assert sessions[names.API_CALLS_USED] == sessions[names.V1_CALLS_USED] + sessions[names.V3_CALLS_USED]
    assert query(
        tmp_path, "SELECT count(*) FROM raygun.sessions WHERE source_api = 'v1' AND (user_id IS NULL OR viewport_width IS NOT NULL)"
    ) == [(0,)]
    assert query(tmp_path, "SELECT source_api, count(*) FROM raygun.session_details GROUP BY 1 ORDER BY 1") == [
        ("v1", PER_DAY),
        ("v3", 2 * PER_DAY),
    ]
    # v1 rows keep their integer ids as decimal text (look them up as text once v3 rows are present).
    v1_id = query(tmp_path, "SELECT session_id FROM raygun.sessions WHERE source_api = 'v1' LIMIT 1")[0][0]
    assert v1_id.isdigit() and query(tmp_path, "SELECT count(*) FROM raygun.sessions WHERE session_id = ?", [str(int(v1_id))]) == [(1,)]


def test_v1_only_still_loads_without_a_token(server: EmulatorServer, tmp_path: Path) -> None:
    result = materialize(resources(server, tmp_path, v1=True, v3=False), assets=[raygun_sessions])
    assert result.success
    assert query(tmp_path, "SELECT source_api, application_id, count(*) FROM raygun.sessions GROUP BY ALL") == [("v1", "v1", PER_DAY)]
    assert names.V3_CALLS_USED not in metadata(result, names.SESSIONS)


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_neither_api_configured_fails_naming_the_variables(server: EmulatorServer, tmp_path: Path) -> None:
    result = materialize(resources(server, tmp_path, v3=False), assets=[raygun_sessions], raise_on_error=False)
    assert not result.success
    message = failure_message(result)
    assert all(name in message for name in ("RAYGUN_PAT", "RAYGUN_API_KEY", "RAYGUN_CLIENT_ID", "RAYGUN_CLIENT_SECRET")), message


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_an_unknown_application_fails_the_run_naming_it_while_the_others_land(server: EmulatorServer, tmp_path: Path) -> None:
    res = resources(server, tmp_path, v1=True, application_ids="wb7k2q, nosuch1")
    result = materialize(res, assets=[raygun_sessions], raise_on_error=False)
    assert not result.success
    message = failure_message(result)
    assert "v3/nosuch1" in message and "1 failed (2 sources landed)" in message, message
    assert "wb7k2q:" not in message
    assert query(tmp_path, "SELECT source_api, application_id, count(*) FROM raygun.sessions GROUP BY ALL ORDER BY 1, 2") == [
        ("v1", "v1", PER_DAY),
        ("v3", "wb7k2q", PER_DAY),
    ]
    step_failure = result.get_step_failure_events()[0].step_failure_data
    assert step_failure.user_failure_data is not None and step_failure.user_failure_data.metadata["sources_landed"].value == 2


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_a_token_without_the_sessions_scope_fails_naming_the_scope(server: EmulatorServer, tmp_path: Path) -> None:
    result = materialize(resources(server, tmp_path, pat=LIMITED_TOKEN), assets=[raygun_sessions], raise_on_error=False)
    assert not result.success
    message = failure_message(result)
    assert "rum.sessions:read" in message and LIMITED_TOKEN not in message, message
    assert query(tmp_path, "SELECT count(*) FROM raygun.sessions") == [(0,)]
