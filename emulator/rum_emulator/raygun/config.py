"""Configuration of the Raygun emulator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from rum_emulator.raygun.data import MAX_SESSIONS_PER_DAY


@dataclass(frozen=True)
class RaygunCredentials:
    """One Raygun application: its API key and the consumer application's client id and secret."""

    api_key: str
    client_id: str
    client_secret: str
    name: str = "Demo application"

    def __repr__(self) -> str:  # keep the secret out of logs and assertion messages
        return f"RaygunCredentials(api_key={self.api_key!r}, client_id={self.client_id!r}, client_secret='***', name={self.name!r})"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _demo_applications() -> list[RaygunCredentials]:
    return [RaygunCredentials("demo-raygun-api-key", "demo-raygun-client-id", "demo-raygun-client-secret")]


@dataclass
class RaygunEmulatorConfig:
    applications: list[RaygunCredentials] = field(default_factory=_demo_applications)
    sessions_per_day: int = 300
    """Sessions that start on each UTC day, per application; generated on demand, so 1,000,000 costs no memory."""
    session_key_ttl_seconds: float = 900
    """Raygun's session keys last 15 minutes."""
    session_key_max_uses: int = 0
    """Revoke a session key after this many accepted calls (0: never). Raygun promises 15 minutes, but a
    server may end a key sooner; a revoked key is answered 401 while authenticate keeps succeeding.
    ``RaygunApp.revoke_session_keys`` revokes every live key at any moment."""
    daily_call_limit: int = 50
    """Calls per application per UTC day of ``clock`` (0 = unlimited); then 429 with Retry-After to midnight."""
    limit_retry_after: bool = True
    """Whether the call-limit 429 carries ``Retry-After`` (seconds to midnight); the vendor's documentation does not say."""
    count_authenticate: bool = True
    """Whether authenticate calls count against the limit (Raygun's documentation leaves it open)."""
    clock: Callable[[], datetime] = _utc_now
    """Aware UTC "now": which sessions exist, which are active, key expiry and the call-limit day."""
    seed: str = "rum-assets"
    links_style: Literal["absolute", "relative", "empty", "missing", "foreign"] = "absolute"
    """How the sessions list writes ``links.next`` (the documentation only says "API URL"): an absolute URL, a
    path and query without the origin, an empty string, no ``next`` key at all, or an absolute URL on
    ``foreign_base_url`` (another origin, which must never receive the session key)."""
    foreign_base_url: str = "https://foreign.example.invalid"
    authenticate_methods: tuple[str, ...] = ("GET", "POST")
    """Methods authenticate answers (the documentation lists GET, its example uses POST); others are refused."""
    authenticate_refusal_status: int = 405
    """How a refused authenticate method is answered: 405 (with ``Allow``) or 404."""
    status_case: Literal["lower", "upper", "title"] = "lower"
    """The case of a session's ``status`` (the documentation shows "active"/"ended" only in prose)."""
    naive_datetimes: bool = False
    """Write date-times without the trailing ``Z`` (the documentation says they are UTC)."""
    float_integers: bool = False
    """Write integer fields as JSON floats (``12.0``), as some serialisers do."""
    datetime_dates: bool = False
    """Write the user's ``firstSeen``/``lastSeen`` as plain dates (``2026-11-20``)."""

    def __post_init__(self) -> None:
        if not self.applications:
            raise ValueError("at least one application is required")
        if len({app.api_key for app in self.applications}) != len(self.applications):
            raise ValueError("application API keys must be unique")
        if not 0 <= self.sessions_per_day <= MAX_SESSIONS_PER_DAY:
            raise ValueError(f"sessions_per_day must be between 0 and {MAX_SESSIONS_PER_DAY} (the id scheme's room per day)")
        if self.session_key_ttl_seconds <= 0:
            raise ValueError("session_key_ttl_seconds must be positive")
        if self.session_key_max_uses < 0:
            raise ValueError("session_key_max_uses must be 0 (no limit) or positive")
        if self.daily_call_limit < 0:
            raise ValueError("daily_call_limit must be 0 (unlimited) or positive")
        if not {m.upper() for m in self.authenticate_methods} <= {"GET", "POST"} or not self.authenticate_methods:
            raise ValueError("authenticate_methods must be a non-empty subset of GET and POST")
        if self.authenticate_refusal_status not in (404, 405):
            raise ValueError("authenticate_refusal_status must be 404 or 405")
        if self.status_case not in ("lower", "upper", "title"):
            raise ValueError(f"unknown status_case {self.status_case!r}")
        if self.links_style not in ("absolute", "relative", "empty", "missing", "foreign"):
            raise ValueError(f"unknown links_style {self.links_style!r}")
