"""Deterministic synthetic Raygun RUM sessions, generated one at a time from a hash seed.

Session ``i`` of (application, UTC day) is a pure function of ``(seed, api key, day, i)``: one
64-byte BLAKE2b digest supplies every random choice of its summary, so the same day always yields
the same sessions and a page ``skip..skip+limit`` is generated directly, without building the day
(a day of 1,000,000 sessions costs no memory). Session ``i`` starts inside slot ``i`` of the day
(slot plus jitter, in exact integer arithmetic), so starts never decrease with ``i`` and a time
bound maps to an index by binary search.

Ids encode ``(application index, day, i)`` so a detail lookup is O(1)::

    id = (app_index * DAYS_PER_APPLICATION + days since 2000-01-01) * MAX_SESSIONS_PER_DAY + i

What depends on "now" (status, ``sessionEnd``, ``sessionUpdated``, ``sessionLength``, the page
views seen so far) is computed from the caller's clock; everything else is fixed per session.
All times are integers of milliseconds since the Unix epoch.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import struct
import uuid
from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import accumulate
from typing import Any

DAY_MS = 86_400_000
EPOCH = date(2000, 1, 1)
"""Day 0 of session ids; no session starts earlier."""
EPOCH_MS = 946_684_800_000
MAX_SESSIONS_PER_DAY = 10_000_000
DAYS_PER_APPLICATION = 100_000
"""Days an id can encode per application (to the year 2273)."""
INT64_MAX = 2**63 - 1
_UNIX = datetime(1970, 1, 1, tzinfo=UTC)
_U32 = 4_294_967_296
_UNPACK = struct.Struct("<16I").unpack
_ANONYMOUS_BELOW = int(0.35 * _U32)
"""About 35% of users are anonymous."""


class _Weighted:
    """A weighted choice driven by one uniform 32-bit draw (no ``random.Random`` on the hot path)."""

    def __init__(self, items: list[Any], weights: list[float]) -> None:
        self.items = items
        total = sum(weights)
        self._cumulative = [c / total * _U32 for c in accumulate(weights)]

    def pick(self, draw: int) -> Any:
        return self.items[min(bisect_right(self._cumulative, draw), len(self.items) - 1)]


# OS name -> (weight, versions, {browser: weight}, tablet share)
_OS_TABLE: dict[str, tuple[int, list[str], dict[str, int], float]] = {
    "Windows": (38, ["10", "11"], {"Chrome": 64, "Edge": 26, "Firefox": 10}, 0.0),
    "macOS": (16, ["14.7", "15.0", "15.1"], {"Safari": 46, "Chrome": 44, "Firefox": 7, "Edge": 3}, 0.0),
    "iOS": (22, ["17.6", "18.0", "18.1"], {"Safari": 86, "Chrome": 14}, 0.2),
    "Android": (20, ["13", "14", "15"], {"Chrome": 90, "Firefox": 5, "Edge": 5}, 0.15),
    "Linux": (4, ["6.8", "6.11"], {"Chrome": 58, "Firefox": 42}, 0.0),
}
OS_NAMES = list(_OS_TABLE)
_OS = _Weighted(OS_NAMES, [entry[0] for entry in _OS_TABLE.values()])
_BROWSERS = {os_name: _Weighted(list(entry[2]), list(entry[2].values())) for os_name, entry in _OS_TABLE.items()}
BROWSER_VERSIONS = {
    "Chrome": ["129.0.6668.100", "130.0.6723.117", "131.0.6778.86"],
    "Safari": ["17.6", "18.0", "18.1"],
    "Firefox": ["131.0.3", "132.0.2", "133.0"],
    "Edge": ["130.0.2849.80", "131.0.2903.51"],
}
PLATFORMS = ("Desktop", "Mobile", "Tablet")

# country code, weight, name, [(state, city)]
_COUNTRY_TABLE: list[tuple[str, int, str, list[tuple[str, str]]]] = [
    (
        "US",
        30,
        "United States",
        [("California", "San Francisco"), ("New York", "New York"), ("Texas", "Austin"), ("Washington", "Seattle")],
    ),
    ("GB", 9, "United Kingdom", [("England", "London"), ("Scotland", "Edinburgh")]),
    ("IN", 8, "India", [("Karnataka", "Bengaluru"), ("Maharashtra", "Mumbai")]),
    ("DE", 7, "Germany", [("Berlin", "Berlin"), ("Bavaria", "Munich")]),
    ("AU", 6, "Australia", [("New South Wales", "Sydney"), ("Victoria", "Melbourne")]),
    ("NZ", 5, "New Zealand", [("Wellington", "Wellington"), ("Auckland", "Auckland")]),
    ("CA", 5, "Canada", [("Ontario", "Toronto"), ("British Columbia", "Vancouver")]),
    ("FR", 5, "France", [("Île-de-France", "Paris"), ("Auvergne-Rhône-Alpes", "Lyon")]),
    ("JP", 5, "Japan", [("Tokyo", "Tokyo"), ("Osaka", "Osaka")]),
    ("BR", 5, "Brazil", [("São Paulo", "São Paulo"), ("Rio de Janeiro", "Rio de Janeiro")]),
    ("NL", 3, "Netherlands", [("North Holland", "Amsterdam")]),
    ("MX", 3, "Mexico", [("Mexico City", "Mexico City")]),
    ("SG", 2, "Singapore", [("Central Singapore", "Singapore")]),
    ("ZA", 2, "South Africa", [("Gauteng", "Johannesburg"), ("Western Cape", "Cape Town")]),
]
_COUNTRY = _Weighted(list(range(len(_COUNTRY_TABLE))), [row[1] for row in _COUNTRY_TABLE])
COUNTRY_CODES = [row[0] for row in _COUNTRY_TABLE]
_IP_FIRST_OCTETS = [23, 31, 45, 49, 58, 62, 73, 81, 86, 91, 103, 115, 122, 151, 176, 185, 203, 212]

SITE = "https://shop.example.com"
PAGES = [
    "/",
    "/",
    "/products",
    "/products/{n}",
    "/products/{n}",
    "/search?q=shoes",
    "/cart",
    "/checkout",
    "/account",
    "/login",
    "/blog/{n}",
    "/help",
]
FIRST_NAMES = [
    "Ava",
    "Liam",
    "Mia",
    "Noah",
    "Aroha",
    "Hemi",
    "Sofia",
    "Kenji",
    "Priya",
    "Lucas",
    "Chloe",
    "Mateo",
    "Amara",
    "Oliver",
    "Yuki",
    "Zara",
]
LAST_NAMES = [
    ("Smith", "smith"),
    ("Ngata", "ngata"),
    ("Müller", "mueller"),
    ("Tanaka", "tanaka"),
    ("Silva", "silva"),
    ("Patel", "patel"),
    ("Brown", "brown"),
    ("Wilson", "wilson"),
    ("García", "garcia"),
    ("Nguyen", "nguyen"),
]
ERROR_TITLES = [
    "TypeError: Cannot read properties of undefined (reading 'id')",
    "ReferenceError: analytics is not defined",
    "Error: Network request failed",
    "SyntaxError: Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON",
    "TypeError: Load failed",
    "ChunkLoadError: Loading chunk 412 failed.",
    "Error: ResizeObserver loop completed with undelivered notifications.",
    "TypeError: null is not an object (evaluating 'el.style')",
]
RATINGS = ("Excellent", "Good", "Average", "Poor")


@lru_cache(maxsize=8192)
def _date_prefix(unix_day: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=unix_day)).isoformat() + "T"


def iso_ms(epoch_ms: int) -> str:
    """``2017-01-25T01:18:25.854Z`` for milliseconds since the Unix epoch (strftime is too slow here)."""
    unix_day, rest = divmod(epoch_ms, DAY_MS)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{_date_prefix(unix_day)}{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}Z"


def to_epoch_us(moment: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime (exact integer arithmetic)."""
    return (moment - _UNIX) // timedelta(microseconds=1)


def floor_ms(moment: datetime) -> int:
    return to_epoch_us(moment) // 1000


def ceil_ms(moment: datetime) -> int:
    return -(-to_epoch_us(moment) // 1000)


def day_number(day: date) -> int:
    """Days since 2000-01-01 (the id scheme's day)."""
    return (day - EPOCH).days


def session_id(app_index: int, day: int, i: int) -> int:
    return (app_index * DAYS_PER_APPLICATION + day) * MAX_SESSIONS_PER_DAY + i


def decode_session_id(value: int) -> tuple[int, int, int] | None:
    """``(app_index, day, i)`` of an id, or None when no session could ever carry it."""
    if value < 0 or value > INT64_MAX:
        return None
    rest, i = divmod(value, MAX_SESSIONS_PER_DAY)
    app_index, day = divmod(rest, DAYS_PER_APPLICATION)
    return app_index, day, i


def _lognormal_ms(u1: int, u2: int, median_ms: float, sigma: float) -> float:
    """A log-normal draw from two uniform 32-bit draws (Box-Muller)."""
    z = math.sqrt(-2.0 * math.log((u1 + 1) / (_U32 + 1))) * math.cos(2.0 * math.pi * u2 / _U32)
    return median_ms * math.exp(sigma * z)


def view_offsets(length_ms: int, views: int, draw: int) -> list[int]:
    """When each page view starts, in ms after the session start: uneven shares of the length.

    Cheap enough for the summary, which needs it to count the page views an active session has had.
    """
    weights = [1 + ((draw * (2 * v + 1) * 2_654_435_761) >> 13) % 7 for v in range(views)]
    total = sum(weights)
    return [length_ms * w // total for w in accumulate([0, *weights[:-1]])]


class SessionGenerator:
    """The sessions of one application: any (day, i) on demand, in O(1)."""

    def __init__(self, seed: str, api_key: str, app_index: int, sessions_per_day: int) -> None:
        self.seed = seed
        self.api_key = api_key
        self.app_index = app_index
        self.sessions_per_day = sessions_per_day
        self.user_pool = max(10, sessions_per_day // 3)
        """Users recur: about three sessions a day per user, skewed so some users come back often."""
        self._prefix = hashlib.blake2b(f"{seed}:{api_key}:".encode(), digest_size=64)
        self.slug = format(int.from_bytes(hashlib.sha256(f"{seed}:{api_key}".encode()).digest()[:4], "big"), "x")
        """A stable, opaque application id for web URLs (the API key itself is a secret)."""
        self._users: dict[int, dict[str, Any]] = {}

    # -- time --------------------------------------------------------------------------------

    def _draws(self, day: int, i: int) -> tuple[int, ...]:
        hasher = self._prefix.copy()
        hasher.update(f"{day}:{i}".encode())
        return _UNPACK(hasher.digest())

    def _start_from(self, day: int, i: int, jitter: int) -> int:
        # Slot i of the day plus jitter inside it, exactly: start never decreases as i grows.
        offset = ((i << 32) + jitter) * DAY_MS // (self.sessions_per_day << 32)
        return EPOCH_MS + day * DAY_MS + offset

    def start_ms(self, day: int, i: int) -> int:
        return self._start_from(day, i, self._draws(day, i)[0])

    def count_before(self, day: int, moment_ms: int) -> int:
        """How many sessions of ``day`` start before ``moment_ms`` (binary search over i)."""
        day_start = EPOCH_MS + day * DAY_MS
        if moment_ms <= day_start:
            return 0
        if moment_ms >= day_start + DAY_MS:
            return self.sessions_per_day
        low, high = 0, self.sessions_per_day
        while low < high:
            middle = (low + high) // 2
            if self.start_ms(day, middle) < moment_ms:
                low = middle + 1
            else:
                high = middle
        return low

    def ranges(self, from_ms: int, to_ms: int) -> list[tuple[int, int, int]]:
        """``(day, first i, end i)`` of the sessions starting in ``[from_ms, to_ms]``, day by day."""
        low = max(from_ms, EPOCH_MS)
        high = min(to_ms, EPOCH_MS + DAYS_PER_APPLICATION * DAY_MS - 1)
        if self.sessions_per_day <= 0 or low > high:
            return []
        first_day, last_day = (low - EPOCH_MS) // DAY_MS, (high - EPOCH_MS) // DAY_MS
        found = []
        for day in range(first_day, last_day + 1):
            first = self.count_before(day, low) if day == first_day else 0
            end = self.count_before(day, high + 1) if day == last_day else self.sessions_per_day
            if end > first:
                found.append((day, first, end))
        return found

    # -- records -----------------------------------------------------------------------------

    def _user_static(self, user_index: int) -> dict[str, Any]:
        """The per-user fields that never change, cached (a bounded cache: users are cheap to rebuild)."""
        cached = self._users.get(user_index)
        if cached is not None:
            return cached
        digest = self._user_digest(user_index)
        d = struct.unpack("<8I", digest)
        user_id = self.app_index * MAX_SESSIONS_PER_DAY + user_index + 1
        anonymous = d[0] < _ANONYMOUS_BELOW
        first = FIRST_NAMES[d[1] % len(FIRST_NAMES)]
        last, last_ascii = LAST_NAMES[d[2] % len(LAST_NAMES)]
        # When the user was first seen: up to two years before 2026-11 (None: Raygun does not know).
        joined_ms = None if d[3] < 0.12 * _U32 else EPOCH_MS + 9_800 * DAY_MS - ((d[4] * 730 * DAY_MS) >> 32)
        user = {
            "id": user_id,
            "isAnonymous": anonymous,
            "identifier": str(uuid.UUID(bytes=digest[16:32], version=4))
            if anonymous
            else f"{first.lower()}.{last_ascii}{user_index}@example.com",
            "firstName": None if anonymous else first,
            "fullName": None if anonymous else f"{first} {last}",
            "emailAddress": None if anonymous else f"{first.lower()}.{last_ascii}{user_index}@example.com",
            "_joined_ms": joined_ms,
            "_web": f"https://app.raygun.com/rum/{self.slug}/users/{user_id}",
        }
        if len(self._users) >= 200_000:
            self._users.clear()
        self._users[user_index] = user
        return user

    def _user_digest(self, user_index: int) -> bytes:
        return hashlib.blake2b(f"{self.seed}:{self.api_key}:user:{user_index}".encode(), digest_size=32).digest()

    def _is_anonymous(self, user_index: int) -> bool:
        """What ``_user_static(user_index)["isAnonymous"]`` says, for a fraction of the cost."""
        return bool(struct.unpack_from("<I", self._user_digest(user_index))[0] < _ANONYMOUS_BELOW)

    def _identified_index(self, identifier: str) -> int | None:
        """The user an identified user's identifier (which carries its index) belongs to, if any."""
        found = re.search(r"(\d+)@example\.com$", identifier)
        if found is None or int(found.group(1)) >= self.user_pool:
            return None
        user_index = int(found.group(1))
        return user_index if self._user_static(user_index)["identifier"] == identifier else None

    def _user_index(self, draw: int) -> int:
        # Squared uniform: low indices (regulars) come back far more often than high ones.
        return int((draw / _U32) ** 2 * self.user_pool)

    def matching(
        self, ranges: list[tuple[int, int, int]], countries: set[str] | None, identifier: str | None, anonymous: bool | None
    ) -> list[tuple[int, int]]:
        """``(day, i)`` of the sessions in ``ranges`` that pass the filters, in order (a scan, O(n)).

        The loop is inlined: a filtered query over a million-session day is a few seconds.
        """
        wanted_countries = None if not countries else {n for n, row in enumerate(_COUNTRY_TABLE) if row[0] in countries}
        check_user = identifier is not None or anonymous is not None
        target = None if identifier is None else self._identified_index(identifier)
        user_ok: dict[int, bool] = {}

        def user_passes(user_index: int) -> bool:
            if identifier is not None:
                if target is not None and user_index != target:
                    return False
                if target is None and self._user_static(user_index)["identifier"] != identifier:
                    return False
            return anonymous is None or self._is_anonymous(user_index) is anonymous

        prefix, unpack, pick_country, pool = self._prefix, _UNPACK, _COUNTRY.pick, self.user_pool
        found = []
        for day, first, end in ranges:
            head = f"{day}:"
            for i in range(first, end):
                hasher = prefix.copy()
                hasher.update(f"{head}{i}".encode())
                d = unpack(hasher.digest())
                if wanted_countries is not None and pick_country(d[7]) not in wanted_countries:
                    continue
                if check_user:
                    user_index = int((d[10] / _U32) ** 2 * pool)
                    ok = user_ok.get(user_index)
                    if ok is None:
                        ok = user_ok[user_index] = user_passes(user_index)
                    if not ok:
                        continue
                found.append((day, i))
        return found

    def exists(self, day: int, i: int, now_ms: int) -> bool:
        return 0 <= day < DAYS_PER_APPLICATION and 0 <= i < self.sessions_per_day and self.start_ms(day, i) <= now_ms

    def summary(self, day: int, i: int, now_ms: int, base_url: str) -> dict[str, Any]:
        """Session ``i`` of ``day`` as the sessions list shows it at ``now_ms``."""
        record, _ = self._build(day, i, now_ms, base_url)
        return record

    def detail(self, day: int, i: int, now_ms: int, base_url: str) -> dict[str, Any]:
        """Session ``i`` of ``day`` as the session endpoint shows it at ``now_ms``."""
        record, state = self._build(day, i, now_ms, base_url)
        del record["pageViewCount"]
        start, length, offsets, visible, errors, mobile, sid = state
        rng = random.Random(f"{self.seed}:{self.api_key}:{day}:{i}:detail")
        page_views = []
        loading_total = 0
        for v in range(visible):
            viewed = start + offsets[v]
            slot_end = start + (offsets[v + 1] if v + 1 < len(offsets) else length)
            slot = min(slot_end, now_ms) - viewed
            loading = min(int(rng.lognormvariate(math.log(1400 if mobile else 900), 0.6)), max(1, slot * 6 // 10))
            loading_total += loading
            page = rng.choice(PAGES).replace("{n}", str(rng.randrange(1, 400)))
            page_views.append(
                {"page": SITE + page, "loadingTime": loading, "viewingTime": max(0, slot - loading), "viewedOn": iso_ms(viewed)}
            )
        mean_loading = loading_total / max(1, visible)
        rating = 0 if mean_loading < 1200 else 1 if mean_loading < 2500 else 2 if mean_loading < 5000 else 3
        record["satisfactionRating"] = RATINGS[min(3, rating + (1 if errors else 0))]
        country = _COUNTRY_TABLE[COUNTRY_CODES.index(record["location"]["country"])]
        state_name, city = country[3][rng.randrange(len(country[3]))]
        record["location"]["ipLookup"] = {"country": country[2], "state": state_name, "city": city}
        record["errors"] = []
        for n in range(errors):
            title = rng.randrange(len(ERROR_TITLES))
            group_id = (self.app_index + 1) * 1_000_000 + title + 1
            instance_id = sid * 4 + n
            record["errors"].append(
                {
                    "groupId": group_id,
                    "instanceId": instance_id,
                    "title": ERROR_TITLES[title],
                    "links": {"web": f"https://app.raygun.com/crashreporting/{self.slug}/errors/{group_id}/instances/{instance_id}"},
                }
            )
        record["pageViews"] = page_views
        # The seed lists detail fields in this order; keep it for readers of raw payloads.
        order = [
            "id",
            "sessionStart",
            "sessionUpdated",
            "sessionEnd",
            "user",
            "satisfactionRating",
            "browser",
            "platform",
            "os",
            "location",
            "sessionLength",
            "status",
            "errors",
            "pageViews",
            "links",
        ]
        return {key: record[key] for key in order}

    def _build(
        self, day: int, i: int, now_ms: int, base_url: str
    ) -> tuple[dict[str, Any], tuple[int, int, list[int], int, int, bool, int]]:
        d = self._draws(day, i)
        start = self._start_from(day, i, d[0])
        views = 1 + min(11, int(-math.log((d[9] + 1) / (_U32 + 1)) / 0.35))
        length = int(min(14_400_000, max(800, views * _lognormal_ms(d[1], d[2], 40_000, 0.9))))
        end = start + length
        active = end > now_ms
        offsets = view_offsets(length, views, d[15])
        if active:
            visible = sum(1 for offset in offsets if start + offset <= now_ms)
            updated = now_ms
        else:
            visible, updated = views, end
        os_name = _OS.pick(d[3])
        os_entry = _OS_TABLE[os_name]
        if os_name in ("iOS", "Android"):
            platform = "Tablet" if d[4] < os_entry[3] * _U32 else "Mobile"
        else:
            platform = "Desktop"
        browser = _BROWSERS[os_name].pick(d[5])
        versions = BROWSER_VERSIONS[browser]
        if d[8] % 100 < 12:
            ip = f"2a02:{d[8] >> 16:x}:{d[6] & 0xFFFF:x}:{d[6] >> 16:x}::{d[11] & 0xFFFF:x}"
        else:
            ip = f"{_IP_FIRST_OCTETS[d[8] % len(_IP_FIRST_OCTETS)]}.{(d[8] >> 8) & 255}.{(d[8] >> 16) & 255}.{1 + (d[8] >> 24) % 254}"
        errors = min(3, 1 + d[14] * 3 // (_U32 // 5)) if d[14] < _U32 // 5 else 0  # ~20% of sessions, 1-3 errors
        user = self._user_static(self._user_index(d[10]))
        sid = session_id(self.app_index, day, i)
        joined = user["_joined_ms"]
        record: dict[str, Any] = {
            "id": sid,
            "sessionStart": iso_ms(start),
            "sessionUpdated": iso_ms(updated),
            "sessionEnd": None if active else iso_ms(end),
            "user": {
                "id": user["id"],
                "isAnonymous": user["isAnonymous"],
                "identifier": user["identifier"],
                "firstName": user["firstName"],
                "fullName": user["fullName"],
                "emailAddress": user["emailAddress"],
                # As of this session: first seen no later than it started, last seen at its last update.
                "firstSeen": None if joined is None else iso_ms(min(joined, start)),
                "lastSeen": None if joined is None else iso_ms(updated),
                "links": {"web": user["_web"]},
            },
            "browser": {"name": browser, "version": versions[d[12] % len(versions)]},
            "platform": {"name": platform},
            "os": {"name": os_name, "version": os_entry[1][d[13] % len(os_entry[1])]},
            "location": {"country": _COUNTRY_TABLE[_COUNTRY.pick(d[7])][0], "ipAddress": ip},
            "sessionLength": (now_ms - start) if active else length,
            "status": "active" if active else "ended",
            "pageViewCount": visible,
            "links": {
                "self": f"{base_url}/api/v1/pulse/session?id={sid}",
                "web": f"https://app.raygun.com/rum/{self.slug}/sessions/{sid}",
            },
        }
        return record, (start, length, offsets, visible, errors, platform != "Desktop", sid)
