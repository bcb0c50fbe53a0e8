"""Validation of Revenera request bodies: dates, ``globalFilters``, segments. Misuse becomes a 400.

Filters follow the reference (section 3.2): ``string``, ``stringArray``, ``regex`` on string
properties, ``number`` and ``numberRange`` on numeric ones, ``date`` and ``dateRange`` on
``dateInstalled`` and ``dateLastSeen``, and the special ``geography`` object
(``{"type": "string"|"stringArray", "continent"|"country"|"usState": [...]}``; every granularity
given must match). Other special filters (``licenseStatus``, ``os``, ...) are refused with a 400 that
says the emulator does not support them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, Literal, overload

from rum_emulator.revenera.data import PROPERTIES, Client

ClientPredicate = Callable[[Client, date], bool]
"""(client, day) -> whether the client passes; ``day`` is the day whose property values count."""


class BadRequest(Exception):
    """Becomes a 400 with this message."""


def body_object(body: Any) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object")
    return body


@overload
def parse_date(body: dict[str, Any], name: str, *, required: Literal[True] = True, where: str = "") -> date: ...
@overload
def parse_date(body: dict[str, Any], name: str, *, required: bool = True, where: str = "") -> date | None: ...
def parse_date(body: dict[str, Any], name: str, *, required: bool = True, where: str = "") -> date | None:
    value = body.get(name)
    field = f"{where}{name}"
    if value is None:
        if required:
            raise BadRequest(f"{field} is required (YYYY-MM-DD)")
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise BadRequest(f"{field} must be a YYYY-MM-DD string, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{field} is not a valid date: {value!r}") from None


def date_range(body: dict[str, Any], today: date, retention_days: int, where: str = "") -> tuple[date, date]:
    """``startDate``/``stopDate``: both required, start <= stop, start within the retained history.

    Days after today are allowed and simply have no data (the vendor has none yet)."""
    start = parse_date(body, "startDate", where=where)
    stop = parse_date(body, "stopDate", where=where)
    assert start is not None and stop is not None
    if start > stop:
        raise BadRequest(f"{where}startDate {start} is after {where}stopDate {stop}")
    oldest = today - timedelta(days=retention_days)
    if start < oldest:
        raise BadRequest(f"{where}startDate {start} is older than the {retention_days} days of history kept (oldest {oldest})")
    return start, stop


def days_between(start: date, stop: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((stop - start).days + 1)]


def matcher(spec: Any, where: str, data_type: str = "string") -> Callable[[Any], bool]:
    """A predicate over one property value for a filter or segment object (validated once)."""
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        raise BadRequest(f"{where} must be an object with a type")
    kind = spec["type"]
    value = spec.get("value")
    if kind in ("string", "stringArray", "regex") and data_type not in ("string", "date"):
        raise BadRequest(f"{where}.type {kind!r} does not apply to a {data_type} property")
    if kind == "string":
        if value is None:
            raise BadRequest(f"{where}.value is required")
        return lambda v: str(v) == str(value)
    if kind == "stringArray":
        if not isinstance(value, list) or not value:
            raise BadRequest(f"{where}.value must be a non-empty array")
        wanted = {str(v) for v in value}
        return lambda v: str(v) in wanted
    if kind == "regex":
        try:
            pattern = re.compile(str(value))
        except re.error:
            raise BadRequest(f"{where}.value is not a valid regular expression") from None
        return lambda v: pattern.search(str(v)) is not None
    if kind in ("number", "numberRange"):
        if data_type != "number":
            raise BadRequest(f"{where}.type {kind!r} needs a numeric property")
        if kind == "number":
            if not isinstance(value, int | float):
                raise BadRequest(f"{where}.value must be a number")
            return lambda v: v == value
        low, high = spec.get("min"), spec.get("max")
        if (low is None and high is None) or any(b is not None and not isinstance(b, int | float) for b in (low, high)):
            raise BadRequest(f"{where} needs a numeric min and/or max")
        return lambda v: isinstance(v, int | float) and (low is None or v >= low) and (high is None or v <= high)
    if kind in ("date", "dateRange"):
        if data_type != "date":
            raise BadRequest(f"{where}.type {kind!r} needs a date property")
        if kind == "date":
            exact = parse_date(spec, "value", where=f"{where}.")
            return lambda v: v == exact.isoformat()
        low_d = parse_date(spec, "min", required=False, where=f"{where}.")
        high_d = parse_date(spec, "max", required=False, where=f"{where}.")
        if low_d is None and high_d is None:
            raise BadRequest(f"{where} needs min and/or max")
        low_s = low_d.isoformat() if low_d else None
        high_s = high_d.isoformat() if high_d else None
        return lambda v: v is not None and v != "<NULL>" and (low_s is None or v >= low_s) and (high_s is None or v <= high_s)
    raise BadRequest(f"{where}.type {kind!r} is not supported")


def _geography(spec: Any, where: str) -> ClientPredicate:
    if not isinstance(spec, dict) or spec.get("type") not in ("string", "stringArray"):
        raise BadRequest(f'{where} must be {{"type": "string"|"stringArray", "continent"|"country"|"usState": [...]}}')
    checks: list[tuple[str, set[str]]] = []
    for granularity in ("continent", "country", "usState"):
        if granularity in spec:
            values = spec[granularity]
            values = values if isinstance(values, list) else [values]
            checks.append((f"geography.{granularity}", {str(v) for v in values}))
    if not checks:
        raise BadRequest(f"{where} needs continent, country or usState")
    return lambda client, day: all(client.property_on(name, day) in wanted for name, wanted in checks)


def client_filter(body: dict[str, Any], last_seen: Callable[[Client], date | None] | None = None) -> ClientPredicate | None:
    """The ``globalFilters`` of a body as one predicate, or None when there are none."""
    filters = body.get("globalFilters") or {}
    if not isinstance(filters, dict):
        raise BadRequest("globalFilters must be an object")
    checks: list[ClientPredicate] = []
    for name, spec in filters.items():
        where = f"globalFilters.{name}"
        if name == "geography":
            checks.append(_geography(spec, where))
        elif name == "dateLastSeen":
            if last_seen is None:
                raise BadRequest(f"{where} is not supported on this report")
            seen_ok = matcher(spec, where, "date")

            def check_seen(client: Client, day: date, seen_ok: Callable[[Any], bool] = seen_ok) -> bool:
                seen = last_seen(client)
                return seen is not None and seen_ok(seen.isoformat())

            checks.append(check_seen)
        elif name in PROPERTIES:
            ok = matcher(spec, where, PROPERTIES[name].data_type)

            def check_property(client: Client, day: date, name: str = name, ok: Callable[[Any], bool] = ok) -> bool:
                return ok(client.property_on(name, day))

            checks.append(check_property)
        else:
            raise BadRequest(
                f"{where} is not a property this emulator can filter on (known: {', '.join(sorted([*PROPERTIES, 'geography', 'dateLastSeen']))})"
            )
    if not checks:
        return None
    return lambda client, day: all(check(client, day) for check in checks)


class Segments:
    """The segments of one level: which series a property value falls in.

    ``split: true`` (stringArray or regex) gives one series per matching value; otherwise the series
    is ``segmentLabel`` (required, unique). ``limit`` is accepted and ignored."""

    def __init__(self, level: Any, where: str) -> None:
        if (
            not isinstance(level, dict)
            or not isinstance(level.get("property"), str)
            or not isinstance(level.get("segments"), list)
            or not level["segments"]
        ):
            raise BadRequest(f"{where} needs a property and a non-empty list of segments")
        self.property = level["property"]
        if self.property not in PROPERTIES:
            raise BadRequest(f"{where}.property {self.property!r} is not a known property")
        data_type = PROPERTIES[self.property].data_type
        self.fixed_labels: list[str] = []
        self._segments: list[tuple[Callable[[Any], bool], str | None]] = []
        for n, segment in enumerate(level["segments"]):
            seg_where = f"{where}.segments[{n}]"
            ok = matcher(segment, seg_where, data_type)
            if segment.get("split") is True:
                if segment["type"] not in ("stringArray", "regex"):
                    raise BadRequest(f"{seg_where}.split is only allowed for stringArray and regex segments")
                self._segments.append((ok, None))
                continue
            label = segment.get("segmentLabel")
            if segment["type"] == "string" and label is None:
                label = str(segment.get("value"))
            if not isinstance(label, str) or not label:
                raise BadRequest(f"{seg_where}.segmentLabel is required when split is not true")
            if label in self.fixed_labels:
                raise BadRequest(f"{seg_where}.segmentLabel {label!r} is not unique")
            self.fixed_labels.append(label)
            self._segments.append((ok, label))

    def labels(self, client: Client, day: date) -> list[str]:
        value = client.property_on(self.property, day)
        found: list[str] = []
        for ok, label in self._segments:
            if ok(value):
                name = str(value) if label is None else label
                if name not in found:
                    found.append(name)
        return found
