"""Pydantic models of the Revenera Usage Intelligence v3 payloads the project reads.

Extra fields are ignored. Envelopes follow v3 (``result``); the v2 spelling ``results`` is accepted
too, as the reference advises.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field


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
    category: str | None
    name: str
    event_counts: int = Field(alias="eventCounts")
    unique_users_used_at_least_once: int | None = Field(None, alias="uniqueUsersUsedAtLeastOnce")
    unique_users_never_used: int | None = Field(None, alias="uniqueUsersNeverUsed")
    average_event_count_per_user_at_least_once: float | None = Field(None, alias="averageEventCountPerUserAtLeastOnce")


class EventUsageReport(ReveneraModel):
    result: list[EventUsage] = _result()


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
    uncompressed_size_kb: float | None = Field(None, alias="uncompressedSizeKB")
    is_available: bool | None = Field(None, alias="isAvailable")


class TrackingFileList(ReveneraModel):
    open_daily_files: list[TrackingFile] = Field(default_factory=list, alias="openDailyFiles")
    daily_files: list[TrackingFile] = Field(default_factory=list, alias="dailyFiles")
