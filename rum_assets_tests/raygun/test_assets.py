"""Materializing the Raygun assets against the emulator: through dg.materialize and the dagster CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from rum_assets.raygun import names
from rum_assets.raygun.assets import raygun_session_details, raygun_sessions
from rum_assets.raygun.resource import RaygunResource
from rum_assets.warehouse.resource import WarehouseResource
from rum_emulator.environment import DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET
from rum_emulator.faults import FaultRule
from rum_emulator.server import EmulatorServer

DAY = datetime.now(UTC).date() - timedelta(days=2)
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _resources(server: EmulatorServer, tmp_path: Path, **raygun: Any) -> dict[str, Any]:
    options = {"daily_call_limit": 0, "max_attempts": 2, "state_dir": str(tmp_path / "state"), **raygun}
    return {
        "raygun": RaygunResource(
            api_key=DEMO_RAYGUN_API_KEY,
            client_id=DEMO_RAYGUN_CLIENT_ID,
            client_secret=DEMO_RAYGUN_CLIENT_SECRET,
            base_url=server.base_url,
            **options,
        ),
        "warehouse": WarehouseResource(database=str(tmp_path / "warehouse.duckdb")),
    }


def _materialize(resources: dict[str, Any], day: date = DAY, assets: list[Any] | None = None, **kwargs: Any) -> dg.ExecuteInProcessResult:
    return dg.materialize(assets or [raygun_sessions, raygun_session_details], partition_key=day.isoformat(), resources=resources, **kwargs)


def _query(tmp_path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def _metadata(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> dict[str, Any]:
    events = [e for e in result.get_asset_materialization_events() if e.asset_key == key]
    return {k: v.value for k, v in events[-1].step_materialization_data.materialization.metadata.items()}


def test_sessions_and_details_land_and_rerun_replaces_the_day(emulator: EmulatorServer, tmp_path: Path) -> None:
    resources = _resources(emulator, tmp_path)
    first = _materialize(resources)
    sessions_meta = _metadata(first, names.SESSIONS)
    details_meta = _metadata(first, names.SESSION_DETAILS)
    assert sessions_meta["dagster/row_count"] == sessions_meta[names.API_TOTAL_SESSIONS] == 60
    assert details_meta[names.DETAILS_FETCHED] == 60 and details_meta[names.DETAIL_COVERAGE] == 1.0
    assert "session_id" in sessions_meta["preview"]
    for key, read_by_sensors in names.SENSOR_METADATA.items():  # what the sensors decide on is written
        assert set(read_by_sensors) <= set(_metadata(first, key)), key
    snapshot = _query(tmp_path, "SELECT * EXCLUDE (_run_id, _ingested_at) FROM raygun.sessions ORDER BY session_id")
    page_views = _query(tmp_path, "SELECT sum(page_view_count) FROM raygun.sessions")[0][0]
    assert _query(tmp_path, "SELECT count(*) FROM raygun.page_views")[0][0] == page_views
    assert _query(tmp_path, "SELECT count(DISTINCT partition_date), min(partition_date) FROM raygun.sessions")[0] == (1, DAY)

    second = _materialize(resources)
    assert _metadata(second, names.SESSION_DETAILS)[names.DETAILS_FETCHED] == 0
    assert _query(tmp_path, "SELECT * EXCLUDE (_run_id, _ingested_at) FROM raygun.sessions ORDER BY session_id") == snapshot
    for table in ("sessions", "session_details", "page_views", "session_errors"):
        total, distinct = _query(
            tmp_path,
            f"SELECT count(*), count(DISTINCT (session_id, {'0' if table in ('sessions', 'session_details') else 'view_index' if table == 'page_views' else 'error_index'})) FROM raygun.{table}",
        )[0]
        assert total == distinct, table
    assert _query(tmp_path, "SELECT count(DISTINCT _run_id) FROM raygun.sessions")[0][0] == 1


def test_details_stay_within_the_daily_budget_and_resume_later(emulator: EmulatorServer, tmp_path: Path) -> None:
    resources = _resources(emulator, tmp_path, daily_call_limit=20)
    result = _materialize(resources)
    details = _metadata(result, names.SESSION_DETAILS)
    # 20 - 2 (auth + page) - 2 kept for the schedule's list of yesterday (a page and an authentication);
    # the details use the session key the list's step authenticated
    assert details[names.DETAILS_FETCHED] == 16
    assert details[names.CALLS_KEPT_FOR_LISTS] == 2
    assert details[names.DETAILS_PENDING] == 44
    assert details[names.API_BUDGET_LEFT] == 2
    assert _query(tmp_path, "SELECT count(*) FROM raygun.session_details")[0][0] == 16
    # The next UTC day's budget (another state dir stands in for it) continues where this one stopped.
    later = _resources(emulator, tmp_path, daily_call_limit=30, state_dir=str(tmp_path / "state-next-day"))
    again = _materialize(later, assets=[raygun_sessions, raygun_session_details], selection=[raygun_session_details])
    assert _metadata(again, names.SESSION_DETAILS)[names.DETAILS_FETCHED] == 27  # 30 - 2 kept - 1 auth (no key shared there)
    assert _query(tmp_path, "SELECT count(*), count(DISTINCT session_id) FROM raygun.session_details")[0] == (43, 43)


@pytest.mark.parametrize("mode", ["keep", "hash", "drop"])
def test_pii_modes(emulator: EmulatorServer, tmp_path: Path, mode: str) -> None:
    _materialize(_resources(emulator, tmp_path, pii_mode=mode, pii_salt="pepper"), assets=[raygun_sessions])
    emails = [r[0] for r in _query(tmp_path, "SELECT user_email FROM raygun.sessions WHERE NOT user_is_anonymous")]
    ips = [r[0] for r in _query(tmp_path, "SELECT ip_address FROM raygun.sessions")]
    identifiers = [r[0] for r in _query(tmp_path, "SELECT user_identifier FROM raygun.sessions")]
    assert emails
    if mode == "keep":
        assert all("@" in e for e in emails)
    elif mode == "hash":
        assert all(len(e) == 64 and "@" not in e for e in emails + ips + identifiers)
    else:
        assert all(e is None for e in emails + ips + identifiers)


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_a_malformed_day_fails_clearly_and_keeps_the_earlier_rows(emulator: EmulatorServer, tmp_path: Path) -> None:
    resources = _resources(emulator, tmp_path)
    _materialize(resources, assets=[raygun_sessions])
    before = _query(tmp_path, "SELECT session_id FROM raygun.sessions ORDER BY 1")
    emulator.faults.add(FaultRule("/api/v1/pulse/sessions", status=200, body=b'{"sessions": [], "links": {"next": null}}'))
    result = _materialize(resources, assets=[raygun_sessions], raise_on_error=False)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error
    assert failure is not None
    assert f"Raygun GET /api/v1/pulse/sessions for day {DAY.isoformat()}: field 'totalSessions' breaks the contract" in failure.message
    assert "v1/v1:" in failure.message  # the source that failed is named
    assert DEMO_RAYGUN_CLIENT_SECRET not in failure.to_string() and DEMO_RAYGUN_API_KEY not in failure.to_string()
    assert _query(tmp_path, "SELECT session_id FROM raygun.sessions ORDER BY 1") == before


@pytest.mark.slow
def test_dagster_cli_materializes_a_partition(emulator: EmulatorServer, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "RAYGUN_BASE_URL": emulator.base_url,
        "RAYGUN_API_KEY": DEMO_RAYGUN_API_KEY,
        "RAYGUN_CLIENT_ID": DEMO_RAYGUN_CLIENT_ID,
        "RAYGUN_CLIENT_SECRET": DEMO_RAYGUN_CLIENT_SECRET,
        "RAYGUN_DAILY_CALL_LIMIT": "0",
    }
    command = [
        str(Path(sys.executable).parent / "dagster"),
        "asset",
        "materialize",
        "-m",
        "rum_assets.definitions",
        "--select",
        "raygun/sessions",
        "--partition",
        DAY.isoformat(),
    ]
    completed = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert _query(Path(os.environ["RUM_ASSETS_DUCKDB"]).parent, "SELECT count(*) FROM raygun.sessions")[0][0] == 60


def test_a_column_schema_change_is_reported_by_its_check(emulator: EmulatorServer, tmp_path: Path) -> None:
    resources = _resources(emulator, tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    first = _materialize(resources, assets=[raygun_sessions], instance=instance)
    assert {e.check_name: e.passed for e in first.get_asset_check_evaluations()}["column_schema_unchanged"]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
        conn.execute("ALTER TABLE raygun.sessions ADD COLUMN added_by_hand VARCHAR")
    second = _materialize(resources, assets=[raygun_sessions], instance=instance)
    evaluation = next(e for e in second.get_asset_check_evaluations() if e.check_name == "column_schema_unchanged")
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert "added_by_hand" in str(evaluation.metadata["columns_added"].value)
    assert second.success  # a warning, not a failure
