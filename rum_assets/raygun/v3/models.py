"""Pydantic models of the Raygun v3 API payloads, field for field as Raygun's published description
gives its schemas.

Tolerant where the vendor may grow its payloads: unknown fields are kept (``extra="allow"``) so a
new field is visible in ``model_extra`` (and :func:`undescribed`) instead of silently lost. Strict where
the pipeline depends on the contract: identifiers and the timestamps we partition or order by are
required, so a payload without them fails loudly with the field's name. The exception is a deployment's
``deployedAt``, which the description does not require: one without it is kept and set aside by the load
(``raygun._rejected_rows``) rather than failing its whole application.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator
from pydantic.alias_generators import to_camel


class V3Model(BaseModel):
    model_config = ConfigDict(extra="allow", alias_generator=to_camel, populate_by_name=True, frozen=True)


class Application(V3Model):
    """``apiKey`` is an ingestion secret: it is dropped on parsing and never stored."""

    identifier: str
    plan_identifier: str | None = None
    name: str | None = None
    has_sent_crash_data: bool | None = None
    has_sent_apm_data: bool | None = None
    has_sent_rum_data: bool | None = None
    rum_data_type: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _drop_api_key(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if key.lower() not in ("apikey", "api_key")}
        return data


class Session(V3Model):
    identifier: str
    application_identifier: str | None = None
    customer_identifier: str | None = None
    is_active: bool | None = None
    started_at: datetime
    updated_at: datetime | None = None
    ended_at: datetime | None = None
    ip_address: str | None = None
    country_code: str | None = None
    platform_name: str | None = None
    operating_system_name: str | None = None
    operating_system_version: str | None = None
    browser_name: str | None = None
    browser_version: str | None = None
    viewport_width: int | None = None
    viewport_height: int | None = None
    deployment_version: str | None = None
    application_url: str | None = None


class PageView(V3Model):
    page_identifier: str
    viewed_at: datetime
    application_url: str | None = None


class SessionErrorRef(V3Model):
    error_group_identifier: str
    occurred_at: datetime
    application_url: str | None = None


class SessionDetail(Session):
    """A session with ``include=pageViews,errors``; the vendor caps each list at 500 entries."""

    page_views: list[PageView] = Field(default_factory=list)
    errors: list[SessionErrorRef] = Field(default_factory=list)


class Page(V3Model):
    """A web page (``uri``) or a mobile view (``name``)."""

    identifier: str
    application_identifier: str | None = None
    type: str | None = None
    uri: str | None = None
    name: str | None = None
    last_seen_at: datetime | None = None


class Customer(V3Model):
    identifier: str
    application_identifier: str | None = None
    external_identifier: str | None = None
    email_address: str | None = None
    first_name: str | None = None
    full_name: str | None = None
    is_anonymous: bool | None = None
    first_seen_at: datetime | None = None
    last_seen_at: datetime


class ResolvedIn(V3Model):
    """The version an error group was resolved in."""

    version: str | None = None
    discard_from_previous_versions: bool | None = None


class ErrorGroup(V3Model):
    """The description's ``error-group``. It requires message, status and both timestamps too, but
    only the identifier is needed to land a row, so the others are optional here; ``status`` is text
    (the description's enum is active, resolved, ignored, permanentlyIgnored), so a new status lands."""

    identifier: str
    application_identifier: str | None = None
    message: str | None = None
    status: str | None = None
    last_occurred_at: datetime | None = None
    created_at: datetime | None = None
    resolved_in: ResolvedIn | None = None
    discard_new_occurrences: bool | None = None
    application_url: str | None = None


class Deployment(V3Model):
    """The description's ``deployment``: identifier, application and version required, the rest optional
    (``deployedAt`` too; ``scmType`` is text, its enum is gitHub, bitbucket, gitLab, azureDevOps)."""

    identifier: str
    application_identifier: str | None = None
    version: str | None = None
    email_address: str | None = None
    owner_name: str | None = None
    comment: str | None = None
    scm_identifier: str | None = None
    scm_type: str | None = None
    deployed_at: datetime | None = None
    application_url: str | None = None


def undescribed(model: BaseModel) -> dict[str, Any]:
    """The fields of ``model`` the description does not give, as sent, with those of its nested models
    under the nested field's wire name (``{"resolvedIn": {...}}``); empty when there are none."""
    found: dict[str, Any] = dict(model.model_extra or {})
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            inner = undescribed(value)
            if inner:
                found[info.alias or name] = inner
    return found


class SeriesPoint(V3Model):
    time: datetime
    value: float | None = None


class TimeSeries(V3Model):
    aggregation: str
    metric: str
    series: list[SeriesPoint]


class Problem(V3Model):
    """An RFC 7807 problem-details body; every field optional because proxies answer too."""

    type: str | None = None
    title: str | None = None
    detail: str | None = None
    status: int | None = None
    trace_id: str | None = None
    errors: dict[str, list[str]] | None = None


PageMetric = Literal[
    "pageViews",
    "loadTime",
    "firstPaint",
    "firstContentfulPaint",
    "firstInputDelay",
    "largestContentfulPaint",
    "cumulativeLayoutShift",
    "interactionToNextPaint",
]
PAGE_METRICS: tuple[PageMetric, ...] = get_args(PageMetric)
Aggregation = Literal["count", "average", "median", "sum", "min", "max", "p95", "p99"]
DEFAULT_AGGREGATIONS: tuple[Aggregation, ...] = ("median", "p95", "p99", "average", "count")
Granularity = Literal["15m", "1h", "4h", "12h", "1d", "7d"]


class ApplicationList(RootModel[list[Application]]):
    pass


class SessionList(RootModel[list[Session]]):
    pass


class PageList(RootModel[list[Page]]):
    pass


class CustomerList(RootModel[list[Customer]]):
    pass


class ErrorGroupList(RootModel[list[ErrorGroup]]):
    pass


class DeploymentList(RootModel[list[Deployment]]):
    pass


class TimeSeriesList(RootModel[list[TimeSeries]]):
    pass
