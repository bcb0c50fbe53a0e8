"""HTTP resilience shared by both vendor clients.

One function, :func:`send`, wraps an ``httpx.Client`` call with bounded retries: exponential
backoff with full jitter for 5xx answers, timeouts and dropped connections; ``Retry-After`` honoured
on 429 and 503 up to a configured maximum wait, beyond which it raises :class:`RateLimitedError`
saying when the budget resets. It returns every other response to the caller, which decides what a
401, 404 or 400 means for its vendor.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from rum_assets.transport.errors import RateLimitedError, VendorHTTPError, mask_secrets

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
RETRYABLE_EXCEPTIONS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    """Attempts per request, the first included."""
    base_delay_seconds: float = 0.5
    max_delay_seconds: float = 30.0
    max_total_seconds: float = 180.0
    """Give up once retries of one request have taken this long."""
    max_retry_after_seconds: float = 120.0
    """Wait at most this long when the vendor asks for it with ``Retry-After``; longer waits raise."""
    timeout_seconds: float = 30.0
    """Per request; both vendors document a 30 s server-side timeout."""

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full-jitter exponential backoff for the given 1-based failed attempt."""
        ceiling = min(self.max_delay_seconds, self.base_delay_seconds * (2 ** (attempt - 1)))
        return rng.uniform(0, ceiling)


@dataclass
class CallContext:
    """What a request is for: used in log lines and error messages."""

    vendor: str
    endpoint: str
    day: date | None = None
    secrets: Iterable[str] = field(default_factory=tuple)


RETRY_AFTER_CAP_SECONDS = 7 * 24 * 3600.0
"""Longer asks are taken as this long: no vendor budget here resets later, and a bigger number would
only overflow date arithmetic."""


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    None when it is absent or unusable (not a number or a date, negative, infinite, NaN): the
    caller treats that like no header. A date in the past means now; any wait is capped at
    :data:`RETRY_AFTER_CAP_SECONDS`.
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = max(0.0, (when - now).total_seconds())
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return min(seconds, RETRY_AFTER_CAP_SECONDS)


def send(
    client: httpx.Client,
    method: str,
    url: str,
    context: CallContext,
    *,
    policy: RetryPolicy,
    before_attempt: Callable[[], None] | None = None,
    logger: logging.Logger | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    unannounced_429_resets_at: Callable[[datetime], datetime] | None = None,
    **request_kwargs: Any,
) -> httpx.Response:
    """Send one logical request, retrying what is safe to retry, within ``policy``'s bounds.

    ``before_attempt`` runs before every attempt (each attempt is a vendor call: the Raygun
    client reserves one call of its daily budget there, so retries are paid for too).
    ``unannounced_429_resets_at``, for a vendor whose 429 without a usable ``Retry-After`` means
    its budget is spent until a known time: such a 429 raises at once with that time, unretried.
    """
    log = logger or logging.getLogger("rum_assets.transport.http")
    rng = rng or random.Random()
    started = time.monotonic()
    waited = 0.0
    last_problem = "no attempt made"
    for attempt in range(1, policy.max_attempts + 1):
        if before_attempt is not None:
            before_attempt()
        try:
            response = without_stream_cycle(client.request(method, url, timeout=policy.timeout_seconds, **request_kwargs))
        except RETRYABLE_EXCEPTIONS as exc:
            last_problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            wait = policy.backoff(attempt, rng)
        else:
            if response.status_code == 429 or (response.status_code == 503 and response.headers.get("Retry-After") is not None):
                asked = parse_retry_after(response.headers.get("Retry-After"), clock())
                if asked is None and response.status_code == 429 and unannounced_429_resets_at is not None:
                    raise RateLimitedError(
                        context.vendor,
                        context.endpoint,
                        "rate limited without Retry-After: the call budget is spent, so no retry is made (each would cost a call)",
                        resets_at=unannounced_429_resets_at(clock()),
                        day=context.day,
                        status=429,
                        secrets=context.secrets,
                    )
                if asked is not None and asked > policy.max_retry_after_seconds:
                    raise RateLimitedError(
                        context.vendor,
                        context.endpoint,
                        f"rate limited; the vendor asks to wait {asked:.0f} s, more than the "
                        f"{policy.max_retry_after_seconds:.0f} s we may wait",
                        resets_at=clock() + timedelta(seconds=asked),
                        day=context.day,
                        status=response.status_code,
                        secrets=context.secrets,
                    )
                last_problem = f"HTTP {response.status_code} (rate limited)"
                wait = asked if asked is not None else policy.backoff(attempt, rng)
            elif response.status_code in RETRYABLE_STATUSES:
                last_problem = f"HTTP {response.status_code}: {body_snippet(response)}"
                wait = policy.backoff(attempt, rng)
            else:
                return response
        elapsed = max(time.monotonic() - started, waited)
        if attempt == policy.max_attempts or elapsed + wait > policy.max_total_seconds:
            break
        log_retry(log, context, attempt, policy, last_problem, wait)
        sleep(wait)
        waited += wait
    raise retries_exhausted(
        context, attempt, last_problem, rate_limited="rate limited" in last_problem, seconds=max(time.monotonic() - started, waited)
    )


def without_stream_cycle(response: httpx.Response) -> httpx.Response:
    """``response`` (already read) without the cycle httpx builds between it and its stream.

    httpx's ``Response.stream`` is a ``BoundSyncStream`` that refers back to the response, so a response
    is freed only by the cyclic garbage collector, never by reference counting. Paging a day keeps the
    collector's young generation large (``gc_tuning.fewer_collections``), and the bodies of a few
    hundred pages (~400 KB each) then waited for it: 200 MiB more at 300,000 sessions. The stream is
    consumed and closed once ``client.request`` returns; a plain stream of the same bytes replaces it.
    """
    if response.is_stream_consumed and response.is_closed:
        response.stream = httpx.ByteStream(response.content)
    return response


def log_retry(log: logging.Logger, context: CallContext, attempt: int, policy: RetryPolicy, problem: str, wait: float) -> None:
    """The warning for one failed attempt that will be retried; secrets in the quoted answer are masked."""
    log.warning(
        "%s %s%s: attempt %d/%d failed (%s); retrying in %.1f s",
        context.vendor,
        context.endpoint,
        f" for day {context.day}" if context.day else "",
        attempt,
        policy.max_attempts,
        mask_secrets(problem, context.secrets),
        wait,
    )


def retries_exhausted(
    context: CallContext, attempts: int, problem: str, *, rate_limited: bool, seconds: float | None = None
) -> VendorHTTPError | RateLimitedError:
    """The error once a request's retries are used up: still rate limited, or the last problem seen."""
    if rate_limited:
        return RateLimitedError(
            context.vendor,
            context.endpoint,
            f"still rate limited after {attempts} attempts",
            resets_at=None,
            day=context.day,
            status=429,
            secrets=context.secrets,
        )
    return VendorHTTPError(
        context.vendor,
        context.endpoint,
        f"gave up after {attempts} attempts{'' if seconds is None else f' in {seconds:.1f} s'}; last error: {problem}",
        day=context.day,
        secrets=context.secrets,
    )


def body_snippet(response: httpx.Response, limit: int = 300) -> str:
    """The start of a response body on one line, for error messages."""
    try:
        text = response.text
    except Exception:
        return "<unreadable body>"
    text = " ".join(text.split())
    return text[:limit] + ("…" if len(text) > limit else "")


def response_problem(response: httpx.Response) -> str:
    """A short description of an error response for messages: the vendor's own message if any."""
    try:
        payload = response.json()
    except ValueError:
        return body_snippet(response) or response.reason_phrase
    if isinstance(payload, dict):
        for key in ("message", "detail", "title", "error", "reason"):
            if isinstance(payload.get(key), str):
                return payload[key]
    return body_snippet(response)
