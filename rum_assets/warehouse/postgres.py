"""The warehouse in PostgreSQL: the same tables, the same atomic replacement of a day, several nodes.

:class:`PostgresWarehouse` has the methods that ``rum_assets.warehouse.tables``'s functions call on a
connection that is not DuckDB's, and an ``execute`` that takes the DuckDB-style ``?`` placeholders the
asset and quality queries use, so asset code does not know which warehouse it writes to.

A load is one transaction: the staged NDJSON file is streamed with ``COPY`` into a temporary table (one
JSON document a line, never row-by-row inserts), typed with ``json_to_record`` using the table
definition's column types, then the day's scope is deleted and the de-duplicated rows inserted. Nodes
that load the same day (and scope) at once are serialised by a transaction-level advisory lock on it,
so one replacement never interleaves with another (which could otherwise leave both days' rows).
DDL (schema, table, added columns) runs under its own advisory lock: concurrent ``CREATE ... IF NOT
EXISTS`` statements can collide in PostgreSQL's catalog.

A load from a query (the export files, which DuckDB's CSV reader reads) runs that DuckDB query in a
private in-memory DuckDB, which writes its rows to a local CSV file; the file is streamed with ``COPY``
into the table in the transaction that first deletes the day's scope (see
:meth:`PostgresWarehouse.replace_partition_from_query`).
"""

from __future__ import annotations

import csv
import hashlib
import json
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import psycopg
from psycopg import sql

from rum_assets.warehouse.tables import (
    REJECTED_ROWS,
    Column,
    StagedRows,
    Table,
    check_row_count,
    full_scope,
    json_default,
    scalar,
    scope_fill,
    scope_filter,
)

PG_TYPES = {"VARCHAR": "TEXT", "DOUBLE": "DOUBLE PRECISION", "JSON": "JSONB"}
"""DuckDB type names in table definitions whose PostgreSQL name differs (BIGINT, INTEGER, BOOLEAN,
DATE, TIMESTAMP and TIMESTAMPTZ are the same)."""

_DDL_LOCK = 7_154_880_322
_COPY_CHUNK = 1 << 20
# Staged lines are ASCII JSON (control characters escaped), so bytes 0x01/0x02 never occur: as CSV quote
# and delimiter they make every line one verbatim field.
_COPY_SQL = "COPY {name} (doc) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')"


DUCKDB_TYPES = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "double precision": "DOUBLE",
    "jsonb": "JSON",
    "json": "JSON",
    "bigint": "BIGINT",
    "integer": "INTEGER",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMPTZ",
}
"""PostgreSQL's ``information_schema`` type names as the DuckDB names table definitions use."""

_COLUMNS_SQL = (
    "SELECT c.column_name, c.data_type, "
    "col_description((quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass, c.ordinal_position::int) "
    "FROM information_schema.columns AS c WHERE c.table_schema = ? AND c.table_name = ? ORDER BY c.ordinal_position"
)
"""Each column of a table with its type and comment (``col_description``: the ``pg_description`` row)."""


_OID_TYPES = {
    16: "BOOLEAN",
    20: "BIGINT",
    21: "SMALLINT",
    23: "INTEGER",
    25: "VARCHAR",
    1043: "VARCHAR",
    700: "FLOAT",
    701: "DOUBLE",
    1700: "DOUBLE",
    1082: "DATE",
    1114: "TIMESTAMP",
    1184: "TIMESTAMPTZ",
    114: "JSON",
    3802: "JSON",
}
"""PostgreSQL type oids of result columns as DuckDB types; any other type is shown as text."""


def _as_duckdb_value(value: Any, duck_type: str) -> Any:
    if value is None:
        return None
    if duck_type == "JSON":
        return value if isinstance(value, str) else json.dumps(value)
    if duck_type == "VARCHAR":
        return str(value)
    if duck_type == "DOUBLE":
        return float(value)
    return value


def pg_type(sql_type: str) -> str:
    return PG_TYPES.get(sql_type.upper(), sql_type)


def duckdb_type(data_type: str) -> str:
    return DUCKDB_TYPES.get(data_type.lower(), data_type.upper())


def quoted(name: str) -> str:
    """An identifier quoted for PostgreSQL, whose reserved words (``user``, ...) differ from DuckDB's."""
    return '"' + name.replace('"', '""') + '"'


def export_query_csv(select_sql: str, params: Sequence[Any], directory: Path) -> tuple[Path, list[str]]:
    """Run a DuckDB query in a private in-memory DuckDB, writing its rows to a CSV file in ``directory``.

    Returns the file (with a header row) and the query's column names. DuckDB streams the rows to the
    file; NULL is an empty field and an empty string a quoted one (``""``), as PostgreSQL's CSV ``COPY``
    reads them. Errors are DuckDB's own (e.g. a broken CSV the query reads).
    """
    path = directory / "rows.csv"
    target = "'" + str(path).replace("'", "''") + "'"
    with duckdb.connect(config={"temp_directory": str(directory / "spill")}) as private:
        private.execute(f"COPY ({select_sql}) TO {target} (FORMAT csv, HEADER true)", list(params))
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    return path, header


def translate_placeholders(sql: str) -> str:
    """DuckDB's ``?`` placeholders as psycopg's ``%s`` (outside quoted literals), literal ``%`` doubled."""
    out: list[str] = []
    quote: str | None = None
    for char in sql:
        if quote is not None:
            quote = None if char == quote else quote
            out.append("%%" if char == "%" else char)
        elif char in ("'", '"'):
            quote = char
            out.append(char)
        elif char == "?":
            out.append("%s")
        else:
            out.append("%%" if char == "%" else char)
    return "".join(out)


def _lock_id(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


class PostgresWarehouse:
    """One PostgreSQL connection (autocommit; loads open their own transaction)."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    @classmethod
    def connect(cls, url: str) -> PostgresWarehouse:
        return cls(psycopg.connect(url, autocommit=True, connect_timeout=30, application_name="rum_assets warehouse"))

    def close(self) -> None:
        self.conn.close()

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> psycopg.Cursor[Any]:
        return self.conn.execute(translate_placeholders(sql), list(params or []))

    # -- DDL -----------------------------------------------------------------------------------

    def _existing_columns(self, schema: str, name: str) -> set[str]:
        rows = self.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?", [schema, name]
        ).fetchall()
        return {row[0] for row in rows}

    def ensure_table(self, table: Table, *, with_rejected_rows: bool = False) -> None:
        """Create the schema and table if missing, and add columns the definition has gained."""
        missing = set(table.column_names) - self._existing_columns(table.schema, table.name)
        needs_rejected = with_rejected_rows and not self._existing_columns(table.schema, REJECTED_ROWS)
        if not missing and not needs_rejected:
            return
        with self.conn.transaction():
            self.execute("SELECT pg_advisory_xact_lock(?)", [_DDL_LOCK])
            self.execute(f"CREATE SCHEMA IF NOT EXISTS {table.schema}")
            columns = ",\n  ".join(f"{quoted(c.name)} {pg_type(c.sql_type)}{'' if c.nullable else ' NOT NULL'}" for c in table.all_columns)
            self.execute(f"CREATE TABLE IF NOT EXISTS {table.qualified_name} (\n  {columns}\n)")
            for column in table.all_columns:
                self._add_column(table, column)
            if with_rejected_rows:
                self.execute(
                    f"CREATE TABLE IF NOT EXISTS {table.schema}.{REJECTED_ROWS} (table_name TEXT NOT NULL, partition_date DATE, "
                    "scope TEXT NOT NULL, reason TEXT NOT NULL, row_json TEXT NOT NULL, _run_id TEXT NOT NULL, "
                    "_ingested_at TIMESTAMPTZ NOT NULL)"
                )

    def _add_column(self, table: Table, column: Column) -> None:
        """Add a column if missing; with ``default`` the rows already there get that value."""
        added = f"ALTER TABLE {table.qualified_name} ADD COLUMN IF NOT EXISTS {quoted(column.name)} {pg_type(column.sql_type)}"
        if column.default is None:
            self.execute(added)
            return
        self.conn.execute(
            sql.SQL(added + " NOT NULL DEFAULT {}" if not column.nullable else added + " DEFAULT {}").format(sql.Literal(column.default))
        )
        self.execute(f"ALTER TABLE {table.qualified_name} ALTER COLUMN {quoted(column.name)} DROP DEFAULT")

    # -- the load ------------------------------------------------------------------------------

    def _copy_in(self, staged: StagedRows, name: str) -> None:
        """Stream the staged file into a temporary table of JSON documents, dropped at commit."""
        self.execute(f"CREATE TEMPORARY TABLE {name} (doc JSON NOT NULL) ON COMMIT DROP")
        with self.conn.cursor() as cursor, cursor.copy(_COPY_SQL.format(name=name)) as copy, staged.path.open("rb") as source:
            while chunk := source.read(_COPY_CHUNK):
                copy.write(chunk)

    @staticmethod
    def _typed(staged: StagedRows, name: str) -> str:
        """A ``SELECT`` over a copied-in file with the table definition's column types."""
        columns = ", ".join(f"{c.name} {pg_type(c.sql_type)}" for c in staged.table.all_columns)
        return f"SELECT x.* FROM {name} AS r CROSS JOIN LATERAL json_to_record(r.doc) AS x({columns})"

    def replace_partition(
        self,
        staged: Iterable[StagedRows] | StagedRows,
        partition: date | None,
        scope: Mapping[str, Any] | None = None,
        *,
        only_keys_in: tuple[str, StagedRows] | None = None,
    ) -> dict[str, int]:
        """See :func:`rum_assets.warehouse.tables.replace_partition`: the same contract."""
        batches = [staged] if isinstance(staged, StagedRows) else list(staged)
        scope = scope or {}
        sources = [*batches, *([only_keys_in[1]] if only_keys_in is not None else [])]
        for source in sources:
            source.finish()
        for batch in batches:
            self.ensure_table(batch.table, with_rejected_rows=bool(batch.null_key_rows))
        inserted: dict[str, int] = {}
        with self.conn.transaction():
            names: dict[int, str] = {}
            for source in sources:
                if id(source) not in names:
                    names[id(source)] = f"_staged_{len(names)}"
                    self._copy_in(source, names[id(source)])
            for lock in sorted({self._lock_key(batch.table, partition, scope) for batch in batches}):
                self.execute("SELECT pg_advisory_xact_lock(?)", [lock])
            for batch in batches:
                table = batch.table
                where, params = scope_filter(table, partition, scope)
                if only_keys_in is not None:
                    column, id_source = only_keys_in
                    where += f" AND {column} IN (SELECT {column} FROM ({self._typed(id_source, names[id(id_source)])}) AS ids)"
                self.execute(f"DELETE FROM {table.qualified_name} WHERE {where}", params)
                inserted[table.qualified_name] = self._insert(batch, names[id(batch)], scope) if batch.count else 0
                batch.repeated_key_rows = batch.count - batch.null_key_rows - inserted[table.qualified_name]
                self._reject_null_keys(batch, names[id(batch)], partition, scope)
        return inserted

    @staticmethod
    def _lock_key(table: Table, partition: date | None, scope: Mapping[str, Any]) -> int:
        scope = full_scope(table, scope)
        scoped = {name: scope.get(name) for name in table.scope_columns}
        return _lock_id(f"{table.qualified_name}|{partition}|{json.dumps(scoped, sort_keys=True, default=str)}")

    def _insert(self, batch: StagedRows, name: str, scope: Mapping[str, Any]) -> int:
        table = batch.table
        columns = ", ".join(table.column_names)
        filled = dict(zip(*scope_fill(table, scope), strict=True))
        chosen = ", ".join(f"coalesce({n}, ?) AS {n}" if n in filled else n for n in table.column_names)
        fill_values = [filled[n] for n in table.column_names if n in filled]
        keys = ", ".join((*table.scope_columns, *table.key_columns))
        order = f" ORDER BY {table.keep_on_duplicate}" if table.keep_on_duplicate else ""
        not_null = " AND ".join(f"{k} IS NOT NULL" for k in table.key_columns)
        cursor = self.execute(
            f"INSERT INTO {table.qualified_name} ({columns}) SELECT {columns} FROM ("
            f"SELECT {chosen}, row_number() OVER (PARTITION BY {keys}{order}) AS _keep FROM ({self._typed(batch, name)}) AS s "
            f"WHERE {not_null}) AS d WHERE _keep = 1",
            fill_values,
        )
        return max(cursor.rowcount, 0)

    def _reject_null_keys(self, batch: StagedRows, name: str, partition: date | None, scope: Mapping[str, Any]) -> None:
        """Replace the day's (and scope's) rejected rows of ``batch.table`` with its staged null-key rows."""
        table = batch.table
        rejected = f"{table.schema}.{REJECTED_ROWS}"
        if scalar(self, "SELECT to_regclass(?)", [rejected]) is None:
            return
        scope_json = json.dumps(dict(scope), sort_keys=True, default=json_default)
        self.execute(
            f"DELETE FROM {rejected} WHERE table_name = ? AND partition_date IS NOT DISTINCT FROM ?::date AND scope = ?",
            [table.qualified_name, partition, scope_json],
        )
        if batch.null_key_rows:
            null_condition = " OR ".join(f"{k} IS NULL" for k in table.key_columns)
            self.execute(
                f"INSERT INTO {rejected} SELECT ?, ?::date, ?, 'null in key ({', '.join(table.key_columns)})', "
                f"row_to_json(s)::text, _run_id, _ingested_at FROM ({self._typed(batch, name)}) AS s WHERE {null_condition}",
                [table.qualified_name, partition, scope_json],
            )

    # -- a load from a DuckDB query ------------------------------------------------------------

    def _describe_columns(self, table: Table) -> None:
        """Give each column without a comment its description (as DuckDB's path does), so a column
        added for one file keeps what it is (the header it came from)."""
        existing = {name: comment for name, _, comment in self.execute(_COLUMNS_SQL, [table.schema, table.name]).fetchall()}
        missing = [c for c in table.all_columns if c.description and not existing.get(c.name)]
        if not missing:
            return
        with self.conn.transaction():
            self.execute("SELECT pg_advisory_xact_lock(?)", [_DDL_LOCK])
            for column in missing:
                self.conn.execute(
                    sql.SQL("COMMENT ON COLUMN {}.{}.{} IS {}").format(
                        sql.Identifier(table.schema),
                        sql.Identifier(table.name),
                        sql.Identifier(column.name),
                        sql.Literal(column.description),
                    )
                )

    def replace_partition_from_query(
        self,
        table: Table,
        select_sql: str,
        partition: date | None,
        scope: Mapping[str, Any] | None = None,
        params: list[Any] | None = None,
        expected_rows: int | None = None,
    ) -> int:
        """See :func:`rum_assets.warehouse.tables.replace_partition_from_query`: the same contract.

        ``select_sql`` is DuckDB SQL over local files (e.g. ``read_csv``): a private DuckDB writes its
        rows to a local CSV file (:func:`export_query_csv`), which one transaction streams with ``COPY``
        into the table after deleting the day's scope. Query columns are matched by name; table columns
        it lacks are NULL. A DuckDB error (a broken file) is raised as it is, before anything is deleted.
        """
        scope = scope or {}
        self.ensure_table(table)
        self._describe_columns(table)
        where, scope_params = scope_filter(table, partition, scope)
        with tempfile.TemporaryDirectory(prefix="rum_assets_pg_load.") as directory:
            path, columns = export_query_csv(select_sql, params or [], Path(directory))
            unknown = [name for name in columns if name not in set(table.column_names)]
            if unknown:
                raise ValueError(f"{table.qualified_name}: the query has columns that are not in the table: {unknown}")
            copy_sql = f"COPY {table.qualified_name} ({', '.join(map(quoted, columns))}) FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')"
            with self.conn.transaction():
                self.execute("SELECT pg_advisory_xact_lock(?)", [self._lock_key(table, partition, scope)])
                self.execute(f"DELETE FROM {table.qualified_name} WHERE {where}", scope_params)
                with self.conn.cursor() as cursor:
                    with cursor.copy(copy_sql) as copy, path.open("rb") as source:
                        while chunk := source.read(_COPY_CHUNK):
                            copy.write(chunk)
                    rows = max(cursor.rowcount, 0)
                check_row_count(rows, expected_rows)
                return rows

    def table_with_existing_columns(self, table: Table) -> Table:
        """See :func:`rum_assets.warehouse.tables.table_with_existing_columns`: columns PostgreSQL has that the
        definition lacks, typed with DuckDB's names and described by their comment."""
        known = set(table.column_names)
        extra = [
            Column(name, duckdb_type(data_type), comment or "not in the table definition")
            for name, data_type, comment in self.execute(_COLUMNS_SQL, [table.schema, table.name]).fetchall()
            if name not in known
        ]
        return replace(table, columns=(*table.columns, *extra)) if extra else table

    # -- reads ---------------------------------------------------------------------------------

    def count_partition(self, table: Table, partition: date | None, scope: Mapping[str, Any] | None = None) -> int:
        where, params = scope_filter(table, partition, scope, complete=False)
        row = self.execute(f"SELECT count(*) FROM {table.qualified_name} WHERE {where}", params).fetchone()
        return int(row[0]) if row else 0

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and rows as DuckDB would give them (its types, JSON as text), so previews read
        the same in both warehouses; for small results (previews)."""
        import pandas as pd

        cursor = self.execute(sql, params)
        description = cursor.description or []
        types = [_OID_TYPES.get(column.type_code, "VARCHAR") for column in description]
        rows = cursor.fetchall()
        values = pd.DataFrame({f"c{i}": [_as_duckdb_value(row[i], t) for row in rows] for i, t in enumerate(types)}, dtype=object)
        casts = ", ".join(
            f"CAST(c{i} AS {t}) AS {quoted(column.name)}" for i, (column, t) in enumerate(zip(description, types, strict=True))
        )
        with duckdb.connect() as private:
            private.register("pg_rows", values)
            result = private.execute(f"SELECT {casts} FROM pg_rows")
            return [d[0] for d in result.description or []], result.fetchall()
