"""The daily partitions every asset shares: one per complete UTC day."""

from __future__ import annotations

import os
from datetime import date

import dagster as dg

DEFAULT_START_DATE = "2026-09-01"
START_DATE_ENV = "RUM_ASSETS_START_DATE"


def start_date() -> str:
    """The first partition, from ``RUM_ASSETS_START_DATE`` (YYYY-MM-DD) or the default."""
    value = os.environ.get(START_DATE_ENV, DEFAULT_START_DATE)
    try:
        date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{START_DATE_ENV} must be a date like 2026-09-01, not {value!r}") from exc
    return value


daily_partitions = dg.DailyPartitionsDefinition(start_date=start_date(), timezone="UTC")


def partition_day(context: dg.AssetExecutionContext) -> date:
    return date.fromisoformat(context.partition_key)
