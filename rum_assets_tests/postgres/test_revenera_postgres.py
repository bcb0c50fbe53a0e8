"""The Revenera assets, unchanged, materialized into PostgreSQL: the same rows, checks and metadata as into DuckDB.

The export assets load each file with DuckDB's CSV reader; on PostgreSQL that query runs in a private
DuckDB and its rows are copied in (``PostgresWarehouse.replace_partition_from_query``).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from rum_assets.revenera import csv_pieces, export_assets
from rum_assets.revenera.assets import REVENERA_DAILY_ASSETS, REVENERA_METADATA_ASSETS
from rum_assets.revenera.export_assets import revenera_custom_events, revenera_exceptions, revenera_raw_events
from rum_assets.revenera.resource import ReveneraResource
from rum_assets.revenera.tables import (
    CLIENT_PROFILES,
    CUSTOM_EVENTS,
    EVENT_CATALOG,
    EVENT_USAGE,
    EXCEPTIONS,
    LICENSE_KEYS,
    PRODUCT_PROPERTIES,
    RAW_EVENTS,
    USAGE_DISTRIBUTION,
    USER_ACTIVITY,
)
from rum_assets.warehouse.postgres import quoted
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets.warehouse.tables import REJECTED_ROWS, Table, table_with_existing_columns
from rum_assets_tests.fakes import FakeClock
from rum_assets_tests.revenera.conftest import DAY, PRODUCTS
from rum_emulator.environment import DEMO_REVENERA_PASSWORD, DEMO_REVENERA_USERNAME
from rum_emulator.faults import FaultRule
from rum_emulator.revenera import ReveneraApp, ReveneraEmulatorConfig
from rum_emulator.server import EmulatorServer

pytestmark = pytest.mark.postgres

TABLES = (
    PRODUCT_PROPERTIES,
    EVENT_CATALOG,
    LICENSE_KEYS,
    USER_ACTIVITY,
    EVENT_USAGE,
    CLIENT_PROFILES,
    USAGE_DISTRIBUTION,
    RAW_EVENTS,
    EXCEPTIONS,
    CUSTOM_EVENTS,
)
EXPORTS = [revenera_raw_events, revenera_exceptions, revenera_custom_events]
NOT_COMPARED = {"_run_id", "_ingested_at", "fetched_at"}
"""Lineage and fetch times: the clock of each run, not data."""


@contextmanager
def revenera_server(**config: Any) -> Iterator[EmulatorServer]:
    clock = FakeClock(datetime.combine(DAY + timedelta(days=2), datetime.min.time(), tzinfo=UTC) + timedelta(hours=9))
    app = ReveneraApp(ReveneraEmulatorConfig(**{"clock": clock, "clients_per_product": 150, **config}))
    with EmulatorServer([app]) as server:
        yield server


def _resources(server: EmulatorServer, warehouse: WarehouseResource) -> dict[str, Any]:
    return {
        "revenera": ReveneraResource(
            username=DEMO_REVENERA_USERNAME,
            password=DEMO_REVENERA_PASSWORD,
            base_url=server.base_url,
            product_ids=",".join(PRODUCTS),
            max_attempts=2,
            segment_property="prodEdition",
        ),
        "warehouse": warehouse,
    }


def _land(
    server: EmulatorServer, warehouse: WarehouseResource, assets: list[dg.AssetsDefinition], *, metadata_assets: bool = True
) -> list[dg.ExecuteInProcessResult]:
    """Materialize the metadata assets once (if asked) and ``assets`` twice (the second run replaces the day)."""
    resources = _resources(server, warehouse)
    instance = dg.DagsterInstance.ephemeral()
    runs = [dg.materialize(REVENERA_METADATA_ASSETS, resources=resources, instance=instance)] if metadata_assets else []
    return [*runs, *(dg.materialize(assets, partition_key=DAY.isoformat(), resources=resources, instance=instance) for _ in range(2))]


def _value(value: Any, json_column: bool) -> Any:
    if json_column and isinstance(value, str):
        return json.loads(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return value


def _columns(warehouse: WarehouseResource, table: Table) -> dict[str, str | None]:
    """Each column of the table as the warehouse has it (definition or added), with its description."""
    with warehouse.connection() as conn:
        full = table_with_existing_columns(conn, table)
        present = {
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?", [table.schema, table.name]
            ).fetchall()
        }
    return {c.name: c.description for c in full.all_columns if c.name in present}


def _rows(warehouse: WarehouseResource, table: Table, columns: list[str]) -> list[tuple[Any, ...]]:
    json_columns = {c.name for c in table.all_columns if c.sql_type == "JSON"}
    with warehouse.connection() as conn:
        rows = conn.execute(f"SELECT {', '.join(map(quoted, columns))} FROM {table.qualified_name}").fetchall()
    return sorted((tuple(_value(v, name in json_columns) for v, name in zip(row, columns, strict=True)) for row in rows), key=repr)


def _tables(warehouse: WarehouseResource) -> dict[str, tuple[dict[str, str | None], list[tuple[Any, ...]]]]:
    out = {}
    for table in TABLES:
        described = _columns(warehouse, table)
        compared = sorted(name for name in described if name not in NOT_COMPARED)
        out[table.qualified_name] = (described, _rows(warehouse, table, compared) if compared else [])
    with warehouse.connection() as conn:
        rejected = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'revenera' AND table_name = ?", [REJECTED_ROWS]
        ).fetchone()[0]
    assert rejected == 0, "the emulator's default data has no null keys"
    return out


def _metadata(result: dg.ExecuteInProcessResult) -> dict[str, dict[str, Any]]:
    """Each asset's materialization metadata. Column types are compared by name only where the
    warehouse names them (VARCHAR vs text), and the preview of a table with a JSON column not at all:
    PostgreSQL stores JSON as JSONB, which orders an object's keys its own way."""
    out: dict[str, dict[str, Any]] = {}
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        values: dict[str, Any] = {}
        for key, entry in materialization.metadata.items():
            value = entry.value
            if key == "dagster/column_schema":
                value = [(c.name, c.description, c.constraints.nullable) for c in value.columns]
            values[key] = value
        if any(
            c.sql_type == "JSON"
            for t in TABLES
            if t.qualified_name == materialization.asset_key.to_user_string().replace("/", ".")
            for c in t.columns
        ):
            assert "_no rows" not in values.pop("preview")
        out[materialization.asset_key.to_user_string()] = values
    return out


def _checks(result: dg.ExecuteInProcessResult) -> list[tuple[str, str, bool, str, dict[str, Any]]]:
    return sorted(
        (e.asset_key.to_user_string(), e.check_name, e.passed, str(e.severity), {k: v.value for k, v in e.metadata.items()})
        for e in result.get_asset_check_evaluations()
    )


def _assert_same(on_postgres: list[dg.ExecuteInProcessResult], on_duckdb: list[dg.ExecuteInProcessResult]) -> None:
    for pg_run, duck_run in zip(on_postgres, on_duckdb, strict=True):
        assert pg_run.success and duck_run.success
        assert _checks(pg_run) == _checks(duck_run)
        assert _metadata(pg_run) == _metadata(duck_run)


def test_every_revenera_asset_lands_the_same_rows_checks_and_metadata_in_postgresql_and_duckdb(postgres_url: str, tmp_path: Path) -> None:
    postgres = WarehouseResource(url=postgres_url)
    duck = WarehouseResource(database=str(tmp_path / "w.duckdb"))
    with revenera_server() as server:
        on_postgres = _land(server, postgres, REVENERA_DAILY_ASSETS)
        on_duckdb = _land(server, duck, REVENERA_DAILY_ASSETS)
    _assert_same(on_postgres, on_duckdb)
    checks = _checks(on_postgres[1])
    assert {c[1] for c in checks} >= {"unique_keys", "no_null_keys", "export_columns_complete"}
    expected = _tables(duck)
    for table in TABLES:
        assert expected[table.qualified_name][1], f"{table.qualified_name} has no rows in DuckDB"
    assert _tables(postgres) == expected


def test_friendly_headers_and_an_extra_column_land_the_same_new_column_in_postgresql_and_duckdb(postgres_url: str, tmp_path: Path) -> None:
    postgres = WarehouseResource(url=postgres_url)
    duck = WarehouseResource(database=str(tmp_path / "w.duckdb"))
    with revenera_server(export_header_style="friendly", export_extra_columns=("Build Number",)) as server:
        on_postgres = _land(server, postgres, EXPORTS, metadata_assets=False)
        on_duckdb = _land(server, duck, EXPORTS, metadata_assets=False)
    _assert_same(on_postgres, on_duckdb)
    first = _metadata(on_postgres[0])
    for key in ("revenera/raw_events", "revenera/exceptions", "revenera/custom_events"):
        assert {(c["header"], c["column"]) for c in first[key]["revenera/new_columns"]} == {("Build Number", "build_number")}
        assert "build_number" in [c[0] for c in first[key]["dagster/column_schema"]]
        assert _metadata(on_postgres[1])[key]["revenera/new_columns"] == []
    expected = {
        t.qualified_name: v for t, v in zip(TABLES, _tables(duck).values(), strict=True) if t in (RAW_EVENTS, EXCEPTIONS, CUSTOM_EVENTS)
    }
    actual = _tables(postgres)
    for name, (described, rows) in expected.items():
        assert described["build_number"] == "Export header 'Build Number' (not a known column: loaded as text)"
        assert rows and all(row[sorted(c for c in described if c not in NOT_COMPARED).index("build_number")] for row in rows)
        assert actual[name] == (described, rows)


@pytest.mark.parametrize("miscount", [0, 1], ids=["counted", "miscounted"])
def test_files_read_in_pieces_land_the_same_rows_in_postgresql_as_one_piece_in_duckdb(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, miscount: int
) -> None:
    """Cut into pieces (and, miscounted, read again as one), a file's rows keep their numbers in PostgreSQL."""
    postgres = WarehouseResource(url=postgres_url)
    duck = WarehouseResource(database=str(tmp_path / "w.duckdb"))
    with revenera_server(export_quoted_newlines=True) as server:
        on_duckdb = _land(server, duck, EXPORTS, metadata_assets=False)
        monkeypatch.setattr(csv_pieces, "MIN_PIECE_BYTES", 16)
        monkeypatch.setattr(export_assets, "reader_threads", lambda: 3)
        finish = csv_pieces.RecordCounter.finish
        monkeypatch.setattr(csv_pieces.RecordCounter, "finish", lambda counter: finish(counter) + miscount)
        on_postgres = _land(server, postgres, EXPORTS, metadata_assets=False)
    _assert_same(on_postgres, on_duckdb)
    exports = {table.qualified_name for table in (RAW_EVENTS, EXCEPTIONS, CUSTOM_EVENTS)}
    expected = {name: value for name, value in _tables(duck).items() if name in exports}
    assert all(rows for _, rows in expected.values())
    assert {name: value for name, value in _tables(postgres).items() if name in exports} == expected


def _zip_of(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export.csv", text.encode("utf-8"))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("timestamp,clientId\r\n2026-01-01T00:00:00,A\r\n2026-01-01T00:00:01,B,extra\r\n", "the CSV is broken at line 3"),
        (
            "timestamp,clientId\r\n2026-01-01T00:00:00,A\r\nnot a time,B\r\n",
            "line 3: column 'timestamp' value 'not a time' is not a TIMESTAMP",
        ),
    ],
    ids=["broken-csv", "bad-timestamp"],
)
@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_a_bad_file_fails_that_product_only_and_keeps_its_rows_in_postgresql(postgres_url: str, body: str, expected: str) -> None:
    postgres = WarehouseResource(url=postgres_url)
    count = f"SELECT product_id, count(*) FROM {RAW_EVENTS.qualified_name} GROUP BY product_id ORDER BY product_id"
    with revenera_server() as server:
        resources = _resources(server, postgres)
        assert dg.materialize([revenera_raw_events], partition_key=DAY.isoformat(), resources=resources).success
        with postgres.connection() as conn:
            before = conn.execute(count).fetchall()
        assert [pid for pid, _ in before] == list(PRODUCTS)
        server.faults.add(FaultRule("/download/", status=200, body=_zip_of(body), times=1))
        result = dg.materialize([revenera_raw_events], partition_key=DAY.isoformat(), resources=resources, raise_on_error=False)
    assert not result.success
    message = result.get_step_failure_events()[0].step_failure_data.error.message  # type: ignore[union-attr]
    assert "1 of 2 products failed" in message
    assert f"export file {PRODUCTS[0]}_{DAY.isoformat()}.zip of product {PRODUCTS[0]}" in message and expected in message
    with postgres.connection() as conn:
        assert conn.execute(count).fetchall() == before
