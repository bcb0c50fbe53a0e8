"""Configuration of the Raygun emulator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class RaygunCredentials:
    api_key: str
    client_id: str
    client_secret: str
    name: str = "Demo application"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class RaygunEmulatorConfig:
    applications: list[RaygunCredentials] = field(
        default_factory=lambda: [RaygunCredentials("demo-raygun-api-key", "demo-raygun-client-id", "demo-raygun-client-secret")]
    )
    sessions_per_day: int = 300
    """Sessions that start on each UTC day; generated on demand, so 1,000,000 costs no memory."""
    session_key_ttl_seconds: float = 900
    """Raygun's session keys last 15 minutes."""
    daily_call_limit: int = 50
    """Calls per application per UTC day (0 = unlimited); then 429 with Retry-After to midnight."""
    count_authenticate: bool = True
    """Whether authenticate calls count against the limit (Raygun's documentation leaves it open)."""
    clock: Callable[[], datetime] = _utc_now
    seed: str = "rum-assets"
