"""Marts computed in the warehouse: a day of a mart table replaced by a query over the base tables.

The query runs where the base tables are (DuckDB, or PostgreSQL on a deployment), so its SQL is written
once in the dialect both share: ``percentile_cont(q) WITHIN GROUP (ORDER BY x)`` (linear interpolation
between the two nearest ranks; DuckDB's ``quantile_cont``), ``count(*) FILTER (WHERE ...)``,
``CAST(x AS DOUBLE PRECISION)`` before a division, ``?`` placeholders, no ``QUALIFY``. The day is deleted
and inserted in one transaction: a failing query leaves the day's previous rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from rum_assets.warehouse.tables import Connection, Table, _is_handle, ensure_table, scope_filter, table_exists


@contextmanager
def _transaction(conn: Connection, lock_name: str) -> Iterator[None]:
    if _is_handle(conn):
        with conn.conn.transaction():  # type: ignore[attr-defined]  # the one handle is PostgresWarehouse; the Protocol leaves out its psycopg connection
            # Two runs of the same mart day wait for each other instead of interleaving their writes.
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(?))", [lock_name])
            yield
        return
    conn.execute("BEGIN TRANSACTION")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _inserted(conn: Connection, cursor: Any) -> int:
    """Rows an INSERT wrote: psycopg's row count, or the count DuckDB answers with."""
    if _is_handle(conn):
        return max(int(cursor.rowcount), 0)
    row = cursor.fetchone()
    return int(row[0]) if row else 0


def replace_day_from_sql(
    conn: Connection, table: Table, select_sql: str, day: date, params: Sequence[Any], run_id: str, scope: Mapping[str, Any]
) -> int:
    """Replace ``day`` of ``table`` in ``scope`` (e.g. one account's rows) with the rows of ``select_sql``,
    which yields exactly ``table.columns``, all of them in that scope.

    Returns the rows written. The lineage columns are set here (this run, now).
    """
    ensure_table(conn, table)
    names = [c.name for c in table.columns]
    columns = ", ".join(names)
    insert = (
        f"INSERT INTO {table.qualified_name} ({columns}, _run_id, _ingested_at) "
        f"SELECT {columns}, ?, CAST(? AS TIMESTAMPTZ) FROM ({select_sql}) AS mart_rows"
    )
    where, where_params = scope_filter(table, day, scope)
    with _transaction(conn, f"{table.qualified_name}|{day.isoformat()}|{sorted(scope.items())}"):
        conn.execute(f"DELETE FROM {table.qualified_name} WHERE {where}", where_params)
        cursor = conn.execute(insert, [run_id, datetime.now(UTC).isoformat(), *params])
        return _inserted(conn, cursor)


def fetch_rows(conn: Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    return list(conn.execute(sql, list(params)).fetchall())


def existing_tables(conn: Connection, qualified_names: Iterable[str]) -> set[str]:
    """Which of ``schema.table`` exist: a mart reads only the base tables the deployment has (v1, v3 or both)."""
    return {name for name in qualified_names if table_exists(conn, *name.split(".", 1))}


_NULL_TYPES = {"DOUBLE": "DOUBLE PRECISION"}


def select_list(table: Table, expressions: dict[str, str]) -> str:
    """``table.columns`` in order, each as its expression in ``expressions`` or a typed NULL (a column a
    source does not have), for a ``SELECT`` both DuckDB and PostgreSQL run."""
    unknown = set(expressions) - {c.name for c in table.columns}
    if unknown:
        raise ValueError(f"{table.qualified_name}: expressions for columns it does not have: {sorted(unknown)}")
    return ",\n  ".join(
        f"{expressions[c.name]} AS {c.name}"
        if c.name in expressions
        else f"CAST(NULL AS {_NULL_TYPES.get(c.sql_type, c.sql_type)}) AS {c.name}"
        for c in table.columns
    )
