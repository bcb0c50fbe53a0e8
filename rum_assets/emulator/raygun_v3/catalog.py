"""The slow-moving things of one application: its pages, customers and error groups.

Each is a short fixed list derived from ``(seed, application, index)``. Immutable fields are fixed
(``firstSeenAt``, ``createdAt``: somewhere in 2024-2025); ``lastSeenAt`` and ``lastOccurredAt`` follow the
clock (a deterministic distance before now), so they never lie in the future.

Error groups: the reference lists the endpoint's scope and fields nowhere, so the emulator serves
``{identifier, applicationIdentifier, message, status, createdAt, lastOccurredAt}`` (a guess).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from rum_assets.emulator.raygun.data import FIRST_NAMES, LAST_NAMES  # the same people use both APIs' demo apps
from rum_assets.emulator.raygun_v3.config import ApplicationSpec
from rum_assets.emulator.raygun_v3.timeutil import DAY_MS, iso_ms

SITE = "https://shop.example.com"
WEB_PATHS = [
    "/",
    "/products",
    *(f"/products/{n}" for n in range(1, 13)),
    "/search",
    "/cart",
    "/checkout",
    "/account",
    "/login",
    *(f"/blog/{n}" for n in range(1, 7)),
    "/help",
]
MOBILE_SCREENS = [
    "HomeScreen",
    "ProductList",
    "ProductDetail",
    "Search",
    "Cart",
    "Checkout",
    "Account",
    "Login",
    "OrderHistory",
    "Settings",
]
ERROR_MESSAGES = [
    "TypeError: Cannot read properties of undefined (reading 'id')",
    "ReferenceError: analytics is not defined",
    "Error: Network request failed",
    "SyntaxError: Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON",
    "TypeError: Load failed",
    "ChunkLoadError: Loading chunk 412 failed.",
    "Error: ResizeObserver loop completed with undelivered notifications.",
    "TypeError: null is not an object (evaluating 'el.style')",
]
GROUP_STATUSES = ["active", "active", "active", "resolved", "ignored"]
ANCHOR_MS = 1_704_067_200_000
"""2024-01-01T00:00:00Z: immutable "first" moments fall in the two years after it."""


def digest(*parts: object) -> bytes:
    return hashlib.blake2b(":".join(str(p) for p in parts).encode(), digest_size=32).digest()


def _u32(raw: bytes, n: int) -> int:
    return int.from_bytes(raw[4 * n : 4 * n + 4], "little")


def _identifier(prefix: str, raw: bytes, index: int) -> str:
    return f"{prefix}{raw[:5].hex()}{index:04x}"


@dataclass(frozen=True)
class Page:
    identifier: str
    label: str
    """The web page's URI or the mobile screen's name (what a page view's ``applicationUrl`` shows)."""
    recency_ms: int

    def record(self, app: ApplicationSpec, now_ms: int) -> dict[str, Any]:
        last_seen = iso_ms(now_ms - self.recency_ms)
        if app.rum_data_type == "mobile":
            return {
                "identifier": self.identifier,
                "applicationIdentifier": app.identifier,
                "name": self.label,
                "type": "mobile",
                "lastSeenAt": last_seen,
            }
        return {
            "identifier": self.identifier,
            "applicationIdentifier": app.identifier,
            "uri": self.label,
            "type": "web",
            "lastSeenAt": last_seen,
        }


@dataclass(frozen=True)
class Customer:
    identifier: str
    is_anonymous: bool
    external_identifier: str
    email: str | None
    first_name: str | None
    full_name: str | None
    first_seen_ms: int
    recency_ms: int

    def record(self, app: ApplicationSpec, now_ms: int) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "applicationIdentifier": app.identifier,
            "externalIdentifier": self.external_identifier,
            "emailAddress": self.email,
            "firstName": self.first_name,
            "fullName": self.full_name,
            "isAnonymous": self.is_anonymous,
            "firstSeenAt": iso_ms(min(self.first_seen_ms, now_ms)),
            "lastSeenAt": iso_ms(max(min(self.first_seen_ms, now_ms), now_ms - self.recency_ms)),
        }


@dataclass(frozen=True)
class ErrorGroup:
    identifier: str
    message: str
    status: str
    created_ms: int
    recency_ms: int

    def record(self, app: ApplicationSpec, now_ms: int) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "applicationIdentifier": app.identifier,
            "message": self.message,
            "status": self.status,
            "createdAt": iso_ms(min(self.created_ms, now_ms)),
            "lastOccurredAt": iso_ms(max(min(self.created_ms, now_ms), now_ms - self.recency_ms)),
        }


class Catalog:
    """Pages, customers and error groups of one application (empty when it has sent no such data)."""

    def __init__(self, seed: str, app: ApplicationSpec, customers: int) -> None:
        self.app = app
        rum = app.has_sent_rum_data
        labels = (MOBILE_SCREENS if app.rum_data_type == "mobile" else [SITE + path for path in WEB_PATHS]) if rum else []
        self.pages = []
        for index, label in enumerate(labels):
            raw = digest(seed, app.identifier, "page", index)
            self.pages.append(Page(_identifier("pg", raw, index), label, _u32(raw, 6) % (12 * 3_600_000)))
        self.customers = [self._customer(seed, index) for index in range(customers if rum else 0)]
        self.error_groups = []
        if rum or app.has_sent_crash_data:
            for index, message in enumerate(ERROR_MESSAGES):
                raw = digest(seed, app.identifier, "group", index)
                created = ANCHOR_MS + _u32(raw, 6) % (730 * DAY_MS)
                self.error_groups.append(
                    ErrorGroup(
                        _identifier("eg", raw, index),
                        message,
                        GROUP_STATUSES[_u32(raw, 7) % len(GROUP_STATUSES)],
                        created,
                        _u32(raw, 5) % (2 * DAY_MS),
                    )
                )

    def _customer(self, seed: str, index: int) -> Customer:
        raw = digest(seed, self.app.identifier, "customer", index)
        anonymous = _u32(raw, 0) % 100 < 35
        first = FIRST_NAMES[_u32(raw, 1) % len(FIRST_NAMES)]
        last, last_ascii = LAST_NAMES[_u32(raw, 2) % len(LAST_NAMES)]
        email = f"{first.lower()}.{last_ascii}{index}@example.com"
        return Customer(
            identifier=_identifier("cu", raw, index),
            is_anonymous=anonymous,
            external_identifier=str(uuid.UUID(bytes=raw[16:32], version=4)) if anonymous else email,
            email=None if anonymous else email,
            first_name=None if anonymous else first,
            full_name=None if anonymous else f"{first} {last}",
            first_seen_ms=ANCHOR_MS + _u32(raw, 3) % (730 * DAY_MS),
            recency_ms=_u32(raw, 4) % (30 * DAY_MS),
        )
