"""The Raygun RUM v1 ("pulse") API as the vendor's v1 documentation has it (docs/vendors.md): authenticate, sessions, session.

Order of checks on the data endpoints: session key (401), then the daily call limit (429), then the
query (400/404). A refused key is not a call; a 400 is (Raygun answered it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from rum_emulator.messages import Request, Response, Route
from rum_emulator.raygun.auth import CallLimiter, SessionKeys, check_credentials
from rum_emulator.raygun.config import RaygunEmulatorConfig
from rum_emulator.raygun.data import INT64_MAX, SessionGenerator, ceil_ms, decode_session_id, floor_ms
from rum_emulator.raygun.variants import apply_variants

PREFIX = "/api/v1/pulse"
MAX_LIMIT = 500
DEFAULT_LIMIT = 50
USER_TYPES = {"anonymous": True, "identified": False, "known": False, "registered": False}
"""``userType`` values that filter; Raygun does not document the allowed values, so any other is ignored."""
_PLAIN_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"[+-]?\d+")
_SPACED_OFFSET = re.compile(r"(T[\d:.]+) (\d{2}(:?\d{2})?)$")


class _BadRequest(Exception):
    pass


def _json_error(status: int, message: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
    return Response.json(status, {"message": message}, headers)


def parse_moment(name: str, value: str | None, *, end_of_day: bool) -> datetime:
    """An ISO 8601 date-time (naive means UTC) or a plain date: its start, or with ``end_of_day`` its last millisecond."""
    if value is None or not value.strip():
        raise _BadRequest(f"{name} is required (an ISO 8601 UTC date or date-time)")
    text = value.strip()
    try:
        if _PLAIN_DATE.fullmatch(text):
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
            return moment + timedelta(days=1, milliseconds=-1) if end_of_day else moment
        # An unencoded "+01:00" offset arrives as " 01:00" after form decoding; take it as meant.
        moment = datetime.fromisoformat(_SPACED_OFFSET.sub(r"\1+\2", text))
    except ValueError:
        raise _BadRequest(f"{name} is not an ISO 8601 date or date-time: {value!r}") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _int_param(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.query_one(name)
    if raw is None or raw.strip() == "":
        return default
    if not _INTEGER.fullmatch(raw.strip()):
        raise _BadRequest(f"{name} must be an integer, not {raw!r}")
    value = int(raw)
    if value < low or (high is not None and value > high):
        raise _BadRequest(
            f"{name} must be between {low} and {high}, not {value}" if high is not None else f"{name} must be at least {low}, not {value}"
        )
    return value


def _page_url(request: Request, skip: int, origin: str | None = None) -> str:
    """This request's URL with every query parameter kept and only ``skip`` changed.

    ``origin`` is prefixed to the path: the request's own (the default), another one, or ``""``
    for a relative reference.
    """
    params: list[tuple[str, str]] = []
    replaced = False
    for key, values in request.query.items():
        if key.lower() == "skip":
            if not replaced:
                params.append((key, str(skip)))
                replaced = True
            continue
        params.extend((key, value) for value in values)
    if not replaced:
        params.append(("skip", str(skip)))
    return f"{request.base_url if origin is None else origin}{request.path}?{urlencode(params)}"


class RaygunApp:
    """The emulated API for the applications in ``config`` (each sees only its own sessions)."""

    def __init__(self, config: RaygunEmulatorConfig | None = None) -> None:
        self.config = config or RaygunEmulatorConfig()
        self._applications = {app.api_key: app for app in self.config.applications}
        self._generators = {
            app.api_key: SessionGenerator(self.config.seed, app.api_key, index, self.config.sessions_per_day)
            for index, app in enumerate(self.config.applications)
        }
        self._keys = SessionKeys(self._now, lambda: self.config.session_key_ttl_seconds, lambda: self.config.session_key_max_uses)
        self._limiter = CallLimiter(self._now, lambda: self.config.daily_call_limit)
        self.rate_limited = 0
        """429s answered because the day's calls were spent (for tests: our own budget must prevent them)."""

    def routes(self) -> Iterable[Route]:
        return [
            Route("GET", f"{PREFIX}/authenticate", self.authenticate),
            Route("POST", f"{PREFIX}/authenticate", self.authenticate),
            Route("GET", f"{PREFIX}/sessions", self.sessions),
            Route("GET", f"{PREFIX}/session", self.session),
        ]

    def calls_used(self, api_key: str, day: date) -> int:
        """Calls counted against ``api_key``'s limit on UTC ``day`` (for tests)."""
        return self._limiter.used(api_key, day)

    def revoke_session_keys(self) -> int:
        """End every live session key now, before its 15 minutes (a test's "at any moment"); returns how many."""
        return self._keys.revoke_all()

    @property
    def refused_revoked_keys(self) -> int:
        """Data calls answered 401 because their key had been revoked early."""
        return self._keys.refused_revoked

    def generator(self, api_key: str) -> SessionGenerator:
        """The session generator of one application (for tests and benchmarks)."""
        return self._generators[api_key]

    def _now(self) -> datetime:
        now = self.config.clock()
        return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)

    def _limited(self, api_key: str) -> Response | None:
        wait = self._limiter.spend(api_key)
        if wait is None:
            return None
        self.rate_limited += 1
        message = f"Rate limit of {self.config.daily_call_limit} calls per day reached"
        if not self.config.limit_retry_after:
            return _json_error(429, message + ".")
        return _json_error(429, f"{message}; retry after {wait} seconds.", [("Retry-After", str(wait))])

    def _guard(self, request: Request) -> tuple[str, Response | None]:
        """The caller's application, or the 401/429 to answer instead."""
        api_key = self._keys.use(request.header("x-sessionkey"))
        if api_key is None:
            return "", _json_error(401, "X-SessionKey missing, unknown, expired or revoked; call authenticate for a new one.")
        return api_key, self._limited(api_key)

    # -- endpoints ---------------------------------------------------------------------------

    def authenticate(self, request: Request) -> Response:
        allowed = [m.upper() for m in self.config.authenticate_methods]
        if request.method not in allowed:
            if self.config.authenticate_refusal_status == 404:
                return _json_error(404, f"No route for {request.method} {request.path}")
            return _json_error(405, f"Method {request.method} not allowed on {request.path}", [("Allow", ", ".join(allowed))])
        app = check_credentials(self._applications, request.header("x-apikey"), request.header("authorization"))
        if app is None:
            return _json_error(401, "API key or Authorization headers not supplied, or invalid.")
        if self.config.count_authenticate and (limited := self._limited(app.api_key)):
            return limited
        return Response.json(202, {"sessionKey": self._keys.issue(app.api_key)})

    def sessions(self, request: Request) -> Response:
        api_key, refused = self._guard(request)
        if refused is not None:
            return refused
        try:
            date_from = parse_moment("dateFrom", request.query_one("dateFrom"), end_of_day=False)
            date_to = parse_moment("dateTo", request.query_one("dateTo"), end_of_day=True)
            if date_from > date_to:
                raise _BadRequest("dateFrom must not be after dateTo")
            skip = _int_param(request, "skip", 0, 0, None)
            limit = _int_param(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        except _BadRequest as exc:
            return _json_error(400, str(exc))
        generator = self._generators[api_key]
        now_ms = floor_ms(self._now())
        ranges = generator.ranges(ceil_ms(date_from), min(floor_ms(date_to), now_ms))
        countries = {
            code.strip().upper()
            for key, values in request.query.items()
            if key.lower() in ("country", "country[]")
            for value in values
            for code in value.split(",")
            if code.strip()
        }
        identifier = request.query_one("userIdentifier") or None
        anonymous = USER_TYPES.get((request.query_one("userType") or "").strip().lower())
        if countries or identifier or anonymous is not None:
            # Filtered: scan the range on the cheap fields, then build only the page's records.
            matching = generator.matching(ranges, countries or None, identifier, anonymous)
            total = len(matching)
            chosen = matching[skip : skip + limit]
        else:
            total = sum(end - first for _, first, end in ranges)
            chosen = []
            position = 0
            for day, first, end in ranges:
                count = end - first
                if position + count > skip and len(chosen) < limit:
                    begin = first + max(0, skip - position)
                    stop = min(end, begin + limit - len(chosen))
                    chosen.extend((day, i) for i in range(begin, stop))
                position += count
        page = [self._variant(generator.summary(day, i, now_ms, request.base_url)) for day, i in chosen]
        return Response.json(200, {"totalSessions": total, "sessions": page, "links": self._links(request, skip, limit, total)})

    def _links(self, request: Request, skip: int, limit: int, total: int) -> dict[str, str | None]:
        style = self.config.links_style
        origin = {"relative": "", "foreign": self.config.foreign_base_url.rstrip("/")}.get(style)
        has_next = skip + limit < total
        links: dict[str, str | None] = {
            "self": _page_url(request, skip, origin),
            "next": _page_url(request, skip + limit, origin) if has_next else None,
            "previous": _page_url(request, max(0, skip - limit), origin) if skip > 0 else None,
        }
        if style == "empty":
            links["next"] = ""
        elif style == "missing":
            del links["next"]
        return links

    def session(self, request: Request) -> Response:
        api_key, refused = self._guard(request)
        if refused is not None:
            return refused
        raw = (request.query_one("id") or "").strip()
        if not _INTEGER.fullmatch(raw):
            return _json_error(400, f"id is required and must be an int64, not {raw!r}" if raw else "id is required (an int64 session id)")
        value = int(raw)
        if not -INT64_MAX - 1 <= value <= INT64_MAX:
            return _json_error(400, f"id must be an int64, not {raw!r}")
        generator = self._generators[api_key]
        now_ms = floor_ms(self._now())
        where = decode_session_id(value)
        if where is None or where[0] != generator.app_index or not generator.exists(where[1], where[2], now_ms):
            return _json_error(404, f"Session {value} not found.")
        return Response.json(200, {"session": self._variant(generator.detail(where[1], where[2], now_ms, request.base_url))})

    def _variant(self, record: dict[str, Any]) -> dict[str, Any]:
        c = self.config
        return apply_variants(
            record,
            status_case=c.status_case,
            naive_datetimes=c.naive_datetimes,
            float_integers=c.float_integers,
            datetime_dates=c.datetime_dates,
        )
