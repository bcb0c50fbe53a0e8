"""The daily export-file assets: raw events, exceptions, custom events. Every column of a file lands."""

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb as duckdb_module

from rum_assets.orchestration.quality import previous_column_schema
from rum_assets.orchestration.retries import without_retry_on_contract_errors
from rum_assets.revenera import names
from rum_assets.revenera.asset_base import daily_asset_kwargs, summarise_day, write_products
from rum_assets.revenera.client import ReveneraClient, temporary_download_dir
from rum_assets.revenera.csv_load import (
    ColumnPlan,
    ExtractedCsv,
    counted_rows,
    describe_load_error,
    extract_csv,
    plan_columns,
    read_header,
    reader_threads,
    select_sql,
)
from rum_assets.revenera.exports import EXPORT_KINDS
from rum_assets.revenera.finality import final_by_date, run_products, vouched_sizes
from rum_assets.revenera.resource import ReveneraResource
from rum_assets.revenera.tables import EXPORT_TABLES
from rum_assets.transport.errors import NotFoundError
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets.warehouse.tables import RowCountMismatchError, replace_partition_from_query, table_with_existing_columns

EXPORT_COLUMNS_COMPLETE = "export_columns_complete"


def _utc_today() -> date:
    return datetime.now(UTC).date()


def _load_file(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    kind: str,
    client: ReveneraClient,
    product_id: str,
    day: date,
    vouched: Mapping[str, float],
    account: str,
) -> dict[str, Any]:
    table = EXPORT_TABLES[kind]
    what = f"{EXPORT_KINDS[kind]} export of product {product_id}"
    entry = client.listed_export_file(kind, product_id, day)
    if entry is None:
        raise NotFoundError(
            "Revenera",
            what,
            "the day's file is not final yet: it is not listed as closed (or is past retention); the export sensor requests the day once it is",
            day=day,
        )
    size = entry.compressed_size_kb
    if not final_by_date(day, _utc_today()) and (size is None or vouched.get(product_id) != size):
        raise NotFoundError(
            "Revenera",
            what,
            f"{entry.file_name} is not final yet: its day is yesterday or today (UTC) and its listed size ({size} KB) has not been "
            "seen unchanged for 30 minutes; the export sensor requests the day when it has (or load it after the next day)",
            day=day,
        )
    with temporary_download_dir() as directory:
        zip_path = client.download_export(kind, product_id, entry.file_name, Path(directory), day)
        zip_bytes = zip_path.stat().st_size
        extracted = extract_csv(zip_path, Path(directory), pieces=reader_threads())
        if extracted.encoding != "utf-8":
            context.log.warning(
                "Revenera %s %s: %s is not UTF-8 (first bad byte on line %s); read it as latin-1",
                product_id,
                day,
                entry.file_name,
                extracted.first_bad_line,
            )
        params = [product_id, day, context.run.run_id, datetime.now(UTC)]
        with warehouse.connection() as conn:
            before = table_with_existing_columns(conn, table)

            def load(extracted: ExtractedCsv) -> tuple[ColumnPlan, int]:
                plan = plan_columns(kind, read_header(extracted.path), table)
                sql = select_sql(extracted, plan, account)
                target = plan.table_for_file(before)
                return plan, replace_partition_from_query(
                    conn, target, sql, day, {"account": account, "product_id": product_id}, params, counted_rows(extracted)
                )

            def load_whole(extracted: ExtractedCsv) -> tuple[ColumnPlan, int]:
                """One piece: a broken file's error names the line in the file, the file and the product."""
                try:
                    return load(extracted)
                except duckdb_module.Error as exc:
                    plan = plan_columns(kind, read_header(extracted.path), table)
                    raise describe_load_error(exc, conn, extracted.path, plan, entry.file_name, product_id, day) from None

            if len(extracted.pieces) == 1:
                plan, rows = load_whole(extracted)
            else:
                try:
                    plan, rows = load(extracted)
                except (duckdb_module.Error, RowCountMismatchError) as exc:
                    context.log.info(
                        "Revenera %s %s: reading %s in %d pieces failed (%s); reading it again as one",
                        product_id,
                        day,
                        entry.file_name,
                        len(extracted.pieces),
                        str(exc).splitlines()[0][:200],
                    )
                    plan, rows = load_whole(extract_csv(zip_path, Path(directory), pieces=1))
    new = [{"header": p.header, "column": p.column.name} for p in plan.columns if not p.known and p.column.name not in before.column_names]
    return {
        "rows": rows,
        "file": entry.file_name,
        "size": {"file": entry.file_name, "listed_kb": size, "bytes": zip_bytes},
        "missing": list(plan.missing),
        "new_columns": new,
        "encoding": extracted.encoding,
    }


def build_export_asset(kind: str, name: str, description: str) -> dg.AssetsDefinition:
    table = EXPORT_TABLES[kind]
    key = dg.AssetKey(["revenera", name])
    complete = dg.AssetCheckSpec(
        EXPORT_COLUMNS_COMPLETE,
        asset=key,
        description="Warns when a day's file lacks a column we know for this export (that column is NULL for the file's rows).",
    )

    @dg.asset(**daily_asset_kwargs(name, table, description, [complete]))
    @without_retry_on_contract_errors
    def export_asset(context: dg.AssetExecutionContext, revenera: ReveneraResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
        enabled = revenera.enabled_export_kinds()
        if kind not in enabled:
            raise dg.Failure(
                f"Revenera {name}: the {EXPORT_KINDS[kind]} export ({kind!r}) is disabled: REVENERA_EXPORT_KINDS is {','.join(enabled) or '(empty)'}; add {kind} to load it",
                allow_retries=False,
            )
        previous_schema = previous_column_schema(context)
        vouched = vouched_sizes(context.run.tags)

        def write(client: ReveneraClient, product_id: str, day: date) -> Mapping[str, Any]:
            return _load_file(context, warehouse, kind, client, product_id, day, vouched, revenera.account)

        figures, calls = write_products(context, revenera, table, write, run_products(context.run.tags, revenera.products()))
        with warehouse.connection() as conn:
            full = table_with_existing_columns(conn, table)
        metadata, checks = summarise_day(
            context, warehouse, full, figures, calls, [c.name for c in table.columns[2:8]], previous_schema, account=revenera.account
        )
        new_columns = [{"product_id": pid, **c} for pid, f in figures.items() for c in f["new_columns"]]
        metadata[names.FILES] = dg.MetadataValue.json({pid: f["file"] for pid, f in figures.items()})
        metadata[names.FILE_SIZES] = dg.MetadataValue.json({pid: f["size"] for pid, f in figures.items()})
        metadata[names.NEW_COLUMNS] = dg.MetadataValue.json(new_columns)
        metadata[names.ENCODINGS] = dg.MetadataValue.json({pid: f["encoding"] for pid, f in figures.items()})
        if new_columns:
            context.log.info("Revenera %s: new export columns, each added as a text column: %s", name, json.dumps(new_columns))
        missing = {pid: f["missing"] for pid, f in figures.items() if f["missing"]}
        checks.append(
            dg.AssetCheckResult(
                check_name=EXPORT_COLUMNS_COMPLETE,
                passed=not missing,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"partition": context.partition_key, "missing_by_product": dg.MetadataValue.json(missing)},
            )
        )
        return dg.MaterializeResult(metadata=metadata, check_results=checks)

    return export_asset


revenera_raw_events = build_export_asset(
    "raw",
    "raw_events",
    "Every row and every column of each configured product's raw-events export for the UTC day (one row per "
    "event). Known columns (by key or friendly header) are typed; any other column lands as text. Loaded "
    "when the file is final (day before yesterday, or size stable for 30 minutes); DuckDB reads the CSV.",
)
revenera_exceptions = build_export_asset(
    "exc",
    "exceptions",
    "Every row and every column of each configured product's exception-tracking export for the UTC day "
    "(class, method, message, stack trace, client, version, system). Loaded when the file is final.",
)
revenera_custom_events = build_export_asset(
    "cust",
    "custom_events",
    "Every row and every column of each configured product's custom-event-tracking export for the UTC day "
    "(category, name, data, client, version, system, country). Loaded when the file is final.",
)
