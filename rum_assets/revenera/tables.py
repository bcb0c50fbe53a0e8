"""The Revenera tables in the warehouse. Every daily table is written per (product, day)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypedDict

from rum_assets.warehouse.accounts import ACCOUNT_COLUMN
from rum_assets.warehouse.tables import Column, Table

SCHEMA = "revenera"
_PRODUCT = Column("product_id", "VARCHAR", "Revenera product id", nullable=False)
_PARTITION = Column("partition_date", "DATE", "UTC day reported (the Dagster partition)", nullable=False)
_ROW = Column("row_number", "BIGINT", "Position of the row in the day's export file (1-based)", nullable=False)


class _Scope(TypedDict):
    scope_columns: tuple[str, ...]


_PER_DAY: _Scope = {"scope_columns": ("account", "product_id")}

PRODUCT_PROPERTIES = Table(
    schema=SCHEMA,
    name="product_properties",
    partition_column=None,
    key_columns=("name",),
    scope_columns=("account", "product_id"),
    description="Properties a product's reports can filter and segment by.",
    columns=(
        _PRODUCT,
        ACCOUNT_COLUMN,
        Column("category", "VARCHAR", "Property group"),
        Column("name", "VARCHAR", "Property name used in requests", nullable=False),
        Column("friendly_name", "VARCHAR", "Name shown in the dashboard"),
        Column("filter_type", "VARCHAR", "Filter type"),
        Column("data_type", "VARCHAR", "string or number"),
        Column("supports_regex", "BOOLEAN", "Regex filters allowed"),
        Column("supports_meta", "BOOLEAN", "Meta filters allowed"),
        Column("supports_null", "BOOLEAN", "Null filters allowed"),
    ),
)

EVENT_CATALOG = Table(
    schema=SCHEMA,
    name="event_catalog",
    partition_column=None,
    key_columns=("event_category", "event_name"),
    scope_columns=("account", "product_id"),
    description="Events a product tracks, with their tracking level.",
    columns=(
        _PRODUCT,
        ACCOUNT_COLUMN,
        Column("event_category", "VARCHAR", "Event category ('' when the event has none)", nullable=False),
        Column("event_name", "VARCHAR", "Event name", nullable=False),
        Column("tracking", "VARCHAR", "ADVANCED, BASIC or INACTIVE"),
        Column("date_first_seen", "DATE", "First day the event was seen"),
    ),
)

USER_ACTIVITY = Table(
    schema=SCHEMA,
    name="user_activity",
    key_columns=("segment_property", "segment"),
    **_PER_DAY,
    description="New, active and lost clients per product and day, in total and per segment.",
    columns=(
        _PRODUCT,
        ACCOUNT_COLUMN,
        _PARTITION,
        Column("segment_property", "VARCHAR", "Property split by, or '(none)' for the totals", nullable=False),
        Column("segment", "VARCHAR", "Segment value, or '(all)'", nullable=False),
        Column("new_users", "BIGINT", "Clients first seen that day"),
        Column("active_users", "BIGINT", "Clients active that day"),
        Column("lost_users", "BIGINT", "Clients counted lost that day (see the resource's lost rule)"),
    ),
)

EVENT_USAGE = Table(
    schema=SCHEMA,
    name="event_usage",
    key_columns=("event_category", "event_name"),
    **_PER_DAY,
    description="Usage of each tracked event per product and day.",
    columns=(
        _PRODUCT,
        ACCOUNT_COLUMN,
        _PARTITION,
        Column("event_category", "VARCHAR", "Event category ('' when none, '(combination)' for combinations)", nullable=False),
        Column("event_name", "VARCHAR", "Event name (the combination's label for a combination)", nullable=False),
        Column("tracking", "VARCHAR", "ADVANCED (from the advanced full report) or BASIC (count only, from the basic timeline)"),
        Column("is_combination", "BOOLEAN", "A combination of events (vendor combiLabel); category is '(combination)'"),
        Column("event_count", "BIGINT", "Times the event occurred"),
        Column("unique_users", "BIGINT", "Clients that used the event at least once"),
        Column("users_never_used", "BIGINT", "Active clients that never used it"),
        Column("avg_count_per_user", "DOUBLE", "Average count per client that used it"),
    ),
)

CLIENT_PROFILES = Table(
    schema=SCHEMA,
    name="client_profiles",
    key_columns=("client_id",),
    **_PER_DAY,
    description="Clients active on the day with that day's product properties and their current hardware.",
    columns=(
        _PRODUCT,
        ACCOUNT_COLUMN,
        _PARTITION,
        Column("client_id", "VARCHAR", "Revenera client id", nullable=False),
        Column("prod_version", "VARCHAR", "Product version that day"),
        Column("prod_edition", "VARCHAR", "Edition that day"),
        Column("license_type", "VARCHAR", "License type that day"),
        Column("country", "VARCHAR", "Country that day"),
        Column("os_platform", "VARCHAR", "Operating system platform that day"),
        Column("ram_mb", "BIGINT", "RAM (current)"),
        Column("cpu_cores", "BIGINT", "CPU cores (current)"),
        Column("date_installed", "DATE", "Install date"),
    ),
)

USAGE_DISTRIBUTION = Table(
    schema=SCHEMA,
    name="usage_distribution",
    key_columns=("active_days", "measure", "bucket"),
    **_PER_DAY,
    description="The vendor's engagement histogram for one day: clients per bucket of active days, and within it per bucket of sessions and runtime.",
    columns=(
        _PRODUCT,
        ACCOUNT_COLUMN,
        _PARTITION,
        Column(
            "active_days",
            "VARCHAR",
            "Active-days bucket as the vendor labels it (a one-day range: '1'); '(all)' for a histogram not split by it",
            nullable=False,
        ),
        Column("measure", "VARCHAR", "users (clients in the active-days bucket), sessions or runtime", nullable=False),
        Column(
            "bucket",
            "VARCHAR",
            "Sessions or runtime bucket label as the vendor sends it (e.g. '≤ 1', '0:06 - 0:15'); '(all)' for users",
            nullable=False,
        ),
        Column("clients", "BIGINT", "Clients in the bucket"),
    ),
)

LICENSE_KEYS = Table(
    schema=SCHEMA,
    name="license_keys",
    partition_column=None,
    key_columns=("license_key",),
    scope_columns=("account", "product_id"),
    description="The license key registry of each product, read only (listKeys).",
    columns=(
        _PRODUCT,
        ACCOUNT_COLUMN,
        Column("license_key", "VARCHAR", "License key", nullable=False),
        Column("license_type", "VARCHAR", "License type (e.g. trial, purchased)"),
        Column("status", "VARCHAR", "The vendor's status, or derived: blocked, expired, activated, allowed or not allowed"),
        Column("allowed", "BOOLEAN", "Key allowed"),
        Column("blocked", "BOOLEAN", "Key blocked"),
        Column("activated", "BOOLEAN", "Key activated"),
        Column("expired", "BOOLEAN", "Key expired"),
        Column("expiry_date", "DATE", "Expiry date"),
        Column("date_created", "DATE", "When the key was added to the registry (when the vendor sends it)"),
        Column("clients_allowed", "BIGINT", "Clients the key may be used on (when the vendor sends it)"),
        Column("clients_using", "BIGINT", "Clients using the key (when the vendor sends it)"),
        Column("vendor_fields", "JSON", "The whole entry as the vendor sent it (its fields are not documented)"),
    ),
)


@dataclass(frozen=True)
class ExportColumn:
    """A column we know in an export file: its typed warehouse column and the headers it goes by."""

    column: Column
    headers: tuple[str, ...]
    """The vendor's key (as in getLastLines ``fieldNames``) first, then friendly names and variants."""


def _known(name: str, sql_type: str, description: str, *headers: str) -> ExportColumn:
    return ExportColumn(Column(name, sql_type, description), headers)


_TIME = _known(
    "event_time",
    "TIMESTAMP",
    "When it happened (UTC)",
    "timestamp",
    "Timestamp",
    "eventTimestamp",
    "Event Timestamp",
    "eventTime",
    "Event Time",
)
_CLIENT = _known("client_id", "VARCHAR", "Revenera client id", "clientId", "Client ID")
_VERSION = _known("prod_version", "VARCHAR", "Product version", "prodVersion", "Version", "Product Version")
_EDITION = _known("prod_edition", "VARCHAR", "Edition", "prodEdition", "Edition", "Product Edition")
_LICENSE = _known("license_type", "VARCHAR", "License type", "licenseType", "License Type")
_PLATFORM = _known("os_platform", "VARCHAR", "Operating system platform", "osPlatform", "os.platform", "OS Platform")
_COUNTRY = _known("country", "VARCHAR", "Country", "country", "geography.country", "Country")
_CATEGORY = _known("event_category", "VARCHAR", "Event category", "eventCategory", "event.category", "Event Category")
_NAME = _known("event_name", "VARCHAR", "Event name", "eventName", "event.name", "Event Name", "Event Type")
_DATA = _known("event_data", "VARCHAR", "Event data", "eventData", "event.data", "Event Data")
_SYSTEM = (
    _known("prod_build", "VARCHAR", "Product build", "prodBuild", "Build"),
    _known("prod_language", "VARCHAR", "Product language", "prodLanguage", "Language"),
    _known("key_allowed", "BOOLEAN", "License key allowed", "licenseStatus.allowed", "Key Allowed", "licenseStatus.whitelisted"),
    _known("key_blocked", "BOOLEAN", "License key blocked", "licenseStatus.blocked", "Key Blocked", "licenseStatus.blacklisted"),
    _known("key_activated", "BOOLEAN", "License key activated", "licenseStatus.activated", "Key Activated"),
    _known("key_expired", "BOOLEAN", "License key expired", "licenseStatus.expired", "Key Expired"),
    _known("os_version", "VARCHAR", "Operating system type", "os.version", "OS Type"),
    _known("os_word_length", "VARCHAR", "Operating system architecture", "osWordLength", "OS Architecture"),
    _known("os_language", "VARCHAR", "Operating system language", "osLanguage", "OS Language"),
    _known("cpu_type", "VARCHAR", "CPU type", "cpuType", "CPU Type"),
    _known("cpu_cores", "BIGINT", "CPU cores", "cpuCores", "CPU Cores"),
    _known("ram", "BIGINT", "RAM", "ram", "RAM"),
    _known("display_count", "BIGINT", "Number of monitors", "displayCount", "Number of Monitors"),
    _known("resolution", "VARCHAR", "Screen resolution", "resolution", "Screen Resolution"),
    _known("dot_net_version", "VARCHAR", ".NET versions", "dotNetVersion", ".NET Versions"),
    _known("gpu_model", "VARCHAR", "GPU", "gpu.model", "GPU"),
    _known("form_factor", "VARCHAR", "Computer type", "formFactor", "Computer Type"),
    _known("us_state", "VARCHAR", "US state", "geography.usState", "US State"),
)

EXPORT_KNOWN_COLUMNS: dict[str, tuple[ExportColumn, ...]] = {
    "raw": (
        _TIME,
        _CLIENT,
        _known("session_id", "VARCHAR", "Session id", "sessionId", "Session ID"),
        _CATEGORY,
        _NAME,
        _DATA,
        _VERSION,
        _EDITION,
        _LICENSE,
        _PLATFORM,
        _COUNTRY,
    ),
    "exc": (
        _TIME,
        _CLIENT,
        _VERSION,
        _EDITION,
        _LICENSE,
        _PLATFORM,
        _COUNTRY,
        _known("class_name", "VARCHAR", "Class that threw", "className", "Class", "Class Name"),
        _known("method_name", "VARCHAR", "Method that threw", "methodName", "Method", "Method Name"),
        _known("exception_message", "VARCHAR", "Exception message", "exceptionMessage", "Message", "Exception Message"),
        _known("stack_trace", "VARCHAR", "Stack trace", "stackTrace", "Stack Trace"),
        *_SYSTEM,
    ),
    "cust": (_TIME, _CLIENT, _VERSION, _EDITION, _LICENSE, _PLATFORM, _COUNTRY, *_SYSTEM, _CATEGORY, _NAME, _DATA),
}
"""Columns we type, per export kind. The vendor documents the custom-event columns (getLastLines
``fieldNames``: keys and friendly names, not which of the two the CSV header uses) and says the
exception export shares its product and system columns; the raw-event columns are not documented.
A header matches a column when it equals one of its headers after :func:`normalise_header`. Any
other header still lands, as its own text column (see ``rum_assets.revenera.csv_load``)."""


_OPTIONAL = {
    "raw": set(),
    "exc": {c.column.name for c in _SYSTEM},
    "cust": {"os_platform"},
}
EXPORT_EXPECTED_COLUMNS: dict[str, tuple[str, ...]] = {
    kind: tuple(c.column.name for c in columns if c.column.name not in _OPTIONAL[kind]) for kind, columns in EXPORT_KNOWN_COLUMNS.items()
}
"""Known columns a file of the kind should have (absent: NULL and a warning). The others are typed
when present: the exception export's system columns (said to match the custom events', not seen),
and the platform on custom events (not in its documented field list)."""


def normalise_header(header: str) -> str:
    """Case-insensitive, without spaces, underscores, dots or dashes: ``Event Timestamp`` == ``eventTimestamp``."""
    return re.sub(r"[\s_.\-]+", "", header).lower()


EXPORT_HEADER_LOOKUP: dict[str, dict[str, ExportColumn]] = {
    kind: {normalise_header(h): known for known in columns for h in (*known.headers, known.column.name)}
    for kind, columns in EXPORT_KNOWN_COLUMNS.items()
}


def _export_table(name: str, kind: str, description: str) -> Table:
    return Table(
        schema=SCHEMA,
        name=name,
        key_columns=("row_number",),
        **_PER_DAY,
        description=description,
        columns=(_PRODUCT, _PARTITION, _ROW, *(known.column for known in EXPORT_KNOWN_COLUMNS[kind]), ACCOUNT_COLUMN),
    )


RAW_EVENTS = _export_table("raw_events", "raw", "Rows of the day's raw-events export file: one row per event, every column of the file.")
EXCEPTIONS = _export_table(
    "exceptions", "exc", "Rows of the day's exception-tracking export file: one row per exception, every column of the file."
)
CUSTOM_EVENTS = _export_table(
    "custom_events", "cust", "Rows of the day's custom-event-tracking export file: one row per custom event, every column of the file."
)
EXPORT_TABLES = {"raw": RAW_EVENTS, "exc": EXCEPTIONS, "cust": CUSTOM_EVENTS}
