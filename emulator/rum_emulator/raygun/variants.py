"""Ways the real v1 API may write a record that the vendor's documentation does not rule out, applied on request.

Each is off by default; tests turn one on to check that the client reads the record the same way.
"""

from __future__ import annotations

from typing import Any, Literal

StatusCase = Literal["lower", "upper", "title"]

TIMESTAMP_FIELDS = frozenset({"sessionStart", "sessionUpdated", "sessionEnd", "firstSeen", "lastSeen", "viewedOn"})
INTEGER_FIELDS = frozenset({"id", "sessionLength", "pageViewCount", "loadingTime", "viewingTime", "groupId", "instanceId"})
USER_DATE_FIELDS = ("firstSeen", "lastSeen")
FLOAT_EXACT_LIMIT = 2**53
"""Integers beyond this would change value as a JSON float: a real float-writing API would corrupt
them, which no client can undo, so they stay integers."""


def apply_variants(
    record: dict[str, Any], *, status_case: StatusCase, naive_datetimes: bool, float_integers: bool, datetime_dates: bool
) -> dict[str, Any]:
    """``record`` (a session summary or detail) rewritten in place with the chosen variants."""
    if datetime_dates and isinstance(record.get("user"), dict):
        for name in USER_DATE_FIELDS:
            value = record["user"].get(name)
            if isinstance(value, str):
                record["user"][name] = value[:10]
    if isinstance(record.get("status"), str):
        record["status"] = {"lower": str.lower, "upper": str.upper, "title": str.title}[status_case](record["status"])
    if naive_datetimes or float_integers:
        _rewrite(record, naive_datetimes, float_integers)
    return record


def _rewrite(node: Any, naive: bool, floats: bool) -> None:
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in list(items):
        if isinstance(value, dict | list):
            _rewrite(value, naive, floats)
        elif naive and key in TIMESTAMP_FIELDS and isinstance(value, str) and value.endswith("Z"):
            node[key] = value[:-1]
        elif floats and key in INTEGER_FIELDS and type(value) is int and abs(value) <= FLOAT_EXACT_LIMIT:
            node[key] = float(value)
