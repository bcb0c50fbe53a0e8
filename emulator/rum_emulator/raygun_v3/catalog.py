"""The slow-moving things of one application: its pages, customers and error groups.

Each is a short fixed list derived from ``(seed, application, index)``. Immutable fields are fixed
(``firstSeenAt``, ``createdAt``: somewhere in 2024-2025); ``lastSeenAt`` and ``lastOccurredAt`` follow the
clock (a deterministic distance before now), so they never lie in the future.

Fields the spec marks optional and not nullable are left out where they do not apply (an anonymous
customer has no ``emailAddress``, an unresolved error group no ``resolvedIn``), never sent as null.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from rum_emulator.raygun.data import FIRST_NAMES, LAST_NAMES  # the same people use both APIs' demo apps
from rum_emulator.raygun_v3.config import ApplicationSpec
from rum_emulator.raygun_v3.draws import digest, identifier, u32
from rum_emulator.raygun_v3.releases import APP_HOST, Releases
from rum_emulator.raygun_v3.timeutil import DAY_MS, iso_ms

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
GROUP_STATUSES = ["active", "active", "active", "resolved", "resolved", "ignored", "permanentlyIgnored"]
ANCHOR_MS = 1_704_067_200_000
"""2024-01-01T00:00:00Z: immutable "first" moments fall in the two years after it."""


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

    def record(self, app: ApplicationSpec, now_ms: int, *, nulls: bool = False) -> dict[str, Any]:
        """An anonymous customer has no name or email address: left out, or null with ``nulls``."""
        record: dict[str, Any] = {
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
        return record if nulls else {key: value for key, value in record.items() if value is not None}


@dataclass(frozen=True)
class ErrorGroup:
    identifier: str
    message: str
    status: str
    created_ms: int
    recency_ms: int
    discard_previous: bool
    """A resolved group's ``resolvedIn.discardFromPreviousVersions``."""
    discard_new: bool
    """A permanently ignored group's ``discardNewOccurrences`` (false for every other status)."""
    releases: Releases = field(repr=False, compare=False)

    def record(self, app: ApplicationSpec, now_ms: int, *, nulls: bool = False) -> dict[str, Any]:
        """``resolvedIn`` only on resolved groups (null on the others with ``nulls``): the release after the one its
        last occurrence came from."""
        last_occurred = max(min(self.created_ms, now_ms), now_ms - self.recency_ms)
        record: dict[str, Any] = {
            "identifier": self.identifier,
            "applicationIdentifier": app.identifier,
            "message": self.message,
            "status": self.status,
            "lastOccurredAt": iso_ms(last_occurred),
            "createdAt": iso_ms(min(self.created_ms, now_ms)),
        }
        if self.status == "resolved":
            fixed = self.releases.deployment(self.releases.current(last_occurred).index + 1)
            record["resolvedIn"] = {"version": fixed.version, "discardFromPreviousVersions": self.discard_previous}
        elif nulls:
            record["resolvedIn"] = None
        record["discardNewOccurrences"] = self.discard_new
        record["applicationUrl"] = f"{APP_HOST}/crashreporting/{app.identifier}/errors/{self.identifier}"
        return record


class Catalog:
    """Pages, customers, error groups and releases of one application (the first three empty when it has sent no such data)."""

    def __init__(self, seed: str, app: ApplicationSpec, customers: int, deployment_cadence_days: int) -> None:
        self.app = app
        self.releases = Releases(seed, app, deployment_cadence_days)
        rum = app.has_sent_rum_data
        labels = (MOBILE_SCREENS if app.rum_data_type == "mobile" else [SITE + path for path in WEB_PATHS]) if rum else []
        self.pages = []
        for index, label in enumerate(labels):
            raw = digest(seed, app.identifier, "page", index)
            self.pages.append(Page(identifier("pg", raw, index), label, u32(raw, 6) % (12 * 3_600_000)))
        self.customers = [self._customer(seed, index) for index in range(customers if rum else 0)]
        self.error_groups = []
        if rum or app.has_sent_crash_data:
            for index, message in enumerate(ERROR_MESSAGES):
                raw = digest(seed, app.identifier, "group", index)
                created = ANCHOR_MS + u32(raw, 6) % 730 * DAY_MS + u32(raw, 0) % DAY_MS
                status = GROUP_STATUSES[u32(raw, 7) % len(GROUP_STATUSES)]
                self.error_groups.append(
                    ErrorGroup(
                        identifier("eg", raw, index),
                        message,
                        status,
                        created,
                        u32(raw, 5) % (2 * DAY_MS),
                        discard_previous=bool(u32(raw, 4) % 2),
                        discard_new=status == "permanentlyIgnored" and bool(u32(raw, 3) % 2),
                        releases=self.releases,
                    )
                )

    def _customer(self, seed: str, index: int) -> Customer:
        raw = digest(seed, self.app.identifier, "customer", index)
        anonymous = u32(raw, 0) % 100 < 35
        first = FIRST_NAMES[u32(raw, 1) % len(FIRST_NAMES)]
        last, last_ascii = LAST_NAMES[u32(raw, 2) % len(LAST_NAMES)]
        email = f"{first.lower()}.{last_ascii}{index}@example.com"
        return Customer(
            identifier=identifier("cu", raw, index),
            is_anonymous=anonymous,
            external_identifier=str(uuid.UUID(bytes=raw[16:32], version=4)) if anonymous else email,
            email=None if anonymous else email,
            first_name=None if anonymous else first,
            full_name=None if anonymous else f"{first} {last}",
            first_seen_ms=ANCHOR_MS + u32(raw, 3) % 730 * DAY_MS + u32(raw, 5) % DAY_MS,
            recency_ms=u32(raw, 4) % (30 * DAY_MS),
        )
