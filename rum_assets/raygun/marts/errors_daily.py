"""``raygun/errors_daily``: error occurrences and affected users per error group, deployment and day.

Each occurrence is attributed to the deployment in effect when it happened: the application's latest
``raygun.deployments`` row deployed at or before the occurrence (v3; its ``occurred_at``). So a jump
after a release is one ``GROUP BY deployment_version``. v1 has no deployments: NULL there.
"""

from __future__ import annotations

from rum_assets.orchestration.mart_checks import TotalCheck
from rum_assets.orchestration.marts import Headline, Mart, SqlPart
from rum_assets.raygun import names
from rum_assets.raygun.marts import keys
from rum_assets.warehouse.accounts import ACCOUNT_COLUMN
from rum_assets.warehouse.tables import Column, Table

TABLE = Table(
    schema="raygun",
    name="errors_daily",
    description="Error occurrences and affected users per application, error group, deployment in effect and UTC day.",
    key_columns=("source_api", "application_id", "error_group", "deployment_version"),
    scope_columns=(ACCOUNT_COLUMN.name,),
    columns=(
        ACCOUNT_COLUMN,
        Column("partition_date", "DATE", "UTC day of the sessions the errors occurred in (the Dagster partition)", nullable=False),
        keys.SOURCE_API,
        keys.APPLICATION,
        Column("error_group", "VARCHAR", "Error group: v3 identifier, v1 group id as text", nullable=False),
        Column("error_message", "VARCHAR", "The group's message (v3: raygun.error_groups; v1: the error title)"),
        Column(
            "deployment_version",
            "VARCHAR",
            "Version deployed last at or before the occurrence (raygun.deployments; NULL on v1 and before the first loaded deployment)",
        ),
        Column("deployed_at", "TIMESTAMPTZ", "When that deployment was deployed (UTC)"),
        Column("occurrences", "BIGINT", "Errors of the group in the fetched session details (count)"),
        Column("affected_sessions", "BIGINT", "Distinct sessions with the error (count)"),
        Column("affected_users", "BIGINT", "Distinct users with the error (count; v1 user identifier or id, v3 customer identifier)"),
    ),
)

_USER = "coalesce(s.user_identifier, s.customer_identifier, CAST(s.user_id AS VARCHAR))"
_SESSION_JOIN = (
    "LEFT JOIN raygun.sessions AS s ON s.account = e.account AND s.session_id = e.session_id AND s.source_api = e.source_api "
    "AND s.application_id = e.application_id AND s.partition_date = e.partition_date"
)
_COUNTS = "count(*) AS occurrences, count(DISTINCT x.session_id) AS affected_sessions, count(DISTINCT x.user_key) AS affected_users"

_V1 = (
    "SELECT x.account, x.partition_date, x.source_api, x.application_id, x.error_group, max(x.title) AS error_message, "
    f"CAST(NULL AS VARCHAR) AS deployment_version, CAST(NULL AS TIMESTAMPTZ) AS deployed_at, {_COUNTS} FROM ("
    f"SELECT e.*, coalesce(CAST(e.group_id AS VARCHAR), '(unknown)') AS error_group, {_USER} AS user_key "
    f"FROM raygun.session_errors AS e {_SESSION_JOIN} WHERE e.partition_date = ? AND e.account = ? AND e.source_api = 'v1') AS x "
    "GROUP BY x.account, x.partition_date, x.source_api, x.application_id, x.error_group"
)

_IN_EFFECT = (
    "SELECT {column} FROM raygun.deployments AS d WHERE d.account = e.account AND d.application_id = e.application_id "
    "AND d.deployed_at <= coalesce(e.occurred_at, s.session_start) ORDER BY d.deployed_at DESC, d.identifier DESC LIMIT 1"
)

_V3 = (
    "SELECT x.account, x.partition_date, x.source_api, x.application_id, x.error_group, max(g.message) AS error_message, "
    f"x.deployment_version, x.deployed_at, {_COUNTS} FROM ("
    f"SELECT e.*, coalesce(e.error_group_identifier, '(unknown)') AS error_group, {_USER} AS user_key, "
    f"({_IN_EFFECT.format(column='d.version')}) AS deployment_version, "
    f"({_IN_EFFECT.format(column='d.deployed_at')}) AS deployed_at "
    f"FROM raygun.session_errors AS e {_SESSION_JOIN} WHERE e.partition_date = ? AND e.account = ? AND e.source_api = 'v3') AS x "
    "LEFT JOIN raygun.error_groups AS g ON g.account = x.account AND g.identifier = x.error_group AND g.application_id = x.application_id "
    "GROUP BY x.account, x.partition_date, x.source_api, x.application_id, x.error_group, x.deployment_version, x.deployed_at"
)

_OCCURRENCES = f"SELECT sum(occurrences) FROM {TABLE.qualified_name} WHERE partition_date = ? AND account = ?"

MART = Mart(
    key=keys.ERRORS_DAILY,
    table=TABLE,
    group_name=keys.MARTS_GROUP,
    description=(
        "Is it getting worse after a release: error occurrences, affected sessions and affected users per Raygun "
        "application, error group and UTC day, split by the deployment in effect when each error occurred (the latest "
        "raygun.deployments row deployed at or before it; v3 only). From raygun.session_errors of the fetched "
        "session details, raygun.sessions (users), raygun.error_groups (message) and raygun.deployments. Replaced per "
        "day in the warehouse; re-materialized when a base day changes."
    ),
    deps=(names.SESSIONS, names.SESSION_DETAILS, names.ERROR_GROUPS, names.DEPLOYMENTS),
    parts=(
        SqlPart(_V1, ("raygun.session_errors", "raygun.sessions"), ("day", "account")),
        SqlPart(_V3, ("raygun.session_errors", "raygun.sessions", "raygun.error_groups", "raygun.deployments"), ("day", "account")),
    ),
    base_days_sql="SELECT DISTINCT partition_date FROM raygun.session_errors WHERE account = ?",
    headlines=(
        Headline("raygun/error_occurrences", _OCCURRENCES, "int"),
        Headline(
            "raygun/error_groups_seen",
            f"SELECT count(DISTINCT source_api || '/' || application_id || '/' || error_group) FROM {TABLE.qualified_name} "
            "WHERE partition_date = ? AND account = ?",
            "int",
        ),
    ),
    preview_columns=("source_api", "application_id", "error_group", "error_message", "deployment_version", "occurrences", "affected_users"),
    preview_order="occurrences DESC, source_api, application_id, error_group, deployment_version",
    totals=(
        TotalCheck(
            "occurrences",
            "The occurrences equal raygun.session_errors' rows of the day (every error attributed to exactly one row).",
            _OCCURRENCES,
            "SELECT count(*) FROM raygun.session_errors WHERE partition_date = ? AND account = ?",
        ),
    ),
)
