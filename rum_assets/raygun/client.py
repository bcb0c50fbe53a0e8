"""A client for the Raygun Real User Monitoring v1 ("pulse") API. No Dagster inside.

Usable from a plain shell::

    with RaygunClient("https://api.raygun.com", api_key, client_id, client_secret) as raygun:
        for page in raygun.iter_session_pages(date(2026, 11, 20)):
            ...

The session key is reused for its 15 minutes, renewed shortly before it expires, and renewed once
more if the API answers 401 anyway. The client may be shared by threads (concurrent session
details): one thread renews an expired or refused key while the others wait for it, so a batch
re-authenticates once, not once per thread. Every call (retries and authentication included) is
reserved in the optional :class:`CallBudgetLedger` first, so the daily limit is never passed by our
own spending.
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

from rum_assets.budget import CallBudgetLedger, next_utc_midnight
from rum_assets.errors import AuthenticationError, NotFoundError, PayloadError, RateLimitedError, VendorHTTPError
from rum_assets.http import CallContext, RetryPolicy, response_problem, send
from rum_assets.payloads import parse_response
from rum_assets.raygun.models import AuthenticateResponse, SessionDetail, SessionEnvelope, SessionsPage, SessionsPageHead
from rum_assets.read_ahead import read_ahead

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
        self._http = httpx.Client(headers={"Accept": "application/json", "User-Agent": "rum_assets"})
        self._session_key: str | None = None
        self._session_key_expires: datetime | None = None
        self._auth_method: str | None = None
        self._auth_lock = threading.Lock()
        self._refusal: AuthenticationError | None = None
        """Why the credentials were refused: threads that waited for that attempt fail alike, unsent."""
        self._count_lock = threading.Lock()
        self.calls_made = 0
        self.authentications = 0

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connections and hand back the calls reserved in the ledger but never made."""
        self._http.close()
        with self._auth_lock:
            self._session_key = None
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
        return tuple(s for s in (self._api_key, self._client_id, self._client_secret, basic, self._session_key) if s)

    def _context(self, endpoint: str, day: date | None) -> CallContext:
        return CallContext(VENDOR, endpoint, day, _LiveSecrets(self))

    def _count_call(self, endpoint: str) -> Callable[[], None]:
        def before_attempt() -> None:
            if self.ledger is not None:
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
        with self._auth_lock:
            self._authenticate()

    def _authenticate(self) -> None:
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
            self._refusal = AuthenticationError(
                VENDOR,
                context.endpoint,
                "the API key or the client id/secret was refused: check RAYGUN_API_KEY, RAYGUN_CLIENT_ID "
                f"and RAYGUN_CLIENT_SECRET ({response_problem(response)})",
                status=response.status_code,
                secrets=self._secrets,
            )
            raise self._refusal
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
        self._session_key = parse_body(AuthenticateResponse, response, context).session_key
        self._session_key_expires = self.clock() + self.session_key_ttl
        self._auth_method = method
        self._refusal = None
        self.authentications += 1
        self.log.info(
            "Raygun: authenticated with %s (session key valid until %s)", method, self._session_key_expires.isoformat(timespec="seconds")
        )

    def _key_is_fresh(self) -> bool:
        expires = self._session_key_expires
        return self._session_key is not None and expires is not None and self.clock() < expires - self.renew_margin

    def _valid_session_key(self, refused: str | None = None) -> str:
        """The current session key, renewed first if it is about to expire or is ``refused``.

        Checked again under the lock: when several threads find the key stale (or see it refused)
        together, the first renews it and the others use the key it brought.
        """
        key = self._session_key
        if key is None or key == refused or not self._key_is_fresh():
            with self._auth_lock:
                if self._refusal is not None:
                    raise self._refusal
                if self._session_key is None or self._session_key == refused or not self._key_is_fresh():
                    self._authenticate()
                key = self._session_key
        assert key is not None
        return key

    def _get_json_response(self, url: str, context: CallContext) -> httpx.Response:
        """GET with a session key, renewing it once if the API says it is no longer valid."""
        refused: str | None = None
        for renewal in (False, True):
            key = self._valid_session_key(refused)
            response = self._send("GET", url, context, headers={"X-SessionKey": key})
            if response.status_code != 401:
                return response
            if renewal:
                break
            self.log.info("Raygun: session key refused on %s; authenticating again", context.endpoint)
            refused = key
        raise AuthenticationError(
            VENDOR, context.endpoint, "a fresh session key was refused (401 twice)", day=context.day, status=401, secrets=self._secrets
        )

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
