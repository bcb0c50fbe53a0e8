"""Validation of Revenera request bodies shared by the report endpoints (answers 400 on misuse)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from rum_assets.emulator.revenera.data import Client


class BadRequest(Exception):
    """Becomes a 400 with this message."""


def body_object(body: Any) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object")
    return body


def parse_date(body: dict[str, Any], name: str, *, required: bool = True) -> date | None:
    value = body.get(name)
    if value is None:
        if required:
            raise BadRequest(f"{name} is required (YYYY-MM-DD)")
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a YYYY-MM-DD string")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} is not a valid YYYY-MM-DD date: {value!r}") from None


def date_range(body: dict[str, Any], today: date, retention_days: int) -> tuple[date, date]:
    start = parse_date(body, "startDate")
    stop = parse_date(body, "stopDate")
    assert start is not None and stop is not None
    if start > stop:
        raise BadRequest("startDate must not be after stopDate")
    if start < today - timedelta(days=retention_days):
        raise BadRequest(f"startDate is older than the {retention_days} days of history kept")
    return start, stop


def days_between(start: date, stop: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((stop - start).days + 1)]


def _value_matches(spec: Any, value: Any, where: str) -> bool:
    if not isinstance(spec, dict) or "type" not in spec:
        raise BadRequest(f"{where} must be an object with a type")
    kind = spec["type"]
    if kind == "string":
        return str(value) == str(spec.get("value"))
    if kind == "stringArray":
        values = spec.get("value")
        if not isinstance(values, list):
            raise BadRequest(f"{where}.value must be an array")
        return str(value) in {str(v) for v in values}
    if kind == "regex":
        try:
            return re.search(str(spec.get("value")), str(value)) is not None
        except re.error:
            raise BadRequest(f"{where}.value is not a valid regular expression") from None
    if kind == "number":
        return value == spec.get("value")
    if kind in ("numberRange", "dateRange"):
        convert = str if kind == "dateRange" else (lambda v: v)
        low, high = spec.get("min"), spec.get("max")
        if low is not None and convert(value) < convert(low):
            return False
        return high is None or convert(value) <= convert(high)
    if kind == "date":
        return str(value) == str(spec.get("value"))
    raise BadRequest(f"{where}.type {kind!r} is not supported")


def client_filter(body: dict[str, Any], day: date, last_seen: Any = None) -> Any:
    """A predicate over clients from ``globalFilters`` (string, regex, number and date filters)."""
    filters = body.get("globalFilters") or {}
    if not isinstance(filters, dict):
        raise BadRequest("globalFilters must be an object")

    def keep(client: Client) -> bool:
        properties = client.properties_on(day)
        for name, spec in filters.items():
            if name == "dateLastSeen":
                seen = last_seen(client) if last_seen else None
                if seen is None or not _value_matches(spec, seen.isoformat(), f"globalFilters.{name}"):
                    return False
                continue
            if name not in properties:
                raise BadRequest(f"globalFilters.{name} is not a known property")
            if not _value_matches(spec, properties[name], f"globalFilters.{name}"):
                return False
        return True

    return keep


def segment_label(segment: Any, value: Any, where: str) -> str | None:
    """The series a property value falls in for one segment, or None when it is not in it."""
    if not _value_matches(segment, value, where):
        return None
    if segment.get("split"):
        return str(value)
    label = segment.get("segmentLabel")
    if not isinstance(label, str) or not label:
        raise BadRequest(f"{where}.segmentLabel is required when split is not true")
    return label
