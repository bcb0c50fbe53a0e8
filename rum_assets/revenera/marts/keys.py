"""The Revenera KPI marts' asset keys and group."""

from __future__ import annotations

import dagster as dg

MARTS_GROUP = "revenera_marts"
USAGE_DAILY = dg.AssetKey(["revenera", "usage_daily"])
TOP_EVENTS_DAILY = dg.AssetKey(["revenera", "top_events_daily"])
