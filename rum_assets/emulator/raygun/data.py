"""Deterministic synthetic Raygun RUM sessions, generated one at a time from a hash seed.

Session ``i`` of (application, UTC day) is a pure function of ``(seed, api key, day, i)``: the same
day always yields the same sessions, and a page ``skip..skip+limit`` is generated directly, without
building the day. Session starts are monotonic in ``i`` (slot ``i`` of the day plus jitter inside
the slot), so a time bound maps to an index by binary search. Ids encode ``(application, day, i)``.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

EPOCH = date(2000, 1, 1)
MAX_SESSIONS_PER_DAY = 10_000_000
DAYS_PER_APPLICATION = 100_000

BROWSERS = [("Chrome", ["129.0.6668", "130.0.6723", "131.0.6778"]), ("Safari", ["17.6", "18.1"]), ("Firefox", ["131.0", "132.0"]), ("Edge", ["130.0.2849"])]
OSES = [("Windows", ["10", "11"]), ("macOS", ["14.6", "15.1"]), ("iOS", ["17.7", "18.1"]), ("Android", ["14", "15"]), ("Linux", [None])]
PLATFORMS = {"Windows": "Desktop", "macOS": "Desktop", "Linux": "Desktop", "iOS": "Mobile", "Android": "Mobile"}
COUNTRIES = [("US", "United States", "California", "San Francisco"), ("NZ", "New Zealand", "Wellington", "Wellington"), ("GB", "United Kingdom", "England", "London"), ("DE", "Germany", "Berlin", "Berlin"), ("AU", "Australia", "New South Wales", "Sydney"), ("JP", "Japan", "Tokyo", "Tokyo"), ("BR", "Brazil", "Sao Paulo", "Sao Paulo"), ("IN", "India", "Karnataka", "Bengaluru")]
COUNTRY_WEIGHTS = [35, 8, 14, 10, 8, 9, 8, 8]
PAGES = ["/", "/pricing", "/docs", "/docs/getting-started", "/blog", "/login", "/dashboard", "/settings", "/checkout", "/account"]
FIRST_NAMES = ["Ava", "Liam", "Mia", "Noah", "Aroha", "Hemi", "Sofia", "Kenji", "Priya", "Lucas"]
LAST_NAMES = ["Smith", "Ngata", "Müller", "Tanaka", "Silva", "Patel", "Brown", "Wilson"]
ERROR_TITLES = ["TypeError: Cannot read properties of undefined (reading 'id')", "ReferenceError: analytics is not defined", "Error: Network request failed", "SyntaxError: Unexpected token '<'"]
RATINGS = ["Excellent", "Good", "Average", "Poor"]


def iso(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass(frozen=True)
class DayIndex:
    """Where session ``i`` of one (application, day) lives."""

    app_index: int
    day: date
    i: int

    @property
    def session_id(self) -> int:
        day_number = (self.day - EPOCH).days
        return (self.app_index * DAYS_PER_APPLICATION + day_number) * MAX_SESSIONS_PER_DAY + self.i


def decode_session_id(session_id: int) -> DayIndex | None:
    if session_id < 0:
        return None
    rest, i = divmod(session_id, MAX_SESSIONS_PER_DAY)
    app_index, day_number = divmod(rest, DAYS_PER_APPLICATION)
    try:
        return DayIndex(app_index, EPOCH + timedelta(days=day_number), i)
    except OverflowError:
        return None


class SessionGenerator:
    def __init__(self, seed: str, api_key: str, app_index: int, sessions_per_day: int) -> None:
        self.seed = seed
        self.api_key = api_key
        self.app_index = app_index
        self.sessions_per_day = sessions_per_day
        self.user_pool = max(10, sessions_per_day // 3)

    def start_of(self, day: date, i: int) -> datetime:
        slot_ms = 86_400_000 / self.sessions_per_day
        jitter = _rng(self.seed, self.api_key, day, i, "start").random()
        return day_start(day) + timedelta(milliseconds=int((i + jitter) * slot_ms))

    def first_index_at_or_after(self, day: date, moment: datetime) -> int:
        """The smallest i whose start is >= moment (binary search; starts are monotonic in i)."""
        low, high = 0, self.sessions_per_day
        while low < high:
            middle = (low + high) // 2
            if self.start_of(day, middle) < moment:
                low = middle + 1
            else:
                high = middle
        return low

    def _user(self, user_index: int, base_url: str) -> dict[str, Any]:
        rng = _rng(self.seed, self.api_key, "user", user_index)
        anonymous = rng.random() < 0.35
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        first_seen = day_start(date(2026, 1, 1)) + timedelta(minutes=rng.randrange(400_000))
        known_dates = rng.random() < 0.9
        user_id = self.app_index * 10_000_000 + user_index + 1
        return {
            "id": user_id,
            "isAnonymous": anonymous,
            "identifier": f"{rng.getrandbits(64):016x}-anon" if anonymous else f"user-{user_id}",
            "firstName": None if anonymous else first,
            "fullName": None if anonymous else f"{first} {last}",
            "emailAddress": None if anonymous else f"{first.lower()}.{last.lower()}{user_index}@example.com",
            "firstSeen": iso(first_seen) if known_dates else None,
            "lastSeen": iso(first_seen + timedelta(days=rng.randrange(300))) if known_dates else None,
            "links": {"web": f"https://app.raygun.com/rum/{self.app_index}/users/{user_id}"},
        }

    def session(self, day: date, i: int, now: datetime, base_url: str, detailed: bool) -> dict[str, Any]:
        """Session ``i`` of ``day`` as the API shows it at ``now`` (summary, or detail)."""
        start = self.start_of(day, i)
        rng = _rng(self.seed, self.api_key, day, i, "session")
        length_ms = int(min(7_200_000, rng.lognormvariate(12.5, 1.1)))
        natural_end = start + timedelta(milliseconds=length_ms)
        active = natural_end > now
        browser, browser_versions = rng.choice(BROWSERS)
        os_name, os_versions = rng.choice(OSES)
        country, country_name, state, city = rng.choices(COUNTRIES, weights=COUNTRY_WEIGHTS)[0]
        ip = f"{rng.randrange(1, 223)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        views = 1 + min(11, int(rng.expovariate(0.35)))
        user_index = rng.randrange(self.user_pool)
        errors = [rng.randrange(len(ERROR_TITLES)) for _ in range(rng.randrange(1, 4))] if rng.random() < 0.2 else []
        rating = rng.choices(RATINGS, weights=[50, 30, 15, 5])[0]
        elapsed_ms = int((now - start).total_seconds() * 1000) if active else length_ms
        page_views = []
        for v in range(views):
            view_rng = _rng(self.seed, self.api_key, day, i, "view", v)
            viewed_on = start + timedelta(milliseconds=int(length_ms * v / views))
            if viewed_on > now:
                break
            page_views.append(
                {
                    "page": f"https://www.example.com{view_rng.choice(PAGES)}",
                    "loadingTime": int(view_rng.lognormvariate(6.8, 0.6)),
                    "viewingTime": int(length_ms / views),
                    "viewedOn": iso(viewed_on),
                }
            )
        session_id = DayIndex(self.app_index, day, i).session_id
        record: dict[str, Any] = {
            "id": session_id,
            "sessionStart": iso(start),
            "sessionUpdated": iso(min(now, natural_end)),
            "sessionEnd": None if active else iso(natural_end),
            "user": self._user(user_index, base_url),
            "browser": {"name": browser, "version": rng.choice(browser_versions)},
            "platform": {"name": PLATFORMS[os_name]},
            "os": {"name": os_name, "version": rng.choice(os_versions)},
            "location": {"country": country, "ipAddress": ip},
            "sessionLength": elapsed_ms,
            "status": "active" if active else "ended",
            "links": {
                "self": f"{base_url}/api/v1/pulse/session?id={session_id}",
                "web": f"https://app.raygun.com/rum/{self.app_index}/sessions/{session_id}",
            },
        }
        if not detailed:
            record["pageViewCount"] = len(page_views)
            return record
        record["satisfactionRating"] = rating
        record["location"]["ipLookup"] = {"country": country_name, "state": state, "city": city}
        record["errors"] = [
            {
                "groupId": 5_000_000 + title,
                "instanceId": session_id * 10 + n,
                "title": ERROR_TITLES[title],
                "links": {"web": f"https://app.raygun.com/crashreporting/{self.app_index}/errors/{5_000_000 + title}"},
            }
            for n, title in enumerate(errors)
        ]
        record["pageViews"] = page_views
        return record
