"""Step retries for transient vendor failures, and none for failures that a retry cannot fix.

The clients already retry a single request (5xx, timeouts, Retry-After) a few times within seconds.
``VENDOR_RETRY_POLICY`` retries the whole step minutes later, for what outlasts that: a vendor down
for a few minutes, a rate limit that resets soon, a dropped connection. Dagster retries a step
under a RetryPolicy on ANY exception, so the assets are wrapped in ``non_retryable_errors``: refused
credentials, a response that breaks the documented contract, an unknown id or a file not yet
published, a spent daily call budget and a write that needs more memory than DuckDB may use fail the step at once (``dg.Failure(allow_retries=False)``),
because the same request minutes later would fail the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import dagster as dg
import duckdb

from rum_assets.config.env_vars import DUCKDB_MEMORY_LIMIT
from rum_assets.transport.errors import AuthenticationError, CallBudgetExhaustedError, NotFoundError, PayloadError, SessionKeysRefusedError
from rum_assets.warehouse.tables import StagingError

VENDOR_RETRY_POLICY = dg.RetryPolicy(max_retries=3, delay=20, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)
"""Up to 3 more attempts, 20 s, 60 s and 140 s after each failure (each +/- up to 20 s of jitter, so
that steps waiting on the same outage do not return at the same instant): about 4 minutes in all."""

NON_RETRYABLE: dict[type[Exception], str] = {
    # Before AuthenticationError, its base: the first kind that matches gives the reason.
    SessionKeysRefusedError: "the vendor kept refusing fresh session keys; more would only spend the day's calls",
    AuthenticationError: "the credentials were refused; fix them and run again",
    PayloadError: "the vendor's answer broke its documented contract; a retry would get the same answer",
    NotFoundError: "the vendor does not know it (or, for an export, has not published it yet; the export sensor asks again)",
    CallBudgetExhaustedError: "the day's call budget is spent; the budget backfill sensor runs the day again once it resets",
    StagingError: "the local staging disk is full or not writable; free it and run again",
    duckdb.OutOfMemoryException: (
        f"DuckDB needed more memory than {DUCKDB_MEMORY_LIMIT.name} allows (it is its own limit, not the machine's); raise it and run again"
    ),
}

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def non_retryable_errors() -> Iterator[None]:
    """Turn errors a retry cannot fix into a ``dg.Failure`` that the step's RetryPolicy does not retry."""
    try:
        yield
    except tuple(NON_RETRYABLE) as exc:
        reason = next(text for kind, text in NON_RETRYABLE.items() if isinstance(exc, kind))
        raise dg.Failure(
            description=f"{exc} (not retried: {reason})",
            metadata={"error_type": type(exc).__name__},
            allow_retries=False,
        ) from exc


def without_retry_on_contract_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of ``non_retryable_errors`` for an asset function (place it under ``@dg.asset``)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with non_retryable_errors():
            return fn(*args, **kwargs)

    return wrapper


def is_retryable(error: Exception) -> bool:
    """Whether a retry of the step minutes later could fix ``error``."""
    return not isinstance(error, tuple(NON_RETRYABLE))


def any_retryable(errors: Sequence[Exception]) -> bool:
    """For a step that collects errors (one per product or session) and fails once at the end: retry
    only if a retry could fix at least one of them."""
    return any(is_retryable(error) for error in errors)


def failure_entry(label: str, error: Exception) -> tuple[str, bool, str]:
    """(message, retryable, error type) for one failed product or application of a step that fails once at
    the end: the message says why it is not retried; the entry keeps no exception (and no frames)."""
    retryable = is_retryable(error)
    reason = "" if retryable else next(f" (not retried: {text})" for kind, text in NON_RETRYABLE.items() if isinstance(error, kind))
    return f"{label}: {error}{reason}", retryable, type(error).__name__
