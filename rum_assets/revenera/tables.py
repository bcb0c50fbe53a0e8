"""The Revenera tables in the warehouse. Every daily table is written per (product, day)."""

from __future__ import annotations

from rum_assets.warehouse import Column, Table

SCHEMA = "revenera"
_PRODUCT = Column("product_id", "VARCHAR", "Revenera product id", nullable=False)
_PARTITION = Column("partition_date", "DATE", "UTC day reported (the Dagster partition)", nullable=False)
_ROW = Column("row_number", "BIGINT", "Position of the row in the day's export file (1-based)", nullable=False)
_PER_DAY = {"scope_columns": ("product_id",)}

PRODUCT_PROPERTIES = Table(
    schema=SCHEMA, name="product_properties", partition_column=None, key_columns=("name",), scope_columns=("product_id",),
    description="Properties a product's reports can filter and segment by.",
    columns=(
        _PRODUCT,
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
    schema=SCHEMA, name="event_catalog", partition_column=None, key_columns=("event_category", "event_name"), scope_columns=("product_id",),
    description="Events a product tracks, with their tracking level.",
    columns=(
        _PRODUCT,
        Column("event_category", "VARCHAR", "Event category ('' when the event has none)", nullable=False),
        Column("event_name", "VARCHAR", "Event name", nullable=False),
        Column("tracking", "VARCHAR", "ADVANCED, BASIC or INACTIVE"),
        Column("date_first_seen", "DATE", "First day the event was seen"),
    ),
)

USER_ACTIVITY = Table(
    schema=SCHEMA, name="user_activity", key_columns=("segment_property", "segment"), **_PER_DAY,  # type: ignore[arg-type]
    description="New, active and lost clients per product and day, in total and per segment.",
    columns=(
        _PRODUCT, _PARTITION,
        Column("segment_property", "VARCHAR", "Property split by, or '(none)' for the totals", nullable=False),
        Column("segment", "VARCHAR", "Segment value, or '(all)'", nullable=False),
        Column("new_users", "BIGINT", "Clients first seen that day"),
        Column("active_users", "BIGINT", "Clients active that day"),
        Column("lost_users", "BIGINT", "Clients counted lost that day (see the resource's lost rule)"),
    ),
)

EVENT_USAGE = Table(
    schema=SCHEMA, name="event_usage", key_columns=("event_category", "event_name"), **_PER_DAY,  # type: ignore[arg-type]
    description="Usage of each tracked event per product and day.",
    columns=(
        _PRODUCT, _PARTITION,
        Column("event_category", "VARCHAR", "Event category", nullable=False),
        Column("event_name", "VARCHAR", "Event name", nullable=False),
        Column("event_count", "BIGINT", "Times the event occurred"),
        Column("unique_users", "BIGINT", "Clients that used the event at least once"),
        Column("users_never_used", "BIGINT", "Active clients that never used it"),
        Column("avg_count_per_user", "DOUBLE", "Average count per client that used it"),
    ),
)

CLIENT_PROFILES = Table(
    schema=SCHEMA, name="client_profiles", key_columns=("client_id",), **_PER_DAY,  # type: ignore[arg-type]
    description="Clients active on the day with that day's product properties and their current hardware.",
    columns=(
        _PRODUCT, _PARTITION,
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

RAW_EVENTS = Table(
    schema=SCHEMA, name="raw_events", key_columns=("row_number",), **_PER_DAY,  # type: ignore[arg-type]
    description="Rows of the day's raw-events export file: one row per event.",
    columns=(
        _PRODUCT, _PARTITION, _ROW,
        Column("event_time", "TIMESTAMP", "When the event happened (UTC)"),
        Column("client_id", "VARCHAR", "Revenera client id"),
        Column("session_id", "VARCHAR", "Session id"),
        Column("event_category", "VARCHAR", "Event category"),
        Column("event_name", "VARCHAR", "Event name"),
        Column("event_data", "VARCHAR", "Event data"),
        Column("prod_version", "VARCHAR", "Product version"),
        Column("prod_edition", "VARCHAR", "Edition"),
        Column("license_type", "VARCHAR", "License type"),
        Column("os_platform", "VARCHAR", "Operating system platform"),
        Column("country", "VARCHAR", "Country"),
    ),
)

EXCEPTIONS = Table(
    schema=SCHEMA, name="exceptions", key_columns=("row_number",), **_PER_DAY,  # type: ignore[arg-type]
    description="Rows of the day's exception-tracking export file: one row per exception.",
    columns=(
        _PRODUCT, _PARTITION, _ROW,
        Column("event_time", "TIMESTAMP", "When the exception happened (UTC)"),
        Column("client_id", "VARCHAR", "Revenera client id"),
        Column("prod_version", "VARCHAR", "Product version"),
        Column("class_name", "VARCHAR", "Class that threw"),
        Column("method_name", "VARCHAR", "Method that threw"),
        Column("exception_message", "VARCHAR", "Exception message"),
        Column("stack_trace", "VARCHAR", "Stack trace"),
    ),
)

CUSTOM_EVENTS = Table(
    schema=SCHEMA, name="custom_events", key_columns=("row_number",), **_PER_DAY,  # type: ignore[arg-type]
    description="Rows of the day's custom-event-tracking export file: one row per custom event.",
    columns=(
        _PRODUCT, _PARTITION, _ROW,
        Column("event_time", "TIMESTAMP", "When the event happened (UTC)"),
        Column("client_id", "VARCHAR", "Revenera client id"),
        Column("prod_version", "VARCHAR", "Product version"),
        Column("prod_edition", "VARCHAR", "Edition"),
        Column("license_type", "VARCHAR", "License type"),
        Column("country", "VARCHAR", "Country"),
        Column("event_category", "VARCHAR", "Custom event category"),
        Column("event_name", "VARCHAR", "Custom event name"),
        Column("event_data", "VARCHAR", "Custom event data"),
    ),
)

EXPORT_COLUMNS: dict[str, dict[str, str]] = {
    "raw": {
        "timestamp": "event_time", "clientId": "client_id", "sessionId": "session_id", "eventCategory": "event_category",
        "eventName": "event_name", "eventData": "event_data", "prodVersion": "prod_version", "prodEdition": "prod_edition",
        "licenseType": "license_type", "osPlatform": "os_platform", "country": "country",
    },
    "exc": {
        "timestamp": "event_time", "clientId": "client_id", "prodVersion": "prod_version", "className": "class_name",
        "methodName": "method_name", "exceptionMessage": "exception_message", "stackTrace": "stack_trace",
    },
    "cust": {
        "timestamp": "event_time", "clientId": "client_id", "prodVersion": "prod_version", "prodEdition": "prod_edition",
        "licenseType": "license_type", "geography.country": "country", "event.category": "event_category",
        "event.name": "event_name", "event.data": "event_data",
    },
}
"""Export CSV header → column. The vendor does not document the raw-event columns; these are the ones
the emulator writes (and the getLastLines field names for custom events). Unknown columns are logged
and skipped; a missing one is an error naming it."""
EXPORT_TABLES = {"raw": RAW_EVENTS, "exc": EXCEPTIONS, "cust": CUSTOM_EVENTS}
EXPORT_REQUIRED = {"raw": ("timestamp", "clientId"), "exc": ("timestamp", "clientId"), "cust": ("timestamp", "clientId")}
