"""``count``, ``offset`` and ``orderby`` of every list endpoint, and ordering small collections.

``orderby`` is ``field`` or ``field desc`` (``asc`` is accepted too), comma separated. Nulls sort after
values ascending and before them descending. Rows equal on every orderby field are ordered by
``identifier`` in the direction of the first orderby field, so a descending list is the exact reverse
of the ascending one and offset paging is stable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rum_assets.emulator.raygun_v3.problems import Invalid
from rum_assets.emulator.server import Request

MAX_COUNT = 500
DEFAULT_COUNT = 100
_INTEGER = re.compile(r"[+-]?\d+")


@dataclass(frozen=True)
class Paging:
    count: int
    offset: int
    order: list[tuple[str, bool]]
    """``(field, descending)`` in priority order; empty when the caller gave none."""


def _integer(request: Request, name: str, default: int, low: int, high: int | None, errors: dict[str, list[str]]) -> int:
    raw = request.query_one(name)
    if raw is None or raw.strip() == "":
        return default
    if not _INTEGER.fullmatch(raw.strip()):
        errors[name] = [f"The value '{raw}' is not valid for {name}: it must be an integer."]
        return default
    value = int(raw)
    if value < low or (high is not None and value > high):
        errors[name] = [f"{name} must be between {low} and {high}." if high is not None else f"{name} must be {low} or more."]
    return value


def parse_order(raw: str | None, allowed: Iterable[str]) -> list[tuple[str, bool]]:
    """Raises ``Invalid`` naming the allowed fields when a field is unknown, repeated or malformed."""
    if raw is None or not raw.strip():
        return []
    allowed = list(allowed)
    order: list[tuple[str, bool]] = []
    for item in raw.split(","):
        words = item.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise Invalid.one("orderby", f"'{item.strip()}' is not 'field' or 'field desc'.")
        if words[0] not in allowed:
            raise Invalid.one("orderby", f"'{words[0]}' cannot be ordered by; allowed: {', '.join(allowed)}.")
        if any(name == words[0] for name, _ in order):
            raise Invalid.one("orderby", f"'{words[0]}' appears more than once.")
        order.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    return order


def parse_paging(request: Request, allowed_order: Iterable[str]) -> Paging:
    errors: dict[str, list[str]] = {}
    count = _integer(request, "count", DEFAULT_COUNT, 1, MAX_COUNT, errors)
    offset = _integer(request, "offset", 0, 0, None, errors)
    try:
        order = parse_order(request.query_one("orderby"), allowed_order)
    except Invalid as exc:
        errors.update(exc.errors)
        order = []
    if errors:
        raise Invalid(errors)
    return Paging(count, offset, order)


def ordered(rows: list[dict[str, Any]], order: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    """``rows`` sorted by ``order`` (stable multi-key sorts, last key first)."""
    result = sorted(rows, key=lambda row: row["identifier"], reverse=bool(order and order[0][1]))
    for name, descending in reversed(order):
        result.sort(key=lambda row: (row.get(name) is None, row.get(name) if row.get(name) is not None else 0), reverse=descending)
    return result
