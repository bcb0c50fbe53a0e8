"""``revenera/usage_daily``: daily, weekly and monthly active users, stickiness, new and lost users and
users by product version, per product and day.

Active users are distinct clients of ``revenera.client_profiles`` (the clients active on a day, with
that day's product version): DAU on the day, WAU over the 7 days and MAU over the 30 days ending on it,
among the days loaded (``days_in_month_window`` says how many; fewer than 30 make MAU a lower bound).
New and lost users are the vendor's (``revenera.user_activity``), which are not split by version.
"""

from __future__ import annotations

from rum_assets.orchestration.mart_checks import TotalCheck
from rum_assets.orchestration.marts import DayParam, Headline, Mart, SqlPart
from rum_assets.revenera import names
from rum_assets.revenera.marts import keys
from rum_assets.warehouse.accounts import ACCOUNT_COLUMN
from rum_assets.warehouse.tables import Column, Table

ALL_VERSIONS = "(all)"

TABLE = Table(
    schema="revenera",
    name="usage_daily",
    description="Active users (DAU, WAU, MAU), stickiness, new and lost users and version adoption per product and UTC day.",
    key_columns=("product_id", "prod_version"),
    scope_columns=(ACCOUNT_COLUMN.name,),
    columns=(
        ACCOUNT_COLUMN,
        Column("product_id", "VARCHAR", "Revenera product id", nullable=False),
        Column("partition_date", "DATE", "UTC day reported (the Dagster partition)", nullable=False),
        Column(
            "prod_version",
            "VARCHAR",
            f"Product version that day ('{ALL_VERSIONS}' for the product, '(unknown)' without one)",
            nullable=False,
        ),
        Column("active_users", "BIGINT", "DAU: distinct clients active on the day (count)"),
        Column(
            "weekly_active_users", "BIGINT", "WAU: distinct clients active in the 7 days ending on the day, among the days loaded (count)"
        ),
        Column(
            "monthly_active_users", "BIGINT", "MAU: distinct clients active in the 30 days ending on the day, among the days loaded (count)"
        ),
        Column("stickiness", "DOUBLE", "DAU / MAU (0..1)"),
        Column("version_share", "DOUBLE", "Share of the product's DAU on this version (0..1; 1 on the product row)"),
        Column("new_users", "BIGINT", "Clients first seen on the day, as the vendor counts them (product row only; NULL on versions)"),
        Column("lost_users", "BIGINT", "Clients counted lost on the day, as the vendor counts them (product row only; NULL on versions)"),
        Column("vendor_active_users", "BIGINT", "Active clients as the vendor's user activity report counts them (product row only)"),
        Column(
            "days_in_month_window", "BIGINT", "Days of the 30-day window with client profiles loaded (count; below 30 MAU is a lower bound)"
        ),
    ),
)

_PROFILES = "SELECT account, product_id, client_id, partition_date, coalesce(prod_version, '(unknown)') AS prod_version FROM revenera.client_profiles"


def _active(version: str, group: str) -> str:
    """DAU, WAU and MAU of the account per ``group``; binds day, week_start, day, month_start, day, account."""
    return (
        f"SELECT m.account, m.product_id, {version} AS prod_version, "
        "count(DISTINCT m.client_id) FILTER (WHERE m.partition_date = ?) AS active_users, "
        "count(DISTINCT m.client_id) FILTER (WHERE m.partition_date BETWEEN ? AND ?) AS weekly_active_users, "
        "count(DISTINCT m.client_id) AS monthly_active_users, count(DISTINCT m.partition_date) AS days_in_month_window "
        f"FROM ({_PROFILES}) AS m WHERE m.partition_date BETWEEN ? AND ? AND m.account = ? GROUP BY m.account, {group}"
    )


_ALL_LITERAL = f"'{ALL_VERSIONS}'"
_WINDOW: tuple[DayParam, ...] = ("day", "week_start", "day", "month_start", "day", "account")

_PRODUCT = (
    "SELECT a.account, a.product_id, CAST(? AS DATE) AS partition_date, a.prod_version, a.active_users, a.weekly_active_users, "
    "a.monthly_active_users, CAST(a.active_users AS DOUBLE PRECISION) / NULLIF(a.monthly_active_users, 0) AS stickiness, "
    "CAST(1.0 AS DOUBLE PRECISION) AS version_share, u.new_users, u.lost_users, u.active_users AS vendor_active_users, "
    f"a.days_in_month_window FROM ({_active(_ALL_LITERAL, 'm.product_id')}) AS a "
    "LEFT JOIN revenera.user_activity AS u ON u.account = a.account AND u.product_id = a.product_id AND u.partition_date = ? "
    "AND u.segment_property = '(none)' AND u.segment = '(all)' WHERE a.active_users > 0"
)

_VERSIONS = (
    "SELECT a.account, a.product_id, CAST(? AS DATE) AS partition_date, a.prod_version, a.active_users, a.weekly_active_users, "
    "a.monthly_active_users, CAST(a.active_users AS DOUBLE PRECISION) / NULLIF(a.monthly_active_users, 0) AS stickiness, "
    "CAST(a.active_users AS DOUBLE PRECISION) / NULLIF(t.active_users, 0) AS version_share, CAST(NULL AS BIGINT) AS new_users, "
    "CAST(NULL AS BIGINT) AS lost_users, CAST(NULL AS BIGINT) AS vendor_active_users, a.days_in_month_window "
    f"FROM ({_active('m.prod_version', 'm.product_id, m.prod_version')}) AS a "
    "JOIN (SELECT product_id, count(DISTINCT client_id) AS active_users FROM revenera.client_profiles "
    "WHERE partition_date = ? AND account = ? GROUP BY product_id) AS t ON t.product_id = a.product_id WHERE a.active_users > 0"
)

_PRODUCT_ROWS = f"FROM {TABLE.qualified_name} WHERE partition_date = ? AND account = ? AND prod_version = '{ALL_VERSIONS}'"

MART = Mart(
    key=keys.USAGE_DAILY,
    table=TABLE,
    group_name=keys.MARTS_GROUP,
    description=(
        "How many people use each product, per Revenera product and UTC day: DAU, WAU (7 days) and MAU (30 days) as "
        "distinct active clients of revenera.client_profiles, stickiness (DAU/MAU), the vendor's new and lost users "
        "(revenera.user_activity), and the same active users per product version with each version's share of the "
        f"day (version adoption). The product's row has prod_version '{ALL_VERSIONS}'. WAU and MAU count the days "
        "loaded; days_in_month_window says how many. Replaced per day and account in the warehouse; re-materialized when "
        "a base day changes, and a changed client_profiles day re-materializes the 29 days after it too (their windows hold it)."
    ),
    deps=(names.CLIENT_PROFILES, names.USER_ACTIVITY),
    parts=(
        SqlPart(_PRODUCT, ("revenera.client_profiles", "revenera.user_activity"), ("day", *_WINDOW, "day")),
        SqlPart(_VERSIONS, ("revenera.client_profiles",), ("day", *_WINDOW, "day", "account")),
    ),
    window_deps=(names.CLIENT_PROFILES,),
    base_days_sql="SELECT DISTINCT partition_date FROM revenera.client_profiles WHERE account = ?",
    headlines=(
        Headline("revenera/dau", f"SELECT sum(active_users) {_PRODUCT_ROWS}", "int"),
        Headline("revenera/wau", f"SELECT sum(weekly_active_users) {_PRODUCT_ROWS}", "int"),
        Headline("revenera/mau", f"SELECT sum(monthly_active_users) {_PRODUCT_ROWS}", "int"),
        Headline(
            "revenera/stickiness",
            f"SELECT CAST(sum(active_users) AS DOUBLE PRECISION) / NULLIF(sum(monthly_active_users), 0) {_PRODUCT_ROWS}",
            "float",
        ),
        Headline("revenera/new_users", f"SELECT sum(new_users) {_PRODUCT_ROWS}", "int"),
        Headline("revenera/lost_users", f"SELECT sum(lost_users) {_PRODUCT_ROWS}", "int"),
    ),
    preview_columns=(
        "product_id",
        "prod_version",
        "active_users",
        "weekly_active_users",
        "monthly_active_users",
        "stickiness",
        "version_share",
        "new_users",
        "lost_users",
    ),
    preview_order=f"product_id, prod_version <> '{ALL_VERSIONS}', active_users DESC, prod_version",
    shares=("stickiness", "version_share"),
    totals=(
        TotalCheck(
            "active_users",
            "The products' DAU equals revenera.client_profiles' clients of the day.",
            f"SELECT sum(active_users) {_PRODUCT_ROWS}",
            "SELECT count(*) FROM revenera.client_profiles WHERE partition_date = ? AND account = ?",
        ),
        TotalCheck(
            "active_users_by_version",
            "The DAU summed over versions equals revenera.client_profiles' clients of the day (each client one version).",
            f"SELECT sum(active_users) FROM {TABLE.qualified_name} WHERE partition_date = ? AND account = ? AND prod_version <> '{ALL_VERSIONS}'",
            "SELECT count(*) FROM revenera.client_profiles WHERE partition_date = ? AND account = ?",
        ),
    ),
)
