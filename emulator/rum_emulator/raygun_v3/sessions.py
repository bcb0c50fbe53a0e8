"""Deterministic RUM sessions of one application, generated one at a time from a hash.

Session ``i`` of (application, UTC day) is a pure function of ``(seed, application, day, i)``: one
64-byte BLAKE2b digest supplies its random choices, so any page of any day is generated directly and a
day of 10,000+ sessions over 120 days costs no memory. Session ``i`` starts inside slot ``i`` of the day
(slot plus jitter, exact integer arithmetic), so ``startedAt`` never decreases with ``i`` and "sessions
started by t" is a binary search.

Identifiers are 12 lower-case base-36 digits, 7 of ``(app index, day)`` then 5 of ``i``: fixed width, so their text
order is the order of ``(day, i)``, and ordering by ``(startedAt, identifier)`` is ordering by
``(day, i)``. A detail lookup decodes the identifier in O(1).

What depends on "now" (``isActive``, ``updatedAt``, ``endedAt``, the page views and errors so far) is
computed from the caller's clock. Every ``applicationUrl`` is where Raygun shows the session, page view or
error (the description: "URL to view the session in Raygun"), not the page the visitor was on: a page
view names its page by ``pageIdentifier``. Page views and errors carry times only a session's own arithmetic
decides, so the metrics endpoints can count them per 15 minutes without building records.
"""

from __future__ import annotations

import hashlib
import math
import struct
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import accumulate
from typing import Any

from rum_emulator.raygun_v3.catalog import Catalog
from rum_emulator.raygun_v3.config import MAX_SESSIONS_PER_DAY, ApplicationSpec
from rum_emulator.raygun_v3.releases import APP_HOST
from rum_emulator.raygun_v3.timeutil import DAY_MS, day_of, day_start_ms, iso_ms

MAX_LENGTH_MS = 4 * 3_600_000
"""No session lasts longer: page views and errors of a day come from sessions started at most this much earlier."""
DAYS_PER_APPLICATION = 100_000
ID_WIDTH = 12
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_U32 = 4_294_967_296
_UNPACK = struct.Struct("<16I").unpack

# OS name -> (weight, versions, {browser: weight})
_DESKTOP_OS = {
    "Windows": (38, ["10", "11"], {"Chrome": 64, "Edge": 26, "Firefox": 10}),
    "macOS": (16, ["14.7", "15.0", "15.1"], {"Safari": 46, "Chrome": 44, "Firefox": 7, "Edge": 3}),
    "iOS": (22, ["17.6", "18.0", "18.1"], {"Safari": 86, "Chrome": 14}),
    "Android": (20, ["13", "14", "15"], {"Chrome": 90, "Firefox": 5, "Edge": 5}),
    "Linux": (4, ["6.8", "6.11"], {"Chrome": 58, "Firefox": 42}),
}
BROWSER_VERSIONS = {
    "Chrome": ["129.0.6668.100", "130.0.6723.117", "131.0.6778.86"],
    "Safari": ["17.6", "18.0", "18.1"],
    "Firefox": ["131.0.3", "132.0.2", "133.0"],
    "Edge": ["130.0.2849.80", "131.0.2903.51"],
}
COUNTRY_CODES = (
    ["US"] * 30
    + ["GB"] * 9
    + ["IN"] * 8
    + ["DE"] * 7
    + ["AU"] * 6
    + ["NZ"] * 5
    + ["CA"] * 5
    + ["FR"] * 5
    + ["JP"] * 5
    + ["BR"] * 5
    + ["NL"] * 3
    + ["SG"] * 2
)
VIEWPORTS = {
    "Desktop": [(1920, 1080), (1536, 864), (1440, 900), (1366, 768), (2560, 1440)],
    "Mobile": [(390, 844), (393, 873), (412, 915), (375, 667)],
    "Tablet": [(820, 1180), (768, 1024), (800, 1280)],
}
XHR_PATHS = ["/api/products", "/api/search", "/api/cart", "/api/session", "/api/checkout", "/api/recommendations"]
_IP_FIRST_OCTETS = [23, 31, 45, 49, 58, 62, 73, 81, 86, 91, 103, 115, 122, 151, 176, 185, 203, 212]


def _weighted(table: dict[str, int]) -> Callable[[int], str]:
    names = list(table)
    cumulative = [c / sum(table.values()) * _U32 for c in accumulate(table.values())]
    return lambda draw: names[min(bisect_right(cumulative, draw), len(names) - 1)]


_PICK_OS = _weighted({name: entry[0] for name, entry in _DESKTOP_OS.items()})
_PICK_MOBILE_OS = _weighted({"iOS": 52, "Android": 48})
_PICK_BROWSER = {name: _weighted(entry[2]) for name, entry in _DESKTOP_OS.items()}


def mix(a: int, b: int) -> int:
    """A cheap 32-bit hash of two integers (for the many small per-view choices)."""
    x = (a * 0x9E3779B1 + (b + 1) * 0x85EBCA77) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x2C1B3C6D) & 0xFFFFFFFF
    return x ^ (x >> 12)


@lru_cache(maxsize=4096)
def _day_prefix(app_index: int, day: int) -> str:
    return _base36(app_index * DAYS_PER_APPLICATION + day, 7)


def _base36(value: int, width: int) -> str:
    digits = []
    for _ in range(width):
        value, rest = divmod(value, 36)
        digits.append(_DIGITS[rest])
    return "".join(reversed(digits))


def encode_identifier(app_index: int, day: int, i: int) -> str:
    return _day_prefix(app_index, day) + _base36(i, 5)


def decode_identifier(text: str) -> tuple[int, int, int] | None:
    """``(app index, day, i)`` of a session identifier, or None when none could carry it."""
    if len(text) != ID_WIDTH or any(ch not in _DIGITS for ch in text):
        return None
    app_index, day = divmod(int(text[:7], 36), DAYS_PER_APPLICATION)
    return app_index, day, int(text[7:], 36)


@dataclass(frozen=True)
class Core:
    """The now-independent skeleton of one session."""

    start: int
    length: int
    views: int
    errors: int
    draws: tuple[int, ...]


class SessionSource:
    """The sessions of one application: any (day, i) on demand."""

    def __init__(
        self, seed: str, app: ApplicationSpec, app_index: int, per_day: Callable[[date], int], heavy_rate: float, catalog: Catalog
    ) -> None:
        self.app = app
        self.app_index = app_index
        self.catalog = catalog
        self._per_day = per_day
        self._heavy_below = int(heavy_rate * _U32)
        self._prefix = hashlib.blake2b(f"{seed}:{app.identifier}:".encode(), digest_size=64)
        self.mobile = app.rum_data_type == "mobile"

    # -- how many, and when ------------------------------------------------------------------

    def count(self, day: int) -> int:
        """Sessions that start on ``day`` over the whole day (some may still lie in the future)."""
        if not self.app.has_sent_rum_data or not 0 <= day < DAYS_PER_APPLICATION:
            return 0
        n = int(self._per_day(day_of(day)))
        if not 0 <= n <= MAX_SESSIONS_PER_DAY:
            raise ValueError(f"sessions_per_day gave {n} for {self.app.identifier} on {day_of(day)}; allowed 0..{MAX_SESSIONS_PER_DAY}")
        return n

    def draws(self, day: int, i: int) -> tuple[int, ...]:
        hasher = self._prefix.copy()
        hasher.update(f"{day}:{i}".encode())
        return _UNPACK(hasher.digest())

    @staticmethod
    def _start(day: int, i: int, n: int, jitter: int) -> int:
        return day_start_ms(day) + ((i << 32) + jitter) * DAY_MS // (n << 32)

    def start_ms(self, day: int, i: int, n: int | None = None) -> int:
        return self._start(day, i, self.count(day) if n is None else n, self.draws(day, i)[0])

    def started_by(self, day: int, moment_ms: int, n: int | None = None) -> int:
        """How many sessions of ``day`` start at or before ``moment_ms`` (a binary search over i)."""
        n = self.count(day) if n is None else n
        if moment_ms < day_start_ms(day):
            return 0
        if moment_ms >= day_start_ms(day + 1):
            return n
        low, high = 0, n
        while low < high:
            middle = (low + high) // 2
            if self.start_ms(day, middle, n) <= moment_ms:
                low = middle + 1
            else:
                high = middle
        return low

    # -- one session -------------------------------------------------------------------------

    def core(self, day: int, i: int, n: int | None = None) -> Core:
        """Start, length and how many page views and errors: all a summary needs."""
        d = self.draws(day, i)
        start = self._start(day, i, self.count(day) if n is None else n, d[0])
        if d[15] < self._heavy_below:
            return Core(start, 3 * 3_600_000 + d[1] % 3_600_000, 501 + d[9] % 400, 501 + d[14] % 200, d)
        views = 1 + min(11, int(-math.log((d[9] + 1) / (_U32 + 1)) / 0.35))
        errors = min(3, 1 + d[14] * 3 // (_U32 // 5)) if d[14] < _U32 // 5 else 0
        z = math.sqrt(-2.0 * math.log((d[1] + 1) / (_U32 + 1))) * math.cos(2.0 * math.pi * d[2] / _U32)
        return Core(start, int(min(MAX_LENGTH_MS, max(800, views * 40_000 * math.exp(0.9 * z)))), views, errors, d)

    @staticmethod
    def times(core: Core) -> tuple[list[int], list[int]]:
        """When each page view and each error happens (ascending)."""
        d, start, length, views, errors = core.draws, core.start, core.length, core.views, core.errors
        weights = [1 + mix(d[15], v) % 7 for v in range(views)]
        total = sum(weights)
        view_times = [start + length * w // total for w in accumulate([0, *weights[:-1]])]
        error_times = []
        for j in range(errors):
            v = j * views // errors
            slot_end = view_times[v + 1] if v + 1 < views else start + length
            error_times.append(view_times[v] + mix(d[14], j) % max(1, slot_end - view_times[v]))
        error_times.sort()
        return view_times, error_times

    def page_of_view(self, d: tuple[int, ...], v: int) -> int:
        pages = len(self.catalog.pages)
        # Squared draw: the first pages (home, product list) are the most visited.
        return int((mix(d[3], v + 101) / _U32) ** 2 * pages)

    def xhr_uris(self, d: tuple[int, ...]) -> list[str]:
        base = "https://api.example.com" if self.mobile else "https://shop.example.com"
        return [base + path for bit, path in enumerate(XHR_PATHS) if (d[11] >> (8 + bit)) & 1]

    def session_url(self, identifier: str) -> str:
        """Where Raygun shows the session: the description's ``applicationUrl`` ("URL to view the session in Raygun")."""
        return f"{APP_HOST}/rum/{self.app.identifier}/sessions/{identifier}"

    def summary(self, day: int, i: int, now_ms: int, omit_nulls: bool = False, core: Core | None = None) -> dict[str, Any]:
        s = core or self.core(day, i)
        d = s.draws
        end = s.start + s.length
        active = end > now_ms
        if self.mobile:
            os_name = _PICK_MOBILE_OS(d[3])
            os_versions = _DESKTOP_OS[os_name][1]
            platform = "Tablet" if d[4] % 100 < 15 else "Mobile"
            browser, browser_version = "Native", None
        else:
            os_name = _PICK_OS(d[3])
            os_versions = _DESKTOP_OS[os_name][1]
            platform = ("Tablet" if d[4] % 100 < 18 else "Mobile") if os_name in ("iOS", "Android") else "Desktop"
            browser = _PICK_BROWSER[os_name](d[5])
            versions = BROWSER_VERSIONS[browser]
            browser_version = versions[d[12] % len(versions)] if (d[8] >> 18) % 100 >= 4 else None
        width, height = VIEWPORTS[platform][d[11] % len(VIEWPORTS[platform])]
        if d[8] % 100 < 12:
            ip = f"2a02:{d[8] >> 16:x}:{d[6] & 0xFFFF:x}:{d[6] >> 16:x}::{d[13] & 0xFFFF:x}"
        else:
            ip = f"{_IP_FIRST_OCTETS[d[6] % len(_IP_FIRST_OCTETS)]}.{(d[6] >> 8) & 255}.{(d[6] >> 16) & 255}.{1 + (d[6] >> 24) % 254}"
        customers = self.catalog.customers
        customer = customers[int((d[10] / _U32) ** 2 * len(customers))]
        identifier = encode_identifier(self.app_index, day, i)
        record: dict[str, Any] = {
            "identifier": identifier,
            "applicationIdentifier": self.app.identifier,
            "customerIdentifier": customer.identifier,
            "isActive": active,
            "startedAt": iso_ms(s.start),
            "updatedAt": iso_ms(now_ms if active else end),
            "endedAt": None if active else iso_ms(end),
            "ipAddress": ip,
            "countryCode": COUNTRY_CODES[d[7] % len(COUNTRY_CODES)] if (d[8] >> 4) % 100 >= 3 else None,
            "platformName": platform,
            "operatingSystemName": os_name,
            "operatingSystemVersion": os_versions[d[13] % len(os_versions)] if (d[8] >> 11) % 100 >= 4 else None,
            "browserName": browser,
            "browserVersion": browser_version,
            "viewportWidth": width,
            "viewportHeight": height,
            "deploymentVersion": self.catalog.releases.current(s.start).version if (d[8] >> 25) % 100 >= 5 else None,
            "applicationUrl": self.session_url(identifier),
        }
        if omit_nulls:
            record = {key: value for key, value in record.items() if value is not None}
        return record

    def detail(self, day: int, i: int, now_ms: int, include: set[str], omit_nulls: bool = False, cap: int = 500) -> dict[str, Any]:
        s = self.core(day, i)
        record = self.summary(day, i, now_ms, omit_nulls, s)
        view_times, error_times = self.times(s)
        pages, groups = self.catalog.pages, self.catalog.error_groups
        if "pageViews" in include:
            record["pageViews"] = [
                {
                    "pageIdentifier": pages[self.page_of_view(s.draws, v)].identifier,
                    "viewedAt": iso_ms(at),
                    "applicationUrl": f"{self.session_url(record['identifier'])}/page-views/{v}",
                }
                for v, at in enumerate(view_times[:cap])
                if at <= now_ms
            ]
        if "errors" in include:
            found = []
            for j, at in enumerate(error_times[:cap]):
                if at > now_ms:
                    break
                group = groups[mix(s.draws[14], j + 7) % len(groups)].identifier
                instance = f"{record['identifier']}{j:03x}"
                found.append(
                    {
                        "errorGroupIdentifier": group,
                        "occurredAt": iso_ms(at),
                        "applicationUrl": f"{APP_HOST}/crashreporting/{self.app.identifier}/errors/{group}/instances/{instance}",
                    }
                )
            record["errors"] = found
        return record
