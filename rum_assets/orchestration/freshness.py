"""Partition-aware freshness: yesterday's partition of every daily asset must exist by a deadline."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import dagster as dg

from rum_assets.config import env_vars, settings
from rum_assets.orchestration.schedules import sensor_status


def freshness_checks_and_sensor(
    assets: Sequence[dg.AssetsDefinition],
) -> tuple[Sequence[dg.AssetChecksDefinition], dg.SensorDefinition]:
    """Checks that fail when the previous UTC day's partition is missing at the deadline.

    The deadline is ``RUM_ASSETS_FRESHNESS_DEADLINE_CRON`` (UTC, default 06:00): the daily schedules
    run at 02:15 and 02:45, which leaves time for retries before anyone is told.
    """
    # Dagster marks these superseded by FreshnessPolicy, but FreshnessPolicy is not partition-aware:
    # it cannot say that yesterday's partition is missing. We attach both.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.SupersessionWarning)
        return _build(assets)


def _build(assets: Sequence[dg.AssetsDefinition]) -> tuple[Sequence[dg.AssetChecksDefinition], dg.SensorDefinition]:
    checks = dg.build_time_partition_freshness_checks(
        assets=list(assets),
        deadline_cron=settings.text(env_vars.FRESHNESS_DEADLINE_CRON),
        timezone="UTC",
        severity=dg.AssetCheckSeverity.ERROR,
    )
    sensor = dg.build_sensor_for_freshness_checks(
        freshness_checks=checks,
        name="freshness_checks_sensor",
        minimum_interval_seconds=10 * 60,
        default_status=sensor_status(),
    )
    return checks, sensor
