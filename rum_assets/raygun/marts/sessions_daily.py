"""``raygun/sessions_daily``: sessions, users, bounce share and median session length per application and
day, in total and by country, browser, OS and platform: a long table, one row per (dimension, value)."""

from __future__ import annotations

from rum_assets.orchestration.mart_checks import TotalCheck
from rum_assets.orchestration.marts import Headline, Mart, SqlPart
from rum_assets.raygun import names
from rum_assets.raygun.marts import keys
from rum_assets.warehouse.accounts import ACCOUNT_COLUMN
from rum_assets.warehouse.tables import Column, Table

DIMENSIONS = {"all": "'(all)'", "country": "s.country", "browser": "s.browser_name", "os": "s.os_name", "platform": "s.platform_name"}

TABLE = Table(
    schema="raygun",
    name="sessions_daily",
    description="Sessions, users, bounce share and median session length per application, UTC day and dimension value.",
    key_columns=("source_api", "application_id", "dimension", "value"),
    scope_columns=(ACCOUNT_COLUMN.name,),
    columns=(
        ACCOUNT_COLUMN,
        Column("partition_date", "DATE", "UTC day the sessions started (the Dagster partition)", nullable=False),
        keys.SOURCE_API,
        keys.APPLICATION,
        Column("dimension", "VARCHAR", "all, country, browser, os or platform", nullable=False),
        Column("value", "VARCHAR", "The dimension's value ('(all)' for all, '(unknown)' where the session has none)", nullable=False),
        Column("sessions", "BIGINT", "Sessions that started in the day (count)"),
        Column(
            "users",
            "BIGINT",
            "Distinct users (count): v1 user identifier or id, v3 customer identifier; sessions without either (or with them dropped by the PII policy) are not counted",
        ),
        Column("sessions_with_page_count", "BIGINT", "Sessions whose page views are known (v1: listed; v3: from the fetched detail)"),
        Column("bounced_sessions", "BIGINT", "Sessions with exactly one page view (count)"),
        Column("bounce_share", "DOUBLE", "bounced_sessions / sessions_with_page_count (0..1; NULL when no page count is known)"),
        Column(
            "median_session_length_s",
            "DOUBLE",
            "Median session length in seconds (percentile_cont(0.5) of end minus start; sessions still active are left out)",
        ),
    ),
)

_SESSIONS = (
    "SELECT s.*, coalesce(s.page_view_count, d.page_view_count) AS pages, "
    "coalesce(s.user_identifier, s.customer_identifier, CAST(s.user_id AS VARCHAR)) AS user_key "
    "FROM raygun.sessions AS s LEFT JOIN raygun.session_details AS d "
    "ON d.account = s.account AND d.session_id = s.session_id AND d.source_api = s.source_api "
    "AND d.application_id = s.application_id AND d.partition_date = s.partition_date WHERE s.partition_date = ? AND s.account = ?"
)


def _by(dimension: str, value: str) -> str:
    value = value.replace("s.", "x.")
    return (
        f"SELECT x.account, x.partition_date, x.source_api, x.application_id, '{dimension}' AS dimension, "
        f"coalesce({value}, '(unknown)') AS value, count(*) AS sessions, count(DISTINCT x.user_key) AS users, "
        "count(x.pages) AS sessions_with_page_count, count(*) FILTER (WHERE x.pages = 1) AS bounced_sessions, "
        "CAST(count(*) FILTER (WHERE x.pages = 1) AS DOUBLE PRECISION) / NULLIF(count(x.pages), 0) AS bounce_share, "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY x.session_length_ms) / 1000.0 AS median_session_length_s "
        f"FROM ({_SESSIONS}) AS x GROUP BY x.account, x.partition_date, x.source_api, x.application_id, coalesce({value}, '(unknown)')"
    )


_TOTAL = f"SELECT sum(sessions) FROM {TABLE.qualified_name} WHERE partition_date = ? AND account = ? AND dimension = 'all'"

MART = Mart(
    key=keys.SESSIONS_DAILY,
    table=TABLE,
    group_name=keys.MARTS_GROUP,
    description=(
        "How many people use the applications, per Raygun application and UTC day: sessions, distinct users, the "
        "share of sessions that bounced (one page view) and the median session length, in total (dimension 'all') "
        "and by country, browser, OS and platform, one row per dimension value. From raygun.sessions (both APIs) "
        "and, for v3 page counts, raygun.session_details. Replaced per day in the warehouse; re-materialized when "
        "a base day changes (late sessions)."
    ),
    deps=(names.SESSIONS, names.SESSION_DETAILS),
    parts=tuple(SqlPart(_by(d, v), ("raygun.sessions", "raygun.session_details"), ("day", "account")) for d, v in DIMENSIONS.items()),
    base_days_sql="SELECT DISTINCT partition_date FROM raygun.sessions WHERE account = ?",
    headlines=(
        Headline("raygun/sessions", _TOTAL, "int"),
        Headline(
            "raygun/users",
            f"SELECT sum(users) FROM {TABLE.qualified_name} WHERE partition_date = ? AND account = ? AND dimension = 'all'",
            "int",
        ),
        Headline(
            "raygun/bounce_share",
            f"SELECT CAST(sum(bounced_sessions) AS DOUBLE PRECISION) / NULLIF(sum(sessions_with_page_count), 0) "
            f"FROM {TABLE.qualified_name} WHERE partition_date = ? AND account = ? AND dimension = 'all'",
            "float",
        ),
    ),
    preview_columns=("source_api", "application_id", "dimension", "value", "sessions", "users", "bounce_share", "median_session_length_s"),
    preview_order="source_api, application_id, dimension, sessions DESC, value",
    shares=("bounce_share",),
    totals=(
        TotalCheck(
            "sessions",
            "The sessions of dimension 'all' equal raygun.sessions' rows of the day.",
            _TOTAL,
            "SELECT count(*) FROM raygun.sessions WHERE partition_date = ? AND account = ?",
        ),
        TotalCheck(
            "sessions_by_country",
            "The sessions summed over countries equal raygun.sessions' rows of the day (no session lost or counted twice).",
            f"SELECT sum(sessions) FROM {TABLE.qualified_name} WHERE partition_date = ? AND account = ? AND dimension = 'country'",
            "SELECT count(*) FROM raygun.sessions WHERE partition_date = ? AND account = ?",
        ),
    ),
)
