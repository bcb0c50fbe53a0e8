"""Pydantic models of the Raygun RUM v1 ("pulse") payloads.

Unknown extra fields are ignored and every field the documentation marks as nullable (and every
descriptive field, which real payloads leave null for anonymous users) may be null. What a row
cannot exist without (a session's ``id`` and ``sessionStart``, a page's ``totalSessions``) is
required, so a payload that breaks the contract fails loudly with the field's name.

Variants the documentation does not rule out are normalised here: a date-time without a zone (or a
plain date) is UTC, never the host's zone; an integer may arrive as ``12.0`` (but not ``12.5``, and
not as a float too large to be exact); ``status`` is compared in lower case.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

_FLOAT_EXACT_LIMIT = 2**53


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _whole_number(value: object) -> object:
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise ValueError(f"expected a whole number, got {value!r}")
        if abs(value) > _FLOAT_EXACT_LIMIT:
            raise ValueError(f"{value!r} is too large to be exact as a float")
        return int(value)
    return value


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]
"""An ISO 8601 date-time or date; naive values are UTC, aware ones are converted to UTC."""
WholeInt = Annotated[int, BeforeValidator(_whole_number)]
"""An integer, also written as a float with no fraction (``12.0``) when it is exactly representable."""


class RaygunModel(BaseModel):
    model_config = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True, frozen=True)


class WebLinks(RaygunModel):
    web: str | None = None


class SessionLinks(RaygunModel):
    self_url: str | None = Field(default=None, validation_alias=AliasChoices("self", "selfUrl"))
    web: str | None = None


class PageLinks(RaygunModel):
    self_url: str | None = Field(default=None, validation_alias=AliasChoices("self", "selfUrl"))
    next: str | None = None
    previous: str | None = None


class User(RaygunModel):
    id: WholeInt | None = None
    is_anonymous: bool | None = None
    identifier: str | None = None
    first_name: str | None = None
    full_name: str | None = None
    email_address: str | None = None
    first_seen: UtcDatetime | None = None
    last_seen: UtcDatetime | None = None
    links: WebLinks | None = None


class Browser(RaygunModel):
    name: str | None = None
    version: str | None = None


class Platform(RaygunModel):
    name: str | None = None


class OperatingSystem(RaygunModel):
    name: str | None = None
    version: str | None = None


class IpLookup(RaygunModel):
    country: str | None = None
    state: str | None = None
    city: str | None = None


class Location(RaygunModel):
    country: str | None = None
    ip_address: str | None = None
    ip_lookup: IpLookup | None = None


class SessionSummary(RaygunModel):
    id: WholeInt
    session_start: UtcDatetime
    session_updated: UtcDatetime | None = None
    session_end: UtcDatetime | None = None
    user: User | None = None
    browser: Browser | None = None
    platform: Platform | None = None
    os: OperatingSystem | None = None
    location: Location | None = None
    session_length: WholeInt | None = None
    status: str | None = None
    """``active`` or ``ended``, lower-cased whatever case the API used."""
    page_view_count: WholeInt | None = None
    links: SessionLinks | None = None

    @field_validator("status")
    @classmethod
    def _lower_status(cls, value: str | None) -> str | None:
        return value.strip().lower() if value is not None else None


class SessionError(RaygunModel):
    group_id: WholeInt | None = None
    instance_id: WholeInt | None = None
    title: str | None = None
    links: WebLinks | None = None


class PageView(RaygunModel):
    page: str | None = None
    loading_time: WholeInt | None = None
    viewing_time: WholeInt | None = None
    viewed_on: UtcDatetime | None = None


class SessionDetail(SessionSummary):
    satisfaction_rating: str | None = None
    errors: list[SessionError] = Field(default_factory=list)
    page_views: list[PageView] = Field(default_factory=list)


class SessionsPage(RaygunModel):
    total_sessions: WholeInt
    sessions: list[SessionSummary]
    links: PageLinks | None = None


class _UnreadSession(BaseModel):
    """A session counted, not read: any JSON object."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class SessionsPageHead(RaygunModel):
    """What paging needs from a page (the total, the count, ``links.next``): about a tenth of the cost
    of reading its sessions, so the next page can be asked for while this one is read."""

    total_sessions: WholeInt
    sessions: list[_UnreadSession]
    links: PageLinks | None = None


class SessionEnvelope(RaygunModel):
    session: SessionDetail


class AuthenticateResponse(RaygunModel):
    session_key: str = Field(min_length=1)
