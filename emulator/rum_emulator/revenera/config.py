"""Configuration of the Revenera Usage Intelligence emulator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal


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
    """Session lifetime and the session cookie's Max-Age; the vendor's documented example cookie has 39600 (11 hours)."""
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

    export_growing_days: int = 0
    """The newest N final days of each export listing are still being rewritten: their listed size
    grows with the clock (two listings 30 minutes apart differ); older files keep a fixed size."""
    products_without_exports: dict[str, int] = field(default_factory=dict)
    """product id -> 403 or 404: the product lacks the export add-on, so every export listFiles and
    getDownloadUrl of it answers that status (reports still work)."""

    failure_shape: Literal["status", "v2_body", "redirect", "forbidden"] = "status"
    """How a data route answers a missing, invalid or expired session: ``status`` 401 (the v3 docs);
    ``v2_body`` 200 with ``{"status": "AUTH ERROR", "reason": ...}`` (the v2 API's body-signalled
    failure); ``redirect`` 302 to ``<base>/login`` (v2 GET without auth); ``forbidden`` 403 (v2 expired session)."""
    v2_failure_endpoints: tuple[str, ...] = ()
    """Route names (see ``paths.ROUTES``) whose next successful answer is replaced, once, by a 200
    ``{"status": "SYNTAX ERROR", "reason": ...}`` body, as the v2 API reported failures."""

    # -- export CSV layout (the vendor documents none of it; each is a way a real file might look) --
    export_header_style: Literal["keys", "friendly"] = "keys"
    """Header row: the column keys (``timestamp``, ``clientId``, ...) or human names (``Event Timestamp``,
    ``Client ID``, ...; the custom-event names are the reference's getLastLines ``fieldNames``)."""
    export_column_order: Literal["default", "reversed"] = "default"
    export_extra_columns: tuple[str, ...] = ()
    """Undocumented columns appended under exactly these headers, with a deterministic number per row."""
    export_missing_columns: tuple[str, ...] = ()
    """Known column keys left out of every export that has them."""
    export_bom: bool = False
    """Start each CSV with the UTF-8 byte order mark."""
    export_encoding: Literal["utf-8", "latin-1"] = "utf-8"
    """The rows always carry Latin-1 letters (e.g. "Zürich"), so the encoding shows in the bytes."""
    export_quoted_newlines: bool = False
    """With it, stack traces and non-empty event data hold a line break inside a quoted field;
    without it, no value has one (stack traces are joined on one line)."""
    export_raw_timestamp_header: str | None = None
    """Header of the raw-events timestamp column, overriding the header style (e.g. "eventTimestamp")."""

    def __post_init__(self) -> None:
        if not 0 <= self.export_ready_hour <= 23:
            raise ValueError("export_ready_hour must be an hour of the day (0-23)")
        if self.clients_per_product < 0 or self.retention_days < 1 or self.session_ttl_seconds <= 0:
            raise ValueError("clients_per_product must be >= 0, retention_days >= 1, session_ttl_seconds > 0")
        if self.export_growing_days < 0:
            raise ValueError("export_growing_days must be >= 0")
        for pid, status in self.products_without_exports.items():
            if pid not in self.products or status not in (403, 404):
                raise ValueError(f"products_without_exports: {pid!r} -> {status!r} must map a configured product id to 403 or 404")
        choices = {
            "failure_shape": ("status", "v2_body", "redirect", "forbidden"),
            "export_header_style": ("keys", "friendly"),
            "export_column_order": ("default", "reversed"),
            "export_encoding": ("utf-8", "latin-1"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        if self.export_bom and self.export_encoding != "utf-8":
            raise ValueError("export_bom is the UTF-8 byte order mark: it needs export_encoding 'utf-8'")
