"""The daily partitions every asset shares: one per complete UTC day.

Asset modules declare their assets with :data:`daily_partitions` (starting on ``START_DATE``'s default)
so that importing them reads no environment; :func:`rum_assets.definitions.defs` rebinds every daily
asset, sensor and check to :func:`configured_daily_partitions` when the code location loads.
"""

from __future__ import annotations

from datetime import date

import dagster as dg

from rum_assets.config import env_vars

daily_partitions = dg.DailyPartitionsDefinition(start_date=env_vars.START_DATE.default or "", timezone="UTC")


def configured_daily_partitions(start_date: str) -> dg.DailyPartitionsDefinition:
    """The daily partitions from ``start_date`` (``RUM_ASSETS_START_DATE``, read by the caller)."""
    if start_date == daily_partitions.start.date().isoformat():
        return daily_partitions
    return dg.DailyPartitionsDefinition(start_date=start_date, timezone="UTC")


def with_partitions(asset: dg.AssetsDefinition, partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The same asset on other daily partitions (unpartitioned assets are returned as they are)."""
    if asset.partitions_def is None or asset.partitions_def == partitions:
        return asset
    return asset.map_asset_specs(lambda spec: spec.replace_attributes(partitions_def=partitions))


def partition_day(context: dg.AssetExecutionContext) -> date:
    return date.fromisoformat(context.partition_key)
