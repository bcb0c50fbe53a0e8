"""The Raygun KPI marts' asset keys, group and the columns they share."""

from __future__ import annotations

import dagster as dg

from rum_assets.warehouse.tables import Column

MARTS_GROUP = "raygun_marts"
PAGE_PERFORMANCE_DAILY = dg.AssetKey(["raygun", "page_performance_daily"])
SESSIONS_DAILY = dg.AssetKey(["raygun", "sessions_daily"])
ERRORS_DAILY = dg.AssetKey(["raygun", "errors_daily"])

SOURCE_API = Column("source_api", "VARCHAR", "Raygun API the figures come from: v1 or v3", nullable=False)
APPLICATION = Column("application_id", "VARCHAR", "Raygun application (v3 identifier; v1 for the pulse application)", nullable=False)
