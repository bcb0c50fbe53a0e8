"""Revenera assets: metadata, the day's reports and the day's export files, per configured product."""

from collections.abc import Mapping
from datetime import date
from functools import partial
from typing import Any

import dagster as dg

from rum_assets.orchestration.quality import ROW_COUNT_MATCHES_VENDOR
from rum_assets.orchestration.retries import without_retry_on_contract_errors
from rum_assets.revenera import names
from rum_assets.revenera.asset_base import (
    daily_asset_kwargs,
    load_day,
    metadata_asset_kwargs,
    replace_metadata_table,
)
from rum_assets.revenera.client import ReveneraClient
from rum_assets.revenera.export_assets import revenera_custom_events, revenera_exceptions, revenera_raw_events
from rum_assets.revenera.models import SegmentedCounts, StatusCounts
from rum_assets.revenera.more_assets import revenera_license_keys, revenera_usage_distribution
from rum_assets.revenera.resource import ReveneraResource
from rum_assets.revenera.tables import CLIENT_PROFILES, EVENT_CATALOG, EVENT_USAGE, PRODUCT_PROPERTIES, USER_ACTIVITY
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets.warehouse.tables import StagedRows

__all__ = ["REVENERA_DAILY_ASSETS", "REVENERA_METADATA_ASSETS"]


@dg.asset(
    **metadata_asset_kwargs(
        "product_properties",
        PRODUCT_PROPERTIES,
        "The properties each configured product's reports can filter and segment by (name, friendly name, "
        "type, what filters it supports), from `meta/productProperties`. Replaced per product on each run; "
        "pick `segment_property` for user activity from here.",
    )
)
def revenera_product_properties(
    context: dg.AssetExecutionContext, revenera: ReveneraResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    def rows(client: ReveneraClient, product_id: str) -> list[dict[str, Any]]:
        return [
            {
                "product_id": product_id,
                "category": category.category,
                "name": p.name,
                "friendly_name": p.friendly_name,
                "filter_type": p.filter_type,
                "data_type": p.data_type,
                "supports_regex": p.supports_regex,
                "supports_meta": p.supports_meta,
                "supports_null": p.supports_null,
            }
            for category in client.product_properties(product_id).result
            for p in category.properties
        ]

    return replace_metadata_table(context, revenera, warehouse, PRODUCT_PROPERTIES, rows)


@dg.asset(
    **metadata_asset_kwargs(
        "event_catalog",
        EVENT_CATALOG,
        "Every event each configured product tracks, by category, with its tracking level (ADVANCED, BASIC "
        "or INACTIVE) and first-seen date, from `event-tracking`. Replaced per product on each run.",
    )
)
def revenera_event_catalog(
    context: dg.AssetExecutionContext, revenera: ReveneraResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    def rows(client: ReveneraClient, product_id: str) -> list[dict[str, Any]]:
        return [
            {
                "product_id": product_id,
                "event_category": category.category or "",
                "event_name": event.event_name,
                "tracking": "ADVANCED" if event.advanced else "BASIC" if event.basic else "INACTIVE",
                "date_first_seen": event.date_first_seen,
            }
            for category in client.event_catalog(product_id).result
            for event in category.category_event_names
        ]

    return replace_metadata_table(context, revenera, warehouse, EVENT_CATALOG, rows)


# -- daily reports -----------------------------------------------------------------------------


@dg.asset(
    **daily_asset_kwargs(
        "user_activity",
        USER_ACTIVITY,
        "New, active and lost clients of each configured product for the UTC day, from the generic "
        "`dateRange` report (clientId grouping; lost per the resource's rule), as a totals row "
        "(`segment = '(all)'`) and, when `segment_property` is set, one row per value of that property.",
    )
)
@without_retry_on_contract_errors
def revenera_user_activity(
    context: dg.AssetExecutionContext, revenera: ReveneraResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    def fill(client: ReveneraClient, product_id: str, day: date, staged: StagedRows) -> Mapping[str, Any]:
        activity = partial(
            client.user_activity, days_until_declared_lost=revenera.days_until_declared_lost, date_reported_lost=revenera.date_reported_lost
        )
        totals = activity(product_id, day).result[day]
        assert isinstance(totals, StatusCounts)
        staged.add(_activity_row(product_id, day, "(none)", "(all)", totals))
        if revenera.segment_property:
            segmented = activity(product_id, day, segment_property=revenera.segment_property).result[day]
            assert isinstance(segmented, SegmentedCounts)  # the client refuses an unsegmented answer
            for segment, counts in segmented.level1.items():
                staged.add(_activity_row(product_id, day, revenera.segment_property, segment, counts.totals))
        return {"active_users": totals.active or 0}

    metadata, checks, figures = load_day(
        context, revenera, warehouse, USER_ACTIVITY, fill, ["product_id", "segment", "new_users", "active_users", "lost_users"]
    )
    metadata[names.ACTIVE_USERS] = sum(int(f["active_users"]) for f in figures.values())
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


def _activity_row(product_id: str, day: date, segment_property: str, segment: str, counts: StatusCounts) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "partition_date": day,
        "segment_property": segment_property,
        "segment": segment,
        "new_users": counts.new,
        "active_users": counts.active,
        "lost_users": counts.lost,
    }


@dg.asset(
    **daily_asset_kwargs(
        "event_usage",
        EVENT_USAGE,
        "How often each tracked event was used on the UTC day, per configured product. Events the catalog "
        "(`event-tracking`) marks ADVANCED come from the advanced `fullReport`, asked for those events by "
        "name (count, clients that used it, active clients that never did, average per user); BASIC events "
        "from the basic event `timeline` (count only). Combination entries the vendor returns (`combiLabel`) "
        "are kept under category `(combination)`.",
    )
)
@without_retry_on_contract_errors
def revenera_event_usage(
    context: dg.AssetExecutionContext, revenera: ReveneraResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    def fill(client: ReveneraClient, product_id: str, day: date, staged: StagedRows) -> Mapping[str, Any]:
        usage = client.event_usage(product_id, day)
        for event in usage:
            staged.add(
                {
                    "product_id": product_id,
                    "partition_date": day,
                    "event_category": COMBINATION if event.combi_label is not None else event.category or "",
                    "event_name": event.combi_label if event.combi_label is not None else event.name,
                    "tracking": event.tracking,
                    "is_combination": event.combi_label is not None,
                    "event_count": event.event_counts,
                    "unique_users": event.unique_users_used_at_least_once,
                    "users_never_used": event.unique_users_never_used,
                    "avg_count_per_user": event.average_event_count_per_user_at_least_once,
                }
            )
        return {"events": sum(e.event_counts for e in usage if e.combi_label is None)}

    metadata, checks, figures = load_day(
        context,
        revenera,
        warehouse,
        EVENT_USAGE,
        fill,
        ["product_id", "event_category", "event_name", "tracking", "event_count", "unique_users"],
    )
    metadata[names.EVENT_COUNT] = sum(int(f["events"]) for f in figures.values())
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


COMBINATION = "(combination)"


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
    **daily_asset_kwargs(
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
@without_retry_on_contract_errors
def revenera_client_profiles(
    context: dg.AssetExecutionContext, revenera: ReveneraResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
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
                        "product_id": product_id,
                        "partition_date": day,
                        "client_id": profile["clientId"],
                        "prod_version": _text(daily.get("prodVersion")),
                        "prod_edition": _text(daily.get("prodEdition")),
                        "license_type": _text(daily.get("licenseType")),
                        "country": _text(daily.get("geography.country")),
                        "os_platform": _text(daily.get("os.platform")),
                        "ram_mb": _number(profile.get("ram")),
                        "cpu_cores": _number(profile.get("cpuCores")),
                        "date_installed": _text(profile.get("dateInstalled")),
                    }
                )
        totals = client.user_activity(product_id, day).result[day]
        active = totals.active if isinstance(totals, StatusCounts) else None
        return {"pages": pages, "vendor_active": active}

    metadata, checks, figures = load_day(
        context, revenera, warehouse, CLIENT_PROFILES, fill, ["product_id", "client_id", "prod_version", "prod_edition", "country"]
    )
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


REVENERA_DAILY_ASSETS = [
    revenera_user_activity,
    revenera_event_usage,
    revenera_client_profiles,
    revenera_usage_distribution,
    revenera_raw_events,
    revenera_exceptions,
    revenera_custom_events,
]
"""The reports first (the daily schedule takes the first four), then the export files (the sensor's)."""
REVENERA_METADATA_ASSETS = [revenera_product_properties, revenera_event_catalog, revenera_license_keys]
