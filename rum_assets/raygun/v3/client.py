"""A client for the Raygun v3 API (personal access token, bare-array lists). No Dagster inside.

Usable from a plain shell::

    with RaygunV3Client("https://api.raygun.com/v3", token, ledger=token_ledger(path, token)) as raygun:
        apps = raygun.list_applications()
        found = DayFinder(raygun, apps[0].identifier).find(date(2026, 11, 20))

Every call (retries included) is reserved in the optional shared ledger first and paced by the
client-side limiter (10/s, 600/min); see :mod:`rum_assets.raygun.v3.transport`. Each call is an
operation of Raygun's published description (:mod:`rum_assets.raygun.v3.operations`: path and scope).
Lists page with ``count``/``offset`` at most 500 at a time, always with an ``orderby`` the description
allows, and stop at a short page, within ``max_pages``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, RootModel

from rum_assets.budget.ledger import CallBudgetLedger
from rum_assets.raygun.concurrent_details import DetailOutcome, fetch_concurrently
from rum_assets.raygun.v3.histograms import HISTOGRAM_METRICS, Histogram, HistogramList
from rum_assets.raygun.v3.models import (
    DEFAULT_AGGREGATIONS,
    PAGE_METRICS,
    Aggregation,
    Application,
    ApplicationList,
    Customer,
    CustomerList,
    Deployment,
    DeploymentList,
    ErrorGroup,
    ErrorGroupList,
    Granularity,
    Page,
    PageList,
    Session,
    SessionDetail,
    SessionList,
    TimeSeries,
    TimeSeriesList,
)
from rum_assets.raygun.v3.operations import (
    ERROR_TIME_SERIES,
    GET_SESSION,
    LIST_APPLICATIONS,
    LIST_CUSTOMERS,
    LIST_DEPLOYMENTS,
    LIST_ERROR_GROUPS,
    LIST_PAGES,
    LIST_SESSIONS,
    PAGE_HISTOGRAM,
    PAGE_TIME_SERIES,
    Operation,
)
from rum_assets.raygun.v3.problems import VENDOR, error_for
from rum_assets.raygun.v3.rate_limit import SlidingWindowLimiter
from rum_assets.raygun.v3.transport import Transport
from rum_assets.transport.errors import AuthenticationError, PayloadError
from rum_assets.transport.http import CallContext, RetryPolicy
from rum_assets.transport.payloads import parse_response
from rum_assets.transport.tls import shared_tls_context

MAX_PAGE_SIZE = 500
DAILY_CALL_LIMIT = 10_000
MAX_PAGES = 10_000
"""A hard bound on one list: 5,000,000 rows at the maximum page size."""
DEFAULT_BASE_URL = "https://api.raygun.com/v3"

APPLICATIONS_ORDER = ("apikey",)
PAGES_ORDER = ("uri", "name")
CUSTOMERS_ORDER = ("lastSeenAt desc", "firstSeenAt desc")
ERROR_GROUPS_ORDER = ("createdAt", "message")
DEPLOYMENTS_ORDER = ("deployedAt", "version")
"""The ``orderby`` each list sends, from the values its description allows; why each, in its method."""

ItemT = TypeVar("ItemT", bound=BaseModel)


def token_scope(token: str) -> str:
    """The ledger scope of a token: limits are per token, and the ledger never stores the token."""
    return "raygun-v3:" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


def token_ledger(
    path: Path | str, token: str, *, daily_limit: int = DAILY_CALL_LIMIT, clock: Callable[[], datetime] | None = None
) -> CallBudgetLedger:
    kwargs = {"clock": clock} if clock is not None else {}
    return CallBudgetLedger(path, token_scope(token), daily_limit, vendor=VENDOR, **kwargs)


def day_range(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, dtime(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class RaygunV3Client:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        ledger: CallBudgetLedger | None = None,
        policy: RetryPolicy | None = None,
        limiter: SlidingWindowLimiter | None = None,
        page_size: int = MAX_PAGE_SIZE,
        max_pages: int = MAX_PAGES,
        max_connections: int = 16,
        logger: logging.Logger | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")
        if not token:
            raise AuthenticationError(VENDOR, LIST_APPLICATIONS.endpoint(), "no personal access token configured (RAYGUN_PAT)")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.page_size = page_size
        self.max_pages = max_pages
        self.log = logger or logging.getLogger("rum_assets.raygun.v3")
        self.clock = clock
        self._http = httpx.Client(
            headers={"Accept": "application/json", "User-Agent": "rum_assets", "Authorization": f"Bearer {token}"},
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            verify=shared_tls_context(),
        )
        self.transport = Transport(
            self._http,
            policy=policy or RetryPolicy(),
            ledger=ledger,
            limiter=limiter if limiter is not None else SlidingWindowLimiter(sleep=sleep),
            logger=self.log,
            clock=clock,
            sleep=sleep,
        )

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connections and hand back the calls reserved in the ledger but never made."""
        self._http.close()
        if self.ledger is not None:
            self.ledger.release()

    def __enter__(self) -> RaygunV3Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def ledger(self) -> CallBudgetLedger | None:
        return self.transport.ledger

    @property
    def calls_made(self) -> int:
        return self.transport.calls_made

    @property
    def _secrets(self) -> tuple[str, ...]:
        return (self._token,)

    # -- one request ---------------------------------------------------------------------------

    def _call(
        self,
        operation: Operation,
        values: tuple[str, ...],
        model: type[ItemT],
        *,
        day: date | None,
        params: dict[str, Any] | None = None,
        body: Any = None,
        what: str | None = None,
    ) -> ItemT:
        path = operation.path(*values)
        context = CallContext(VENDOR, f"{operation.method} {path}", day, self._secrets)
        kwargs: dict[str, Any] = {"params": params} if params else {}
        if body is not None:
            kwargs["json"] = body
        response = self.transport.request(operation.method, self.base_url + path, context, **kwargs)
        if response.status_code != 200:
            raise error_for(response, context.endpoint, day=day, scope=operation.scope, secrets=self._secrets, what=what)
        return parse_response(model, response, context)

    def _list_page(
        self,
        operation: Operation,
        values: tuple[str, ...],
        model: type[RootModel[list[ItemT]]],
        *,
        orderby: tuple[str, ...],
        day: date | None,
        count: int,
        offset: int,
    ) -> list[ItemT]:
        if not 1 <= count <= MAX_PAGE_SIZE:
            raise ValueError(f"count must be between 1 and {MAX_PAGE_SIZE}, not {count}")
        params: dict[str, Any] = {"count": count, "offset": offset, **operation.orderby(orderby)}
        return self._call(operation, values, model, day=day, params=params).root

    def _iter_list(
        self,
        operation: Operation,
        values: tuple[str, ...],
        model: type[RootModel[list[ItemT]]],
        *,
        orderby: tuple[str, ...],
        day: date | None = None,
    ) -> Iterator[list[ItemT]]:
        """Pages of a list in ``orderby`` order, each without identifiers already seen, until a short page.

        The description promises no order without ``orderby``, so every list names one; offset paging
        is stable only under an order the data does not move in while we page, hence each list's choice
        below. Rows an insertion ahead of the offset pushes onto the next page come twice and are dropped.
        """
        seen: set[str] = set()
        offset = 0
        for _ in range(self.max_pages):
            page = self._list_page(operation, values, model, orderby=orderby, day=day, count=self.page_size, offset=offset)
            fresh = [item for item in page if getattr(item, "identifier", None) not in seen]
            seen.update(getattr(item, "identifier", "") for item in fresh)
            if fresh:
                yield fresh
            if len(page) < self.page_size:
                return
            offset += len(page)
        self.log.warning(
            "Raygun v3 %s: stopped after %d pages (max_pages) although the last page was full", operation.path(*values), self.max_pages
        )

    # -- applications --------------------------------------------------------------------------

    def list_applications(self) -> list[Application]:
        """Every application the token can read (their ``apiKey`` is dropped on parsing).

        Ordered by ``apikey``: of the two orders the description allows (``name``, ``apikey``) it is
        the one that is unique, and it changes only when someone regenerates a key; names repeat and
        are renamed.
        """
        pages = self._iter_list(LIST_APPLICATIONS, (), ApplicationList, orderby=APPLICATIONS_ORDER)
        return [app for page in pages for app in page]

    # -- sessions ------------------------------------------------------------------------------

    def list_sessions(self, app: str, *, count: int, offset: int = 0, orderby: str = "startedAt", day: date | None = None) -> list[Session]:
        """One page of the session list (one call). Always order by an immutable field: ``startedAt``."""
        return self._list_page(LIST_SESSIONS, (app,), SessionList, orderby=(orderby,), day=day, count=count, offset=offset)

    def iter_sessions(self, app: str, *, orderby: str = "startedAt") -> Iterator[list[Session]]:
        return self._iter_list(LIST_SESSIONS, (app,), SessionList, orderby=(orderby,))

    def get_session(self, app: str, session_id: str, *, day: date | None = None) -> SessionDetail:
        detail = self._call(
            GET_SESSION, (app, session_id), SessionDetail, day=day, params={"include": "pageViews,errors"}, what=f"session {session_id}"
        )
        if detail.identifier != session_id:
            raise PayloadError(
                VENDOR,
                GET_SESSION.endpoint(app, session_id),
                f"field 'identifier' is {detail.identifier!r}, expected {session_id!r}",
                day=day,
            )
        return detail

    def fetch_session_details(
        self, app: str, ids: Sequence[str], *, max_in_flight: int = 8, day: date | None = None
    ) -> Iterator[DetailOutcome]:
        """Details of ``ids`` fetched concurrently, yielded in the order given; see :mod:`details`."""
        return fetch_concurrently(lambda session_id: self.get_session(app, session_id, day=day), ids, max_in_flight=max_in_flight)

    # -- pages, customers, error groups, deployments -------------------------------------------

    def iter_pages(self, app: str) -> Iterator[list[Page]]:
        """Pages by ``uri`` then ``name``: a web page's URI and a mobile view's name are what the page is,
        so they never change, and each is unique among its kind (the other is absent). ``lastSeenAt``,
        the third order allowed, moves with every view."""
        return self._iter_list(LIST_PAGES, (app,), PageList, orderby=PAGES_ORDER)

    def iter_customers(self, app: str, *, seen_since: datetime | None = None) -> Iterator[list[Customer]]:
        """Customers newest-seen first (``lastSeenAt desc``, ties by ``firstSeenAt desc``), stopping at the
        first one last seen before ``seen_since``.

        The description allows only ``isAnonymous``, ``firstSeenAt`` and ``lastSeenAt``. Incremental
        loading needs ``lastSeenAt``, which changes while we page, but only upwards: in descending order a
        customer seen again only moves to the top, so the rows after it shift down and show up twice
        (dropped), none is skipped. One seen again behind our offset is read on the next run, whose
        watermark it is then past. ``firstSeenAt`` never changes and breaks ties.
        """
        for page in self._iter_list(LIST_CUSTOMERS, (app,), CustomerList, orderby=CUSTOMERS_ORDER):
            if seen_since is None:
                yield page
                continue
            kept = [customer for customer in page if customer.last_seen_at >= seen_since]
            if kept:
                yield kept
            if len(kept) < len(page):
                return

    def iter_error_groups(self, app: str) -> Iterator[list[ErrorGroup]]:
        """Error groups oldest first by ``createdAt``, ties by ``message``: neither changes once a group
        exists, and a new group comes last, behind every page already read. ``status`` and
        ``lastOccurredAt``, the other orders allowed, change as errors occur and are resolved."""
        return self._iter_list(LIST_ERROR_GROUPS, (app,), ErrorGroupList, orderby=ERROR_GROUPS_ORDER)

    def iter_deployments(self, app: str, *, day: date | None = None) -> Iterator[list[Deployment]]:
        """Deployments oldest first by ``deployedAt``, ties by ``version``: a new deployment comes last,
        behind every page already read, and a release's version does not repeat. ``ownerName``,
        ``emailAddress`` and ``comment``, the other orders allowed, repeat and can be edited."""
        return self._iter_list(LIST_DEPLOYMENTS, (app,), DeploymentList, orderby=DEPLOYMENTS_ORDER, day=day)

    # -- metrics -------------------------------------------------------------------------------

    def page_metrics(
        self,
        app: str,
        day: date,
        *,
        metrics: Iterable[str] = PAGE_METRICS,
        aggregations: Iterable[Aggregation] = DEFAULT_AGGREGATIONS,
        granularity: Granularity = "1d",
    ) -> list[TimeSeries]:
        """Every page metric for one UTC day, one call per aggregation (the body takes one)."""
        start, end = day_range(day)
        series: list[TimeSeries] = []
        for aggregation in aggregations:
            body = {
                "start": _iso(start),
                "end": _iso(end),
                "granularity": granularity,
                "aggregation": aggregation,
                "metrics": list(metrics),
            }
            series.extend(self._call(PAGE_TIME_SERIES, (app,), TimeSeriesList, day=day, body=body).root)
        return series

    def page_histograms(
        self, app: str, day: date, *, metrics: Iterable[str] = HISTOGRAM_METRICS, page: str | None = None
    ) -> list[Histogram]:
        """The day's histogram of every page timing, in one call (the body takes every metric).

        ``page``: of that page only (``filter: pageIdentifier = <page>``); None: of the whole application.
        One page per call: ``pageIdentifier IN (...)`` answers one histogram for all the pages together."""
        start, end = day_range(day)
        body: dict[str, Any] = {"start": _iso(start), "end": _iso(end), "metrics": list(metrics)}
        if page is not None:
            body["filter"] = f"pageIdentifier = {page}"
        return self._call(PAGE_HISTOGRAM, (app,), HistogramList, day=day, body=body).root

    def recently_seen_pages(self, app: str, day: date, *, limit: int) -> list[Page]:
        """Up to ``limit`` pages last seen on or after ``day``, most recently seen first (one call per
        ``page_size`` pages). A page last seen before the day had no views that day."""
        start, _ = day_range(day)
        found: list[Page] = []
        offset = 0
        for _ in range(self.max_pages):
            if len(found) >= limit:
                break
            count = min(self.page_size, MAX_PAGE_SIZE)
            batch = self._list_page(LIST_PAGES, (app,), PageList, orderby=("lastSeenAt desc",), day=day, count=count, offset=offset)
            for page in batch:
                if page.last_seen_at is not None and page.last_seen_at < start:
                    return found
                if page.identifier not in {p.identifier for p in found}:
                    found.append(page)
            if len(batch) < count:
                break
            offset += len(batch)
        return found[:limit]

    def error_metrics(self, app: str, day: date, *, granularity: Granularity = "1d") -> list[TimeSeries]:
        start, end = day_range(day)
        body = {"start": _iso(start), "end": _iso(end), "granularity": granularity, "aggregation": "count", "metrics": ["errorInstances"]}
        return self._call(ERROR_TIME_SERIES, (app,), TimeSeriesList, day=day, body=body).root
