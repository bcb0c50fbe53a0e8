"""What every asset of both vendors shares in its definition: owners, kinds, policies, partitions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dagster as dg

from rum_assets.orchestration.partitions import daily_partitions
from rum_assets.orchestration.retries import VENDOR_RETRY_POLICY

OWNERS = ["team:data-engineering"]
KINDS = {"python", "duckdb"}

DAILY_BACKFILL_POLICY = dg.BackfillPolicy.multi_run(max_partitions_per_run=1)
"""One day per run: both vendors are rate limited (Raygun allows 50 calls a day by default), each day
is written atomically, so a backfill advances day by day, each run reserving its own calls, and a day
that fails (out of budget, beyond the vendor's history, not exported yet) fails and is retried alone."""

DAILY_FRESHNESS_POLICY = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=36), warn_window=timedelta(hours=28))
"""Asset health in the UI: the daily schedules run at 02:15 and 02:45 UTC, so a materialization older
than 28 hours means a missed run and one older than 36 hours a missed day."""


def api_pool(vendor: str) -> str:
    """The concurrency pool of a vendor's API: ``dagster.yaml`` admits one step of it at a time."""
    return f"{vendor}_api"


def unpartitioned_asset_kwargs(vendor: str) -> dict[str, Any]:
    return {"group_name": vendor, "owners": OWNERS, "kinds": KINDS, "pool": api_pool(vendor)}


def daily_asset_kwargs(vendor: str) -> dict[str, Any]:
    return {
        **unpartitioned_asset_kwargs(vendor),
        "partitions_def": daily_partitions,
        "backfill_policy": DAILY_BACKFILL_POLICY,
        "freshness_policy": DAILY_FRESHNESS_POLICY,
        "retry_policy": VENDOR_RETRY_POLICY,
    }


def table_metadata(table: Any) -> dict[str, Any]:
    """The definition metadata that shows a table's columns and name in the UI before it is materialized."""
    return {"dagster/column_schema": table.table_schema(), "dagster/table_name": table.qualified_name}
