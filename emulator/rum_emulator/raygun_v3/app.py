"""The Raygun API v3 as Raygun's published description gives it, mounted under ``/v3``.

A client's base URL is ``<emulator>/v3`` (the real one is ``https://api.raygun.com/v3``); the paths do not
collide with the Revenera emulator's ``/v3/...`` routes, which never start with ``/v3/applications`` or
``/v3/metrics``.

The description (``openapi/raygun-v3-openapi.yml``) drives the emulator: each served operation's method,
path and scope come from it at start-up, and openapi-core checks every request against it.

Order of checks: bearer token (401), rate limits (429, no body; the call is not counted), the
operation's scope (403, not naming the scope, as the real API does not), the request against the
description (400 with an ``errors`` map), the application or session (404), what the description cannot
say (422 on the metrics endpoints, which list it; 400 elsewhere). Every authenticated call that passes
the rate limits counts, whatever its status. Every response carries ``X-Raygun-RequestId``;
authenticated ones also carry the rate-limit headers. The description promises no order without
``orderby``, and the emulator gives none (``listing``). ``config`` lists the opt-in variants.
"""

from __future__ import annotations

import itertools
import random
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from rum_emulator.messages import Request, Response, Route
from rum_emulator.raygun_v3 import recording, validation
from rum_emulator.raygun_v3.activity import Activity
from rum_emulator.raygun_v3.catalog import Catalog
from rum_emulator.raygun_v3.config import ApplicationSpec, RaygunV3EmulatorConfig
from rum_emulator.raygun_v3.limits import RateLimiter, bearer_token, known_token
from rum_emulator.raygun_v3.listing import Paging, ordered, permutation
from rum_emulator.raygun_v3.metrics import Metrics, parse_query
from rum_emulator.raygun_v3.problems import Invalid, NotFound, problem
from rum_emulator.raygun_v3.sessions import SessionSource, decode_identifier
from rum_emulator.raygun_v3.spec import SERVER_PREFIX, Operation, operations
from rum_emulator.raygun_v3.timeutil import day_number, day_start_ms, floor_ms
from rum_emulator.raygun_v3.window import SessionWindow

PREFIX = SERVER_PREFIX
APPLICATION_KEYS = {"apikey": "apiKey"}
"""Orderby names of the description that are not the record's key."""
XHR_FILTER = "xhr.uri eq "


@dataclass(frozen=True)
class Call:
    """One request the description let through."""

    request: Request
    query: dict[str, Any]
    path: dict[str, str]
    body: Any
    shuffle: random.Random | None
    """The order of this request where none is promised; None under ``stable_default_order``."""


Endpoint = Callable[[Call, ApplicationSpec | None], Response]


class RaygunV3App:
    """The emulated v3 API for the applications in ``config``."""

    def __init__(self, config: RaygunV3EmulatorConfig | None = None) -> None:
        self.config = config or RaygunV3EmulatorConfig()
        c = self.config
        self._applications = {app.identifier: app for app in c.applications}
        self.catalogs = {
            app.identifier: Catalog(c.seed, app, c.customers_per_application, c.deployment_cadence_days) for app in c.applications
        }
        self.sources = {
            app.identifier: SessionSource(
                c.seed, app, index, self._per_day(app.identifier), c.heavy_session_rate, self.catalogs[app.identifier]
            )
            for index, app in enumerate(c.applications)
        }
        self.metrics = {identifier: Metrics(c.seed, identifier, Activity(source)) for identifier, source in self.sources.items()}
        self._limiter = RateLimiter(lambda: {"1s": c.per_second_limit, "1m": c.per_minute_limit, "1d": c.per_day_limit})
        self._requests = itertools.count()
        endpoints: dict[str, Endpoint] = {
            "list-applications": self.applications,
            "list-sessions": self.sessions,
            "get-session-by-identifier": self.session,
            "list-pages": self.pages,
            "list-customers": self.customers,
            "list-error-groups": self.error_groups,
            "list-deployments": self.deployments,
            "metrics-pages-time-series": self.page_time_series,
            "metrics-pages-histogram": self.page_histogram,
            "metrics-errors-time-series": self.error_time_series,
        }
        described = operations()
        self.served: list[tuple[Operation, Endpoint]] = [
            (described[operation_id], endpoint) for operation_id, endpoint in endpoints.items()
        ]

    def _per_day(self, identifier: str) -> Callable[[date], int]:
        setting = self.config.sessions_per_day
        if callable(setting):
            return lambda day: setting(identifier, day)
        return lambda day: setting

    # -- mounting ----------------------------------------------------------------------------

    def routes(self) -> Iterable[Route]:
        for operation, endpoint in self.served:
            yield Route(operation.method, operation.pattern, self._published(partial(self._answer, operation=operation, endpoint=endpoint)))
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            yield Route(method, rf"{PREFIX}/(?:applications|metrics)(?:/.*)?", self._published(self._unknown))

    def _problem(self, status: int, detail: str, errors: dict[str, list[str]] | None = None) -> Response:
        return problem(status, detail, errors, media_type=self.config.problem_media_type)

    def _unknown(self, request: Request) -> Response:
        for operation, _ in self.served:
            if re.fullmatch(operation.pattern, request.path) and operation.method != request.method:
                return self._problem(405, f"{request.method} is not allowed on {request.path}; use {operation.method}.")
        return self._problem(404, f"No Raygun v3 endpoint at {request.path}.")

    def _published(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        """``handler`` with the request id header, and its exchange published to listeners (``recording``)."""

        def handle(request: Request) -> Response:
            response = handler(request)
            response.headers.append(("X-Raygun-RequestId", uuid.uuid4().hex))
            if recording.listening():
                recording.publish(
                    recording.Exchange(
                        method=request.method,
                        path=request.path,
                        query=tuple((name, value) for name, values in request.query.items() for value in values),
                        request_headers=recording.hidden(request.headers),
                        request_body=request.body,
                        status=response.status,
                        headers=tuple(response.headers),
                        body=response.body,
                        deviations=self.config.response_deviations,
                    )
                )
            return response

        return handle

    def _answer(self, request: Request, operation: Operation, endpoint: Endpoint) -> Response:
        if self.config.latency_seconds > 0:
            time.sleep(self.config.latency_seconds)
        now = self.now()
        token = known_token(self.config, bearer_token(request.header("authorization")), now)
        if token is None:
            return self._problem(401, "The Authorization header is missing, or its bearer token is unknown or expired.")
        verdict = self._limiter.spend(token, now)
        limit_headers = verdict.headers(
            now, with_reset=self.config.rate_limit_reset_header, with_retry_after=self.config.retry_after_on_429
        )
        if not verdict.allowed:
            return Response.empty(429, limit_headers)
        if not operation.allows(self.config.tokens.get(token, frozenset())):
            detail = "The personal access token is not allowed to do this."
            if self.config.scope_named_in_403:
                detail = f"The token lacks the scope {' '.join(sorted(operation.scopes))} that {request.method} {request.path} requires."
            response = self._problem(403, detail)
        else:
            response = self._checked(request, endpoint)
        response.headers.extend(limit_headers)
        return response

    def _checked(self, request: Request, endpoint: Endpoint) -> Response:
        try:
            checked = validation.check(request)
            shuffle = None if self.config.stable_default_order else random.Random(f"{self.config.seed}:{next(self._requests)}")
            call = Call(request, checked.query, checked.path, checked.body, shuffle)
            app = None
            if "application-identifier" in call.path:
                app = self._applications.get(call.path["application-identifier"])
                if app is None:
                    raise NotFound(f"Application {call.path['application-identifier']} not found.")
            return endpoint(call, app)
        except Invalid as exc:
            status = 422 if exc.unprocessable else self.config.validation_status
            return self._problem(status, f"The request is not valid: {exc}", exc.errors)
        except NotFound as exc:
            return self._problem(404, str(exc))

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

    def applications(self, call: Call, _: ApplicationSpec | None) -> Response:
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
        return _page(rows, Paging.of(call.query, APPLICATION_KEYS), call)

    def sessions(self, call: Call, app: ApplicationSpec | None) -> Response:
        """Ordered by ``startedAt`` by arithmetic over the days; by any other field by sorting every retained session."""
        assert app is not None
        paging = Paging.of(call.query)
        window = self.window(app.identifier)
        omit = self.config.omit_null_fields
        uri = _xhr_uri(call.query.get("filter"))
        if uri is not None and paging.order:
            raise Invalid.one("filter", "filter cannot be combined with orderby.")
        if uri is not None or not paging.order:
            positions = window.with_xhr(uri) if uri is not None else range(window.total)
            if call.shuffle is not None:
                shuffled = permutation(len(positions), call.shuffle)
                chosen = [positions[shuffled(k)] for k in range(paging.offset, min(len(positions), paging.offset + paging.count))]
            else:
                chosen = list(positions[paging.offset : paging.offset + paging.count])
            rows = window.at(chosen, omit)
        elif paging.order[0][0] == "startedAt":
            # (startedAt, identifier) is a total order, so later orderby fields never matter.
            rows = window.page(paging.offset, paging.count, paging.order[0][1], omit)
        else:
            rows = paging.slice(ordered(window.all_summaries(omit), paging.order, call.shuffle))
        return Response.json(200, rows)

    def session(self, call: Call, app: ApplicationSpec | None) -> Response:
        assert app is not None
        identifier = call.path["session-identifier"]
        window = self.window(app.identifier)
        where = decode_identifier(identifier)
        if where is None or where[0] != window.source.app_index or where[2] >= window.visible(where[1]):
            raise NotFound(f"Session {identifier} not found in application {app.identifier}.")
        include = set(call.query.get("include", []))
        return Response.json(200, window.source.detail(where[1], where[2], window.now_ms, include, self.config.omit_null_fields))

    def pages(self, call: Call, app: ApplicationSpec | None) -> Response:
        assert app is not None
        now_ms = floor_ms(self.now())
        return _page([page.record(app, now_ms) for page in self.catalogs[app.identifier].pages], Paging.of(call.query), call)

    def customers(self, call: Call, app: ApplicationSpec | None) -> Response:
        assert app is not None
        now_ms, nulls = floor_ms(self.now()), self.config.null_for_absent_fields
        rows = [customer.record(app, now_ms, nulls=nulls) for customer in self.catalogs[app.identifier].customers]
        return _page(rows, Paging.of(call.query), call)

    def error_groups(self, call: Call, app: ApplicationSpec | None) -> Response:
        assert app is not None
        now_ms, nulls = floor_ms(self.now()), self.config.null_for_absent_fields
        rows = [group.record(app, now_ms, nulls=nulls) for group in self.catalogs[app.identifier].error_groups]
        return _page(rows, Paging.of(call.query), call)

    def deployments(self, call: Call, app: ApplicationSpec | None) -> Response:
        assert app is not None
        window = self.window(app.identifier)
        releases = self.catalogs[app.identifier].releases.listed(window.first_day, window.now_ms)
        rows = [release.record(app, nulls=self.config.null_for_absent_fields) for release in releases]
        return _page(rows, Paging.of(call.query), call)

    def _metric_window(self, app: ApplicationSpec) -> tuple[Metrics, int, int]:
        window = self.window(app.identifier)
        return self.metrics[app.identifier], window.now_ms, day_start_ms(window.first_day)

    def page_time_series(self, call: Call, app: ApplicationSpec | None) -> Response:
        assert app is not None
        query = parse_query(call.body, series=True)
        metrics, now_ms, first_ms = self._metric_window(app)
        return Response.json(200, metrics.page_series(query, now_ms, first_ms, nulls=self.config.null_for_absent_fields))

    def page_histogram(self, call: Call, app: ApplicationSpec | None) -> Response:
        assert app is not None
        query = parse_query(call.body, series=False)
        metrics, now_ms, first_ms = self._metric_window(app)
        return Response.json(200, metrics.histogram(query, now_ms, first_ms))

    def error_time_series(self, call: Call, app: ApplicationSpec | None) -> Response:
        assert app is not None
        query = parse_query(call.body, series=True)
        metrics, now_ms, first_ms = self._metric_window(app)
        return Response.json(200, metrics.error_series(query, now_ms, first_ms))


def _xhr_uri(raw: str | None) -> str | None:
    """The URI of ``xhr.uri eq <uri>`` (the only filter the description allows; quotes around the URI are dropped)."""
    if raw is None:
        return None
    uri = raw[len(XHR_FILTER) :].strip()
    if len(uri) >= 2 and uri[0] == uri[-1] and uri[0] in "'\"":
        uri = uri[1:-1]
    return uri


def _page(rows: list[dict[str, Any]], paging: Paging, call: Call) -> Response:
    return Response.json(200, paging.slice(ordered(rows, paging.order, call.shuffle)))
