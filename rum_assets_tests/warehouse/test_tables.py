"""Atomic day replacement, de-duplication, key-scoped replacement and schema evolution in DuckDB.

rum_assets_tests/postgres/test_warehouse_postgres.py runs these same tests on PostgreSQL (its ``conn``
fixture is a PostgreSQL warehouse), so both warehouses keep one contract.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
import duckdb
import psycopg
import pytest

from rum_assets.orchestration.quality import NO_NULL_KEYS, UNIQUE_KEYS, actual_table_schema, standard_check_results
from rum_assets.warehouse.tables import (
    Column,
    Connection,
    StagedRows,
    Table,
    count_partition,
    ensure_table,
    markdown_table,
    preview_markdown,
    replace_partition,
)

DAY = date(2026, 11, 20)
TABLE = Table(
    schema="test",
    name="things",
    description="things",
    key_columns=("thing_id",),
    scope_columns=("product_id",),
    keep_on_duplicate="version DESC",
    columns=(
        Column("thing_id", "BIGINT", "id", nullable=False),
        Column("product_id", "VARCHAR", "product", nullable=False),
        Column("partition_date", "DATE", "day", nullable=False),
        Column("version", "INTEGER", "version"),
        Column("seen_at", "TIMESTAMPTZ", "when"),
    ),
)


def _stage(rows: list[dict[str, object]], table: Table = TABLE) -> StagedRows:
    staged = StagedRows(table, run_id="run-1")
    staged.add_all(rows)
    return staged


def _row(thing_id: object, version: int = 1, product: str = "p1", day: date = DAY) -> dict[str, object]:
    return {"thing_id": thing_id, "product_id": product, "partition_date": day, "version": version, "seen_at": "2026-11-20T10:00:00.000Z"}


@pytest.fixture
def conn(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(tmp_path / "w.duckdb"))


def test_replace_is_idempotent_and_scoped(conn: Connection) -> None:
    replace_partition(conn, _stage([_row(1), _row(2)]), DAY, {"product_id": "p1"})
    replace_partition(conn, _stage([_row(9, product="p2")]), DAY, {"product_id": "p2"})
    replace_partition(conn, _stage([_row(1), _row(2)]), DAY, {"product_id": "p1"})
    assert count_partition(conn, TABLE, DAY, {"product_id": "p1"}) == 2
    assert count_partition(conn, TABLE, DAY, {"product_id": "p2"}) == 1
    lineage = conn.execute("SELECT DISTINCT _run_id FROM test.things").fetchall()
    assert lineage == [("run-1",)]


def test_repeated_keys_are_written_once_keeping_the_preferred_row(conn: Connection) -> None:
    written = replace_partition(conn, _stage([_row(1, 1), _row(1, 3), _row(1, 2), _row(2)]), DAY, {"product_id": "p1"})
    assert written == {"test.things": 2}
    assert conn.execute("SELECT version FROM test.things WHERE thing_id = 1").fetchone() == (3,)


def test_a_failed_load_leaves_the_previous_day_intact(conn: Connection) -> None:
    replace_partition(conn, _stage([_row(1), _row(2), _row(3)]), DAY, {"product_id": "p1"})
    with pytest.raises((duckdb.Error, psycopg.Error)):
        replace_partition(conn, _stage([_row(4), _row("not-a-number")]), DAY, {"product_id": "p1"})
    assert sorted(r[0] for r in conn.execute("SELECT thing_id FROM test.things").fetchall()) == [1, 2, 3]


def test_only_keys_in_replaces_just_those_keys(conn: Connection) -> None:
    replace_partition(conn, _stage([_row(1, 1), _row(2, 1)]), DAY, {"product_id": "p1"})
    update = _stage([_row(2, 5)])
    replace_partition(conn, update, DAY, {"product_id": "p1"}, only_keys_in=("thing_id", update))
    assert conn.execute("SELECT thing_id, version FROM test.things ORDER BY 1").fetchall() == [(1, 1), (2, 5)]


def test_new_columns_are_added_to_an_existing_table(conn: Connection) -> None:
    ensure_table(conn, TABLE)
    replace_partition(conn, _stage([_row(1)]), DAY, {"product_id": "p1"})
    grown = Table(
        schema=TABLE.schema,
        name=TABLE.name,
        description="",
        key_columns=TABLE.key_columns,
        scope_columns=TABLE.scope_columns,
        columns=(*TABLE.columns, Column("colour", "VARCHAR", "new")),
    )
    replace_partition(conn, _stage([{**_row(2), "colour": "red"}], grown), DAY, {"product_id": "p1"})
    assert conn.execute("SELECT colour FROM test.things").fetchall() == [("red",)]


def test_staged_values_land_as_they_were_sent(conn: Connection) -> None:
    """Datetimes with and without an offset, dates, non-ASCII and control characters, and a value the
    fast encoder refuses (an integer beyond 64 bits, in a VARCHAR column) all reach the table."""
    text = Table(
        schema="test",
        name="texts",
        description="",
        key_columns=("thing_id",),
        columns=(
            Column("thing_id", "BIGINT", "id", nullable=False),
            Column("partition_date", "DATE", "day", nullable=False),
            Column("label", "VARCHAR", "text"),
            Column("seen_at", "TIMESTAMPTZ", "when"),
        ),
    )
    aware = datetime(2026, 11, 20, 10, 30, 15, 250000, tzinfo=UTC)
    rows = [
        {"thing_id": 1, "partition_date": DAY, "label": 'Zoë \u2603 \x01\x02 "q" \\ \n end', "seen_at": aware},
        {"thing_id": 2, "partition_date": DAY, "label": 2**70, "seen_at": aware.astimezone(timezone(timedelta(hours=13)))},
        {"thing_id": 3, "partition_date": DAY, "label": None, "seen_at": None},
    ]
    assert replace_partition(conn, _stage(rows, text), DAY) == {"test.texts": 3}
    landed = conn.execute("SELECT thing_id, label, seen_at FROM test.texts ORDER BY thing_id").fetchall()
    assert [(r[0], r[1]) for r in landed] == [(1, rows[0]["label"]), (2, str(2**70)), (3, None)]
    assert landed[0][2] == aware and landed[1][2] == aware and landed[2][2] is None


def test_rows_with_unknown_columns_are_refused() -> None:
    staged = StagedRows(TABLE, run_id="r")
    with pytest.raises(ValueError, match="not in the table"):
        staged.add({**_row(1), "surprise": 1})
    staged.discard()


def test_preview_is_markdown(conn: Connection) -> None:
    replace_partition(conn, _stage([_row(1)]), DAY, {"product_id": "p1"})
    preview = preview_markdown(conn, TABLE, DAY, {"product_id": "p1"}, columns=["thing_id", "version"])
    assert preview.splitlines()[0].startswith("|") and "thing_id" in preview
    assert preview_markdown(conn, TABLE, date(2020, 1, 1), {"product_id": "p1"}) == "_no rows for this partition_"


def test_markdown_cells_keep_the_table_shape() -> None:
    table = markdown_table(["id", "note", "at"], [(1, "a|b\nc", datetime(2026, 11, 20, 10, tzinfo=UTC)), (2, None, None)])
    assert table.splitlines() == [
        "| id | note | at |",
        "|---|---|---|",
        "| 1 | a\\|b c | 2026-11-20 10:00:00+00:00 |",
        "| 2 |  |  |",
    ]


def test_loading_the_definitions_does_not_import_pandas() -> None:
    """Every run process loads them: pandas would add ~0.35 s and ~30 MiB to each."""
    code = "import sys, rum_assets.definitions; print('pandas' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_repeated_and_null_keys_are_counted_before_the_load_and_null_key_rows_are_kept_aside(conn: Connection) -> None:
    staged = _stage([_row(1, 1), _row(1, 2), _row(2), _row(None, 7)])
    written = replace_partition(conn, staged, DAY, {"product_id": "p1"})
    assert written == {"test.things": 2}
    assert (staged.repeated_key_rows, staged.null_key_rows) == (1, 1)
    rejected = conn.execute("SELECT table_name, partition_date, scope, reason, row_json FROM test._rejected_rows").fetchall()
    assert len(rejected) == 1
    table_name, day, scope, reason, row_json = rejected[0]
    assert (table_name, day, json.loads(scope)) == ("test.things", DAY, {"product_id": "p1"})
    assert "null in key" in reason and json.loads(row_json)["version"] == 7
    clean = _stage([_row(1), _row(2)])
    replace_partition(conn, clean, DAY, {"product_id": "p1"})  # a re-run replaces the day's rejected rows too
    assert (clean.repeated_key_rows, clean.null_key_rows) == (0, 0)
    assert conn.execute("SELECT count(*) FROM test._rejected_rows").fetchone() == (0,)


def test_key_checks_fail_on_what_the_vendor_sent(conn: Connection) -> None:
    staged = _stage([_row(1, 1), _row(1, 2), _row(None, 7)])
    replace_partition(conn, staged, DAY, {"product_id": "p1"})
    schema = actual_table_schema(conn, TABLE)
    results = {r.check_name: r for r in standard_check_results(conn, TABLE, DAY, schema, None, staged=[staged])}
    assert not results[UNIQUE_KEYS].passed and results[UNIQUE_KEYS].severity == dg.AssetCheckSeverity.WARN
    assert "1 rows" in (results[UNIQUE_KEYS].description or "")
    assert not results[NO_NULL_KEYS].passed and results[NO_NULL_KEYS].severity == dg.AssetCheckSeverity.ERROR
    assert "test._rejected_rows" in (results[NO_NULL_KEYS].description or "")
    clean = _stage([_row(1), _row(2)])
    replace_partition(conn, clean, DAY, {"product_id": "p1"})
    results = {r.check_name: r for r in standard_check_results(conn, TABLE, DAY, schema, None, staged=[clean])}
    assert results[UNIQUE_KEYS].passed and results[NO_NULL_KEYS].passed
