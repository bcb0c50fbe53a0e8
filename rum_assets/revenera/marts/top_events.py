"""``revenera/top_events_daily``: the day's most used events and features per product, ranked by count."""

from __future__ import annotations

from rum_assets.orchestration.mart_checks import TotalCheck
from rum_assets.orchestration.marts import Headline, Mart, SqlPart
from rum_assets.revenera import names
from rum_assets.revenera.marts import keys
from rum_assets.warehouse.accounts import ACCOUNT_COLUMN
from rum_assets.warehouse.tables import Column, Table

TOP = 20

TABLE = Table(
    schema="revenera",
    name="top_events_daily",
    description=f"The {TOP} most used events and features per product and UTC day.",
    key_columns=("product_id", "event_rank"),
    scope_columns=(ACCOUNT_COLUMN.name,),
    columns=(
        ACCOUNT_COLUMN,
        Column("product_id", "VARCHAR", "Revenera product id", nullable=False),
        Column("partition_date", "DATE", "UTC day reported (the Dagster partition)", nullable=False),
        Column("event_rank", "BIGINT", "1 for the most used event of the day; ties ordered by category and name", nullable=False),
        Column("event_category", "VARCHAR", "Event category ('' when none, '(combination)' for combinations)", nullable=False),
        Column("event_name", "VARCHAR", "Event name (the combination's label for a combination)", nullable=False),
        Column("tracking", "VARCHAR", "ADVANCED or BASIC (BASIC events have a count only)"),
        Column("is_combination", "BOOLEAN", "A combination of events rather than one event"),
        Column("event_count", "BIGINT", "Times the event occurred on the day (count)"),
        Column("unique_users", "BIGINT", "Clients that used it on the day (count; NULL for BASIC events)"),
        Column("share_of_events", "DOUBLE", "event_count / every event of the product that day, combinations left out (0..1)"),
        Column("share_of_active_users", "DOUBLE", "unique_users / (unique_users + users_never_used): adoption among active clients (0..1)"),
        Column("product_event_count", "BIGINT", "Every event of the product that day, combinations left out (count)"),
    ),
)

_RANKED = (
    "SELECT e.*, row_number() OVER (PARTITION BY e.product_id ORDER BY e.event_count DESC NULLS LAST, "
    "e.event_category, e.event_name) AS event_rank, "
    "sum(CASE WHEN e.is_combination THEN 0 ELSE e.event_count END) OVER (PARTITION BY e.product_id) AS product_event_count "
    "FROM revenera.event_usage AS e WHERE e.partition_date = ? AND e.account = ?"
)

_SELECT = (
    "SELECT r.account, r.product_id, r.partition_date, r.event_rank, r.event_category, r.event_name, r.tracking, r.is_combination, "
    "r.event_count, r.unique_users, "
    "CASE WHEN r.is_combination THEN NULL ELSE CAST(r.event_count AS DOUBLE PRECISION) / NULLIF(r.product_event_count, 0) END "
    "AS share_of_events, "
    "CAST(r.unique_users AS DOUBLE PRECISION) / NULLIF(r.unique_users + r.users_never_used, 0) AS share_of_active_users, "
    f"CAST(r.product_event_count AS BIGINT) AS product_event_count FROM ({_RANKED}) AS r WHERE r.event_rank <= {TOP}"
)

_PRODUCT_TOTALS = (
    f"SELECT sum(product_event_count) FROM (SELECT DISTINCT product_id, product_event_count FROM {TABLE.qualified_name} "
    "WHERE partition_date = ? AND account = ?) AS products"
)

MART = Mart(
    key=keys.TOP_EVENTS_DAILY,
    table=TABLE,
    group_name=keys.MARTS_GROUP,
    description=(
        f"What people do in each product: the {TOP} most used events and features per Revenera product and UTC day "
        "(revenera.event_usage: the vendor's event tracking), ranked by count, with each one's share of the day's "
        "events and, for ADVANCED events, the share of active clients that used it. Replaced per day in the "
        "warehouse; re-materialized when a base day changes."
    ),
    deps=(names.EVENT_USAGE,),
    parts=(SqlPart(_SELECT, ("revenera.event_usage",), ("day", "account")),),
    base_days_sql="SELECT DISTINCT partition_date FROM revenera.event_usage WHERE account = ?",
    headlines=(
        Headline("revenera/events", _PRODUCT_TOTALS, "int"),
        Headline(
            "revenera/top_event_share",
            f"SELECT max(share_of_events) FROM {TABLE.qualified_name} WHERE partition_date = ? AND account = ? AND event_rank = 1",
            "float",
        ),
    ),
    preview_columns=("product_id", "event_rank", "event_category", "event_name", "event_count", "share_of_events", "share_of_active_users"),
    shares=("share_of_events", "share_of_active_users"),
    totals=(
        TotalCheck(
            "events",
            "The products' event totals equal revenera.event_usage's event counts of the day (combinations left out).",
            _PRODUCT_TOTALS,
            "SELECT sum(event_count) FROM revenera.event_usage WHERE partition_date = ? AND account = ? AND NOT coalesce(is_combination, FALSE)",
        ),
    ),
)
