"""``count``, ``offset`` and ``orderby`` of every list endpoint, and the order a list comes back in.

The description's enums already checked ``orderby`` (``field`` or ``field desc``); here it becomes
``(record key, descending)`` pairs. The description promises no order beyond ``orderby``: without one, a
list comes back in a fresh random order on every request, and rows equal on every orderby field come in
a random order too, so offset paging without a total order skips and repeats rows as it may on the real
API. ``stable_default_order`` (an opt-in variant) orders such lists by ``identifier`` instead, in the
direction of the first orderby field. Nulls sort after values ascending and before them descending.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_COUNT = 100


@dataclass(frozen=True)
class Paging:
    count: int
    offset: int
    order: list[tuple[str, bool]]
    """``(record key, descending)`` in priority order; empty when the caller gave none."""

    @classmethod
    def of(cls, query: Mapping[str, Any], keys: Mapping[str, str] | None = None) -> Paging:
        """From checked query parameters; ``keys`` maps an orderby name to its record key where they differ."""
        order = []
        for item in query.get("orderby", []):
            name, _, direction = item.partition(" ")
            order.append(((keys or {}).get(name, name), direction == "desc"))
        return cls(query.get("count", DEFAULT_COUNT), query.get("offset", 0), order)

    def slice(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return rows[self.offset : self.offset + self.count]


def ordered(rows: list[dict[str, Any]], order: list[tuple[str, bool]], shuffle: random.Random | None) -> list[dict[str, Any]]:
    """``rows`` sorted by ``order`` (stable multi-key sorts, last key first) over a shuffled or an identifier order."""
    if shuffle is None:
        result = sorted(rows, key=lambda row: row["identifier"], reverse=bool(order and order[0][1]))
    else:
        result = list(rows)
        shuffle.shuffle(result)
    for name, descending in reversed(order):
        result.sort(key=lambda row: (row.get(name) is None, row.get(name) if row.get(name) is not None else 0), reverse=descending)
    return result


def permutation(total: int, shuffle: random.Random) -> Callable[[int], int]:
    """A random bijection of ``0..total-1`` evaluated per position (``a * i + b mod total``): lists too long to shuffle whole."""
    if total <= 1:
        return lambda position: position
    while True:
        a = shuffle.randrange(1, total)
        if math.gcd(a, total) == 1:
            break
    b = shuffle.randrange(total)
    return lambda position: (a * position + b) % total
