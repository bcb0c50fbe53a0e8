"""The Revenera export sensor: exports land after the day ends, so a schedule cannot know when."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import dagster as dg

from rum_assets.partitions import daily_partitions
from rum_assets.revenera.assets import EXPORT_ASSET_KEYS
from rum_assets.revenera.models import TrackingFileList
from rum_assets.revenera.resource import ReveneraResource
from rum_assets.schedules import sensor_status


def _utc_now() -> datetime:
    return datetime.now(UTC)


def build_export_sensor(lookback_days: int = 7, clock: Callable[[], datetime] = _utc_now) -> dg.SensorDefinition:
    @dg.sensor(
        name="revenera_export_files",
        minimum_interval_seconds=30 * 60,
        default_status=sensor_status(),
        asset_selection=list(EXPORT_ASSET_KEYS.values()),
        description=(
            "Watches the raw-event, exception and custom-event file lists of every configured product and "
            f"requests a day of the matching asset as soon as that day's file is final for every product "
            f"(exports land the morning after). Looks back {lookback_days} days; the cursor remembers the "
            "days it requested so a restart does not request them again, and days already loaded are skipped."
        ),
    )
    def revenera_export_files(context: dg.SensorEvaluationContext, revenera: ReveneraResource) -> dg.SensorResult:
        now = clock()
        window = set(daily_partitions.get_partition_keys(current_time=now)[-lookback_days:])
        requested: dict[str, list[str]] = json.loads(context.cursor) if context.cursor else {}
        runs: list[dg.RunRequest] = []
        with revenera.get_client(context.log) as client:
            for kind, key in EXPORT_ASSET_KEYS.items():
                ready: set[str] | None = None
                for product_id in revenera.products():
                    listing = client.list_export_files(kind, product_id)
                    files = listing.daily_files if isinstance(listing, TrackingFileList) else listing
                    final = {f.file_date.isoformat() for f in files}
                    ready = final if ready is None else ready & final
                done = set(requested.get(kind, [])) | context.instance.get_materialized_partitions(key)
                for day in sorted((ready or set()) & window - done):
                    runs.append(dg.RunRequest(run_key=f"revenera-{kind}-{day}", partition_key=day, asset_selection=[key]))
                    requested.setdefault(kind, []).append(day)
        cursor = json.dumps({kind: sorted(d for d in days if d in window) for kind, days in requested.items()})
        if not runs:
            return dg.SensorResult(skip_reason=dg.SkipReason("no newly final export file"), cursor=cursor)
        context.log.info("Requesting %d export loads: %s", len(runs), ", ".join(f"{r.asset_selection[0].to_user_string()} {r.partition_key}" for r in runs))  # type: ignore[index]
        return dg.SensorResult(run_requests=runs, cursor=cursor)

    return revenera_export_files
