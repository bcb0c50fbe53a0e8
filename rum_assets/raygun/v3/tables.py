"""The Raygun v3 catalog and metrics tables, and how v3 API records become their rows.

Every table is scoped by ``application_id``: each application is written in its own transaction, so
one that fails keeps its earlier rows while the others are replaced.

Page metrics are long, one row per (application, metric, aggregation, bucket): the API answers one
aggregation per call with one series per metric, so a long row is exactly what it sends, a metric or
aggregation added later is new rows rather than new columns, and a null (no samples in the day) is one
value, not a hole in a wide row. With the ``1d`` granularity a day has one bucket, so one row per
(application_id, metric, aggregation) and day.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from rum_assets.raygun.v3.models import Customer, Deployment, ErrorGroup, Page, ResolvedIn, TimeSeries, V3Model, undescribed
from rum_assets.warehouse.accounts import ACCOUNT_COLUMN, DEFAULT_ACCOUNT
from rum_assets.warehouse.pii import PiiPolicy
from rum_assets.warehouse.tables import Column, Connection, Table, ensure_table, scalar, table_exists

SCHEMA = "raygun"
_APPLICATION = Column("application_id", "VARCHAR", "Raygun v3 application identifier", nullable=False)
_PARTITION = Column("partition_date", "DATE", "UTC day the metrics cover (the Dagster partition)", nullable=False)

PAGES = Table(
    schema=SCHEMA,
    name="pages",
    description="The page catalog of each Raygun v3 application: web pages (uri) and mobile views (name), replaced per application.",
    key_columns=("identifier",),
    partition_column=None,
    scope_columns=("account", "application_id"),
    columns=(
        Column("identifier", "VARCHAR", "Raygun page identifier (page_views.page_identifier)", nullable=False),
        _APPLICATION,
        ACCOUNT_COLUMN,
        Column("type", "VARCHAR", "web or mobile"),
        Column("uri", "VARCHAR", "Web page URI; its query string and fragment follow the PII policy (null for mobile views)"),
        Column("name", "VARCHAR", "Mobile view name (null for web pages)"),
        Column("last_seen_at", "TIMESTAMPTZ", "When the page was last viewed"),
    ),
)

CUSTOMERS = Table(
    schema=SCHEMA,
    name="customers",
    description="Customers of each Raygun v3 application, upserted by identifier as they are seen again (incremental by lastSeenAt).",
    key_columns=("identifier",),
    partition_column=None,
    scope_columns=("account", "application_id"),
    keep_on_duplicate="last_seen_at DESC",
    columns=(
        Column("identifier", "VARCHAR", "Raygun customer identifier (sessions.customer_identifier)", nullable=False),
        _APPLICATION,
        ACCOUNT_COLUMN,
        Column("external_identifier", "VARCHAR", "Identifier the application supplied, often an e-mail (PII: kept, hashed or dropped)"),
        Column("email_address", "VARCHAR", "E-mail address (PII)"),
        Column("first_name", "VARCHAR", "First name (PII)"),
        Column("full_name", "VARCHAR", "Full name (PII)"),
        Column("is_anonymous", "BOOLEAN", "Whether the customer is anonymous"),
        Column("first_seen_at", "TIMESTAMPTZ", "When the customer was first seen"),
        Column("last_seen_at", "TIMESTAMPTZ", "When the customer was last seen (the incremental watermark)", nullable=False),
    ),
)

_UNDESCRIBED = Column(
    "undescribed_fields",
    "JSON",
    "Fields the API sent that Raygun's published description does not give, as sent (null when there are none)",
)

ERROR_GROUPS = Table(
    schema=SCHEMA,
    name="error_groups",
    description="Error groups of each Raygun v3 application, replaced per application; join session_errors.error_group_identifier to identifier.",
    key_columns=("identifier",),
    partition_column=None,
    scope_columns=("account", "application_id"),
    columns=(
        Column("identifier", "VARCHAR", "Raygun error group identifier (session_errors.error_group_identifier)", nullable=False),
        _APPLICATION,
        ACCOUNT_COLUMN,
        Column("message", "VARCHAR", "The group's error message"),
        Column("status", "VARCHAR", "active, resolved, ignored or permanentlyIgnored"),
        Column("created_at", "TIMESTAMPTZ", "When the group was created"),
        Column("last_occurred_at", "TIMESTAMPTZ", "When an error of the group last occurred"),
        Column("resolved_in_version", "VARCHAR", "resolvedIn.version: the version the group was resolved in (null unless resolved)"),
        Column(
            "resolved_in_discard_from_previous_versions",
            "BOOLEAN",
            "resolvedIn.discardFromPreviousVersions: whether occurrences from versions before resolved_in_version are discarded",
        ),
        Column(
            "discard_new_occurrences",
            "BOOLEAN",
            "True if the group is permanently ignored and set to discard any new occurrences",
        ),
        Column("application_url", "VARCHAR", "URL of the error group in Raygun"),
        _UNDESCRIBED,
    ),
)

DEPLOYMENTS = Table(
    schema=SCHEMA,
    name="deployments",
    description=(
        "Deployments of each Raygun v3 application, by the UTC day of deployed_at; join sessions.deployment_version "
        "and error_groups.resolved_in_version to version."
    ),
    key_columns=("identifier", "deployed_at"),
    scope_columns=("account", "application_id"),
    columns=(
        Column("partition_date", "DATE", "UTC day of deployed_at (the Dagster partition)", nullable=False),
        Column("identifier", "VARCHAR", "Raygun deployment identifier", nullable=False),
        _APPLICATION,
        ACCOUNT_COLUMN,
        Column("version", "VARCHAR", "The version deployed (sessions.deployment_version)"),
        Column("deployed_at", "TIMESTAMPTZ", "When it was deployed", nullable=False),
        Column("owner_name", "VARCHAR", "Who deployed it (PII: kept, hashed or dropped)"),
        Column("email_address", "VARCHAR", "Their e-mail address (PII: kept, hashed or dropped)"),
        Column("comment", "VARCHAR", "The deployment's comment, e.g. release notes"),
        Column("scm_identifier", "VARCHAR", "Commit the deployment names in its source control"),
        Column("scm_type", "VARCHAR", "gitHub, bitbucket, gitLab or azureDevOps"),
        Column("application_url", "VARCHAR", "URL of the deployment in Raygun"),
        _UNDESCRIBED,
    ),
)

PAGE_METRICS = Table(
    schema=SCHEMA,
    name="page_metrics",
    description="Daily page metrics of each Raygun v3 application: one row per metric, aggregation and 1d bucket.",
    key_columns=("metric", "aggregation", "bucket_start"),
    scope_columns=("account", "application_id"),
    columns=(
        _PARTITION,
        _APPLICATION,
        ACCOUNT_COLUMN,
        Column("metric", "VARCHAR", "pageViews, loadTime, firstPaint, ... (the API's metric name)", nullable=False),
        Column("aggregation", "VARCHAR", "median, p95, p99, average or count", nullable=False),
        Column("bucket_start", "TIMESTAMPTZ", "Start of the bucket (UTC midnight of the day)", nullable=False),
        Column(
            "value",
            "DOUBLE",
            "The aggregate: milliseconds for timings, a score for cumulativeLayoutShift, a count for count and pageViews; null without samples",
        ),
    ),
)

ERROR_METRICS = Table(
    schema=SCHEMA,
    name="error_metrics",
    description="Daily error instances of each Raygun v3 application (one row per 1d bucket).",
    key_columns=("bucket_start",),
    scope_columns=("account", "application_id"),
    columns=(
        _PARTITION,
        _APPLICATION,
        ACCOUNT_COLUMN,
        Column("bucket_start", "TIMESTAMPTZ", "Start of the bucket (UTC midnight of the day)", nullable=False),
        Column("error_instances", "BIGINT", "Error instances that occurred in the bucket"),
    ),
)


def page_row(page: Page, app: str, pii: PiiPolicy) -> dict[str, Any]:
    return {
        "identifier": page.identifier,
        "application_id": app,
        "type": page.type,
        "uri": pii.apply_url(page.uri),
        "name": page.name,
        "last_seen_at": page.last_seen_at,
    }


def customer_row(customer: Customer, app: str, pii: PiiPolicy) -> dict[str, Any]:
    return {
        "identifier": customer.identifier,
        "application_id": app,
        "external_identifier": pii.apply(customer.external_identifier),
        "email_address": pii.apply(customer.email_address),
        "first_name": pii.apply(customer.first_name),
        "full_name": pii.apply(customer.full_name),
        "is_anonymous": customer.is_anonymous,
        "first_seen_at": customer.first_seen_at,
        "last_seen_at": customer.last_seen_at,
    }


def _undescribed(record: V3Model) -> dict[str, Any] | None:
    return undescribed(record) or None


def error_group_row(group: ErrorGroup, app: str) -> dict[str, Any]:
    resolved = group.resolved_in or ResolvedIn()
    return {
        "identifier": group.identifier,
        "application_id": app,
        "message": group.message,
        "status": group.status,
        "created_at": group.created_at,
        "last_occurred_at": group.last_occurred_at,
        "resolved_in_version": resolved.version,
        "resolved_in_discard_from_previous_versions": resolved.discard_from_previous_versions,
        "discard_new_occurrences": group.discard_new_occurrences,
        "application_url": group.application_url,
        "undescribed_fields": _undescribed(group),
    }


def deployment_row(deployment: Deployment, app: str, day: date, pii: PiiPolicy) -> dict[str, Any]:
    """A row of ``day``; a deployment without ``deployedAt`` gets no time, so the load sets it aside."""
    return {
        "partition_date": day,
        "identifier": deployment.identifier,
        "application_id": app,
        "version": deployment.version,
        "deployed_at": deployment.deployed_at,
        "owner_name": pii.apply(deployment.owner_name),
        "email_address": pii.apply(deployment.email_address),
        "comment": deployment.comment,
        "scm_identifier": deployment.scm_identifier,
        "scm_type": deployment.scm_type,
        "application_url": deployment.application_url,
        "undescribed_fields": _undescribed(deployment),
    }


def deployments_of_day(deployments: Iterable[Deployment], day: date) -> Iterator[Deployment]:
    """The deployments deployed on UTC ``day``, and those without ``deployedAt``, which belong to no day."""
    for deployment in deployments:
        if deployment.deployed_at is None or _in_day(deployment.deployed_at, day):
            yield deployment


def _in_day(moment: datetime, day: date) -> bool:
    return moment.astimezone(UTC).date() == day


def page_metric_rows(series: Iterable[TimeSeries], app: str, day: date) -> Iterator[dict[str, Any]]:
    """A row per point of the day; points outside it (none at the ``1d`` granularity) are left out."""
    for one in series:
        for point in one.series:
            if _in_day(point.time, day):
                yield {
                    "partition_date": day,
                    "application_id": app,
                    "metric": one.metric,
                    "aggregation": one.aggregation,
                    "bucket_start": point.time,
                    "value": point.value,
                }


def error_metric_rows(series: Iterable[TimeSeries], app: str, day: date) -> Iterator[dict[str, Any]]:
    for one in series:
        if one.metric != "errorInstances":
            continue
        for point in one.series:
            if _in_day(point.time, day):
                count = None if point.value is None else int(point.value)
                yield {"partition_date": day, "application_id": app, "bucket_start": point.time, "error_instances": count}


def customers_watermark(conn: Connection, app: str, account: str = DEFAULT_ACCOUNT) -> datetime | None:
    """The latest ``last_seen_at`` stored for the account's ``app`` (None before its first load)."""
    if not table_exists(conn, CUSTOMERS.schema, CUSTOMERS.name):
        return None
    ensure_table(conn, CUSTOMERS)  # a table written before the account column gets it (its rows: the default account)
    value = scalar(
        conn, f"SELECT max(last_seen_at) FROM {CUSTOMERS.qualified_name} WHERE account = ? AND application_id = ?", [account, app]
    )
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
