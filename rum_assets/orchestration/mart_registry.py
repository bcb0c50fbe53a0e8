"""Every KPI mart of both vendors, and their assets and automation sensor for a code location."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from rum_assets.orchestration.marts import Mart, build_marts_sensor, is_mart, mart_asset
from rum_assets.raygun.marts import errors_daily, page_performance, sessions_daily
from rum_assets.revenera.marts import top_events, usage_daily
from rum_assets.warehouse.accounts import DEFAULT_ACCOUNT

RAYGUN_MARTS: tuple[Mart, ...] = (page_performance.MART, sessions_daily.MART, errors_daily.MART)
REVENERA_MARTS: tuple[Mart, ...] = (usage_daily.MART, top_events.MART)
MARTS: tuple[Mart, ...] = (*RAYGUN_MARTS, *REVENERA_MARTS)


def account_marts(marts: Sequence[Mart], base_assets: Sequence[dg.AssetsDefinition], account: str) -> list[dg.AssetsDefinition]:
    """``account``'s assets of ``marts``, each depending on those of the account's base assets that
    ``base_assets`` define."""
    available = [key for asset in base_assets for key in asset.keys]
    return [mart_asset(mart, available, account) for mart in marts]


def mart_definitions(assets: Sequence[dg.AssetsDefinition]) -> tuple[list[dg.AssetsDefinition], dg.SensorDefinition]:
    """The default account's mart assets over ``assets``, and the sensor that evaluates the automation
    condition of every account's marts (those ``assets`` hold, the accounts' components added them)."""
    default = account_marts(MARTS, assets, DEFAULT_ACCOUNT)
    return default, build_marts_sensor([*default, *(asset for asset in assets if is_mart(asset))])
