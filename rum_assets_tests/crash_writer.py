"""A writer process for the crash test: ``python -m rum_assets_tests.crash_writer DATABASE DAY ROWS STAGING_DIR``.

Stages ``ROWS`` rows of one day and replaces that day with them, printing ``begun`` once the
DuckDB transaction has started and its INSERT is about to run (the test kills it then) and
``committed`` at the end.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from rum_assets.warehouse.tables import Column, StagedRows, Table, replace_partition

TABLE = Table(
    schema="crash",
    name="events",
    description="rows written by the crash test",
    key_columns=("event_id",),
    columns=(
        Column("event_id", "BIGINT", "id", nullable=False),
        Column("partition_date", "DATE", "day", nullable=False),
        Column("payload", "VARCHAR", "some text"),
    ),
)


class AnnouncingConnection:
    """Passes every statement to DuckDB and says on stdout when the day's INSERT starts."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self._conn = conn

    def execute(self, sql: str, *args: Any) -> duckdb.DuckDBPyConnection:
        if sql.startswith("INSERT"):
            print("begun", flush=True)
        return self._conn.execute(sql, *args)


def write_day(database: str, day: date, rows: int, staging_dir: Path, run_id: str) -> int:
    staged = StagedRows(TABLE, run_id, directory=staging_dir)
    try:
        for i in range(rows):
            staged.add({"event_id": i, "partition_date": day, "payload": f"row {i} of {day}"})
        print("staged", flush=True)
        with duckdb.connect(database) as conn:
            inserted = replace_partition(AnnouncingConnection(conn), staged, day)  # type: ignore[arg-type]
    finally:
        staged.discard()
    print("committed", flush=True)
    return inserted[TABLE.qualified_name]


if __name__ == "__main__":
    database, day, rows, staging = sys.argv[1], date.fromisoformat(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
    write_day(database, day, rows, staging, run_id=f"writer-{day}")
