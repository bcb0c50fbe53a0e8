"""One Raygun v3 request with its budget, pacing and bounded retries.

Every attempt is a vendor call: it is reserved in the shared ledger first (a spent budget fails
before any wait), then paced by the client-side limiter, which holds the call's place until its
answer is back (in a store that every process and node using the token shares, see
:mod:`rum_assets.budget.pacing`). Each answer's ``X-Rate-Limit-Limit`` / ``X-Rate-Limit-Remaining``
corrects what we believe is left. A 429 is retried after ``Retry-After`` when the vendor sends it;
without it, the period in ``X-Rate-Limit-Limit`` says what is spent: ``1m`` waits for the next
minute, ``1d`` means the day's budget is gone and fails with the reset time. 5xx answers, timeouts
and dropped connections back off exponentially (the policy shared with the other clients); anything
else goes back to the caller.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from rum_assets.budget.ledger import CallBudgetLedger, next_utc_midnight
from rum_assets.raygun.v3.problems import REQUEST_ID_HEADER
from rum_assets.raygun.v3.rate_limit import DAY_SECONDS, SlidingWindowLimiter, parse_period
from rum_assets.transport.errors import RateLimitedError
from rum_assets.transport.http import (
    RETRYABLE_EXCEPTIONS,
    RETRYABLE_STATUSES,
    CallContext,
    RetryPolicy,
    body_snippet,
    log_retry,
    parse_retry_after,
    retries_exhausted,
    without_stream_cycle,
)

LIMIT_HEADER = "X-Rate-Limit-Limit"
REMAINING_HEADER = "X-Rate-Limit-Remaining"
RESET_HEADER = "X-Rate-Limit-Reset"


def parse_reset(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def next_minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)


class Transport:
    def __init__(
        self,
        http: httpx.Client,
        *,
        policy: RetryPolicy,
        ledger: CallBudgetLedger | None,
        limiter: SlidingWindowLimiter | None,
        logger: logging.Logger,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.http = http
        self.policy = policy
        self.ledger = ledger
        self.limiter = limiter
        self.log = logger
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self._lock = threading.Lock()
        self.calls_made = 0
        self.ledger_corrections = 0

    def _attempt(self, method: str, url: str, endpoint: str, **kwargs: Any) -> httpx.Response:
        """One call: reserved in the ledger, then held in the limiter until its answer is back."""
        if self.ledger is not None:
            self.ledger.reserve(endpoint)
        pacing = self.limiter.call() if self.limiter is not None else nullcontext()
        with pacing:
            with self._lock:
                self.calls_made += 1
            return without_stream_cycle(self.http.request(method, url, timeout=self.policy.timeout_seconds, **kwargs))

    def observe(self, response: httpx.Response) -> None:
        """Correct our view of the remaining budget from the rate-limit headers."""
        period = parse_period(response.headers.get(LIMIT_HEADER))
        try:
            remaining = int(response.headers.get(REMAINING_HEADER, ""))
        except ValueError:
            return
        if period is None:
            return
        if period >= DAY_SECONDS:
            if self.ledger is not None and self.ledger.daily_limit > 0:
                added = self.ledger.raise_used_to_at_least(self.ledger.daily_limit - remaining)
                if added:
                    with self._lock:
                        self.ledger_corrections += added
                    self.log.info("Raygun v3: the server counts %d more calls today than our ledger; ledger corrected", added)
        elif self.limiter is not None:
            self.limiter.observe_remaining(period, remaining)

    def _rate_limited(self, response: httpx.Response, context: CallContext, attempt: int) -> float:
        """Seconds to wait before retrying a 429, or raise when the wait is not ours to make."""
        now = self.clock()
        asked = parse_retry_after(response.headers.get("Retry-After"), now)
        period = parse_period(response.headers.get(LIMIT_HEADER))
        reset = parse_reset(response.headers.get(RESET_HEADER))
        request_id = response.headers.get(REQUEST_ID_HEADER)
        tag = f" ({REQUEST_ID_HEADER} {request_id})" if request_id else ""
        daily = period is not None and period >= DAY_SECONDS
        if daily and (asked is None or asked > self.policy.max_retry_after_seconds):
            if self.ledger is not None:
                self.ledger.mark_spent()
            raise RateLimitedError(
                context.vendor,
                context.endpoint,
                f"the daily call budget of this token is spent (HTTP 429, {LIMIT_HEADER}: 1d){tag}",
                resets_at=reset or (now + timedelta(seconds=asked) if asked is not None else next_utc_midnight(now)),
                day=context.day,
                status=429,
                secrets=context.secrets,
            )
        if asked is None:
            if period is not None:
                until = (
                    reset if reset is not None and reset > now else (next_minute(now) if period == 60 else now + timedelta(seconds=period))
                )
                asked = max(0.0, (until - now).total_seconds())
            else:
                asked = self.policy.backoff(attempt, self.rng)
        if asked > self.policy.max_retry_after_seconds:
            raise RateLimitedError(
                context.vendor,
                context.endpoint,
                f"rate limited; waiting {asked:.0f} s is more than the {self.policy.max_retry_after_seconds:.0f} s we may wait{tag}",
                resets_at=now + timedelta(seconds=asked),
                day=context.day,
                status=429,
                secrets=context.secrets,
            )
        return asked

    def request(self, method: str, url: str, context: CallContext, **kwargs: Any) -> httpx.Response:
        started = time.monotonic()
        waited = 0.0
        last_problem = "no attempt made"
        attempt = 0
        for attempt in range(1, self.policy.max_attempts + 1):
            try:
                response = self._attempt(method, url, context.endpoint, **kwargs)
            except RETRYABLE_EXCEPTIONS as exc:
                last_problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                wait = self.policy.backoff(attempt, self.rng)
            else:
                self.observe(response)
                if response.status_code == 429:
                    last_problem = "HTTP 429 (rate limited)"
                    wait = self._rate_limited(response, context, attempt)
                elif response.status_code in RETRYABLE_STATUSES:
                    last_problem = f"HTTP {response.status_code}: {body_snippet(response)}"
                    asked = parse_retry_after(response.headers.get("Retry-After"), self.clock())
                    wait = (
                        asked
                        if asked is not None and asked <= self.policy.max_retry_after_seconds
                        else self.policy.backoff(attempt, self.rng)
                    )
                else:
                    return response
            elapsed = max(time.monotonic() - started, waited)
            if attempt == self.policy.max_attempts or elapsed + wait > self.policy.max_total_seconds:
                break
            log_retry(self.log, context, attempt, self.policy, last_problem, wait)
            self.sleep(wait)
            waited += wait
        raise retries_exhausted(context, attempt, last_problem, rate_limited=last_problem.startswith("HTTP 429"))
