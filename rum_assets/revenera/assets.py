"""Revenera assets: metadata, the day's reports and the day's export files, per configured product."""

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg

from rum_assets.errors import NotFoundError, PayloadError, VendorError
from rum_assets.partitions import daily_partitions, partition_day
from rum_assets.quality import actual_table_schema, previous_column_schema, standard_check_results, standard_check_specs
from rum_assets.revenera.client import ReveneraClient, temporary_download_dir
from rum_assets.revenera.exports import EXPORT_KINDS, csv_header, iter_csv_batches
from rum_assets.revenera.models import SegmentedCounts, StatusCounts
from rum_assets.revenera.resource import ReveneraResource
from rum_assets.revenera.tables import (
    CLIENT_PROFILES,
    EVENT_CATALOG,
    EVENT_USAGE,
    EXPORT_COLUMNS,
    EXPORT_REQUIRED,
    EXPORT_TABLES,
    PRODUCT_PROPERTIES,
    USER_ACTIVITY,
)
from rum_assets.warehouse import StagedRows, Table, count_partition, preview_markdown, replace_partition, staged_rows
from rum_assets.warehouse_resource import WarehouseResource

GROUP = "revenera"
OWNERS = ["team:data-engineering"]
KINDS = {"python", "duckdb"}
POOL = "revenera_api"
ROW_COUNT_MATCHES_VENDOR = "row_count_matches_vendor_total"

BACKFILL_POLICY = dg.BackfillPolicy.multi_run(max_partitions_per_run=1)
"""One day per run: every report is requested for one day and each (product, day) is written
atomically, so a day the vendor refuses (beyond its ~90 days of history, or not exported yet)
fails alone. Revenera publishes no rate limit; the ``revenera_api`` pool keeps us to one
conversation at a time."""

FRESHNESS_POLICY = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=36), warn_window=timedelta(hours=28))

Filler = Callable[[ReveneraClient, str, date, StagedRows], Mapping[str, Any]]
"""Stages one product's rows for one day; returns that product's extra figures for the metadata."""


def _daily_asset_kwargs(name: str, table: Table, description: str, extra_checks: Sequence[dg.AssetCheckSpec] = ()) -> dict[str, Any]:
    key = dg.AssetKey(["revenera", name])
    return {
        "key": key,
        "partitions_def": daily_partitions,
        "group_name": GROUP,
        "owners": OWNERS,
        "kinds": KINDS,
        "pool": POOL,
        "description": description,
        "metadata": {"dagster/column_schema": table.table_schema(), "dagster/table_name": table.qualified_name},
        "backfill_policy": BACKFILL_POLICY,
        "freshness_policy": FRESHNESS_POLICY,
        "check_specs": [*standard_check_specs(key, table), *extra_checks],
    }


def load_day(
    context: dg.AssetExecutionContext,
    revenera: ReveneraResource,
    warehouse: WarehouseResource,
    table: Table,
    fill: Filler,
    preview_columns: list[str],
) -> tuple[dict[str, Any], list[dg.AssetCheckResult], dict[str, Mapping[str, Any]]]:
    """Fetch and write one day for every product, each (product, day) in its own transaction.

    A product that fails does not stop the others; the run fails afterwards naming every product
    that failed, and their earlier rows for the day stay as they were.
    """
    day = partition_day(context)
    figures: dict[str, Mapping[str, Any]] = {}
    failures: list[str] = []
    previous_schema = previous_column_schema(context)
    with revenera.get_client(context.log) as client:
        for product_id in revenera.products():
            with staged_rows(table, context.run.run_id) as staged:
                try:
                    extra = fill(client, product_id, day, staged)
                except VendorError as exc:
                    failures.append(str(exc))
                    context.log.error(str(exc))
                    continue
                with warehouse.connection() as conn:
                    written = replace_partition(conn, staged, day, {"product_id": product_id})[table.qualified_name]
                figures[product_id] = {"rows": written, **extra}
                context.log.info("Revenera %s %s: wrote %d rows to %s", product_id, day, written, table.qualified_name)
        calls = client.calls_made
    if failures:
        raise dg.Failure(
            description=f"Revenera {table.qualified_name} for {day}: {len(failures)} of {len(revenera.products())} products failed: " + " | ".join(failures),
            metadata={"products_written": len(figures)},
        )
    with warehouse.connection() as conn:
        schema = actual_table_schema(conn, table)
        checks = standard_check_results(conn, table, day, schema, previous_schema)
        total = count_partition(conn, table, day)
        preview = preview_markdown(conn, table, day, columns=preview_columns)
    metadata: dict[str, Any] = {
        "dagster/row_count": total,
        "dagster/column_schema": schema,
        "revenera/api_calls_used": calls,
        "revenera/rows_by_product": dg.MetadataValue.json({pid: f["rows"] for pid, f in figures.items()}),
        "preview": dg.MetadataValue.md(preview),
    }
    return metadata, checks, figures


# -- unpartitioned metadata --------------------------------------------------------------------


def _replace_metadata_table(context: dg.AssetExecutionContext, revenera: ReveneraResource, warehouse: WarehouseResource, table: Table, rows_of: Callable[[ReveneraClient, str], list[dict[str, Any]]]) -> dg.MaterializeResult:
    counts: dict[str, int] = {}
    with revenera.get_client(context.log) as client:
        for product_id in revenera.products():
            with staged_rows(table, context.run.run_id) as staged:
                staged.add_all(rows_of(client, product_id))
                with warehouse.connection() as conn:
                    counts[product_id] = replace_partition(conn, staged, None, {"product_id": product_id})[table.qualified_name]
        calls = client.calls_made
    with warehouse.connection() as conn:
        preview = preview_markdown(conn, table, None)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": sum(counts.values()),
            "dagster/column_schema": table.table_schema(),
            "revenera/api_calls_used": calls,
            "revenera/rows_by_product": dg.MetadataValue.json(counts),
            "preview": dg.MetadataValue.md(preview),
        }
    )


def _metadata_asset_kwargs(name: str, table: Table, description: str) -> dict[str, Any]:
    return {
        "key": dg.AssetKey(["revenera", name]),
        "group_name": GROUP,
        "owners": OWNERS,
        "kinds": KINDS,
        "pool": POOL,
        "description": description,
        "metadata": {"dagster/column_schema": table.table_schema(), "dagster/table_name": table.qualified_name},
    }


@dg.asset(
    **_metadata_asset_kwargs(
        "product_properties",
        PRODUCT_PROPERTIES,
        "The properties each configured product's reports can filter and segment by (name, friendly name, "
        "type, what filters it supports), from `meta/productProperties`. Replaced per product on each run; "
        "pick `segment_property` for user activity from here.",
    )
)
def revenera_product_properties(context: dg.AssetExecutionContext, revenera: ReveneraResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    def rows(client: ReveneraClient, product_id: str) -> list[dict[str, Any]]:
        return [
            {
                "product_id": product_id, "category": category.category, "name": p.name, "friendly_name": p.friendly_name,
                "filter_type": p.filter_type, "data_type": p.data_type, "supports_regex": p.supports_regex,
                "supports_meta": p.supports_meta, "supports_null": p.supports_null,
            }
            for category in client.product_properties(product_id).result
            for p in category.properties
        ]

    return _replace_metadata_table(context, revenera, warehouse, PRODUCT_PROPERTIES, rows)


@dg.asset(
    **_metadata_asset_kwargs(
        "event_catalog",
        EVENT_CATALOG,
        "Every event each configured product tracks, by category, with its tracking level (ADVANCED, BASIC "
        "or INACTIVE) and first-seen date, from `event-tracking`. Replaced per product on each run.",
    )
)
def revenera_event_catalog(context: dg.AssetExecutionContext, revenera: ReveneraResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    def rows(client: ReveneraClient, product_id: str) -> list[dict[str, Any]]:
        return [
            {
                "product_id": product_id, "event_category": category.category or "", "event_name": event.event_name,
                "tracking": "ADVANCED" if event.advanced else "BASIC" if event.basic else "INACTIVE",
                "date_first_seen": event.date_first_seen,
            }
            for category in client.event_catalog(product_id).result
            for event in category.category_event_names
        ]

    return _replace_metadata_table(context, revenera, warehouse, EVENT_CATALOG, rows)


# -- daily reports -----------------------------------------------------------------------------


@dg.asset(
    **_daily_asset_kwargs(
        "user_activity",
        USER_ACTIVITY,
        "New, active and lost clients of each configured product for the UTC day, from the generic "
        "`dateRange` report (clientId grouping; lost per the resource's rule), as a totals row "
        "(`segment = '(all)'`) and, when `segment_property` is set, one row per value of that property.",
    )
)
def revenera_user_activity(context: dg.AssetExecutionContext, revenera: ReveneraResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    def fill(client: ReveneraClient, product_id: str, day: date, staged: StagedRows) -> Mapping[str, Any]:
        options = {"days_until_declared_lost": revenera.days_until_declared_lost, "date_reported_lost": revenera.date_reported_lost}
        totals = client.user_activity(product_id, day, **options).result[day]
        assert isinstance(totals, StatusCounts)
        staged.add(_activity_row(product_id, day, "(none)", "(all)", totals))
        if revenera.segment_property:
            segmented = client.user_activity(product_id, day, segment_property=revenera.segment_property, **options).result[day]
            if isinstance(segmented, SegmentedCounts):
                for segment, counts in segmented.level1.items():
                    staged.add(_activity_row(product_id, day, revenera.segment_property, segment, counts.totals))
        return {"active_users": totals.active or 0}

    metadata, checks, figures = load_day(context, revenera, warehouse, USER_ACTIVITY, fill, ["product_id", "segment", "new_users", "active_users", "lost_users"])
    metadata["revenera/active_users"] = sum(int(f["active_users"]) for f in figures.values())
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


def _activity_row(product_id: str, day: date, segment_property: str, segment: str, counts: StatusCounts) -> dict[str, Any]:
    return {
        "product_id": product_id, "partition_date": day, "segment_property": segment_property, "segment": segment,
        "new_users": counts.new, "active_users": counts.active, "lost_users": counts.lost,
    }


@dg.asset(
    **_daily_asset_kwargs(
        "event_usage",
        EVENT_USAGE,
        "How often each tracked event was used on the UTC day, per configured product: event count, clients "
        "that used it, active clients that never did, and the average per user, from the advanced event "
        "tracking `fullReport` for that one day.",
    )
)
def revenera_event_usage(context: dg.AssetExecutionContext, revenera: ReveneraResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    def fill(client: ReveneraClient, product_id: str, day: date, staged: StagedRows) -> Mapping[str, Any]:
        usage = client.event_usage(product_id, day)
        for event in usage:
            staged.add(
                {
                    "product_id": product_id, "partition_date": day, "event_category": event.category or "",
                    "event_name": event.name, "event_count": event.event_counts, "unique_users": event.unique_users_used_at_least_once,
                    "users_never_used": event.unique_users_never_used, "avg_count_per_user": event.average_event_count_per_user_at_least_once,
                }
            )
        return {"events": sum(e.event_counts for e in usage)}

    metadata, checks, figures = load_day(context, revenera, warehouse, EVENT_USAGE, fill, ["product_id", "event_category", "event_name", "event_count", "unique_users"])
    metadata["revenera/event_count"] = sum(int(f["events"]) for f in figures.values())
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


CLIENT_PROPERTIES = ["ram", "cpuCores", "dateInstalled"]
CLIENT_DAILY_PROPERTIES = ["prodVersion", "prodEdition", "licenseType", "geography.country", "os.platform"]


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return None if value in (None, "<NULL>") else str(value)


@dg.asset(
    **_daily_asset_kwargs(
        "client_profiles",
        CLIENT_PROFILES,
        "Every client of each configured product that was active on the UTC day, with that day's product "
        "version, edition, license, country and platform (`retDailyData`) and its current hardware, paged "
        "200 at a time from `clientPropertyList`.",
        [
            dg.AssetCheckSpec(
                ROW_COUNT_MATCHES_VENDOR,
                asset=dg.AssetKey(["revenera", "client_profiles"]),
                description="Warns when the clients written for the day differ from the vendor's own count of active clients (dateRange).",
            )
        ],
    )
)
def revenera_client_profiles(context: dg.AssetExecutionContext, revenera: ReveneraResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    def fill(client: ReveneraClient, product_id: str, day: date, staged: StagedRows) -> Mapping[str, Any]:
        pages = 0
        for page in client.iter_client_pages(product_id, day, CLIENT_PROPERTIES, CLIENT_DAILY_PROPERTIES):
            pages += 1
            for profile in page.result:
                daily = next((d for d in profile.get("dailyData") or [] if d.get("date") == day.isoformat()), None)
                if daily is None:
                    continue
                staged.add(
                    {
                        "product_id": product_id, "partition_date": day, "client_id": profile["clientId"],
                        "prod_version": _text(daily.get("prodVersion")), "prod_edition": _text(daily.get("prodEdition")),
                        "license_type": _text(daily.get("licenseType")), "country": _text(daily.get("geography.country")),
                        "os_platform": _text(daily.get("os.platform")), "ram_mb": _number(profile.get("ram")),
                        "cpu_cores": _number(profile.get("cpuCores")), "date_installed": _text(profile.get("dateInstalled")),
                    }
                )
        totals = client.user_activity(product_id, day).result[day]
        active = totals.active if isinstance(totals, StatusCounts) else None
        return {"pages": pages, "vendor_active": active}

    metadata, checks, figures = load_day(context, revenera, warehouse, CLIENT_PROFILES, fill, ["product_id", "client_id", "prod_version", "prod_edition", "country"])
    mismatched = {pid: f for pid, f in figures.items() if f["vendor_active"] is not None and f["rows"] != f["vendor_active"]}
    checks.append(
        dg.AssetCheckResult(
            check_name=ROW_COUNT_MATCHES_VENDOR,
            passed=not mismatched,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "partition": context.partition_key,
                "rows_vs_vendor_active": dg.MetadataValue.json({pid: [f["rows"], f["vendor_active"]] for pid, f in figures.items()}),
            },
        )
    )
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


# -- daily export files ------------------------------------------------------------------------


def _export_filler(kind: str) -> Filler:
    table = EXPORT_TABLES[kind]
    mapping = EXPORT_COLUMNS[kind]

    def fill(client: ReveneraClient, product_id: str, day: date, staged: StagedRows) -> Mapping[str, Any]:
        file_name = client.final_export_file(kind, product_id, day)
        if file_name is None:
            raise NotFoundError(
                "Revenera", f"{EXPORT_KINDS[kind]} export of product {product_id}",
                "the day's file is not final yet (or is past retention); the export sensor requests the day once it is",
                day=day,
            )
        with temporary_download_dir() as directory:
            path = client.download_export(kind, product_id, file_name, Path(directory), day)
            header = csv_header(path)
            missing = [c for c in EXPORT_REQUIRED[kind] if c not in header]
            if missing:
                raise PayloadError("Revenera", f"export file {file_name}", f"columns {missing} are missing from the CSV header {header[:12]}", day=day)
            position = 0
            for batch in iter_csv_batches(path):
                for row in batch:
                    position += 1
                    staged.add(
                        {
                            "product_id": product_id, "partition_date": day, "row_number": position,
                            **{column: _text(row.get(source)) for source, column in mapping.items()},
                        }
                    )
        return {"file": file_name, "unknown_columns": sorted(set(header) - set(mapping))}

    return fill


def _build_export_asset(kind: str, name: str, description: str) -> dg.AssetsDefinition:
    table = EXPORT_TABLES[kind]
    fill = _export_filler(kind)

    @dg.asset(**_daily_asset_kwargs(name, table, description))
    def export_asset(context: dg.AssetExecutionContext, revenera: ReveneraResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
        metadata, checks, figures = load_day(context, revenera, warehouse, table, fill, [c.name for c in table.columns[2:8]])
        metadata["revenera/files"] = dg.MetadataValue.json({pid: f["file"] for pid, f in figures.items()})
        unknown = sorted({c for f in figures.values() for c in f["unknown_columns"]})
        if unknown:
            context.log.info("Revenera %s: export columns not loaded: %s", name, json.dumps(unknown))
            metadata["revenera/columns_not_loaded"] = dg.MetadataValue.json(unknown)
        return dg.MaterializeResult(metadata=metadata, check_results=checks)

    return export_asset


revenera_raw_events = _build_export_asset(
    "raw",
    "raw_events",
    "Every row of each configured product's raw-events export for the UTC day (one row per event: client, "
    "session, category, name, data, version, platform, country). The file is final the morning after; "
    "it is downloaded through a one-time URL, streamed to disk and loaded in batches.",
)
revenera_exceptions = _build_export_asset(
    "exc",
    "exceptions",
    "Every row of each configured product's exception-tracking export for the UTC day (class, method, "
    "message, stack trace, client, version). Loaded once the vendor marks the day's file final.",
)
revenera_custom_events = _build_export_asset(
    "cust",
    "custom_events",
    "Every row of each configured product's custom-event-tracking export for the UTC day (category, name, "
    "data, client, version, country). Loaded once the vendor marks the day's file final.",
)

REVENERA_DAILY_ASSETS = [revenera_user_activity, revenera_event_usage, revenera_client_profiles, revenera_raw_events, revenera_exceptions, revenera_custom_events]
REVENERA_METADATA_ASSETS = [revenera_product_properties, revenera_event_catalog]
EXPORT_ASSET_KEYS = {"raw": revenera_raw_events.key, "exc": revenera_exceptions.key, "cust": revenera_custom_events.key}
