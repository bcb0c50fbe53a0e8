"""Pydantic models of the Raygun RUM v1 ("pulse") payloads.

Unknown extra fields are ignored and every field the documentation marks as nullable (and every
descriptive field, which real payloads leave null for anonymous users) may be null. What a row
cannot exist without (a session's ``id`` and ``sessionStart``, a page's ``totalSessions``) is
required, so a payload that breaks the contract fails loudly with the field's name.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


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
    id: int | None = None
    is_anonymous: bool | None = None
    identifier: str | None = None
    first_name: str | None = None
    full_name: str | None = None
    email_address: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
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
    id: int
    session_start: datetime
    session_updated: datetime | None = None
    session_end: datetime | None = None
    user: User | None = None
    browser: Browser | None = None
    platform: Platform | None = None
    os: OperatingSystem | None = None
    location: Location | None = None
    session_length: int | None = None
    status: str | None = None
    page_view_count: int | None = None
    links: SessionLinks | None = None


class SessionError(RaygunModel):
    group_id: int | None = None
    instance_id: int | None = None
    title: str | None = None
    links: WebLinks | None = None


class PageView(RaygunModel):
    page: str | None = None
    loading_time: int | None = None
    viewing_time: int | None = None
    viewed_on: datetime | None = None


class SessionDetail(SessionSummary):
    satisfaction_rating: str | None = None
    errors: list[SessionError] = Field(default_factory=list)
    page_views: list[PageView] = Field(default_factory=list)


class SessionsPage(RaygunModel):
    total_sessions: int
    sessions: list[SessionSummary]
    links: PageLinks | None = None


class SessionEnvelope(RaygunModel):
    session: SessionDetail


class AuthenticateResponse(RaygunModel):
    session_key: str = Field(min_length=1)
