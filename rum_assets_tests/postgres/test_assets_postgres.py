"""The Raygun assets, unchanged, materialized into PostgreSQL: the same rows as into DuckDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from rum_assets.raygun import names
from rum_assets.raygun.assets import raygun_session_details, raygun_sessions
from rum_assets.raygun.resource import RaygunResource
from rum_assets.raygun.tables import DETAIL_TABLES, SESSIONS
from rum_assets.warehouse.resource import WarehouseResource
from rum_emulator.environment import DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET
from rum_emulator.raygun import RaygunApp, RaygunEmulatorConfig
from rum_emulator.server import EmulatorServer

pytestmark = pytest.mark.postgres

DAY = datetime.now(UTC).date() - timedelta(days=2)


def _land(server: EmulatorServer, warehouse: WarehouseResource, state_dir: Path) -> list[dg.ExecuteInProcessResult]:
    resources = {
        "raygun": RaygunResource(
            api_key=DEMO_RAYGUN_API_KEY,
            client_id=DEMO_RAYGUN_CLIENT_ID,
            client_secret=DEMO_RAYGUN_CLIENT_SECRET,
            base_url=server.base_url,
            daily_call_limit=0,
            state_dir=str(state_dir),
        ),
        "warehouse": warehouse,
    }
    instance = dg.DagsterInstance.ephemeral()
    return [
        dg.materialize([raygun_sessions, raygun_session_details], partition_key=DAY.isoformat(), resources=resources, instance=instance)
        for _ in range(2)
    ]


NOT_COMPARED = {"fetched_at"}
"""When our client fetched a detail: the clock of each run, not data."""


def _tables(warehouse: WarehouseResource) -> dict[str, list[tuple[Any, ...]]]:
    with warehouse.connection() as conn:
        return {
            table.qualified_name: [
                tuple(row)
                for row in conn.execute(f"SELECT {', '.join(columns)} FROM {table.qualified_name} ORDER BY {', '.join(columns)}").fetchall()
            ]
            if (columns := [c.name for c in table.columns if c.name not in NOT_COMPARED])
            else []
            for table in (SESSIONS, *DETAIL_TABLES)
        }


def test_raygun_assets_land_the_same_rows_in_postgresql_and_duckdb(postgres_url: str, tmp_path: Path) -> None:
    config = RaygunEmulatorConfig(sessions_per_day=40, daily_call_limit=0)
    postgres = WarehouseResource(url=postgres_url)
    duck = WarehouseResource(database=str(tmp_path / "w.duckdb"))
    with EmulatorServer([RaygunApp(config)]) as server:
        on_postgres = _land(server, postgres, tmp_path / "pg_state")
        on_duckdb = _land(server, duck, tmp_path / "duck_state")
    for first, again in (on_postgres, on_duckdb):
        assert first.success and again.success
        details = [e for e in again.get_asset_materialization_events() if e.asset_key == names.SESSION_DETAILS][-1]
        assert details.step_materialization_data.materialization.metadata[names.DETAILS_FETCHED].value == 0
        checks = first.get_asset_check_evaluations()
        assert checks and all(c.passed for c in checks if c.check_name in ("unique_keys", "no_null_keys"))
    expected = _tables(duck)
    assert len(expected[SESSIONS.qualified_name]) == 40
    assert _tables(postgres) == expected
