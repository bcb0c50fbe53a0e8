"""Every name the Revenera slice shares between modules: asset keys, metadata keys, job selections."""

from __future__ import annotations

import dagster as dg

VENDOR_GROUP = "revenera"


def _key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["revenera", name])


PRODUCT_PROPERTIES = _key("product_properties")
EVENT_CATALOG = _key("event_catalog")
USER_ACTIVITY = _key("user_activity")
EVENT_USAGE = _key("event_usage")
CLIENT_PROFILES = _key("client_profiles")
RAW_EVENTS = _key("raw_events")
EXCEPTIONS = _key("exceptions")
CUSTOM_EVENTS = _key("custom_events")
USAGE_DISTRIBUTION = _key("usage_distribution")
LICENSE_KEYS = _key("license_keys")

REPORT_ASSETS = (USER_ACTIVITY, EVENT_USAGE, CLIENT_PROFILES, USAGE_DISTRIBUTION)
"""The day's reports, which the daily schedule loads; the export files are left to the export sensor,
since they are final only the morning after."""
EXPORT_ASSETS = {"raw": RAW_EVENTS, "exc": EXCEPTIONS, "cust": CUSTOM_EVENTS}
"""Export kind (the vendor's file family) -> the asset that loads its daily files."""

API_CALLS_USED = "revenera/api_calls_used"
ROWS_BY_PRODUCT = "revenera/rows_by_product"
ACTIVE_USERS = "revenera/active_users"
ACTIVE_CLIENTS = "revenera/active_clients"
EVENT_COUNT = "revenera/event_count"
FILES = "revenera/files"
FILE_SIZES = "revenera/file_sizes"
NEW_COLUMNS = "revenera/new_columns"
ENCODINGS = "revenera/encodings"

PRODUCTS_TAG = "revenera/products"
"""Run tag: comma list of the product ids a run loads (all configured products when absent)."""
FINAL_SIZES_TAG = "revenera/final_sizes"
"""Run tag: JSON object product id -> listed size (KB) the sensor saw unchanged long enough."""

SENSOR_METADATA: dict[dg.AssetKey, tuple[str, ...]] = {key: (FILE_SIZES,) for key in EXPORT_ASSETS.values()}
"""The materialization metadata the export sensor decides on, by the asset that writes it."""
