"""The Raygun tables in the warehouse and how API records become their rows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from rum_assets.pii import PiiPolicy
from rum_assets.raygun.models import SessionDetail, SessionSummary
from rum_assets.warehouse import Column, Table

SCHEMA = "raygun"

_SESSION_KEY = Column("session_id", "BIGINT", "Raygun session id", nullable=False)
_PARTITION = Column("partition_date", "DATE", "UTC day of sessionStart (the Dagster partition)", nullable=False)

SESSIONS = Table(
    schema=SCHEMA,
    name="sessions",
    description="One row per Raygun RUM session, assigned to the UTC day of its start.",
    key_columns=("session_id",),
    keep_on_duplicate="session_updated DESC NULLS LAST",
    columns=(
        _SESSION_KEY,
        _PARTITION,
        Column("session_start", "TIMESTAMPTZ", "When the session started", nullable=False),
        Column("session_updated", "TIMESTAMPTZ", "When the session was last updated"),
        Column("session_end", "TIMESTAMPTZ", "When the session ended (null while active)"),
        Column("status", "VARCHAR", "active or ended, when listed"),
        Column("session_length_ms", "BIGINT", "Length of the session in milliseconds"),
        Column("page_view_count", "INTEGER", "Page views in the session"),
        Column("user_id", "BIGINT", "Raygun user id"),
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
        Column("api_url", "VARCHAR", "API URL of the session"),
        Column("web_url", "VARCHAR", "Raygun web app URL of the session"),
    ),
)

SESSION_DETAILS = Table(
    schema=SCHEMA,
    name="session_details",
    description="The full detail of a session, fetched one call per session within the daily call budget.",
    key_columns=("session_id",),
    columns=(
        _SESSION_KEY,
        _PARTITION,
        Column("status", "VARCHAR", "active or ended, when the detail was fetched"),
        Column("satisfaction_rating", "VARCHAR", "Excellent, Good, Average or Poor"),
        Column("session_end", "TIMESTAMPTZ", "When the session ended (null while active)"),
        Column("session_length_ms", "BIGINT", "Length of the session in milliseconds"),
        Column("ip_country", "VARCHAR", "Country name from the IP lookup"),
        Column("ip_state", "VARCHAR", "State or region from the IP lookup (PII: kept, hashed or dropped by configuration)"),
        Column("ip_city", "VARCHAR", "City from the IP lookup (PII: kept, hashed or dropped by configuration)"),
        Column("page_view_count", "INTEGER", "Page views in the detail"),
        Column("error_count", "INTEGER", "Errors in the session"),
        Column("fetched_at", "TIMESTAMPTZ", "When the detail was fetched", nullable=False),
    ),
)

PAGE_VIEWS = Table(
    schema=SCHEMA,
    name="page_views",
    description="Page views of the sessions whose details were fetched.",
    key_columns=("session_id", "view_index"),
    columns=(
        _SESSION_KEY,
        _PARTITION,
        Column("view_index", "INTEGER", "Position of the page view in the session (0-based)", nullable=False),
        Column("page", "VARCHAR", "URL of the page; its query string and fragment are PII (kept, hashed or dropped by configuration)"),
        Column("loading_time_ms", "BIGINT", "Load time in milliseconds"),
        Column("viewing_time_ms", "BIGINT", "Time spent on the page in milliseconds"),
        Column("viewed_on", "TIMESTAMPTZ", "When the page was viewed"),
    ),
)

SESSION_ERRORS = Table(
    schema=SCHEMA,
    name="session_errors",
    description="Errors that occurred in the sessions whose details were fetched.",
    key_columns=("session_id", "error_index"),
    columns=(
        _SESSION_KEY,
        _PARTITION,
        Column("error_index", "INTEGER", "Position of the error in the session (0-based)", nullable=False),
        Column("group_id", "BIGINT", "Raygun error group id"),
        Column("instance_id", "BIGINT", "Raygun error instance id"),
        Column("title", "VARCHAR", "Title of the error group"),
        Column("web_url", "VARCHAR", "Raygun web app URL of the error instance"),
    ),
)

DETAIL_TABLES = (SESSION_DETAILS, PAGE_VIEWS, SESSION_ERRORS)


def session_row(session: SessionSummary, day: date, pii: PiiPolicy) -> dict[str, Any]:
    user, browser, platform, os_, location, links = (
        session.user,
        session.browser,
        session.platform,
        session.os,
        session.location,
        session.links,
    )
    return {
        "session_id": session.id,
        "partition_date": day,
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
    detail: SessionDetail, day: date, fetched_at: datetime, pii: PiiPolicy
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The session_details row, the page_views rows and the session_errors rows of one detail.

    The IP lookup's city and region locate a person as closely as the IP address does, and page
    URLs' query strings and fragments hold what people typed: all follow ``pii`` like the address.
    """
    lookup = detail.location.ip_lookup if detail.location else None
    details = {
        "session_id": detail.id,
        "partition_date": day,
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
            "session_id": detail.id,
            "partition_date": day,
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
            "session_id": detail.id,
            "partition_date": day,
            "error_index": index,
            "group_id": error.group_id,
            "instance_id": error.instance_id,
            "title": error.title,
            "web_url": error.links.web if error.links else None,
        }
        for index, error in enumerate(detail.errors)
    ]
    return details, page_views, errors
