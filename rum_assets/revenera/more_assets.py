"""Two more Revenera assets: the day's engagement histogram and the license key registry (read only)."""

from collections.abc import Mapping
from datetime import date
from typing import Any

import dagster as dg

from rum_assets.orchestration.retries import without_retry_on_contract_errors
from rum_assets.revenera import names
from rum_assets.revenera.asset_base import daily_asset_kwargs, load_day, metadata_asset_kwargs, replace_metadata_table
from rum_assets.revenera.client import ReveneraClient
from rum_assets.revenera.models import LicenseKey, UsageDistribution
from rum_assets.revenera.resource import ReveneraResource
from rum_assets.revenera.tables import LICENSE_KEYS, USAGE_DISTRIBUTION
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets.warehouse.tables import StagedRows

ALL = "(all)"


def distribution_rows(product_id: str, day: date, report: UsageDistribution) -> list[dict[str, Any]]:
    """One row per bucket, labels exactly as the vendor sends them (they carry Unicode ≤ and ≥)."""
    base = {"product_id": product_id, "partition_date": day}
    rows: list[dict[str, Any]] = []
    for active_days, bucket in report.result.active_days.items():
        rows.append({**base, "active_days": active_days, "measure": "users", "bucket": ALL, "clients": bucket.users})
        rows.extend(
            {**base, "active_days": active_days, "measure": "sessions", "bucket": label, "clients": n}
            for label, n in bucket.sessions.items()
        )
        rows.extend(
            {**base, "active_days": active_days, "measure": "runtime", "bucket": label, "clients": n} for label, n in bucket.runtime.items()
        )
    rows.extend(
        {**base, "active_days": ALL, "measure": "sessions", "bucket": label, "clients": n} for label, n in report.result.sessions.items()
    )
    rows.extend(
        {**base, "active_days": ALL, "measure": "runtime", "bucket": label, "clients": n} for label, n in report.result.runtime.items()
    )
    return rows


@dg.asset(
    **daily_asset_kwargs(
        "usage_distribution",
        USAGE_DISTRIBUTION,
        "For the UTC day, how many clients of each configured product fall in each bucket of active days, and "
        "within it in each bucket of sessions and of runtime, from the engagement histogram "
        "(`usageDistribution`). Bucket labels are kept as the vendor sends them.",
    )
)
@without_retry_on_contract_errors
def revenera_usage_distribution(
    context: dg.AssetExecutionContext, revenera: ReveneraResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    def fill(client: ReveneraClient, product_id: str, day: date, staged: StagedRows) -> Mapping[str, Any]:
        rows = distribution_rows(product_id, day, client.usage_distribution(product_id, day))
        staged.add_all(rows)
        return {"clients": sum(r["clients"] or 0 for r in rows if r["measure"] == "users")}

    metadata, checks, figures = load_day(
        context, revenera, warehouse, USAGE_DISTRIBUTION, fill, ["product_id", "active_days", "measure", "bucket", "clients"]
    )
    metadata[names.ACTIVE_CLIENTS] = sum(int(f["clients"]) for f in figures.values())
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


def _status(key: LicenseKey) -> str:
    if key.status:
        return key.status
    if key.blocked:
        return "blocked"
    if key.expired:
        return "expired"
    if key.activated:
        return "activated"
    return "allowed" if key.allowed else "not allowed"


@dg.asset(
    **metadata_asset_kwargs(
        "license_keys",
        LICENSE_KEYS,
        "The license key registry of each configured product (`licenseKeys/listKeys`): key, type, status, "
        "expiry and creation dates and client counts where the vendor sends them, and the whole entry as JSON. "
        "Read only: nothing here ever writes to the registry. Replaced per product on each run.",
    )
)
def revenera_license_keys(
    context: dg.AssetExecutionContext, revenera: ReveneraResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    def rows(client: ReveneraClient, product_id: str) -> list[dict[str, Any]]:
        return [
            {
                "product_id": product_id,
                "license_key": key.license_key,
                "license_type": key.license_type,
                "status": _status(key),
                "allowed": key.allowed,
                "blocked": key.blocked,
                "activated": key.activated,
                "expired": key.expired,
                "expiry_date": key.expiry_date,
                "date_created": key.date_created,
                "clients_allowed": key.clients_allowed,
                "clients_using": key.clients_using,
                "vendor_fields": key.model_dump(mode="json", by_alias=True, exclude_none=True),
            }
            for key in client.license_keys(product_id)
        ]

    return replace_metadata_table(context, revenera, warehouse, LICENSE_KEYS, rows)
