"""raygun/error_groups and raygun/deployments, JSON column of undescribed fields included, land the same rows in
PostgreSQL as in DuckDB."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rum_assets.raygun.v3.assets import raygun_deployments, raygun_error_groups
from rum_assets.raygun.v3.tables import DEPLOYMENTS, ERROR_GROUPS
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets.warehouse.tables import Table
from rum_assets_tests.postgres.conftest import postgres_server, postgres_url  # noqa: F401  (fixtures)
from rum_assets_tests.raygun.v3.test_v3_assets_deployments import a_day_with_deployments
from rum_assets_tests.raygun.v3.test_v3_assets_support import WEB_APP, clock, materialize, resources, start_v3  # noqa: F401  (fixtures)
from rum_emulator.faults import FaultRule
from rum_emulator.server import EmulatorServer

pytestmark = pytest.mark.postgres

EXTRA_GROUP = {"identifier": "eg-extra", "applicationIdentifier": WEB_APP, "message": "m", "status": "active", "severity": {"level": 3}}


def _land(server: EmulatorServer, warehouse: WarehouseResource, tmp_path: Path, day: Any) -> None:
    config = {**resources(server, tmp_path), "warehouse": warehouse}
    server.faults.add(FaultRule(f"/v3/applications/{WEB_APP}/error-groups", status=200, body=json.dumps([EXTRA_GROUP]).encode()))
    assert materialize([raygun_error_groups], config).success
    assert materialize([raygun_deployments], config, day).success


def _rows(warehouse: WarehouseResource, table: Table) -> list[tuple[Any, ...]]:
    columns = [c.name for c in table.columns if c.sql_type != "JSON"]
    with warehouse.connection() as conn:
        rows = conn.execute(f"SELECT {', '.join(columns)}, undescribed_fields FROM {table.qualified_name} ORDER BY {', '.join(columns)}")
        return [
            (*row[:-1], None if row[-1] is None else json.loads(row[-1]) if isinstance(row[-1], str) else row[-1])
            for row in rows.fetchall()
        ]


def test_the_same_rows_land_in_postgresql_and_duckdb(start_v3, postgres_url: str, tmp_path: Path) -> None:  # noqa: F811
    server, app = start_v3()
    day = a_day_with_deployments(app)
    postgres = WarehouseResource(url=postgres_url)
    duck = WarehouseResource(database=str(tmp_path / "w.duckdb"))
    _land(server, postgres, tmp_path / "pg", day)
    _land(server, duck, tmp_path / "duck", day)
    for table in (ERROR_GROUPS, DEPLOYMENTS):
        expected = _rows(duck, table)
        assert expected and _rows(postgres, table) == expected, table.qualified_name
    assert {"severity": {"level": 3}} in [row[-1] for row in _rows(postgres, ERROR_GROUPS)]
