"""Configuration of the Revenera Usage Intelligence emulator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ReveneraEmulatorConfig:
    users: dict[str, str] = field(default_factory=lambda: {"demo@example.com": "demo-revenera-password"})
    products: dict[str, str] = field(default_factory=lambda: {"2376158762": "Demo Desktop App", "2395188568": "Demo Mobile App"})
    clients_per_product: int = 400
    session_ttl_seconds: float = 39600
    """The seed's example cookie has Max-Age=39600 (11 hours)."""
    export_ready_hour: int = 2
    """A day's export files become final at this hour (UTC) of the next day; before that they are open."""
    retention_days: int = 90
    secure_cookies: bool = False
    """The real vendor marks cookies ``Secure``; a cookie jar never sends those over plain http, so the
    loopback emulator leaves the attribute off unless asked."""
    clock: Callable[[], datetime] = _utc_now
    seed: str = "rum-assets"
