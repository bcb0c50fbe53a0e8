"""Data quality checks that every daily table gets, evaluated right after the day is written.

They are declared as ``AssetCheckSpec``s on the asset and reported with its ``MaterializeResult``;
each result names the day it checked in its metadata (``partition``). Partitioned check specs exist
in dagster 1.13 but are a preview feature, so we do not build on them.

Which are blocking (a documented decision): both key checks are counted on the rows the vendor sent,
before the load writes a key once and sets aside rows without one (``warehouse``).

- ``no_null_keys`` fails with ERROR severity, and is **blocking**: a row without its key was not
  written to the table (it is kept in ``<schema>._rejected_rows``), so downstream assets must not build
  on that day as if it were complete.
- ``unique_keys`` fails with WARN severity when the vendor repeated a key within the day (we write it
  once, so the table is right, but a person should know), and with ERROR severity, blocking, if the
  table itself ever holds a key twice.
- A column schema change, and the vendor-total and coverage checks each vendor adds, only **warn**:
  they describe the vendor's data, which we land as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import dagster as dg

from rum_assets.warehouse.tables import REJECTED_ROWS, Connection, StagedRows, Table, existing_columns, scalar, scope_filter

UNIQUE_KEYS = "unique_keys"
NO_NULL_KEYS = "no_null_keys"
SCHEMA_UNCHANGED = "column_schema_unchanged"
ROW_COUNT_MATCHES_VENDOR = "row_count_matches_vendor_total"


def standard_check_specs(asset_key: dg.AssetKey, table: Table) -> list[dg.AssetCheckSpec]:
    keys = ", ".join(table.key_columns)
    return [
        dg.AssetCheckSpec(
            UNIQUE_KEYS,
            asset=asset_key,
            blocking=True,
            description=(
                f"Warns when the vendor sent a key ({keys}) of {table.qualified_name} more than once in the day (the row is "
                "written once); fails and blocks downstream if the table itself holds a key twice."
            ),
        ),
        dg.AssetCheckSpec(
            NO_NULL_KEYS,
            asset=asset_key,
            blocking=True,
            description=(
                f"Blocking. Fails when rows of the day arrived with a null in ({keys}): they are not in {table.qualified_name} "
                f"but in {table.schema}.{REJECTED_ROWS}, and downstream assets wait."
            ),
        ),
        dg.AssetCheckSpec(
            SCHEMA_UNCHANGED,
            asset=asset_key,
            description=(
                f"Warns when the columns of {table.qualified_name} (names and types, as DuckDB has them) differ "
                "from the previous materialization's `dagster/column_schema`."
            ),
        ),
    ]


def actual_table_schema(conn: Connection, table: Table) -> dg.TableSchema:
    """The table's columns as DuckDB has them, described from the table definition."""
    described = {c.name: c for c in table.all_columns}
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=name,
                type=data_type,
                description=described[name].description if name in described else "not in the table definition",
                constraints=dg.TableColumnConstraints(nullable=nullable),
            )
            for name, data_type, nullable in existing_columns(conn, table.schema, table.name)
        ]
    )


def _schema_signature(schema: dg.TableSchema) -> list[tuple[str, str]]:
    return [(column.name, column.type) for column in schema.columns]


def previous_column_schema(context: dg.AssetExecutionContext) -> dg.TableSchema | None:
    event = context.instance.get_latest_materialization_event(context.asset_key)
    if event is None or event.asset_materialization is None:
        return None
    value = event.asset_materialization.metadata.get("dagster/column_schema")
    schema = getattr(value, "value", None)
    return schema if isinstance(schema, dg.TableSchema) else None


def standard_check_results(
    conn: Connection,
    table: Table,
    day: date,
    current_schema: dg.TableSchema,
    previous_schema: dg.TableSchema | None,
    scope: Mapping[str, Any] | None = None,
    *,
    staged: Sequence[StagedRows] = (),
) -> list[dg.AssetCheckResult]:
    """Results for one day (of the rows matching ``scope``, e.g. one account's, or with ``scope=None`` of every scope).

    ``staged``: the batches of ``table`` this materialization loaded, whose repeated and null keys the
    key checks report.
    """
    where, params = scope_filter(table, day, scope, complete=False)
    keys = ", ".join((*table.scope_columns, *table.key_columns))
    table_duplicates = scalar(
        conn,
        f"SELECT count(*) FROM (SELECT {keys} FROM {table.qualified_name} WHERE {where} GROUP BY {keys} HAVING count(*) > 1) AS repeated",
        params,
    )
    null_condition = " OR ".join(f"{k} IS NULL" for k in table.key_columns)
    table_nulls = scalar(conn, f"SELECT count(*) FROM {table.qualified_name} WHERE {where} AND ({null_condition})", params)
    repeated = sum(batch.repeated_key_rows for batch in staged)
    rejected = sum(batch.null_key_rows for batch in staged)
    partition = day.isoformat()
    results = [
        dg.AssetCheckResult(
            check_name=UNIQUE_KEYS,
            passed=table_duplicates == 0 and repeated == 0,
            severity=dg.AssetCheckSeverity.ERROR if table_duplicates else dg.AssetCheckSeverity.WARN,
            metadata={"partition": partition, "repeated_rows_from_vendor": int(repeated), "duplicate_keys_in_table": int(table_duplicates)},
            description=(
                f"{table_duplicates} keys appear more than once in {table.qualified_name} on {day}"
                if table_duplicates
                else f"The vendor sent {repeated} rows of {day} whose key ({keys}) it had already sent; each key is written once"
                if repeated
                else None
            ),
        ),
        dg.AssetCheckResult(
            check_name=NO_NULL_KEYS,
            passed=table_nulls == 0 and rejected == 0,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "partition": partition,
                "rows_with_null_keys": int(rejected + table_nulls),
                "rejected_rows_table": f"{table.schema}.{REJECTED_ROWS}",
            },
            description=(
                f"{rejected + table_nulls} rows of {day} have no key ({', '.join(table.key_columns)}); they are kept in "
                f"{table.schema}.{REJECTED_ROWS}, not in {table.qualified_name}"
                if rejected or table_nulls
                else None
            ),
        ),
    ]
    if previous_schema is None:
        results.append(
            dg.AssetCheckResult(
                check_name=SCHEMA_UNCHANGED, passed=True, metadata={"partition": day.isoformat(), "note": "first materialization"}
            )
        )
    else:
        before, after = _schema_signature(previous_schema), _schema_signature(current_schema)
        added = sorted(set(after) - set(before))
        removed = sorted(set(before) - set(after))
        results.append(
            dg.AssetCheckResult(
                check_name=SCHEMA_UNCHANGED,
                passed=not added and not removed,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={
                    "partition": day.isoformat(),
                    "columns_added": str(added or "none"),
                    "columns_removed": str(removed or "none"),
                },
            )
        )
    return results
