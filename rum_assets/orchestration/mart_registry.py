"""Every KPI mart of both vendors, and their assets and automation sensor for a code location."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from rum_assets.orchestration.marts import Mart, build_marts_sensor, mart_asset
from rum_assets.raygun.marts import errors_daily, page_performance, sessions_daily
from rum_assets.revenera.marts import top_events, usage_daily

MARTS: tuple[Mart, ...] = (page_performance.MART, sessions_daily.MART, errors_daily.MART, usage_daily.MART, top_events.MART)


def mart_definitions(base_assets: Sequence[dg.AssetsDefinition]) -> tuple[list[dg.AssetsDefinition], dg.SensorDefinition]:
    """The marts' assets, each depending on those of its base assets that ``base_assets`` define, and
    the sensor that evaluates their automation condition."""
    available = [key for asset in base_assets for key in asset.keys]
    assets = [mart_asset(mart, available) for mart in MARTS]
    return assets, build_marts_sensor(assets)
