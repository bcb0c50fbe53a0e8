"""Daily schedules: each vendor's previous complete UTC day, shortly after midnight UTC.

They run as soon as the code location is deployed. Set ``RUM_ASSETS_AUTOMATION_STOPPED=1`` to deploy
them (and the sensors) stopped: for a staging instance, or the first deploy against a real vendor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import dagster as dg

from rum_assets.config import settings

if TYPE_CHECKING:
    # What build_schedule_from_partitioned_job returns for an asset job; Dagster does not export the name.
    from dagster._core.definitions.partitions.partitioned_schedule import UnresolvedPartitionedAssetScheduleDefinition


def schedule_status() -> dg.DefaultScheduleStatus:
    return dg.DefaultScheduleStatus.STOPPED if settings.automation_stopped() else dg.DefaultScheduleStatus.RUNNING


def sensor_status() -> dg.DefaultSensorStatus:
    return dg.DefaultSensorStatus.STOPPED if settings.automation_stopped() else dg.DefaultSensorStatus.RUNNING


def daily_job_and_schedule(
    vendor: str, assets: Sequence[dg.AssetKey], *, hour: int, minute: int
) -> tuple[dg.UnresolvedAssetJobDefinition, dg.ScheduleDefinition | UnresolvedPartitionedAssetScheduleDefinition]:
    """A partitioned asset job over ``assets`` and a schedule requesting yesterday's partition."""
    job = dg.define_asset_job(
        f"{vendor}_daily",
        selection=dg.AssetSelection.assets(*assets),
        description=f"Every daily {vendor} asset for one UTC day.",
    )
    schedule = dg.build_schedule_from_partitioned_job(
        job,
        name=f"{vendor}_daily_schedule",
        hour_of_day=hour,
        minute_of_hour=minute,
        default_status=schedule_status(),
        description=(
            f"Loads yesterday's (UTC) {vendor} data every day at {hour:02d}:{minute:02d} UTC, once the vendor has "
            "closed the day. Starts running when deployed; RUM_ASSETS_AUTOMATION_STOPPED=1 deploys it stopped."
        ),
    )
    return job, schedule
