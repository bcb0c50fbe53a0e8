"""What every Revenera asset shares: definition keywords, the per-product write loop, the day's summary."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import dagster as dg

from rum_assets.orchestration import conventions
from rum_assets.orchestration.partitions import partition_day
from rum_assets.orchestration.quality import actual_table_schema, previous_column_schema, standard_check_results, standard_check_specs
from rum_assets.orchestration.retries import failure_entry
from rum_assets.revenera import names
from rum_assets.revenera.client import ReveneraClient
from rum_assets.revenera.resource import ReveneraResource
from rum_assets.transport.errors import VendorError
from rum_assets.warehouse.accounts import DEFAULT_ACCOUNT
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets.warehouse.tables import StagedRows, Table, count_partition, preview_markdown, replace_partition, staged_rows

Filler = Callable[[ReveneraClient, str, date, StagedRows], Mapping[str, Any]]
"""Stages one product's rows for one day; returns that product's extra figures for the metadata."""

ProductWriter = Callable[[ReveneraClient, str, date], Mapping[str, Any]]
"""Writes one product's day in one transaction; returns its figures, ``rows`` included."""


def daily_asset_kwargs(name: str, table: Table, description: str, extra_checks: Sequence[dg.AssetCheckSpec] = ()) -> dict[str, Any]:
    key = dg.AssetKey(["revenera", name])
    return {
        **conventions.daily_asset_kwargs(names.VENDOR_GROUP),
        "key": key,
        "description": description,
        "metadata": conventions.table_metadata(table),
        "check_specs": [*standard_check_specs(key, table), *extra_checks],
    }


def metadata_asset_kwargs(name: str, table: Table, description: str) -> dict[str, Any]:
    return {
        **conventions.unpartitioned_asset_kwargs(names.VENDOR_GROUP),
        "key": dg.AssetKey(["revenera", name]),
        "description": description,
        "metadata": conventions.table_metadata(table),
    }


def write_products(
    context: dg.AssetExecutionContext,
    revenera: ReveneraResource,
    table: Table,
    write: ProductWriter,
    products: Sequence[str] | None = None,
) -> tuple[dict[str, Mapping[str, Any]], int]:
    """Write the day of every product (or of ``products``), each in its own transaction.

    A product that fails does not stop the others; afterwards the run fails naming every product
    that failed, whose earlier rows for the day stay as they were. Returns figures per product and
    the API calls used.
    """
    day = partition_day(context)
    chosen = list(products) if products is not None else revenera.products()
    figures: dict[str, Mapping[str, Any]] = {}
    failures: list[tuple[str, bool]] = []
    """(message, retryable) per failed product: exceptions themselves would keep their frames, and the
    warehouse connections in them, alive after the step."""
    with revenera.get_client(context.log) as client:
        for product_id in chosen:
            try:
                figures[product_id] = write(client, product_id, day)
            except VendorError as exc:
                failures.append(failure_entry(f"product {product_id}", exc)[:2])
                context.log.error(str(exc))
                continue
            context.log.info("Revenera %s %s: wrote %d rows to %s", product_id, day, figures[product_id]["rows"], table.qualified_name)
        calls = client.calls_made
    if failures:
        raise dg.Failure(
            description=f"Revenera {table.qualified_name} for {day}: {len(failures)} of {len(chosen)} products failed: "
            + " | ".join(message for message, _ in failures),
            metadata={"products_written": len(figures)},
            allow_retries=any(retryable for _, retryable in failures),
        )
    return figures, calls


def summarise_day(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    table: Table,
    figures: Mapping[str, Mapping[str, Any]],
    calls: int,
    preview_columns: list[str],
    previous_schema: dg.TableSchema | None,
    staged: Sequence[StagedRows] = (),
    account: str = DEFAULT_ACCOUNT,
) -> tuple[dict[str, Any], list[dg.AssetCheckResult]]:
    """The day's metadata and checks, over the account's rows."""
    day = partition_day(context)
    mine = {"account": account}
    with warehouse.connection() as conn:
        schema = actual_table_schema(conn, table)
        checks = standard_check_results(conn, table, day, schema, previous_schema, mine, staged=staged)
        total = count_partition(conn, table, day, mine)
        preview = preview_markdown(conn, table, day, mine, columns=preview_columns)
    metadata: dict[str, Any] = {
        "dagster/row_count": total,
        "dagster/column_schema": schema,
        names.API_CALLS_USED: calls,
        names.ROWS_BY_PRODUCT: dg.MetadataValue.json({pid: f["rows"] for pid, f in figures.items()}),
        "preview": dg.MetadataValue.md(preview),
    }
    return metadata, checks


def load_day(
    context: dg.AssetExecutionContext,
    revenera: ReveneraResource,
    warehouse: WarehouseResource,
    table: Table,
    fill: Filler,
    preview_columns: list[str],
) -> tuple[dict[str, Any], list[dg.AssetCheckResult], dict[str, Mapping[str, Any]]]:
    """Fetch and write one day for every product through staged rows (see :func:`write_products`)."""
    previous_schema = previous_column_schema(context)
    loaded: list[StagedRows] = []

    def write(client: ReveneraClient, product_id: str, day: date) -> Mapping[str, Any]:
        with staged_rows(table, context.run.run_id) as staged:
            extra = fill(client, product_id, day, staged)
            with warehouse.connection() as conn:
                written = replace_partition(conn, staged, day, {"account": revenera.account, "product_id": product_id})[
                    table.qualified_name
                ]
        loaded.append(staged)  # its key counts outlive its file, for the key checks
        return {"rows": written, **extra}

    figures, calls = write_products(context, revenera, table, write)
    metadata, checks = summarise_day(context, warehouse, table, figures, calls, preview_columns, previous_schema, loaded, revenera.account)
    return metadata, checks, figures


def replace_metadata_table(
    context: dg.AssetExecutionContext,
    revenera: ReveneraResource,
    warehouse: WarehouseResource,
    table: Table,
    rows_of: Callable[[ReveneraClient, str], list[dict[str, Any]]],
) -> dg.MaterializeResult:
    """Replace each product's rows of an unpartitioned table with what the vendor lists now."""
    counts: dict[str, int] = {}
    with revenera.get_client(context.log) as client:
        for product_id in revenera.products():
            with staged_rows(table, context.run.run_id) as staged:
                staged.add_all(rows_of(client, product_id))
                with warehouse.connection() as conn:
                    counts[product_id] = replace_partition(conn, staged, None, {"account": revenera.account, "product_id": product_id})[
                        table.qualified_name
                    ]
        calls = client.calls_made
    with warehouse.connection() as conn:
        preview = preview_markdown(conn, table, None, {"account": revenera.account})
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": sum(counts.values()),
            "dagster/column_schema": table.table_schema(),
            names.API_CALLS_USED: calls,
            names.ROWS_BY_PRODUCT: dg.MetadataValue.json(counts),
            "preview": dg.MetadataValue.md(preview),
        }
    )
