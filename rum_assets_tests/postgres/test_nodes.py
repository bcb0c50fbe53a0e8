"""Three nodes load overlapping days into one PostgreSQL warehouse at once; the result equals one
process loading each day once into DuckDB, row for row (lineage columns aside)."""

from __future__ import annotations

import multiprocessing
import os
import traceback
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from rum_assets.warehouse.resource import WarehouseResource
from rum_assets.warehouse.tables import Column, StagedRows, Table, replace_partition

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

FIRST_DAY = date(2026, 11, 1)
DAYS = 5
SCOPES = ("p1", "p2")
ROWS_PER_DAY = 1500
NODE_DAYS = ((0, 1, 2, 3, 4), (0, 1, 2, 3, 4), (4, 3, 2, 1, 0))
"""Each node's days (offsets from FIRST_DAY) in order: in every round two or three nodes load the same day
at the same moment (they stage it, wait for each other, then replace)."""

TABLE = Table(
    schema="nodes",
    name="events",
    description="every column type the project's tables use",
    key_columns=("event_id",),
    scope_columns=("product_id",),
    keep_on_duplicate="revision DESC",
    columns=(
        Column("event_id", "BIGINT", "id", nullable=False),
        Column("product_id", "VARCHAR", "product", nullable=False),
        Column("partition_date", "DATE", "day", nullable=False),
        Column("revision", "INTEGER", "higher wins among repeats"),
        Column("name", "VARCHAR", "text with quotes, commas, backslashes and unicode"),
        Column("score", "DOUBLE", "a double"),
        Column("flagged", "BOOLEAN", "a boolean"),
        Column("happened_at", "TIMESTAMPTZ", "an instant"),
        Column("local_time", "TIMESTAMP", "a wall-clock time"),
    ),
)
COMPARED = [c.name for c in TABLE.columns]


def day_rows(day: date, product: str) -> list[dict[str, Any]]:
    """The same rows for a day whichever node loads it: some repeated keys, a few null keys."""
    base = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    rows = []
    for i in range(ROWS_PER_DAY):
        event_id = day.toordinal() * 100_000 + i % (ROWS_PER_DAY - 50)
        rows.append(
            {
                "event_id": None if i % 499 == 7 else event_id,
                "product_id": product,
                "partition_date": day,
                "revision": i,
                "name": f'é "{i}", back\\slash\n{product}' if i % 3 else None,
                "score": i / 7,
                "flagged": i % 2 == 0,
                "happened_at": base + timedelta(seconds=i),
                "local_time": (base + timedelta(minutes=i)).replace(tzinfo=None).isoformat(),
            }
        )
    return rows


def load(conn: Any, offsets: tuple[int, ...], run_id: str, barrier: Any = None) -> None:
    for offset in offsets:
        day = FIRST_DAY + timedelta(days=offset)
        for product in SCOPES:
            staged = StagedRows(TABLE, run_id)
            try:
                staged.add_all(day_rows(day, product))
                if barrier is not None:
                    barrier.wait(timeout=120)
                replace_partition(conn, staged, day, {"product_id": product})
            finally:
                staged.discard()


def _node(url: str, node_dir: str, offsets: tuple[int, ...], barrier: Any, results: multiprocessing.Queue[str]) -> None:
    os.environ["TMPDIR"] = node_dir
    try:
        with WarehouseResource(url=url).connection() as conn:
            for _ in range(2):
                load(conn, offsets, f"node-{os.getpid()}", barrier)
        results.put("ok")
    except BaseException:
        results.put(traceback.format_exc())


def _rows(conn: Any) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in conn.execute(f"SELECT {', '.join(COMPARED)} FROM nodes.events ORDER BY partition_date, product_id, event_id").fetchall()
    ]


def _rejected(conn: Any) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in conn.execute(
            "SELECT table_name, partition_date, scope, reason, count(*) FROM nodes._rejected_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        ).fetchall()
    ]


def test_three_nodes_loading_overlapping_days_equal_one_duckdb_run(postgres_url: str, tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[str] = context.Queue()
    barrier = context.Barrier(len(NODE_DAYS))
    nodes = []
    for index, offsets in enumerate(NODE_DAYS):
        node_dir = tmp_path / f"node{index}"
        node_dir.mkdir()
        nodes.append(context.Process(target=_node, args=(postgres_url, str(node_dir), offsets, barrier, results)))
    for node in nodes:
        node.start()
    outcomes = [results.get(timeout=600) for _ in nodes]
    for node in nodes:
        node.join(timeout=60)
    assert outcomes == ["ok"] * len(nodes), "\n".join(o for o in outcomes if o != "ok")

    with WarehouseResource(database=str(tmp_path / "single.duckdb")).connection() as duck:
        load(duck, tuple(range(DAYS)), run_id="single")
        expected, expected_rejected = _rows(duck), _rejected(duck)
    with WarehouseResource(url=postgres_url).connection() as pg:
        actual, actual_rejected = _rows(pg), _rejected(pg)
        per_day = pg.execute("SELECT count(*), count(DISTINCT (product_id, event_id)) FROM nodes.events").fetchone()
    sample = day_rows(FIRST_DAY, "p1")
    keys_per_day = len({r["event_id"] for r in sample} - {None})
    null_keys_per_day = sum(r["event_id"] is None for r in sample)
    assert len(expected) == DAYS * len(SCOPES) * keys_per_day
    assert tuple(per_day) == (len(expected), len(expected))
    assert actual == expected
    assert actual_rejected == expected_rejected
    assert sum(r[4] for r in expected_rejected) == DAYS * len(SCOPES) * null_keys_per_day
