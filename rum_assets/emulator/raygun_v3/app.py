"""The Raygun API v3 as the reference describes it, mounted under ``/v3``.

A client's base URL is ``<emulator>/v3`` (the real one is ``https://api.raygun.com/v3``); the paths do not
collide with the Revenera emulator's ``/v3/...`` routes, which never start with ``/v3/applications`` or
``/v3/metrics``.

Order of checks: bearer token (401), rate limits (429, no body; the call is not counted), the endpoint's
scope (403 naming it), the application (404), the query or body (422). Every authenticated call that
passes the rate limits counts, whatever its status. Every response carries ``X-Raygun-RequestId``;
authenticated ones also carry the rate-limit headers.

Guesses where the reference is silent, all documented here: the default order of every list is
``startedAt`` ascending for sessions and ``identifier`` ascending elsewhere; the orderby fields of
applications, pages, customers and error groups are those in the ``*_ORDER`` tuples below.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from rum_assets.emulator.raygun_v3.activity import Activity
from rum_assets.emulator.raygun_v3.catalog import Catalog
from rum_assets.emulator.raygun_v3.config import ApplicationSpec, RaygunV3EmulatorConfig
from rum_assets.emulator.raygun_v3.limits import RateLimiter, bearer_token, known_token
from rum_assets.emulator.raygun_v3.listing import Paging, ordered, parse_paging
from rum_assets.emulator.raygun_v3.metrics import AGGREGATIONS, PAGE_METRICS, TIMING, Metrics, parse_query
from rum_assets.emulator.raygun_v3.problems import Invalid, NotFound, problem
from rum_assets.emulator.raygun_v3.sessions import SessionSource, decode_identifier
from rum_assets.emulator.raygun_v3.timeutil import day_number, day_start_ms, floor_ms
from rum_assets.emulator.raygun_v3.window import SessionWindow
from rum_assets.emulator.server import Request, Response, Route

PREFIX = "/v3"
SESSION_ORDER = (
    "customerIdentifier", "startedAt", "updatedAt", "endedAt", "countryCode", "platformName", "operatingSystemName",
    "operatingSystemVersion", "browserName", "browserVersion", "viewportWidth", "viewportHeight", "deploymentVersion",
)  # fmt: skip
APPLICATION_ORDER = ("identifier", "name", "planIdentifier")
WEB_PAGE_ORDER = ("identifier", "uri", "lastSeenAt")
MOBILE_PAGE_ORDER = ("identifier", "name", "lastSeenAt")
CUSTOMER_ORDER = ("identifier", "externalIdentifier", "emailAddress", "firstName", "fullName", "isAnonymous", "firstSeenAt", "lastSeenAt")
ERROR_GROUP_ORDER = ("identifier", "message", "status", "createdAt", "lastOccurredAt")
DEPLOYMENT_ORDER = ("version", "emailAddress", "ownerName", "comment", "deployedAt")
INCLUDES = ("pageViews", "errors")
_APP = r"(?P<app>[^/]+)"
_XHR_FILTER = re.compile(r"\s*xhr\.uri\s+eq\s+(?:'(?P<quoted>[^']*)'|\"(?P<dquoted>[^\"]*)\"|(?P<bare>\S+))\s*")

Endpoint = Callable[[Request, ApplicationSpec | None], Response]


class RaygunV3App:
    """The emulated v3 API for the applications in ``config``."""

    def __init__(self, config: RaygunV3EmulatorConfig | None = None) -> None:
        self.config = config or RaygunV3EmulatorConfig()
        c = self.config
        self._applications = {app.identifier: app for app in c.applications}
        self.catalogs = {app.identifier: Catalog(c.seed, app, c.customers_per_application) for app in c.applications}
        self.sources = {
            app.identifier: SessionSource(
                c.seed, app, index, self._per_day(app.identifier), c.heavy_session_rate, self.catalogs[app.identifier]
            )
            for index, app in enumerate(c.applications)
        }
        self.metrics = {identifier: Metrics(c.seed, identifier, Activity(source)) for identifier, source in self.sources.items()}
        self._limiter = RateLimiter(lambda: {"1s": c.per_second_limit, "1m": c.per_minute_limit, "1d": c.per_day_limit})
        self._routes: list[tuple[str, str, Endpoint, str]] = [
            ("GET", f"{PREFIX}/applications", self.applications, "applications:read"),
            ("GET", f"{PREFIX}/applications/{_APP}/sessions", self.sessions, "rum.sessions:read"),
            ("GET", f"{PREFIX}/applications/{_APP}/sessions/(?P<session>[^/]+)", self.session, "rum.sessions:read"),
            ("GET", f"{PREFIX}/applications/{_APP}/pages", self.pages, "rum.pages:read"),
            ("GET", f"{PREFIX}/applications/{_APP}/customers", self.customers, "customers:read"),
            ("GET", f"{PREFIX}/applications/{_APP}/error-groups", self.error_groups, "cr.errors:read"),
            ("GET", f"{PREFIX}/applications/{_APP}/deployments", self.deployments, "deployments:read"),
            ("POST", f"{PREFIX}/metrics/{_APP}/pages/time-series", self.page_time_series, "metrics:pages"),
            ("POST", f"{PREFIX}/metrics/{_APP}/pages/histogram", self.page_histogram, "metrics:pages"),
            ("POST", f"{PREFIX}/metrics/{_APP}/errors/time-series", self.error_time_series, "metrics:errors"),
        ]

    def _per_day(self, identifier: str) -> Callable[[date], int]:
        setting = self.config.sessions_per_day
        if callable(setting):
            return lambda day: setting(identifier, day)
        return lambda day: setting

    # -- mounting ----------------------------------------------------------------------------

    def routes(self) -> Iterable[Route]:
        for method, pattern, endpoint, scope in self._routes:
            yield Route(method, pattern, self._guarded(endpoint, scope))
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            yield Route(method, rf"{PREFIX}/(?:applications|metrics)(?:/.*)?", self._unknown)

    def _unknown(self, request: Request) -> Response:
        for method, pattern, _, _ in self._routes:
            if re.fullmatch(pattern, request.path) and method != request.method:
                return self._finish(problem(405, f"{request.method} is not allowed on {request.path}; use {method}."), [])
        return self._finish(problem(404, f"No Raygun v3 endpoint at {request.path}."), [])

    def _finish(self, response: Response, extra: list[tuple[str, str]]) -> Response:
        response.headers.extend([("X-Raygun-RequestId", uuid.uuid4().hex), *extra])
        return response

    def _guarded(self, endpoint: Endpoint, scope: str) -> Callable[[Request], Response]:
        def handle(request: Request) -> Response:
            if self.config.latency_seconds > 0:
                time.sleep(self.config.latency_seconds)
            now = self.now()
            token = known_token(self.config, bearer_token(request.header("authorization")), now)
            if token is None:
                return self._finish(problem(401, "The Authorization header is missing, or its bearer token is unknown or expired."), [])
            verdict = self._limiter.spend(token, now)
            limit_headers = verdict.headers(
                now, with_reset=self.config.rate_limit_reset_header, with_retry_after=self.config.retry_after_on_429
            )
            if not verdict.allowed:
                return self._finish(Response.empty(429), limit_headers)
            if scope not in self.config.tokens.get(token, frozenset()):
                return self._finish(
                    problem(403, f"The token lacks the scope {scope} that {request.method} {request.path} requires."), limit_headers
                )
            try:
                app = None
                if "app" in request.path_params:
                    app = self._applications.get(request.path_params["app"])
                    if app is None:
                        raise NotFound(f"Application {request.path_params['app']} not found.")
                response = endpoint(request, app)
            except (Invalid, NotFound) as exc:
                response = exc.response()
            return self._finish(response, limit_headers)

        return handle

    # -- test helpers ------------------------------------------------------------------------

    def now(self) -> datetime:
        now = self.config.clock()
        return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)

    def window(self, app_identifier: str) -> SessionWindow:
        """The sessions of one application that exist now (for tests and benchmarks)."""
        return SessionWindow(self.sources[app_identifier], self.now(), self.config.retention_days)

    def session_count(self, app_identifier: str, day: date) -> int:
        """Sessions of UTC ``day`` the API lists now (0 outside retention, a growing count today)."""
        return self.window(app_identifier).visible(day_number(day))

    def sessions_on(self, app_identifier: str, day: date) -> list[str]:
        """Identifiers of the sessions of UTC ``day`` the API lists now, in ``startedAt`` order."""
        window = self.window(app_identifier)
        return window.identifiers(day_number(day))

    @property
    def calls_by_token(self) -> dict[str, int]:
        """Calls counted against each token's rate limits so far."""
        return dict(self._limiter.calls_by_token)

    # -- endpoints ---------------------------------------------------------------------------

    def applications(self, request: Request, _: ApplicationSpec | None) -> Response:
        paging = parse_paging(request, APPLICATION_ORDER)
        rows = [
            {
                "identifier": app.identifier,
                "planIdentifier": app.plan_identifier,
                "name": app.name,
                "apiKey": app.api_key,
                "hasSentCrashData": app.has_sent_crash_data,
                "hasSentApmData": app.has_sent_apm_data,
                "hasSentRumData": app.has_sent_rum_data,
                "rumDataType": app.rum_data_type,
            }
            for app in self.config.applications
        ]
        return _page(rows, paging)

    def sessions(self, request: Request, app: ApplicationSpec | None) -> Response:
        assert app is not None
        paging = parse_paging(request, SESSION_ORDER)
        raw_filter = request.query_one("filter")
        uri = None
        if raw_filter is not None and raw_filter.strip():
            if paging.order:
                raise Invalid.one("filter", "filter cannot be combined with orderby.")
            match = _XHR_FILTER.fullmatch(raw_filter)
            if match is None:
                raise Invalid.one("filter", f"'{raw_filter}' is not supported; the only filter is xhr.uri eq <uri>.")
            uri = match.group("quoted") or match.group("dquoted") or match.group("bare")
        window = self.window(app.identifier)
        omit = self.config.omit_null_fields
        if uri is not None:
            rows = window.with_xhr(uri, paging.offset, paging.count, omit)
        elif not paging.order or paging.order[0][0] == "startedAt":
            # (startedAt, identifier) is a total order, so later orderby fields never matter.
            descending = bool(paging.order and paging.order[0][1])
            rows = window.page(paging.offset, paging.count, descending, omit)
        else:
            rows = ordered(window.all_summaries(omit), paging.order)[paging.offset : paging.offset + paging.count]
        return Response.json(200, rows)

    def session(self, request: Request, app: ApplicationSpec | None) -> Response:
        assert app is not None
        include: set[str] = set()
        for raw in request.query.get("include", []) + request.query.get("Include", []):
            for item in raw.split(","):
                name = next((known for known in INCLUDES if known.lower() == item.strip().lower()), None)
                if item.strip() and name is None:
                    raise Invalid.one("include", f"'{item.strip()}' cannot be included; allowed: {', '.join(INCLUDES)}.")
                if name:
                    include.add(name)
        identifier = request.path_params["session"]
        window = self.window(app.identifier)
        where = decode_identifier(identifier)
        if where is None or where[0] != window.source.app_index or where[2] >= window.visible(where[1]):
            raise NotFound(f"Session {identifier} not found in application {app.identifier}.")
        source = window.source
        return Response.json(200, source.detail(where[1], where[2], window.now_ms, include, self.config.omit_null_fields))

    def pages(self, request: Request, app: ApplicationSpec | None) -> Response:
        assert app is not None
        paging = parse_paging(request, MOBILE_PAGE_ORDER if app.rum_data_type == "mobile" else WEB_PAGE_ORDER)
        now_ms = floor_ms(self.now())
        return _page([page.record(app, now_ms) for page in self.catalogs[app.identifier].pages], paging)

    def customers(self, request: Request, app: ApplicationSpec | None) -> Response:
        assert app is not None
        paging = parse_paging(request, CUSTOMER_ORDER)
        now_ms = floor_ms(self.now())
        return _page([customer.record(app, now_ms) for customer in self.catalogs[app.identifier].customers], paging)

    def error_groups(self, request: Request, app: ApplicationSpec | None) -> Response:
        assert app is not None
        paging = parse_paging(request, ERROR_GROUP_ORDER)
        now_ms = floor_ms(self.now())
        return _page([group.record(app, now_ms) for group in self.catalogs[app.identifier].error_groups], paging)

    def deployments(self, request: Request, app: ApplicationSpec | None) -> Response:
        assert app is not None
        paging = parse_paging(request, DEPLOYMENT_ORDER)
        window = self.window(app.identifier)
        releases = self.catalogs[app.identifier].releases
        rows = [deployment.record(app) for deployment in releases.listed(window.first_day, window.now_ms)]
        return _page(rows, paging)

    def _metric_window(self, app: ApplicationSpec) -> tuple[Metrics, int, int]:
        window = self.window(app.identifier)
        return self.metrics[app.identifier], window.now_ms, day_start_ms(window.first_day)

    def page_time_series(self, request: Request, app: ApplicationSpec | None) -> Response:
        assert app is not None
        query = parse_query(request, PAGE_METRICS, AGGREGATIONS, series=True)
        metrics, now_ms, first_ms = self._metric_window(app)
        return Response.json(200, metrics.page_series(query, now_ms, first_ms))

    def page_histogram(self, request: Request, app: ApplicationSpec | None) -> Response:
        assert app is not None
        query = parse_query(request, tuple(TIMING), AGGREGATIONS, series=False)
        metrics, now_ms, first_ms = self._metric_window(app)
        return Response.json(200, metrics.histogram(query, now_ms, first_ms))

    def error_time_series(self, request: Request, app: ApplicationSpec | None) -> Response:
        assert app is not None
        query = parse_query(request, ("errorInstances",), ("count",), series=True)
        metrics, now_ms, first_ms = self._metric_window(app)
        return Response.json(200, metrics.error_series(query, now_ms, first_ms))


def _page(rows: list[dict[str, Any]], paging: Paging) -> Response:
    return Response.json(200, ordered(rows, paging.order)[paging.offset : paging.offset + paging.count])
