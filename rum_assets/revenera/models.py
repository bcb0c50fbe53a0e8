"""Pydantic models of the Revenera Usage Intelligence v3 payloads the project reads.

Extra fields are ignored. Envelopes follow v3 (``result``); the v2 spelling ``results`` is accepted
too, as the reference advises.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator


class ReveneraModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


def _result(default: Any = ...) -> Any:
    return Field(default, validation_alias=AliasChoices("result", "results"))


class LoginResponse(ReveneraModel):
    products: dict[str, Any] = Field(default_factory=dict)


class ProductProperty(ReveneraModel):
    name: str
    friendly_name: str | None = Field(None, alias="friendlyName")
    filter_type: str | None = Field(None, alias="filterType")
    data_type: str | None = Field(None, alias="dataType")
    supports_regex: bool | None = Field(None, alias="supportsRegex")
    supports_meta: bool | None = Field(None, alias="supportsMeta")
    supports_null: bool | None = Field(None, alias="supportsNull")


class PropertyCategory(ReveneraModel):
    category: str
    properties: list[ProductProperty]


class ProductProperties(ReveneraModel):
    result: list[PropertyCategory] = _result()


class CatalogEvent(ReveneraModel):
    event_name: str = Field(alias="eventName")
    basic: bool | None = None
    advanced: bool | None = None
    date_first_seen: date | None = Field(None, alias="dateFirstSeen")


class EventCategory(ReveneraModel):
    category: str | None
    category_event_names: list[CatalogEvent] = Field(alias="categoryEventNames")


class EventCatalog(ReveneraModel):
    result: list[EventCategory] = _result()


class StatusCounts(ReveneraModel):
    new: int | None = None
    active: int | None = None
    lost: int | None = None


class SegmentTotals(ReveneraModel):
    totals: StatusCounts


class SegmentedCounts(ReveneraModel):
    level1: dict[str, SegmentTotals]


class DateRangeReport(ReveneraModel):
    """``{"result": {"YYYY-MM-DD": {"active": n, ...} | {"level1": {segment: {"totals": {...}}}}}}``."""

    result: dict[date, SegmentedCounts | StatusCounts] = _result()


class EventUsage(ReveneraModel):
    """One entry of the advanced full report: an event (``category``/``name``) or a combination of
    events (``combiLabel``, no name). Entries from the basic timeline carry a count only."""

    category: str | None = None
    name: str | None = None
    combi_label: str | None = Field(None, alias="combiLabel")
    tracking: str = "ADVANCED"
    event_counts: int = Field(alias="eventCounts")
    unique_users_used_at_least_once: int | None = Field(None, alias="uniqueUsersUsedAtLeastOnce")
    unique_users_never_used: int | None = Field(None, alias="uniqueUsersNeverUsed")
    average_event_count_per_user_at_least_once: float | None = Field(None, alias="averageEventCountPerUserAtLeastOnce")


class EventUsageReport(ReveneraModel):
    result: list[EventUsage] = _result()

    @model_validator(mode="after")
    def _named(self) -> EventUsageReport:
        for n, entry in enumerate(self.result):
            if entry.name is None and entry.combi_label is None:
                raise ValueError(f"result.{n} has neither a name nor a combiLabel")
        return self


class TimelineValue(ReveneraModel):
    category: str | None = None
    name: str | None = None
    combi_label: str | None = Field(None, alias="combiLabel")
    value: float


class EventTimeline(ReveneraModel):
    """Basic event timeline: ``{"result": {"<period start>": [{category, name, value}]}}``."""

    result: dict[date, list[TimelineValue]] = _result()


class ActiveDaysBucket(ReveneraModel):
    users: int | None = None
    sessions: dict[str, int] = Field(default_factory=dict)
    runtime: dict[str, int] = Field(default_factory=dict)


class UsageDistributionResult(ReveneraModel):
    active_days: dict[str, ActiveDaysBucket] = Field(default_factory=dict, alias="activeDays")
    sessions: dict[str, int] = Field(default_factory=dict)
    runtime: dict[str, int] = Field(default_factory=dict)


class UsageDistribution(ReveneraModel):
    """``{"result": {"activeDays": {"<n>": {"users", "sessions": {bucket: n}, "runtime": {bucket: n}}}}}``;
    top-level ``sessions``/``runtime`` histograms are read too when the vendor sends them."""

    result: UsageDistributionResult = _result()


class LicenseKey(ReveneraModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)

    license_key: str = Field(alias="licenseKey")
    license_type: str | None = Field(None, alias="licenseType")
    status: str | None = None
    allowed: bool | None = None
    blocked: bool | None = None
    activated: bool | None = None
    expired: bool | None = None
    expiry_date: date | None = Field(None, validation_alias=AliasChoices("expiryDate", "expirationDate", "dateExpires"))
    date_created: date | None = Field(None, validation_alias=AliasChoices("dateCreated", "createdDate", "dateAdded"))
    clients_allowed: int | None = Field(None, validation_alias=AliasChoices("allowedClients", "clientsAllowed", "maxClients"))
    clients_using: int | None = Field(None, validation_alias=AliasChoices("clientCount", "clientsUsing", "activeClients", "numClients"))


class LicenseKeyList(ReveneraModel):
    result: list[LicenseKey] = _result()


class ClientPage(ReveneraModel):
    result: list[dict[str, Any]] = _result()
    reached_end: bool = Field(alias="reachedEnd")
    next_client_id: str | None = Field(None, alias="nextClientId")


class RawFile(ReveneraModel):
    file_name: str = Field(alias="fileName")
    file_date: date = Field(alias="fileDate")
    compressed_size_kb: float | None = Field(None, alias="compressedSizeKB")


class RawFileList(ReveneraModel):
    file_list: list[RawFile] = Field(alias="fileList")


class TrackingFile(ReveneraModel):
    file_name: str = Field(alias="fileName")
    file_date: date = Field(alias="fileDate")
    compressed_size_kb: float | None = Field(None, alias="compressedSizeKB")
    uncompressed_size_kb: float | None = Field(None, alias="uncompressedSizeKB")
    is_available: bool | None = Field(None, alias="isAvailable")


class TrackingFileList(ReveneraModel):
    open_daily_files: list[TrackingFile] = Field(default_factory=list, alias="openDailyFiles")
    daily_files: list[TrackingFile] = Field(default_factory=list, alias="dailyFiles")
