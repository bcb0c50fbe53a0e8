"""The Raygun tables in the warehouse and how API records (v1 and v3) become their rows.

One schema serves both APIs. Every row names the API it came from (``source_api``: ``v1`` or ``v3``)
and its Raygun application (``application_id``: the v3 identifier, or ``RAYGUN_V1_APPLICATION_ID`` for
v1, whose credentials address one application); a write replaces one (day, source_api,
application_id). ``session_id`` is text: v3 identifiers are strings and v1's integer ids are stored as
their decimal text. Columns only one API has are NULL on the other's rows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from rum_assets.raygun.v1.models import SessionDetail, SessionSummary
from rum_assets.raygun.v3 import models as v3
from rum_assets.warehouse.accounts import ACCOUNT_COLUMN
from rum_assets.warehouse.pii import PiiPolicy
from rum_assets.warehouse.tables import Column, Table

SCHEMA = "raygun"
V1 = "v1"
V3 = "v3"
SCOPE_COLUMNS = ("source_api", "application_id")
"""Where a row came from within one account (rum_assets.raygun.migrations adds them to old tables)."""
_SCOPE = ("account", *SCOPE_COLUMNS)

_SESSION_KEY = Column("session_id", "VARCHAR", "Raygun session id (v3 identifier; v1 integer id as decimal text)", nullable=False)
_PARTITION = Column("partition_date", "DATE", "UTC day the session started (the Dagster partition)", nullable=False)
_SOURCE_API = Column("source_api", "VARCHAR", "Raygun API the row came from: v1 or v3", nullable=False)
_APPLICATION = Column(
    "application_id", "VARCHAR", "Raygun application (v3 identifier; RAYGUN_V1_APPLICATION_ID on v1 rows)", nullable=False
)

SESSIONS = Table(
    schema=SCHEMA,
    name="sessions",
    description="One row per Raygun RUM session, assigned to the UTC day of its start.",
    key_columns=("session_id",),
    scope_columns=_SCOPE,
    keep_on_duplicate="session_updated DESC NULLS LAST",
    columns=(
        _SESSION_KEY,
        _PARTITION,
        _SOURCE_API,
        _APPLICATION,
        ACCOUNT_COLUMN,
        Column("session_start", "TIMESTAMPTZ", "When the session started", nullable=False),
        Column("session_updated", "TIMESTAMPTZ", "When the session was last updated"),
        Column("session_end", "TIMESTAMPTZ", "When the session ended (null while active)"),
        Column("status", "VARCHAR", "active or ended, when listed"),
        Column("session_length_ms", "BIGINT", "Length of the session in milliseconds (v3: end minus start)"),
        Column("page_view_count", "INTEGER", "Page views in the session (v1 only)"),
        Column("user_id", "BIGINT", "Raygun user id (v1 only)"),
        Column("user_is_anonymous", "BOOLEAN", "Whether the user is anonymous"),
        Column("user_identifier", "VARCHAR", "Identifier the application supplied (often an e-mail: PII; a salted hash stays joinable)"),
        Column("user_first_name", "VARCHAR", "First name (PII: kept, hashed or dropped by configuration)"),
        Column("user_full_name", "VARCHAR", "Full name (PII)"),
        Column("user_email", "VARCHAR", "Email address (PII)"),
        Column("user_first_seen", "TIMESTAMPTZ", "When the user was first seen"),
        Column("user_last_seen", "TIMESTAMPTZ", "When the user was last seen"),
        Column("browser_name", "VARCHAR", "Browser"),
        Column("browser_version", "VARCHAR", "Browser version"),
        Column("platform_name", "VARCHAR", "Platform (Desktop, Mobile, ...)"),
        Column("os_name", "VARCHAR", "Operating system"),
        Column("os_version", "VARCHAR", "Operating system version"),
        Column("country", "VARCHAR", "Two-letter country code"),
        Column("ip_address", "VARCHAR", "Public IP address (PII)"),
        Column("api_url", "VARCHAR", "API URL of the session (v1 only)"),
        Column("web_url", "VARCHAR", "Raygun web app URL of the session (v1 only)"),
        Column("customer_identifier", "VARCHAR", "Raygun customer identifier (v3 only; PII: kept, hashed or dropped by configuration)"),
        Column("viewport_width", "INTEGER", "Viewport width in pixels (v3 only)"),
        Column("viewport_height", "INTEGER", "Viewport height in pixels (v3 only)"),
        Column("deployment_version", "VARCHAR", "Deployment version of the application (v3 only)"),
        Column(
            "application_url", "VARCHAR", "Raygun's link to view the session (v3 only; Raygun's description: applicationUrl of a session)"
        ),
    ),
)

SESSION_DETAILS = Table(
    schema=SCHEMA,
    name="session_details",
    description="The full detail of a session, fetched one call per session within the daily call budget.",
    key_columns=("session_id",),
    scope_columns=_SCOPE,
    columns=(
        _SESSION_KEY,
        _PARTITION,
        _SOURCE_API,
        _APPLICATION,
        ACCOUNT_COLUMN,
        Column("status", "VARCHAR", "active or ended, when the detail was fetched"),
        Column("satisfaction_rating", "VARCHAR", "Excellent, Good, Average or Poor (v1 only)"),
        Column("session_end", "TIMESTAMPTZ", "When the session ended (null while active)"),
        Column("session_length_ms", "BIGINT", "Length of the session in milliseconds"),
        Column("ip_country", "VARCHAR", "Country name from the IP lookup (v1 only)"),
        Column("ip_state", "VARCHAR", "State or region from the IP lookup (PII: kept, hashed or dropped by configuration)"),
        Column("ip_city", "VARCHAR", "City from the IP lookup (PII: kept, hashed or dropped by configuration)"),
        Column("page_view_count", "INTEGER", "Page views in the detail (v3 sends at most 500)"),
        Column("error_count", "INTEGER", "Errors in the session (v3 sends at most 500)"),
        Column("fetched_at", "TIMESTAMPTZ", "When the detail was fetched", nullable=False),
    ),
)

PAGE_VIEWS = Table(
    schema=SCHEMA,
    name="page_views",
    description="Page views of the sessions whose details were fetched.",
    key_columns=("session_id", "view_index"),
    scope_columns=_SCOPE,
    columns=(
        _SESSION_KEY,
        _PARTITION,
        _SOURCE_API,
        _APPLICATION,
        ACCOUNT_COLUMN,
        Column("view_index", "INTEGER", "Position of the page view in the session (0-based)", nullable=False),
        Column(
            "page",
            "VARCHAR",
            "URL of the page (v1 only; its query string and fragment are PII: kept, hashed or dropped by configuration). NULL on "
            "v3 rows: a v3 page view names its page only by page_identifier; raygun/page_performance_daily joins raygun.pages "
            "for its URI or name",
        ),
        Column("loading_time_ms", "BIGINT", "Load time in milliseconds (v1 only)"),
        Column("viewing_time_ms", "BIGINT", "Time spent on the page in milliseconds (v1 only)"),
        Column("viewed_on", "TIMESTAMPTZ", "When the page was viewed"),
        Column("page_identifier", "VARCHAR", "Raygun page identifier (v3 only)"),
        Column(
            "application_url",
            "VARCHAR",
            "Raygun's link to view the page view in Raygun, not the visited page (v3 only; Raygun's description: "
            "applicationUrl of a session page view)",
        ),
    ),
)

SESSION_ERRORS = Table(
    schema=SCHEMA,
    name="session_errors",
    description="Errors that occurred in the sessions whose details were fetched.",
    key_columns=("session_id", "error_index"),
    scope_columns=_SCOPE,
    columns=(
        _SESSION_KEY,
        _PARTITION,
        _SOURCE_API,
        _APPLICATION,
        ACCOUNT_COLUMN,
        Column("error_index", "INTEGER", "Position of the error in the session (0-based)", nullable=False),
        Column("group_id", "BIGINT", "Raygun error group id (v1 only)"),
        Column("instance_id", "BIGINT", "Raygun error instance id (v1 only)"),
        Column("title", "VARCHAR", "Title of the error group (v1 only)"),
        Column("web_url", "VARCHAR", "Raygun web app URL of the error instance (v1 only)"),
        Column("error_group_identifier", "VARCHAR", "Raygun error group identifier (v3 only)"),
        Column("occurred_at", "TIMESTAMPTZ", "When the error occurred (v3 only)"),
        Column(
            "application_url",
            "VARCHAR",
            "Raygun's link to view the error instance (v3 only; Raygun's description: applicationUrl of a session error)",
        ),
    ),
)

DETAIL_TABLES = (SESSION_DETAILS, PAGE_VIEWS, SESSION_ERRORS)
ALL_TABLES = (SESSIONS, *DETAIL_TABLES)


def scope(source_api: str, application_id: str, account: str | None = None) -> dict[str, str]:
    """Where rows came from; with the account, what one write of a day replaces (the write fills the
    account into rows that leave it out)."""
    return {"source_api": source_api, "application_id": application_id, **({"account": account} if account is not None else {})}


def session_row(session: SessionSummary, day: date, pii: PiiPolicy, application_id: str = V1) -> dict[str, Any]:
    user, browser, platform, os_, location, links = (
        session.user,
        session.browser,
        session.platform,
        session.os,
        session.location,
        session.links,
    )
    return {
        "session_id": str(session.id),
        "partition_date": day,
        **scope(V1, application_id),
        "session_start": session.session_start,
        "session_updated": session.session_updated,
        "session_end": session.session_end,
        "status": session.status,
        "session_length_ms": session.session_length,
        "page_view_count": session.page_view_count,
        "user_id": user.id if user else None,
        "user_is_anonymous": user.is_anonymous if user else None,
        "user_identifier": pii.apply(user.identifier) if user else None,
        "user_first_name": pii.apply(user.first_name) if user else None,
        "user_full_name": pii.apply(user.full_name) if user else None,
        "user_email": pii.apply(user.email_address) if user else None,
        "user_first_seen": user.first_seen if user else None,
        "user_last_seen": user.last_seen if user else None,
        "browser_name": browser.name if browser else None,
        "browser_version": browser.version if browser else None,
        "platform_name": platform.name if platform else None,
        "os_name": os_.name if os_ else None,
        "os_version": os_.version if os_ else None,
        "country": location.country if location else None,
        "ip_address": pii.apply(location.ip_address) if location else None,
        "api_url": links.self_url if links else None,
        "web_url": links.web if links else None,
    }


def detail_rows(
    detail: SessionDetail, day: date, fetched_at: datetime, pii: PiiPolicy, application_id: str = V1
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The session_details row, the page_views rows and the session_errors rows of one detail.

    The IP lookup's city and region locate a person as closely as the IP address does, and page
    URLs' query strings and fragments hold what people typed: all follow ``pii`` like the address.
    """
    lookup = detail.location.ip_lookup if detail.location else None
    session_id, where = str(detail.id), scope(V1, application_id)
    details = {
        "session_id": session_id,
        "partition_date": day,
        **where,
        "status": detail.status,
        "satisfaction_rating": detail.satisfaction_rating,
        "session_end": detail.session_end,
        "session_length_ms": detail.session_length,
        "ip_country": lookup.country if lookup else None,
        "ip_state": pii.apply(lookup.state) if lookup else None,
        "ip_city": pii.apply(lookup.city) if lookup else None,
        "page_view_count": len(detail.page_views),
        "error_count": len(detail.errors),
        "fetched_at": fetched_at,
    }
    page_views = [
        {
            "session_id": session_id,
            "partition_date": day,
            **where,
            "view_index": index,
            "page": pii.apply_url(view.page),
            "loading_time_ms": view.loading_time,
            "viewing_time_ms": view.viewing_time,
            "viewed_on": view.viewed_on,
        }
        for index, view in enumerate(detail.page_views)
    ]
    errors = [
        {
            "session_id": session_id,
            "partition_date": day,
            **where,
            "error_index": index,
            "group_id": error.group_id,
            "instance_id": error.instance_id,
            "title": error.title,
            "web_url": error.links.web if error.links else None,
        }
        for index, error in enumerate(detail.errors)
    ]
    return details, page_views, errors


def _v3_status(session: v3.Session) -> str | None:
    if session.is_active is not None:
        return "active" if session.is_active else "ended"
    return "ended" if session.ended_at is not None else None


def _length_ms(session: v3.Session) -> int | None:
    if session.ended_at is None:
        return None
    return int((session.ended_at - session.started_at).total_seconds() * 1000)


def v3_session_row(session: v3.Session, app: str, day: date, pii: PiiPolicy) -> dict[str, Any]:
    """A v3 session list entry as a ``raygun.sessions`` row; customer, IP and URL query follow ``pii``."""
    return {
        "session_id": session.identifier,
        "partition_date": day,
        **scope(V3, app),
        "session_start": session.started_at,
        "session_updated": session.updated_at,
        "session_end": session.ended_at,
        "status": _v3_status(session),
        "session_length_ms": _length_ms(session),
        "browser_name": session.browser_name,
        "browser_version": session.browser_version,
        "platform_name": session.platform_name,
        "os_name": session.operating_system_name,
        "os_version": session.operating_system_version,
        "country": session.country_code,
        "ip_address": pii.apply(session.ip_address),
        "customer_identifier": pii.apply(session.customer_identifier),
        "viewport_width": session.viewport_width,
        "viewport_height": session.viewport_height,
        "deployment_version": session.deployment_version,
        "application_url": pii.apply_url(session.application_url),
    }


def v3_detail_rows(
    detail: v3.SessionDetail, app: str, day: date, fetched_at: datetime, pii: PiiPolicy
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The session_details, page_views and session_errors rows of one v3 session detail."""
    session_id, where = detail.identifier, scope(V3, app)
    details = {
        "session_id": session_id,
        "partition_date": day,
        **where,
        "status": _v3_status(detail),
        "session_end": detail.ended_at,
        "session_length_ms": _length_ms(detail),
        "page_view_count": len(detail.page_views),
        "error_count": len(detail.errors),
        "fetched_at": fetched_at,
    }
    page_views = [
        {
            "session_id": session_id,
            "partition_date": day,
            **where,
            "view_index": index,
            "page": None,
            "viewed_on": view.viewed_at,
            "page_identifier": view.page_identifier,
            "application_url": pii.apply_url(view.application_url),
        }
        for index, view in enumerate(detail.page_views)
    ]
    errors = [
        {
            "session_id": session_id,
            "partition_date": day,
            **where,
            "error_index": index,
            "error_group_identifier": error.error_group_identifier,
            "occurred_at": error.occurred_at,
            "application_url": pii.apply_url(error.application_url),
        }
        for index, error in enumerate(detail.errors)
    ]
    return details, page_views, errors
