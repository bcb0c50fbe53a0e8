"""Every name the Raygun slice shares between modules: asset keys, metadata keys, job selections.

Assets write these metadata keys; sensors, the demo and the tests read them. Sensors read metadata only
through :data:`SENSOR_METADATA`, and a test materializes the assets and checks each of those keys is
written, so renaming one cannot silently stop a sensor.
"""

from __future__ import annotations

import dagster as dg

VENDOR_GROUP = "raygun"
SESSIONS = dg.AssetKey(["raygun", "sessions"])
SESSION_DETAILS = dg.AssetKey(["raygun", "session_details"])
PAGES = dg.AssetKey(["raygun", "pages"])
CUSTOMERS = dg.AssetKey(["raygun", "customers"])
ERROR_GROUPS = dg.AssetKey(["raygun", "error_groups"])
PAGE_METRICS = dg.AssetKey(["raygun", "page_metrics"])
PAGE_METRIC_HISTOGRAMS = dg.AssetKey(["raygun", "page_metric_histograms"])
ERROR_METRICS = dg.AssetKey(["raygun", "error_metrics"])
DEPLOYMENTS = dg.AssetKey(["raygun", "deployments"])
V3_DAILY = (PAGE_METRICS, PAGE_METRIC_HISTOGRAMS, ERROR_METRICS, DEPLOYMENTS)
"""Daily v3-only assets: the daily schedule loads them too when a v3 token is configured."""
DAILY_ASSETS = (SESSIONS, SESSION_DETAILS)
"""What the daily schedule, the backfill and the late-sessions sensor run for a day."""

API_CALLS_USED = "raygun/api_calls_used"
API_BUDGET_LEFT = "raygun/api_budget_left"
DAILY_CALL_LIMIT = "raygun/daily_call_limit"
API_TOTAL_SESSIONS = "raygun/api_total_sessions"
ACTIVE_SESSIONS = "raygun/active_sessions"
SESSIONS_LISTED = "raygun/sessions_listed"
DUPLICATES_DROPPED = "raygun/duplicates_dropped"
OUTSIDE_DAY_DROPPED = "raygun/outside_day_dropped"
DETAILS_FETCHED = "raygun/details_fetched"
DETAILS_PENDING = "raygun/details_pending"
DETAILS_FAILED = "raygun/details_failed"
SESSIONS_IN_DAY = "raygun/sessions_in_day"
DETAIL_COVERAGE = "raygun/detail_coverage"
UNKNOWN_SESSIONS = "raygun/unknown_sessions"
STOPPED_BY_BUDGET = "raygun/stopped_by_budget"
CALLS_KEPT_FOR_LISTS = "raygun/calls_kept_for_lists"
"""v1: calls the details left unspent, when they started, for the session lists still to come today."""
V1_CALLS_USED = "raygun/v1_api_calls_used"
V3_CALLS_USED = "raygun/v3_api_calls_used"
V3_BUDGET_LEFT = "raygun/v3_api_budget_left"
V3_DAY_FINDER_CALLS = "raygun/v3_day_finder_calls"
"""Session-list calls the v3 day finder made, over every application."""
V3_DAY_FINDER_MIN_CALLS = "raygun/v3_day_finder_minimum_calls"
"""``ceil(sessions / 500)`` per application, summed: the pages even a client told the offsets would read."""
ROWS_BY_SOURCE = "raygun/rows_by_source"
"""JSON: rows (and, for v3, the day finder's figures) per ``source_api/application_id``."""
SOURCES_FAILED = "raygun/sources_failed"

SENSOR_METADATA: dict[dg.AssetKey, tuple[str, ...]] = {
    SESSIONS: (ACTIVE_SESSIONS,),
    SESSION_DETAILS: (DETAILS_PENDING,),
}
"""The materialization metadata each sensor decision rests on, by the asset that writes it."""
