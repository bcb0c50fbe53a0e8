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
    """user name -> password accepted by ``POST /v3/auth/web``."""
    products: dict[str, str] = field(default_factory=lambda: {"2376158762": "Demo Desktop App", "2395188568": "Demo Mobile App"})
    """product id -> name; the login answer lists them, the first is ``currentProduct``; other ids are 404."""
    clients_per_product: int = 400
    """Clients generated per product (installs spread around ``data.ANCHOR``). Scales to 100,000+:
    generation is one hash per client, activity one 64-bit mix per (client, day)."""
    session_ttl_seconds: float = 39600
    """Session lifetime and the session cookie's Max-Age; the seed's example cookie has 39600 (11 hours)."""
    export_ready_hour: int = 2
    """A day's export files become final at this hour (UTC) of the next day; before that the day is open."""
    retention_days: int = 90
    """History kept: reports refuse a startDate before today - retention_days (400); export listings
    cover today - retention_days .. today."""
    secure_cookies: bool = False
    """The real vendor marks cookies ``Secure``; a cookie jar (httpx's included) never sends those back
    over plain http, so the loopback emulator leaves the attribute off unless asked."""
    clock: Callable[[], datetime] = _utc_now
    """Now, as an aware datetime (converted to UTC); tests inject a fake clock shared with the client."""
    seed: str = "rum-assets"
    """Every generated value is a pure function of (seed, product id, client, day)."""

    def __post_init__(self) -> None:
        if not 0 <= self.export_ready_hour <= 23:
            raise ValueError("export_ready_hour must be an hour of the day (0-23)")
        if self.clients_per_product < 0 or self.retention_days < 1 or self.session_ttl_seconds <= 0:
            raise ValueError("clients_per_product must be >= 0, retention_days >= 1, session_ttl_seconds > 0")
