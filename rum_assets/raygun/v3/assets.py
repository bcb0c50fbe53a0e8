"""Raygun v3 catalog, metrics and deployment assets: pages, customers, error groups; daily page and error
metrics, page histograms and deployments.

Each asset loads every configured v3 application (see :func:`rum_assets.raygun.v3.access.v3_applications`),
each in its own transaction. An application that fails (a token without the endpoint's scope: 403 naming
it; an unknown application: 404) keeps its earlier rows and does not stop the others; afterwards the asset
fails once, naming every application that failed and why, and is retried only if a retry could help.
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import dagster as dg

from rum_assets.orchestration.conventions import daily_asset_kwargs, table_metadata, unpartitioned_asset_kwargs
from rum_assets.orchestration.partitions import partition_day
from rum_assets.orchestration.quality import actual_table_schema, previous_column_schema, standard_check_results, standard_check_specs
from rum_assets.orchestration.retries import failure_entry, without_retry_on_contract_errors
from rum_assets.raygun import names
from rum_assets.raygun.resource import RaygunResource
from rum_assets.raygun.v3.access import open_v3_client, v3_applications
from rum_assets.raygun.v3.client import RaygunV3Client
from rum_assets.raygun.v3.histograms import PAGE_METRIC_HISTOGRAMS, histogram_rows
from rum_assets.raygun.v3.tables import (
    CUSTOMERS,
    DEPLOYMENTS,
    ERROR_GROUPS,
    ERROR_METRICS,
    PAGE_METRICS,
    PAGES,
    customer_row,
    customers_watermark,
    deployment_row,
    deployments_of_day,
    error_group_row,
    error_metric_rows,
    page_metric_rows,
    page_row,
)
from rum_assets.transport.errors import VendorError
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets.warehouse.tables import StagedRows, Table, count_partition, preview_markdown, replace_partition, staged_rows

PAGES_KEY = names.PAGES
CUSTOMERS_KEY = names.CUSTOMERS
ERROR_GROUPS_KEY = names.ERROR_GROUPS
PAGE_METRICS_KEY = names.PAGE_METRICS
ERROR_METRICS_KEY = names.ERROR_METRICS
DEPLOYMENTS_KEY = names.DEPLOYMENTS

ROWS_BY_APPLICATION = "raygun/rows_by_application"
CUSTOMERS_FETCHED = "raygun/customers_fetched"
CUSTOMER_WATERMARKS = "raygun/customer_watermarks"

AppWriter = Callable[[RaygunV3Client, str], Mapping[str, Any]]
"""Writes one application in one transaction; returns its figures, ``rows`` included."""


def write_applications(
    context: dg.AssetExecutionContext, raygun: RaygunResource, table: Table, write: AppWriter, day: date | None = None
) -> tuple[dict[str, Mapping[str, Any]], int]:
    """Write every configured application, each in its own transaction; fail at the end naming each
    application that failed. Returns figures per written application and the API calls used."""
    figures: dict[str, Mapping[str, Any]] = {}
    failures: list[tuple[str, bool]] = []
    """(message, retryable) per failed application: an exception would keep its frames, and the
    warehouse connections in them, alive after the step."""
    with open_v3_client(raygun, context.log) as client:
        applications = v3_applications(raygun, client)
        for app in applications:
            try:
                figures[app] = write(client, app)
            except VendorError as exc:
                failures.append(failure_entry(f"application {app}", exc)[:2])
                context.log.error("Raygun v3 %s: application %s failed: %s", table.qualified_name, app, exc)
                continue
            context.log.info("Raygun v3 application %s: wrote %d rows to %s", app, figures[app]["rows"], table.qualified_name)
        calls = client.calls_made
    if failures:
        when = f" for {day}" if day else ""
        raise dg.Failure(
            description=f"Raygun v3 {table.qualified_name}{when}: {len(failures)} of {len(applications)} applications failed: "
            + " | ".join(message for message, _ in failures),
            metadata={"applications_written": len(figures), "applications_failed": len(failures)},
            allow_retries=any(retryable for _, retryable in failures),
        )
    return figures, calls


def _base_metadata(figures: Mapping[str, Mapping[str, Any]], calls: int) -> dict[str, Any]:
    return {
        names.API_CALLS_USED: calls,
        ROWS_BY_APPLICATION: dg.MetadataValue.json({app: f["rows"] for app, f in figures.items()}),
    }


def _catalog_result(
    warehouse: WarehouseResource,
    table: Table,
    figures: Mapping[str, Mapping[str, Any]],
    calls: int,
    preview_columns: list[str],
    account: str,
    **extra: Any,
) -> dg.MaterializeResult:
    mine = {"account": account}
    with warehouse.connection() as conn:
        total = count_partition(conn, table, None, mine)
        schema = actual_table_schema(conn, table)
        preview = preview_markdown(conn, table, None, mine, columns=preview_columns)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": total,
            "dagster/column_schema": schema,
            **_base_metadata(figures, calls),
            **extra,
            "preview": dg.MetadataValue.md(preview),
        }
    )


def _replace_catalog(
    context: dg.AssetExecutionContext,
    raygun: RaygunResource,
    warehouse: WarehouseResource,
    table: Table,
    fill: Callable[[RaygunV3Client, str, StagedRows], None],
) -> tuple[dict[str, Mapping[str, Any]], int]:
    """Replace each application's rows of an unpartitioned table with what the API lists now."""

    def write(client: RaygunV3Client, app: str) -> Mapping[str, Any]:
        with staged_rows(table, context.run.run_id) as staged:
            fill(client, app, staged)
            with warehouse.connection() as conn:
                written = replace_partition(conn, staged, None, {"account": raygun.account, "application_id": app})[table.qualified_name]
        return {"rows": written}

    return write_applications(context, raygun, table, write)


@dg.asset(
    key=PAGES_KEY,
    **unpartitioned_asset_kwargs(names.VENDOR_GROUP),
    description=(
        "The page catalog of every configured Raygun v3 application (`GET /applications/{app}/pages`): web pages "
        "with their URI, mobile views with their name, and when each was last seen. Replaced per application, "
        "so `raygun.page_views.page_identifier` joins to `identifier`. URIs' query strings follow the PII policy."
    ),
    metadata=table_metadata(PAGES),
)
@without_retry_on_contract_errors
def raygun_pages(context: dg.AssetExecutionContext, raygun: RaygunResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    pii = raygun.pii_policy()

    def fill(client: RaygunV3Client, app: str, staged: StagedRows) -> None:
        for page in client.iter_pages(app):
            staged.add_all(page_row(one, app, pii) for one in page)

    figures, calls = _replace_catalog(context, raygun, warehouse, PAGES, fill)
    return _catalog_result(
        warehouse, PAGES, figures, calls, ["application_id", "identifier", "type", "uri", "name", "last_seen_at"], raygun.account
    )


@dg.asset(
    key=ERROR_GROUPS_KEY,
    **unpartitioned_asset_kwargs(names.VENDOR_GROUP),
    description=(
        "The error groups of every configured Raygun v3 application (`GET /applications/{app}/error-groups`, scope "
        "`cr.errors:read`): every field of the description's error-group (message, status, when created and when last "
        "occurred, the version it was resolved in, whether new occurrences are discarded, its Raygun URL) in a column, "
        "and any field the description does not give in `undescribed_fields`. Replaced per application, so "
        "`raygun.session_errors.error_group_identifier` joins to `identifier`; fields the API does not send are null."
    ),
    metadata=table_metadata(ERROR_GROUPS),
)
@without_retry_on_contract_errors
def raygun_error_groups(context: dg.AssetExecutionContext, raygun: RaygunResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    def fill(client: RaygunV3Client, app: str, staged: StagedRows) -> None:
        for page in client.iter_error_groups(app):
            staged.add_all(error_group_row(group, app) for group in page)

    figures, calls = _replace_catalog(context, raygun, warehouse, ERROR_GROUPS, fill)
    return _catalog_result(
        warehouse,
        ERROR_GROUPS,
        figures,
        calls,
        ["application_id", "identifier", "status", "message", "last_occurred_at", "resolved_in_version"],
        raygun.account,
    )


@dg.asset(
    key=CUSTOMERS_KEY,
    **unpartitioned_asset_kwargs(names.VENDOR_GROUP),
    description=(
        "The customers of every configured Raygun v3 application, incremental: each run lists customers newest-seen "
        "first (`orderby=lastSeenAt desc`) and stops at the first one last seen before the latest `last_seen_at` "
        "already stored for that application, then upserts what it fetched by (application_id, identifier). The "
        "first run fetches every customer. External identifier, e-mail and names follow the PII policy (hashed by default)."
    ),
    metadata=table_metadata(CUSTOMERS),
)
@without_retry_on_contract_errors
def raygun_customers(context: dg.AssetExecutionContext, raygun: RaygunResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    pii = raygun.pii_policy()

    def write(client: RaygunV3Client, app: str) -> Mapping[str, Any]:
        with warehouse.connection() as conn:
            watermark = customers_watermark(conn, app, raygun.account)
        with staged_rows(CUSTOMERS, context.run.run_id) as staged:
            for page in client.iter_customers(app, seen_since=watermark):
                staged.add_all(customer_row(customer, app, pii) for customer in page)
            with warehouse.connection() as conn:
                written = replace_partition(
                    conn, staged, None, {"account": raygun.account, "application_id": app}, only_keys_in=("identifier", staged)
                )[CUSTOMERS.qualified_name]
        context.log.info("Raygun v3 application %s: %d customers seen since %s", app, staged.count, watermark or "the beginning")
        return {"rows": written, "fetched": staged.count, "watermark": watermark.isoformat() if watermark else None}

    figures, calls = write_applications(context, raygun, CUSTOMERS, write)
    return _catalog_result(
        warehouse,
        CUSTOMERS,
        figures,
        calls,
        ["application_id", "identifier", "is_anonymous", "first_seen_at", "last_seen_at"],
        raygun.account,
        **{
            CUSTOMERS_FETCHED: dg.MetadataValue.json({app: f["fetched"] for app, f in figures.items()}),
            CUSTOMER_WATERMARKS: dg.MetadataValue.json({app: f["watermark"] for app, f in figures.items()}),
        },
    )


def _daily_asset_kwargs(key: dg.AssetKey, table: Table, description: str) -> dict[str, Any]:
    return {
        **daily_asset_kwargs(names.VENDOR_GROUP),
        "key": key,
        "description": description,
        "metadata": table_metadata(table),
        "check_specs": standard_check_specs(key, table),
    }


def _load_day(
    context: dg.AssetExecutionContext,
    raygun: RaygunResource,
    warehouse: WarehouseResource,
    table: Table,
    fill: Callable[[RaygunV3Client, str, date, StagedRows], None],
    preview_columns: Sequence[str],
) -> dg.MaterializeResult:
    """Replace the day of every application, each in its own transaction, and check the day."""
    day = partition_day(context)
    previous_schema = previous_column_schema(context)
    loaded: list[StagedRows] = []

    def write(client: RaygunV3Client, app: str) -> Mapping[str, Any]:
        with staged_rows(table, context.run.run_id) as staged:
            fill(client, app, day, staged)
            with warehouse.connection() as conn:
                written = replace_partition(conn, staged, day, {"account": raygun.account, "application_id": app})[table.qualified_name]
        loaded.append(staged)  # its key counts outlive its file, for the key checks
        return {"rows": written}

    figures, calls = write_applications(context, raygun, table, write, day)
    with warehouse.connection() as conn:
        schema = actual_table_schema(conn, table)
        mine = {"account": raygun.account}
        checks = standard_check_results(conn, table, day, schema, previous_schema, mine, staged=loaded)
        total = count_partition(conn, table, day, mine)
        preview = preview_markdown(conn, table, day, mine, columns=list(preview_columns), limit=20)
    return dg.MaterializeResult(
        check_results=checks,
        metadata={
            "dagster/row_count": total,
            "dagster/column_schema": schema,
            **_base_metadata(figures, calls),
            "preview": dg.MetadataValue.md(preview),
        },
    )


@dg.asset(
    **_daily_asset_kwargs(
        PAGE_METRICS_KEY,
        PAGE_METRICS,
        "Page metrics of the partition's UTC day for every configured Raygun v3 application "
        "(`POST /metrics/{app}/pages/time-series`, granularity 1d): every documented metric (pageViews, loadTime, "
        "firstPaint, firstContentfulPaint, firstInputDelay, largestContentfulPaint, cumulativeLayoutShift, "
        "interactionToNextPaint) under the aggregations median, p95, p99, average and count, one call per "
        "aggregation. Long: one row per (application_id, metric, aggregation), so new metrics or aggregations add "
        "rows, not columns. A re-run replaces the day per application.",
    )
)
@without_retry_on_contract_errors
def raygun_page_metrics(context: dg.AssetExecutionContext, raygun: RaygunResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    def fill(client: RaygunV3Client, app: str, day: date, staged: StagedRows) -> None:
        staged.add_all(page_metric_rows(client.page_metrics(app, day), app, day))

    return _load_day(context, raygun, warehouse, PAGE_METRICS, fill, ["application_id", "metric", "aggregation", "value"])


@dg.asset(
    **_daily_asset_kwargs(
        names.PAGE_METRIC_HISTOGRAMS,
        PAGE_METRIC_HISTOGRAMS,
        "Page-timing histograms of the partition's UTC day for every configured Raygun v3 application "
        "(`POST /metrics/{app}/pages/histogram`): one call for the application and one per page seen since the day "
        "began (`filter: pageIdentifier = <page>`, at most RAYGUN_V3_HISTOGRAM_PAGES, most recently seen first): for loadTime, firstPaint, "
        "firstContentfulPaint, firstInputDelay, largestContentfulPaint, cumulativeLayoutShift and "
        "interactionToNextPaint, the page views per bucket, as sent. What the time series cannot give: p75 and the "
        "share of views under a web-vitals threshold (raygun/page_performance_daily). A re-run replaces the day per "
        "application.",
    )
)
@without_retry_on_contract_errors
def raygun_page_metric_histograms(
    context: dg.AssetExecutionContext, raygun: RaygunResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    def fill(client: RaygunV3Client, app: str, day: date, staged: StagedRows) -> None:
        staged.add_all(histogram_rows(client.page_histograms(app, day), app, day))
        limit = raygun.v3_histogram_pages
        pages = client.recently_seen_pages(app, day, limit=limit + 1) if limit else []
        for page in pages[:limit]:
            staged.add_all(histogram_rows(client.page_histograms(app, day, page=page.identifier), app, day, page.identifier))
        left_out = "more left out" if len(pages) > limit else "none left out"
        context.log.info("Raygun v3 application %s on %s: %d page histograms fetched, %s", app, day, min(len(pages), limit), left_out)

    return _load_day(
        context,
        raygun,
        warehouse,
        PAGE_METRIC_HISTOGRAMS,
        fill,
        ["application_id", "page_identifier", "metric", "bucket_range", "bucket_count"],
    )


@dg.asset(
    **_daily_asset_kwargs(
        ERROR_METRICS_KEY,
        ERROR_METRICS,
        "Error instances of the partition's UTC day for every configured Raygun v3 application "
        "(`POST /metrics/{app}/errors/time-series`, granularity 1d, count of errorInstances): one row per "
        "application and day. A re-run replaces the day per application.",
    )
)
@without_retry_on_contract_errors
def raygun_error_metrics(context: dg.AssetExecutionContext, raygun: RaygunResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    def fill(client: RaygunV3Client, app: str, day: date, staged: StagedRows) -> None:
        staged.add_all(error_metric_rows(client.error_metrics(app, day), app, day))

    return _load_day(context, raygun, warehouse, ERROR_METRICS, fill, ["application_id", "bucket_start", "error_instances"])


@dg.asset(
    **_daily_asset_kwargs(
        DEPLOYMENTS_KEY,
        DEPLOYMENTS,
        "The deployments of the partition's UTC day for every configured Raygun v3 application "
        "(`GET /applications/{app}/deployments`, scope `deployments:read`): those whose `deployedAt` falls in the day, "
        "with every field of the description's deployment (version, owner and e-mail under the PII policy, comment, "
        "commit, source control, Raygun URL) and any field it does not give in `undescribed_fields`. The list has no "
        "date filter, so each day reads it whole, oldest first (one call per 500 deployments). A re-run replaces the "
        "day per application; a day not loaded again keeps its rows after the API stops listing them. A deployment listed without "
        "`deployedAt` belongs to no day: it is kept in `raygun._rejected_rows` and fails the blocking null-key check.",
    )
)
@without_retry_on_contract_errors
def raygun_deployments(context: dg.AssetExecutionContext, raygun: RaygunResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    pii = raygun.pii_policy()

    def fill(client: RaygunV3Client, app: str, day: date, staged: StagedRows) -> None:
        for page in client.iter_deployments(app, day=day):
            staged.add_all(deployment_row(one, app, day, pii) for one in deployments_of_day(page, day))

    return _load_day(context, raygun, warehouse, DEPLOYMENTS, fill, ["application_id", "version", "deployed_at", "owner_name", "comment"])


V3_CATALOG_ASSETS = (raygun_pages, raygun_customers, raygun_error_groups)
V3_DAILY_ASSETS = (raygun_page_metrics, raygun_page_metric_histograms, raygun_error_metrics, raygun_deployments)
