"""A client for the Raygun Real User Monitoring v1 ("pulse") API. No Dagster inside.

Usable from a plain shell::

    with RaygunClient("https://api.raygun.com", api_key, client_id, client_secret) as raygun:
        for page in raygun.iter_session_pages(date(2026, 11, 20)):
            ...

The session key is reused for its 15 minutes and renewed shortly before it expires; a 401 on a data
call means the server ended it early: it is renewed and the call sent again, within bounds
(:mod:`rum_assets.raygun.v1.session_keys`). The client may be shared by threads (concurrent session
details): one thread renews an expired or refused key while the others wait for it, so a batch
re-authenticates once, not once per thread; with a :class:`SharedSessionKeys` the key is shared with
every process on the same credentials too. Every call (retries and authentication included) is
reserved in the optional :class:`CallBudgetLedger` first, so the daily limit is never passed by our
own spending; ``calls_to_leave`` makes the client leave that many of the day's calls unspent (the
session details leave the calls of the session lists still to come).
A 429 without ``Retry-After`` means the day's calls are spent: no retry (each would cost a call), the
ledger is marked spent and the error says when the budget resets (the next UTC midnight).
"""

from __future__ import annotations

import base64
import logging
import math
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ValidationError

from rum_assets.budget.ledger import CallBudgetLedger, next_utc_midnight
from rum_assets.raygun.v1.models import AuthenticateResponse, SessionDetail, SessionEnvelope, SessionsPage, SessionsPageHead
from rum_assets.raygun.v1.session_key_store import SharedSessionKeys
from rum_assets.raygun.v1.session_keys import MAX_ATTEMPTS_PER_CALL, HeldKey, SessionKeyHolder
from rum_assets.transport.errors import (
    AuthenticationError,
    CallBudgetExhaustedError,
    NotFoundError,
    PayloadError,
    RateLimitedError,
    VendorHTTPError,
)
from rum_assets.transport.http import CallContext, RetryPolicy, response_problem, send
from rum_assets.transport.payloads import parse_response
from rum_assets.transport.read_ahead import read_ahead
from rum_assets.transport.tls import shared_tls_context

VENDOR = "Raygun"
AUTHENTICATE_PATH = "/api/v1/pulse/authenticate"
SESSIONS_PATH = "/api/v1/pulse/sessions"
SESSION_PATH = "/api/v1/pulse/session"
MAX_PAGE_SIZE = 500
MAX_PAGES_PER_DAY = 10_000
"""A hard bound on paging one day: 5,000,000 sessions at the maximum page size."""

ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_body(model: type[ModelT], response: httpx.Response, context: CallContext) -> ModelT:
    """The response validated from its bytes in one pass (no intermediate dicts and lists: a third
    less time on a 500-session page than ``json.loads`` then validating).

    The models are the same either way. When the one pass fails (broken JSON, a field that breaks the
    contract, or a body that is not UTF-8), :func:`parse_response` parses again the slow way: it accepts
    what ``json.loads`` accepts and raises its errors, which name the field at fault.
    """
    try:
        return model.model_validate_json(response.content)
    except ValidationError:
        return parse_response(model, response, context)


def day_bounds(day: date) -> tuple[str, str]:
    """``dateFrom``/``dateTo`` for one UTC day, inclusive, with millisecond precision."""
    start = datetime.combine(day, time(0), tzinfo=UTC)
    end = start + timedelta(days=1) - timedelta(milliseconds=1)
    return _iso(start), _iso(end)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class RaygunClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        client_id: str,
        client_secret: str,
        *,
        ledger: CallBudgetLedger | None = None,
        policy: RetryPolicy | None = None,
        page_size: int = MAX_PAGE_SIZE,
        pages_ahead: int = 1,
        session_key_ttl: timedelta = timedelta(minutes=15),
        renew_margin: timedelta = timedelta(minutes=1),
        logger: logging.Logger | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] | None = None,
        shared_keys: SharedSessionKeys | None = None,
        calls_to_leave: Callable[[], int] | None = None,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")
        missing = [name for name, value in (("api key", api_key), ("client id", client_id), ("client secret", client_secret)) if not value]
        if missing:
            raise AuthenticationError(VENDOR, AUTHENTICATE_PATH, f"no {', '.join(missing)} configured")
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._client_id = client_id
        self._client_secret = client_secret
        self.ledger = ledger
        self.policy = policy or RetryPolicy()
        self.page_size = page_size
        self.pages_ahead = pages_ahead
        """Session-list pages fetched (in a thread) while the caller works on the current one; 0: none."""
        self.session_key_ttl = session_key_ttl
        self.renew_margin = renew_margin
        self.log = logger or logging.getLogger("rum_assets.raygun")
        self.clock = clock
        self._sleep_kwargs: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
        self._http = httpx.Client(headers={"Accept": "application/json", "User-Agent": "rum_assets"}, verify=shared_tls_context())
        self._auth_method: str | None = None
        self.calls_to_leave = calls_to_leave
        """Calls of the day this client must leave unspent, asked before each call (None: none)."""
        self.keys = SessionKeyHolder(self._authenticate, renew_margin=renew_margin, clock=clock, log=self.log, shared=shared_keys)
        self._count_lock = threading.Lock()
        self.calls_made = 0
        self.authentications = 0

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connections and hand back the calls reserved in the ledger but never made."""
        self._http.close()
        self.keys.forget()
        if self.ledger is not None:
            self.ledger.release()

    def __enter__(self) -> RaygunClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _secrets(self) -> tuple[str, ...]:
        """What no log line or error may show: the credentials (the consumer application's id
        included), their Basic encoding, and the current session key."""
        basic = base64.b64encode(f"{self._client_id}:{self._client_secret}".encode()).decode("ascii")
        return tuple(s for s in (self._api_key, self._client_id, self._client_secret, basic, self.keys.current_key) if s)

    def _context(self, endpoint: str, day: date | None) -> CallContext:
        return CallContext(VENDOR, endpoint, day, _LiveSecrets(self))

    def _count_call(self, endpoint: str) -> Callable[[], None]:
        def before_attempt() -> None:
            if self.ledger is not None and self.calls_to_leave is not None:
                reserve_leaving(self.ledger, endpoint, self.calls_to_leave())
            elif self.ledger is not None:
                self.ledger.reserve(endpoint)
            with self._count_lock:
                self.calls_made += 1

        return before_attempt

    def _send(self, method: str, url: str, context: CallContext, **kwargs: Any) -> httpx.Response:
        try:
            return send(
                self._http,
                method,
                url,
                context,
                policy=self.policy,
                before_attempt=self._count_call(context.endpoint),
                logger=self.log,
                clock=self.clock,
                unannounced_429_resets_at=next_utc_midnight,
                **self._sleep_kwargs,
                **kwargs,
            )
        except CallBudgetExhaustedError:
            raise  # our own ledger refused: no call was made, and what is left may still be spent by others
        except RateLimitedError:
            if self.ledger is not None:
                self.ledger.mark_spent()
            raise

    # -- authentication ------------------------------------------------------------------------

    def authenticate(self) -> None:
        """Get a new session key with the API key and the consumer application's id and secret.

        Raygun's reference lists authenticate as GET while its example uses POST: POST first, GET
        once if POST is answered 404 or 405, and whichever worked is used for the client's life.
        """
        self.keys.renew()

    def needs_authentication(self) -> bool:
        """Whether the next call must authenticate first (no fresh key here nor shared by another process)."""
        return self.keys.needs_authentication()

    def _authenticate(self) -> tuple[str, datetime]:
        methods = [self._auth_method] if self._auth_method else ["POST", "GET"]
        for method in methods:
            context = self._context(f"{method} {AUTHENTICATE_PATH}", None)
            response = self._send(
                method,
                self.base_url + AUTHENTICATE_PATH,
                context,
                headers={"X-ApiKey": self._api_key},
                auth=(self._client_id, self._client_secret),
            )
            if response.status_code not in (404, 405) or method == methods[-1]:
                break
            self.log.info("Raygun: authenticate answered HTTP %d to %s; trying GET", response.status_code, method)
        if response.status_code in (401, 403):
            raise AuthenticationError(
                VENDOR,
                context.endpoint,
                "the API key or the client id/secret was refused: check RAYGUN_API_KEY, RAYGUN_CLIENT_ID "
                f"and RAYGUN_CLIENT_SECRET ({response_problem(response)})",
                status=response.status_code,
                secrets=self._secrets,
            )
        if response.status_code in (404, 405):
            tried = " and ".join(methods)
            raise VendorHTTPError(
                VENDOR,
                context.endpoint,
                f"authenticate refused {tried} ({response_problem(response)}): check RAYGUN_BASE_URL",
                status=response.status_code,
                secrets=self._secrets,
            )
        if response.status_code not in (200, 201, 202):
            raise VendorHTTPError(VENDOR, context.endpoint, response_problem(response), status=response.status_code, secrets=self._secrets)
        key = parse_body(AuthenticateResponse, response, context).session_key
        expires = self.clock() + self.session_key_ttl
        self._auth_method = method
        with self._count_lock:
            self.authentications += 1
        self.log.info("Raygun: authenticated with %s (session key valid until %s)", method, expires.isoformat(timespec="seconds"))
        return key, expires

    def _get_json_response(self, url: str, context: CallContext) -> httpx.Response:
        """GET with a session key; a 401 means the server ended the key early: renew it and send again
        (the bounds are :class:`SessionKeyHolder`'s)."""
        dead_keys = 0
        for _ in range(MAX_ATTEMPTS_PER_CALL):
            held: HeldKey = self.keys.get()
            response = self._send("GET", url, context, headers={"X-SessionKey": held.key})
            if response.status_code != 401:
                self.keys.answered_with(held)
                return response
            dead_keys += held.answered == 0
            self.log.info("Raygun: session key refused on %s; using a new one", context.endpoint)
            self.keys.refused(held, context, dead_keys)
        raise self.keys.too_many_attempts(context)

    # -- sessions ------------------------------------------------------------------------------

    def sessions_url(self, day: date, skip: int = 0) -> str:
        date_from, date_to = day_bounds(day)
        query = urlencode({"dateFrom": date_from, "dateTo": date_to, "skip": skip, "limit": self.page_size})
        return f"{self.base_url}{SESSIONS_PATH}?{query}"

    def iter_session_pages(self, day: date) -> Iterator[SessionsPage]:
        """Every page of the day's session list, paged by ``skip`` until ``totalSessions`` is reached.

        The next page is fetched while the caller works on the current one (``pages_ahead``): the
        calls are still made one at a time and in order, and a caller that stops early has spent at
        most ``pages_ahead`` calls it did not use.

        A short or empty page also ends it. ``links.next`` is followed only when it resolves (it may
        be relative) to this API's own origin; an empty or missing one, or one on another origin
        (which must never see the session key), is replaced by the URL for the next ``skip``.
        Bounded: at most the pages ``totalSessions`` calls for plus two (for sessions arriving while
        we page), and never more than ``MAX_PAGES_PER_DAY``.
        """
        context = self._context(f"GET {SESSIONS_PATH}", day)
        with closing(read_ahead(self._session_page_responses(day, context), self.pages_ahead, name=f"raygun-pages-{day}")) as responses:
            for response in responses:
                yield parse_body(SessionsPage, response, context)

    def _session_page_responses(self, day: date, context: CallContext) -> Iterator[httpx.Response]:
        """The pages' responses, read only as far as paging needs (:class:`SessionsPageHead`)."""
        url = self.sessions_url(day)
        max_pages = MAX_PAGES_PER_DAY
        skip = 0
        warned = False
        for pages in range(1, MAX_PAGES_PER_DAY + 1):
            response = self._get_json_response(url, context)
            self._raise_for_status(response, context)
            page = parse_body(SessionsPageHead, response, context)
            if pages == 1:
                max_pages = min(MAX_PAGES_PER_DAY, math.ceil(page.total_sessions / self.page_size) + 2)
                self.log.info("Raygun %s: %d sessions to page through (%d per page)", day, page.total_sessions, self.page_size)
            yield response
            skip += len(page.sessions)
            if skip >= page.total_sessions:
                return
            if len(page.sessions) < self.page_size:
                self.log.warning("Raygun %s: a short page ended paging at %d of %d sessions", day, skip, page.total_sessions)
                return
            if pages >= max_pages:
                self.log.warning(
                    "Raygun %s: stopped paging after %d pages at skip %d of %d sessions", day, pages, skip, page.total_sessions
                )
                return
            url, foreign = self._next_page_url(response, page, day, skip)
            if foreign is not None and not warned:
                warned = True
                self.log.warning(
                    "Raygun %s: links.next points at another origin (%s); ignored, paging by skip on %s instead",
                    day,
                    foreign,
                    _origin(httpx.URL(self.base_url)),
                )

    def _next_page_url(self, response: httpx.Response, page: SessionsPageHead, day: date, skip: int) -> tuple[str, str | None]:
        """The next page's URL and, when ``links.next`` was refused, the foreign origin it named."""
        fallback = self.sessions_url(day, skip)
        raw = page.links.next if page.links else None
        if not raw or not raw.strip():
            return fallback, None
        try:
            resolved = response.request.url.join(raw.strip())
        except (httpx.InvalidURL, ValueError):
            return fallback, "<unparseable URL>"
        if _origin(resolved) != _origin(httpx.URL(self.base_url)):
            return fallback, _origin(resolved)
        return str(resolved), None

    def get_session(self, session_id: int, day: date | None = None) -> SessionDetail:
        context = self._context(f"GET {SESSION_PATH}", day)
        url = f"{self.base_url}{SESSION_PATH}?{urlencode({'id': session_id})}"
        response = self._get_json_response(url, context)
        if response.status_code == 404:
            raise NotFoundError(VENDOR, context.endpoint, f"session {session_id} is unknown", day=day, status=404)
        self._raise_for_status(response, context)
        detail = parse_body(SessionEnvelope, response, context).session
        if detail.id != session_id:
            raise PayloadError(VENDOR, context.endpoint, f"field 'session.id' is {detail.id}, expected {session_id}", day=day)
        return detail

    def _raise_for_status(self, response: httpx.Response, context: CallContext) -> None:
        if response.status_code == 200:
            return
        raise VendorHTTPError(
            VENDOR,
            f"{context.endpoint} ({_path_and_query(response)})",
            response_problem(response),
            day=context.day,
            status=response.status_code,
            secrets=self._secrets,
        )


def reserve_leaving(ledger: CallBudgetLedger, endpoint: str, keep: int) -> None:
    """Reserve one call unless it would leave fewer than ``keep`` of the day's calls unspent.

    Atomic across processes like any reservation: the store adds the call only while the day's count
    stays within the limit less ``keep``.
    """
    if ledger.daily_limit <= 0 or keep <= 0:
        ledger.reserve(endpoint)
        return
    day = ledger.today()
    ceiling = ledger.daily_limit - keep
    ledger.store_reservations += 1
    if ceiling <= 0 or ledger.store.try_reserve(ledger.scope, day, 1, ceiling) is None:
        raise CallBudgetExhaustedError(
            VENDOR,
            endpoint,
            f"the calls left today are kept for the session lists still to come ({keep} of the daily {ledger.daily_limit}; "
            f"{ledger.store.used(ledger.scope, day)} used, UTC)",
            resets_at=next_utc_midnight(ledger.clock()),
        )
    ledger.reserved_by_me += 1


class _LiveSecrets:
    """The client's secrets as they are when iterated: a context made before authenticating must
    still mask the session key that authenticating brings."""

    def __init__(self, client: RaygunClient) -> None:
        self._client = client

    def __iter__(self) -> Iterator[str]:
        return iter(self._client._secrets)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: httpx.URL) -> str:
    """``scheme://host:port`` with the default port made explicit, for same-origin checks."""
    port = url.port if url.port is not None else _DEFAULT_PORTS.get(url.scheme)
    return f"{url.scheme}://{url.host}:{port}"


def _path_and_query(response: httpx.Response) -> str:
    url = response.request.url
    return url.raw_path.decode("ascii", "replace")
