"""The Revenera Usage Intelligence Reporting API v3 emulator: routes wired to auth, reports, exports.

Every ``/v3/*`` route checks ``Origin`` (403) and the ``RUI-Client``/``RUI-Client-Version`` headers
(400) first; data routes then need a live ``RUI-Session-Token`` cookie (401, or the configured
``failure_shape``), then a known product id in the path (404), then a JSON-object body for POSTs
(400); export listings and URLs then refuse products configured without the add-on (403/404). A
route named in ``v2_failure_endpoints`` swaps its first 200 for a v2-style ``{status, reason}`` body.
``/download/<token>`` needs nothing.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, date
from typing import Any

from rum_emulator.messages import Request, Response, Route
from rum_emulator.revenera import metadata, reports
from rum_emulator.revenera.auth import SessionStore
from rum_emulator.revenera.client_properties import client_property_list
from rum_emulator.revenera.config import ReveneraEmulatorConfig
from rum_emulator.revenera.data import ProductData
from rum_emulator.revenera.exports import Exports
from rum_emulator.revenera.paths import ROUTES, pattern
from rum_emulator.revenera.validation import BadRequest, body_object

EXPORT_ROUTES = ("raw_list", "raw_url", "exceptions_list", "exceptions_url", "custom_list", "custom_url")
"""listFiles and getDownloadUrl of the three exports: the routes a product without the add-on refuses."""

ProductHandler = Callable[[ProductData, dict[str, Any], date, Request], Any]


class ReveneraApp:
    def __init__(self, config: ReveneraEmulatorConfig | None = None) -> None:
        self.config = config or ReveneraEmulatorConfig()
        self.sessions = SessionStore(self.config)
        self.exports = Exports(self.config)
        self.products = {pid: ProductData(self.config.seed, pid, self.config.clients_per_product) for pid in self.config.products}
        data_routes = {name for name, route in ROUTES.items() if "{pid}" in route.path}
        unknown = sorted(set(self.config.v2_failure_endpoints) - data_routes)
        if unknown:
            raise ValueError(f"v2_failure_endpoints: {unknown} are not data routes (known: {sorted(data_routes)})")
        self._v2_failures_pending = set(self.config.v2_failure_endpoints)
        self._v2_lock = threading.Lock()
        self.received: deque[tuple[str, Any]] = deque(maxlen=10_000)
        """(path, parsed body) of recent data requests, for tests that check what a client sent."""

    def product(self, product_id: str) -> ProductData:
        return self.products[product_id]

    def expected_export_rows(self, kind: str, product_id: str, day: date) -> int:
        """Data rows (not text lines: a quoted newline spans two) of the product's ``kind`` export
        (``raw``, ``exc`` or ``cust``) for ``day``, whatever the CSV layout."""
        if kind not in ("raw", "exc", "cust"):
            raise ValueError(f"kind must be raw, exc or cust, got {kind!r}")
        return len(self.products[product_id].export_rows(kind, day))

    def today(self) -> date:
        return self.config.clock().astimezone(UTC).date()

    def _v2_failure(self, name: str) -> Response | None:
        """The once-only v2-style failure body configured for route ``name``, if still pending."""
        with self._v2_lock:
            if name not in self._v2_failures_pending:
                return None
            self._v2_failures_pending.discard(name)
        reason = f"Request to {ROUTES[name].path} could not be processed (emulated v2-style failure)"
        return Response.json(200, {"status": "SYNTAX ERROR", "reason": reason})

    def _product_route(self, name: str, handler: ProductHandler) -> Callable[[Request], Response]:
        def route(request: Request) -> Response:
            product = self.products.get(request.path_params["pid"])
            if product is None:
                return Response.json(404, {"message": f"Unknown product {request.path_params['pid']}"})
            try:
                body = body_object(request.json()) if request.method == "POST" else {}
            except ValueError:
                return Response.json(400, {"message": "Request body is not valid JSON"})
            except BadRequest as exc:
                return Response.json(400, {"message": str(exc)})
            self.received.append((request.path, body))
            try:
                answer = handler(product, body, self.today(), request)
            except BadRequest as exc:
                return Response.json(400, {"message": str(exc)})
            response = answer if isinstance(answer, Response) else Response.json(200, answer)
            if response.status == 200:
                return self._v2_failure(name) or response
            return response

        return self.sessions.guarded(route)

    def _export_addon(self, handler: ProductHandler) -> ProductHandler:
        """An export route that refuses products configured without the export add-on."""

        def guarded(product: ProductData, body: dict[str, Any], today: date, request: Request) -> Any:
            status = self.config.products_without_exports.get(product.product_id)
            if status is not None:
                return Response.json(status, {"message": f"Product {product.product_id} does not have the data export add-on"})
            return handler(product, body, today, request)

        return guarded

    def routes(self) -> Iterable[Route]:
        retention = self.config.retention_days
        data: dict[str, ProductHandler] = {
            "product_properties": lambda p, b, t, r: metadata.product_properties(p),
            "property_values": lambda p, b, t, r: metadata.property_values(p, b, t),
            "event_catalog": lambda p, b, t, r: metadata.event_catalog(p),
            "license_keys": lambda p, b, t, r: metadata.license_keys(p, b, t),
            "date_range": lambda p, b, t, r: reports.date_range_report(p, b, t, retention),
            "usage_distribution": lambda p, b, t, r: reports.usage_distribution(p, b, t, retention),
            "event_full_report": lambda p, b, t, r: reports.event_full_report(p, b, t, retention),
            "event_timeline": lambda p, b, t, r: reports.event_timeline(p, b, t, retention),
            "event_lifetime_histogram": lambda p, b, t, r: reports.event_lifetime_histogram(p, b, t, retention),
            "client_property_list": lambda p, b, t, r: client_property_list(p, b, t, retention),
            "raw_list": lambda p, b, t, r: self.exports.list_raw(p),
            "raw_url": lambda p, b, t, r: self.exports.download_url(p, "raw", b, r.base_url),
            "exceptions_list": lambda p, b, t, r: self.exports.list_tracking(p, "exc"),
            "exceptions_url": lambda p, b, t, r: self.exports.download_url(p, "exc", b, r.base_url),
            "exceptions_last_lines": lambda p, b, t, r: self.exports.last_lines(p, "exc", b),
            "custom_list": lambda p, b, t, r: self.exports.list_tracking(p, "cust"),
            "custom_url": lambda p, b, t, r: self.exports.download_url(p, "cust", b, r.base_url),
            "custom_last_lines": lambda p, b, t, r: self.exports.last_lines(p, "cust", b),
        }
        yield Route("GET", pattern("request_csrf"), self.sessions.headers_only(self.sessions.request_csrf))
        yield Route("POST", pattern("login"), self.sessions.headers_only(self.sessions.login))
        yield Route("POST", pattern("logout"), self.sessions.headers_only(self.sessions.logout))
        yield Route("GET", pattern("download"), lambda request: self.exports.download(request.path_params["token"]))
        for name in EXPORT_ROUTES:
            data[name] = self._export_addon(data[name])
        for name, handler in data.items():
            yield Route(ROUTES[name].method, pattern(name), self._product_route(name, handler))
