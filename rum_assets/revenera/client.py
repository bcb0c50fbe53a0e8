"""A client for the Revenera Usage Intelligence Reporting API v3. No Dagster inside.

Usable from a plain shell::

    with ReveneraClient("https://analytics-api.revenera.com", "me@example.com", password) as rui:
        rui.user_activity("2376158762", date(2026, 11, 20))

Login follows the vendor's v3 documentation (docs/vendors.md): ``GET /v3/request-csrf`` for the CSRF cookie, then ``POST /v3/auth/web``;
the cookies live in the client's jar. "Cookie Missing" is retried once; a login refused because a
session is already active logs out and logs in again once; a 401 on a data call logs in again once.
A 403 or a redirect (3xx) on a data call means the same as a 401 (the session expired, as v2
answered it): one fresh login and one retry. A 200 whose body carries a v2-style non-OK ``status``
and a ``reason`` is a PayloadError carrying that reason. Closing the client logs out. Every request
goes through the shared retry loop. Paths come from :class:`PathTable` (overridable).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from rum_assets.orchestration.progress import Progress
from rum_assets.revenera.exports import ExportFileError, check_zip
from rum_assets.revenera.models import (
    ClientPage,
    DateRangeReport,
    EventCatalog,
    EventTimeline,
    EventUsage,
    EventUsageReport,
    LicenseKey,
    LicenseKeyList,
    LoginResponse,
    ProductProperties,
    RawFile,
    RawFileList,
    SegmentedCounts,
    TrackingFile,
    TrackingFileList,
    UsageDistribution,
)
from rum_assets.revenera.paths import ENDPOINTS, PathTable
from rum_assets.transport.errors import AuthenticationError, NotFoundError, PayloadError, VendorHTTPError
from rum_assets.transport.http import CallContext, RetryPolicy, response_problem, send
from rum_assets.transport.payloads import parse_response, response_json
from rum_assets.transport.tls import shared_tls_context

VENDOR = "Revenera"
ORIGIN = "https://analytics.revenera.com"
CLIENT_NAME = "Postman"
CLIENT_VERSION = "0.0.1"
"""The ``RUI-Client`` / ``RUI-Client-Version`` values of the vendor's own v3 examples; set
``REVENERA_CLIENT_NAME`` / ``REVENERA_CLIENT_VERSION`` to name this pipeline instead."""
EARLIEST_INSTALL = date(2000, 1, 1)
LAST_SEEN_HORIZON = timedelta(days=366)
"""clientPropertyList date filters are sent with both ``min`` and ``max``; these close the open ends."""
RELOGIN_STATUSES = {301, 302, 303, 307, 308, 401, 403}
MAX_CLIENT_PAGES = 5_000
"""A bound on paging clientPropertyList: one million clients at 200 per page."""
DOWNLOAD_ATTEMPTS = 3
EXPORT_ENDPOINTS = {"raw": ("raw_list", "raw_url"), "exc": ("exceptions_list", "exceptions_url"), "cust": ("custom_list", "custom_url")}


class ReveneraClient:
    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        policy: RetryPolicy | None = None,
        logger: logging.Logger | None = None,
        client_name: str = CLIENT_NAME,
        client_version: str = CLIENT_VERSION,
        path_overrides: Mapping[str, str] | None = None,
    ) -> None:
        self.paths = PathTable(path_overrides)
        if not username or not password:
            raise AuthenticationError(VENDOR, self.paths.path("login"), "no user name or password configured")
        self.base_url = base_url.rstrip("/")
        self._username = username
        self._password = password
        self.policy = policy or RetryPolicy()
        self.log = logger or logging.getLogger("rum_assets.revenera")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "RUI-Client": client_name,
                "RUI-Client-Version": client_version,
                "Origin": ORIGIN,
            },
            follow_redirects=False,
            verify=shared_tls_context(),
        )
        self._logged_in = False
        self.calls_made = 0
        self.logins = 0
        self.products: dict[str, Any] = {}

    # -- lifecycle -------------------------------------------------------------------------------

    def close(self) -> None:
        """Log out (ending the session on the vendor's side) and close the connection."""
        try:
            if self._logged_in:
                response = self._send("POST", "logout", None, None, json={})
                if response.status_code not in (200, 204):
                    self.log.warning("Revenera: logout answered HTTP %d", response.status_code)
        except Exception as exc:  # a failed logout must not fail a run that has its data
            self.log.warning("Revenera: logout failed: %s", exc)
        finally:
            self._logged_in = False
            self._http.close()

    def __enter__(self) -> ReveneraClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _secrets(self) -> tuple[str, ...]:
        return (self._password, *(cookie.value for cookie in self._http.cookies.jar if cookie.value))

    def _context(self, name: str, day: date | None, product_id: str | None = None) -> CallContext:
        """The endpoint as called (with the product id in its path), for log lines and errors."""
        return CallContext(VENDOR, f"{ENDPOINTS[name].method} {self.paths.path(name, product_id)}", day, self._secrets)

    def _count(self) -> None:
        self.calls_made += 1

    def _send(self, method: str, name: str, product_id: str | None, day: date | None, **kwargs: Any) -> httpx.Response:
        return send(
            self._http,
            method,
            self.paths.path(name, product_id),
            self._context(name, day, product_id),
            policy=self.policy,
            before_attempt=self._count,
            logger=self.log,
            **kwargs,
        )

    # -- authentication --------------------------------------------------------------------------

    def login(self) -> None:
        csrf = self._send("GET", "request_csrf", None, None)
        if csrf.status_code not in (200, 204):
            raise VendorHTTPError(VENDOR, self.paths.path("request_csrf"), response_problem(csrf), status=csrf.status_code)
        retried_cookie, logged_out = False, False
        for _ in range(3):
            response = self._send("POST", "login", None, None, json={"userName": self._username, "password": self._password})
            problem = response_problem(response) if response.status_code != 200 else ""
            if response.status_code == 200:
                break
            if "cookie missing" in problem.lower() and not retried_cookie:
                retried_cookie = True
                self.log.info("Revenera: login said 'Cookie Missing'; retrying once")
                continue
            if response.status_code == 409 or "already active" in problem.lower():
                if logged_out:
                    break
                logged_out = True
                self.log.info("Revenera: a session is already active; logging out and in again")
                self._send("POST", "logout", None, None, json={})
                continue
            break
        if response.status_code in (401, 403):
            raise AuthenticationError(
                VENDOR,
                f"POST {self.paths.path('login')}",
                f"the user name or password was refused: check REVENERA_USERNAME and REVENERA_PASSWORD ({problem})",
                status=response.status_code,
                secrets=self._secrets,
            )
        if response.status_code != 200:
            raise VendorHTTPError(VENDOR, f"POST {self.paths.path('login')}", problem, status=response.status_code, secrets=self._secrets)
        missing = {"RUI-Session-Token", "RUI-Csrf"} - set(self._http.cookies.keys())
        if missing:
            raise AuthenticationError(
                VENDOR, f"POST {self.paths.path('login')}", f"login succeeded but did not set the cookies {sorted(missing)}"
            )
        self.products = parse_response(LoginResponse, response, self._context("login", None)).products
        self._logged_in = True
        self.logins += 1
        self.log.info("Revenera: logged in (%d products visible)", len(self.products))

    def _call(self, name: str, product_id: str, day: date | None = None, body: dict[str, Any] | None = None) -> httpx.Response:
        """A data call, logged in; an expired session (401, 403, a redirect, or a v2 "AUTH ERROR"
        body) logs in again once. Errors name vendor, endpoint (as called), product and day."""
        endpoint = ENDPOINTS[name]
        kwargs: dict[str, Any] = {"json": body} if endpoint.method == "POST" else {}
        where = self._context(name, day, product_id).endpoint
        for again in (False, True):
            if not self._logged_in:
                self.login()
            response = self._send(endpoint.method, name, product_id, day, **kwargs)
            expired = response.status_code in RELOGIN_STATUSES or (
                response.status_code == 200 and "AUTH" in (_v2_failure(response) or ("", ""))[0].upper()
            )
            if not expired:
                break
            self._logged_in = False
            self._http.cookies.delete("RUI-Session-Token")
            if again:
                status = response.status_code
                if status == 401 or status == 200:
                    raise AuthenticationError(
                        VENDOR,
                        where,
                        f"product {product_id}: refused after logging in again ({_answer(response)} twice)",
                        day=day,
                        status=status,
                    )
                raise VendorHTTPError(
                    VENDOR,
                    where,
                    f"product {product_id}: {_answer(response)} again after a fresh login: {response_problem(response)}",
                    day=day,
                    status=status,
                    secrets=self._secrets,
                )
            self.log.info("Revenera: %s on %s (session expired?); logging in again", _answer(response), where)
        if response.status_code == 404:
            raise NotFoundError(
                VENDOR,
                where,
                f"product {product_id}: HTTP 404 ({response_problem(response)}); {self.paths.not_found_hint(name)}",
                day=day,
                status=404,
            )
        if response.status_code != 200:
            raise VendorHTTPError(
                VENDOR,
                where,
                f"product {product_id}: {response_problem(response)}",
                day=day,
                status=response.status_code,
                secrets=self._secrets,
            )
        failure = _v2_failure(response)
        if failure is not None:
            raise PayloadError(VENDOR, where, f"product {product_id}: the vendor answered status {failure[0]!r}: {failure[1]}", day=day)
        return response

    # -- metadata -------------------------------------------------------------------------------

    def product_properties(self, product_id: str) -> ProductProperties:
        return parse_response(
            ProductProperties, self._call("product_properties", product_id), self._context("product_properties", None, product_id)
        )

    def event_catalog(self, product_id: str) -> EventCatalog:
        return parse_response(EventCatalog, self._call("event_catalog", product_id), self._context("event_catalog", None, product_id))

    # -- reports ------------------------------------------------------------------------------

    def user_activity(
        self,
        product_id: str,
        day: date,
        *,
        days_until_declared_lost: int = 30,
        date_reported_lost: str = "dateLastSeen",
        segment_property: str | None = None,
    ) -> DateRangeReport:
        """New, active and lost clients of one day (optionally split by one property's values)."""
        body: dict[str, Any] = {
            "startDate": day.isoformat(),
            "stopDate": day.isoformat(),
            "dateSplit": "day",
            "clientStatus": ["new", "active", "lost"],
            "daysUntilDeclaredLost": days_until_declared_lost,
            "dateReportedLost": date_reported_lost,
            "groupBy": "clientId",
        }
        if segment_property:
            body["levels"] = {"level1": {"property": segment_property, "segments": [{"type": "regex", "value": ".*", "split": True}]}}
        response = self._call("date_range", product_id, day, body)
        report = parse_response(DateRangeReport, response, self._context("date_range", day, product_id))
        if day not in report.result:
            raise PayloadError(
                VENDOR,
                self._context("date_range", day, product_id).endpoint,
                f"field 'result' has no entry for {day} (keys: {sorted(map(str, report.result))[:5]})",
                day=day,
            )
        if segment_property and not isinstance(report.result[day], SegmentedCounts):
            raise PayloadError(
                VENDOR,
                self._context("date_range", day, product_id).endpoint,
                f"product {product_id}: asked to segment by {segment_property!r} but the answer for {day} is not segmented (no 'level1')",
                day=day,
            )
        return report

    def event_usage(self, product_id: str, day: date, catalog: EventCatalog | None = None) -> list[EventUsage]:
        """Usage of every tracked event on ``day``: the catalog's ADVANCED events from the advanced full
        report (asked for by name in ``events``), its BASIC ones from the basic timeline (counts only).
        Combination entries (``combiLabel``) in the full report's answer are kept."""
        catalog = catalog or self.event_catalog(product_id)
        advanced = [{"category": c.category, "name": e.event_name} for c in catalog.result for e in c.category_event_names if e.advanced]
        basic = [
            {"category": c.category, "name": e.event_name}
            for c in catalog.result
            for e in c.category_event_names
            if e.basic and not e.advanced
        ]
        usage: list[EventUsage] = []
        if advanced:
            body = {"startDate": day.isoformat(), "stopDate": day.isoformat(), "events": advanced}
            report = parse_response(
                EventUsageReport,
                self._call("event_full_report", product_id, day, body),
                self._context("event_full_report", day, product_id),
            )
            usage.extend(report.result)
        if basic:
            body = {
                "startDate": day.isoformat(),
                "stopDate": day.isoformat(),
                "dateSplit": "day",
                "dataView": "usageCounts",
                "events": basic,
            }
            context = self._context("event_timeline", day, product_id)
            timeline = parse_response(EventTimeline, self._call("event_timeline", product_id, day, body), context)
            if day not in timeline.result:
                raise PayloadError(VENDOR, context.endpoint, f"product {product_id}: field 'result' has no entry for {day}", day=day)
            for entry in timeline.result[day]:
                usage.append(
                    EventUsage(
                        category=entry.category,
                        name=entry.name,
                        combi_label=entry.combi_label,
                        tracking="BASIC",
                        event_counts=int(entry.value),
                    )
                )
        return usage

    def usage_distribution(self, product_id: str, day: date) -> UsageDistribution:
        """The engagement histogram of one day (clients per bucket of active days, sessions, runtime)."""
        body = {"startDate": day.isoformat(), "stopDate": day.isoformat()}
        return parse_response(
            UsageDistribution, self._call("usage_distribution", product_id, day, body), self._context("usage_distribution", day, product_id)
        )

    def license_keys(self, product_id: str) -> list[LicenseKey]:
        """The product's license key registry (listKeys, no filters). Read only: this client never writes keys."""
        return parse_response(
            LicenseKeyList, self._call("license_keys", product_id, None, {}), self._context("license_keys", None, product_id)
        ).result

    def iter_client_pages(self, product_id: str, day: date, properties: list[str], daily_properties: list[str]) -> Iterator[ClientPage]:
        """Pages of clients installed by ``day`` and seen since, with their daily data of ``day``."""
        body: dict[str, Any] = {
            "startAtClientId": None,
            "globalFilters": {
                "dateInstalled": {"type": "dateRange", "min": EARLIEST_INSTALL.isoformat(), "max": day.isoformat()},
                "dateLastSeen": {"type": "dateRange", "min": day.isoformat(), "max": (day + LAST_SEEN_HORIZON).isoformat()},
            },
            "properties": properties,
            "retDailyData": {"startDate": day.isoformat(), "stopDate": day.isoformat(), "properties": daily_properties},
        }
        progress = Progress(self.log, f"Revenera {product_id} {day}", "client pages read")
        for _ in range(MAX_CLIENT_PAGES):
            response = self._call("client_property_list", product_id, day, body)
            page = parse_response(ClientPage, response, self._context("client_property_list", day, product_id))
            yield page
            progress.advance()
            if page.reached_end:
                progress.finish()
                return
            if not page.next_client_id or page.next_client_id == body["startAtClientId"]:
                raise PayloadError(
                    VENDOR,
                    self._context("client_property_list", day, product_id).endpoint,
                    "field 'nextClientId' is missing or repeats while reachedEnd is false",
                    day=day,
                )
            body["startAtClientId"] = page.next_client_id
        raise VendorHTTPError(
            VENDOR,
            self._context("client_property_list", day, product_id).endpoint,
            f"more than {MAX_CLIENT_PAGES} pages of clients",
            day=day,
        )

    # -- exports ------------------------------------------------------------------------------

    def list_export_files(self, kind: str, product_id: str) -> list[RawFile] | TrackingFileList:
        list_name, _ = EXPORT_ENDPOINTS[kind]
        response = self._call(list_name, product_id)
        if kind == "raw":
            return parse_response(RawFileList, response, self._context(list_name, None, product_id)).file_list
        return parse_response(TrackingFileList, response, self._context(list_name, None, product_id))

    def listed_daily_files(self, kind: str, product_id: str) -> list[RawFile] | list[TrackingFile]:
        """The daily files the vendor lists as closed (raw ``fileList``, tracking ``dailyFiles``)."""
        listing = self.list_export_files(kind, product_id)
        return listing if isinstance(listing, list) else listing.daily_files

    def listed_export_file(self, kind: str, product_id: str, day: date) -> RawFile | TrackingFile | None:
        """The day's closed export file as listed, or None while it is missing or still open."""
        return next((entry for entry in self.listed_daily_files(kind, product_id) if entry.file_date == day), None)

    def final_export_file(self, kind: str, product_id: str, day: date) -> str | None:
        """The name of the day's closed export file, or None while it is missing or still open."""
        entry = self.listed_export_file(kind, product_id, day)
        return entry.file_name if entry is not None else None

    def download_export(self, kind: str, product_id: str, file_name: str, directory: Path, day: date | None = None) -> Path:
        """Stream one export zip to ``directory``; each attempt asks for a fresh one-time URL."""
        _, url_name = EXPORT_ENDPOINTS[kind]
        context = self._context(url_name, day, product_id)
        target = directory / file_name
        problem = ""
        for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
            payload = response_json(self._call(url_name, product_id, day, {"fileName": file_name}), context)
            url = payload.get("downloadUrl") if isinstance(payload, dict) else None
            if url is None and isinstance(payload, dict):
                url = next((v for v in payload.values() if isinstance(v, str) and v.startswith("http")), None)
            if not isinstance(url, str):
                raise PayloadError(VENDOR, context.endpoint, f"field 'downloadUrl' is missing for {file_name}", day=day)
            try:
                with httpx.stream(
                    "GET", url, timeout=self.policy.timeout_seconds, follow_redirects=True, verify=shared_tls_context()
                ) as response:
                    self.calls_made += 1
                    if response.status_code != 200:
                        problem = f"download answered HTTP {response.status_code}"
                    else:
                        with target.open("wb") as handle:
                            for chunk in response.iter_bytes(chunk_size=1 << 16):
                                handle.write(chunk)
                        check_zip(target)
                        return target
            except (httpx.TransportError, ExportFileError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            self.log.warning(
                "Revenera %s: download of %s failed (%s), attempt %d/%d", product_id, file_name, problem, attempt, DOWNLOAD_ATTEMPTS
            )
        raise VendorHTTPError(
            VENDOR, f"GET <download URL of {file_name}>", f"gave up after {DOWNLOAD_ATTEMPTS} attempts: {problem}", day=day
        )


def _answer(response: httpx.Response) -> str:
    if 300 <= response.status_code < 400:
        return f"a redirect (HTTP {response.status_code} to {response.headers.get('location', '?')})"
    return f"HTTP {response.status_code}"


def _v2_failure(response: httpx.Response) -> tuple[str, str] | None:
    """(status, reason) of a v2-style answer ``{"status": "SYNTAX ERROR", "reason": "..."}``; None when OK."""
    if b'"status"' not in response.content[:200]:
        return None
    try:
        payload = response.json()
    except ValueError:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("status"), str):
        return None
    status = payload["status"]
    if status.upper() in ("OK", "SUCCESS"):
        return None
    return status, str(payload.get("reason") or payload.get("message") or "no reason given")


def temporary_download_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="rum-assets-revenera-")
