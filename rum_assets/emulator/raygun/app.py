"""The Raygun RUM v1 ("pulse") API as the seed documents it: authenticate, sessions, session."""

from __future__ import annotations

import base64
import math
import secrets
import threading
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from rum_assets.emulator.raygun.config import RaygunCredentials, RaygunEmulatorConfig
from rum_assets.emulator.raygun.data import SessionGenerator, day_start, decode_session_id
from rum_assets.emulator.server import Request, Response, Route

PREFIX = "/api/v1/pulse"
MAX_LIMIT = 500
DEFAULT_LIMIT = 50
USER_TYPES = {"anonymous": True, "identified": False, "known": False, "registered": False}


class _BadRequest(Exception):
    pass


def _parse_moment(name: str, value: str | None, *, end_of_day: bool) -> datetime:
    if value is None or not value.strip():
        raise _BadRequest(f"{name} is required")
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return day_start(day) + (timedelta(days=1) - timedelta(milliseconds=1) if end_of_day else timedelta(0))
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _BadRequest(f"{name} is not an ISO 8601 date or date-time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _int_param(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.query_one(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _BadRequest(f"{name} must be an integer, not {raw!r}") from None
    if value < low or (high is not None and value > high):
        raise _BadRequest(f"{name} must be between {low} and {high}" if high is not None else f"{name} must be at least {low}")
    return value


class RaygunApp:
    def __init__(self, config: RaygunEmulatorConfig | None = None) -> None:
        self.config = config or RaygunEmulatorConfig()
        self._apps = {app.api_key: (index, app) for index, app in enumerate(self.config.applications)}
        self._generators = {
            app.api_key: SessionGenerator(self.config.seed, app.api_key, index, self.config.sessions_per_day)
            for index, app in enumerate(self.config.applications)
        }
        self._keys: dict[str, tuple[str, datetime]] = {}
        self._calls: dict[tuple[str, date], int] = {}
        self._lock = threading.Lock()

    def routes(self) -> Iterable[Route]:
        return [
            Route("GET", f"{PREFIX}/authenticate", self.authenticate),
            Route("POST", f"{PREFIX}/authenticate", self.authenticate),
            Route("GET", f"{PREFIX}/sessions", self.sessions),
            Route("GET", f"{PREFIX}/session", self.session),
        ]

    def calls_used(self, api_key: str, day: date) -> int:
        with self._lock:
            return self._calls.get((api_key, day), 0)

    # -- auth and limits --------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.config.clock().astimezone(UTC)

    def _spend_call(self, api_key: str) -> Response | None:
        """Count a call; a 429 once the day's limit is spent."""
        now = self._now()
        with self._lock:
            used = self._calls.get((api_key, now.date()), 0)
            if self.config.daily_call_limit and used >= self.config.daily_call_limit:
                midnight = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=UTC)
                wait = max(1, math.ceil((midnight - now).total_seconds()))
                return Response.json(
                    429,
                    {"message": f"Rate limit of {self.config.daily_call_limit} calls per day reached"},
                    [("Retry-After", str(wait))],
                )
            self._calls[(api_key, now.date())] = used + 1
        return None

    def _application(self, request: Request) -> RaygunCredentials | None:
        found = self._apps.get(request.header("x-apikey") or "")
        if found is None:
            return None
        app = found[1]
        authorization = request.header("authorization") or ""
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        if user != app.client_id or not secrets.compare_digest(password, app.client_secret):
            return None
        return app

    def authenticate(self, request: Request) -> Response:
        app = self._application(request)
        if app is None:
            return Response.json(401, {"message": "API key or Authorization headers not supplied, or invalid."})
        if self.config.count_authenticate and (limited := self._spend_call(app.api_key)):
            return limited
        key = secrets.token_urlsafe(24)
        with self._lock:
            self._keys[key] = (app.api_key, self._now() + timedelta(seconds=self.config.session_key_ttl_seconds))
        return Response.json(202, {"sessionKey": key})

    def _session_owner(self, request: Request) -> str | None:
        key = request.header("x-sessionkey")
        with self._lock:
            entry = self._keys.get(key or "")
        if entry is None or entry[1] <= self._now():
            return None
        return entry[0]

    def _guard(self, request: Request) -> tuple[str | None, Response | None]:
        api_key = self._session_owner(request)
        if api_key is None:
            return None, Response.json(401, {"message": "Session key missing, invalid or expired."})
        return api_key, self._spend_call(api_key)

    # -- data -------------------------------------------------------------------------------

    def sessions(self, request: Request) -> Response:
        api_key, refused = self._guard(request)
        if refused or api_key is None:
            return refused  # type: ignore[return-value]
        try:
            date_from = _parse_moment("dateFrom", request.query_one("dateFrom"), end_of_day=False)
            date_to = _parse_moment("dateTo", request.query_one("dateTo"), end_of_day=True)
            if date_from > date_to:
                raise _BadRequest("dateFrom must not be after dateTo")
            skip = _int_param(request, "skip", 0, 0, None)
            limit = _int_param(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        except _BadRequest as exc:
            return Response.json(400, {"message": str(exc)})
        now = self._now()
        upper = min(date_to, now)
        generator = self._generators[api_key]
        ranges: list[tuple[date, int, int]] = []
        day = date_from.date()
        while date_from <= upper and day <= upper.date():
            first = generator.first_index_at_or_after(day, date_from) if day == date_from.date() else 0
            last = generator.first_index_at_or_after(day, upper + timedelta(microseconds=1)) if day == upper.date() else generator.sessions_per_day
            if last > first:
                ranges.append((day, first, last))
            day += timedelta(days=1)
        filters = self._filters(request)
        base = request.base_url
        if filters:
            matching = [
                (d, i) for d, first, last in ranges for i in range(first, last)
                if self._matches(generator.session(d, i, now, base, False), filters)
            ]
            total = len(matching)
            page = [generator.session(d, i, now, base, False) for d, i in matching[skip : skip + limit]]
        else:
            total = sum(last - first for _, first, last in ranges)
            page = []
            position = 0
            for d, first, last in ranges:
                count = last - first
                if position + count > skip and len(page) < limit:
                    start_i = first + max(0, skip - position)
                    stop_i = min(last, start_i + limit - len(page))
                    page.extend(generator.session(d, i, now, base, False) for i in range(start_i, stop_i))
                position += count
        return Response.json(200, {"totalSessions": total, "sessions": page, "links": self._links(request, skip, limit, total)})

    def _filters(self, request: Request) -> dict[str, object]:
        filters: dict[str, object] = {}
        if identifier := request.query_one("userIdentifier"):
            filters["identifier"] = identifier
        countries = {c.strip().upper() for key, values in request.query.items() if key.lower() == "country" for v in values for c in v.split(",") if c.strip()}
        if countries:
            filters["countries"] = countries
        user_type = (request.query_one("userType") or "").lower()
        if user_type in USER_TYPES:
            filters["anonymous"] = USER_TYPES[user_type]
        return filters

    @staticmethod
    def _matches(session: dict[str, object], filters: dict[str, object]) -> bool:
        user = session["user"]
        location = session["location"]
        assert isinstance(user, dict) and isinstance(location, dict)
        if "identifier" in filters and user["identifier"] != filters["identifier"]:
            return False
        if "countries" in filters and location["country"] not in filters["countries"]:  # type: ignore[operator]
            return False
        return not ("anonymous" in filters and user["isAnonymous"] is not filters["anonymous"])

    @staticmethod
    def _links(request: Request, skip: int, limit: int, total: int) -> dict[str, str | None]:
        def url(new_skip: int) -> str:
            params = [(k, v) for k, values in request.query.items() if k.lower() not in ("skip", "limit") for v in values]
            params += [("skip", str(new_skip)), ("limit", str(limit))]
            return f"{request.base_url}{request.path}?{urlencode(params)}"

        return {
            "self": url(skip),
            "next": url(skip + limit) if skip + limit < total else None,
            "previous": url(max(0, skip - limit)) if skip > 0 else None,
        }

    def session(self, request: Request) -> Response:
        api_key, refused = self._guard(request)
        if refused or api_key is None:
            return refused  # type: ignore[return-value]
        raw = request.query_one("id")
        try:
            session_id = int(raw or "")
        except ValueError:
            return Response.json(400, {"message": f"id must be an int64, not {raw!r}"})
        generator = self._generators[api_key]
        where = decode_session_id(session_id)
        now = self._now()
        if (
            where is None
            or where.app_index != generator.app_index
            or where.i >= generator.sessions_per_day
            or generator.start_of(where.day, where.i) > now
        ):
            return Response.json(404, {"message": f"Session {session_id} not found"})
        return Response.json(200, {"session": generator.session(where.day, where.i, now, request.base_url, True)})
