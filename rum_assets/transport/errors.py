"""Errors raised by the vendor clients.

Every error names the vendor, the endpoint, the UTC day being loaded (when there is one) and what
was wrong, so that a failed run in the Dagster UI says what to fix without opening a debugger. The
message never holds a secret: callers pass the secret values they hold, and they are masked.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TypedDict, Unpack


def mask_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret of four or more characters replaced by ``***`` (longest first, so
    a secret that contains another is masked whole)."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


class ErrorDetails(TypedDict, total=False):
    """The keyword arguments of :class:`VendorError`, passed on by the subclasses that add their own."""

    day: date | None
    status: int | None
    secrets: Iterable[str]


class VendorError(Exception):
    """Base of every vendor failure."""

    def __init__(
        self,
        vendor: str,
        endpoint: str,
        problem: str,
        *,
        day: date | None = None,
        status: int | None = None,
        secrets: Iterable[str] = (),
    ) -> None:
        self.vendor = vendor
        self.endpoint = endpoint
        self.day = day
        self.status = status
        self.problem = mask_secrets(problem, list(secrets))
        where = f"{vendor} {endpoint}"
        if day is not None:
            where += f" for day {day.isoformat()}"
        status_text = f" (HTTP {status})" if status is not None else ""
        super().__init__(f"{where}{status_text}: {self.problem}")


class VendorHTTPError(VendorError):
    """The vendor answered with an unexpected status, or could not be reached after retries."""


class AuthenticationError(VendorError):
    """Credentials were refused (bad API key, client secret, user name or password)."""


class SessionKeysRefusedError(AuthenticationError):
    """Authenticate accepted the credentials, but the data calls kept refusing the session keys it issued
    (revoked early, more than the client's bound allows): more keys would only spend the day's budget."""


class PayloadError(VendorError):
    """A response broke the documented contract (missing field, wrong type, not JSON)."""


class RateLimitedError(VendorError):
    """The vendor's rate limit is spent and the wait it asks for exceeds what we are allowed to wait."""

    def __init__(self, vendor: str, endpoint: str, problem: str, *, resets_at: datetime | None, **kwargs: Unpack[ErrorDetails]) -> None:
        self.resets_at = resets_at
        if resets_at is not None:
            problem = f"{problem}; the budget resets at {resets_at.isoformat(timespec='seconds')}"
        super().__init__(vendor, endpoint, problem, **kwargs)


class CallBudgetExhaustedError(RateLimitedError):
    """Our own ledger says the day's call budget is spent; no call was made."""


class NotFoundError(VendorError):
    """The vendor does not know the requested resource (unknown session id, product id, file)."""
