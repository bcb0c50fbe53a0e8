"""Deterministic synthetic Usage Intelligence data for one product.

Everything derives from pure hash functions of (seed, product, client, day), so every report agrees
with every other: a client is active on a day or not, and the day's raw events, the dateRange
``active`` count, the client profiles' ``dailyData`` and the event reports are all computed from
that one fact. Per (client, day) work is O(1); clients are a list of ids and static properties.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any

ANCHOR = date(2026, 6, 1)
INSTALL_SPREAD_DAYS = (-300, 400)
ACTIVE_PROBABILITY = 0.3
CHURN_SHARE = 0.35

VERSIONS = ["3.1", "3.2", "4.0", "4.1"]
EDITIONS = ["Free", "Pro", "Enterprise"]
LICENSES = ["freeware", "trial", "purchased"]
COUNTRIES = ["US", "DE", "GB", "NZ", "JP", "BR", "IN", "FR"]
PLATFORMS = ["Microsoft Windows", "macOS", "Linux"]
LANGUAGES = ["en-US", "de-DE", "ja-JP", "pt-BR"]
EVENT_CATALOG: dict[str, list[str]] = {
    "File Operations": ["Open", "Save", "Export", "Print"],
    "Editing": ["Undo", "Find", "Replace", "Format"],
    "Collaboration": ["Share", "Comment", "Invite"],
    "Settings": ["Change Theme", "Enable Sync"],
    "Help": ["Open Docs", "Contact Support"],
}
EXCEPTIONS = [
    ("com.demo.io.FileStore", "write", "java.io.IOException: disk full"),
    ("com.demo.ui.Canvas", "render", "java.lang.NullPointerException"),
    ("com.demo.sync.Client", "push", "java.net.SocketTimeoutException: Read timed out"),
]
CUSTOM_EVENTS = [("Onboarding", "Step Completed"), ("Billing", "Plan Viewed"), ("Search", "Query")]

RAW_COLUMNS = ["timestamp", "clientId", "sessionId", "eventCategory", "eventName", "eventData", "prodVersion", "prodEdition", "licenseType", "osPlatform", "country"]
"""Columns of the raw-events export (the vendor does not document them; ours, chosen to match the
report dimensions)."""
EXCEPTION_COLUMNS = ["timestamp", "clientId", "prodVersion", "prodEdition", "licenseType", "osPlatform", "country", "className", "methodName", "exceptionMessage", "stackTrace"]
CUSTOM_FIELD_NAMES = {
    "timestamp": "Timestamp", "clientId": "Client ID", "prodEdition": "Edition", "prodVersion": "Version",
    "prodBuild": "Build", "prodLanguage": "Language", "licenseType": "License Type",
    "licenseStatus.allowed": "Key Allowed", "licenseStatus.blocked": "Key Blocked",
    "licenseStatus.activated": "Key Activated", "licenseStatus.expired": "Key Expired", "os.version": "OS Type",
    "osWordLength": "OS Architecture", "osLanguage": "OS Language", "cpuType": "CPU Type", "cpuCores": "CPU Cores",
    "ram": "RAM", "displayCount": "Number of Monitors", "resolution": "Screen Resolution",
    "dotNetVersion": ".NET Versions", "gpu.model": "GPU", "formFactor": "Computer Type",
    "geography.country": "Country", "geography.usState": "US State", "event.category": "Event Category",
    "event.name": "Event Type", "event.data": "Event Data",
}
"""The custom event columns, exactly the getLastLines ``fieldNames`` of the v2 documentation."""
EXCEPTION_FIELD_NAMES = {c: c for c in EXCEPTION_COLUMNS}


def unit(*parts: object) -> float:
    """A deterministic number in [0, 1) for the given parts."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def pick(options: list[Any], *parts: object) -> Any:
    return options[int(unit(*parts) * len(options))]


@dataclass(frozen=True)
class Client:
    index: int
    client_id: str
    installed: date
    churned: date | None
    edition: str
    license_type: str
    country: str
    platform: str
    language: str
    ram: int
    cpu_cores: int
    base_version: int

    def version_on(self, day: date) -> str:
        return VERSIONS[min(len(VERSIONS) - 1, self.base_version + max(0, (day - self.installed).days) // 120)]

    def properties_on(self, day: date) -> dict[str, Any]:
        return {
            "prodVersion": self.version_on(day),
            "prodEdition": self.edition,
            "prodBuild": f"{self.version_on(day)}.{100 + self.index % 50}",
            "prodLanguage": self.language,
            "licenseType": self.license_type,
            "geography.country": self.country,
            "geography.continent": {"US": "NA", "BR": "SA", "JP": "AS", "IN": "AS", "NZ": "OC"}.get(self.country, "EU"),
            "os.platform": self.platform,
            "ram": self.ram,
            "cpuCores": self.cpu_cores,
            "C01": "<NULL>" if self.index % 7 == 0 else f"team-{1 + self.index % 5}",
            "dateInstalled": self.installed.isoformat(),
        }


class ProductData:
    def __init__(self, seed: str, product_id: str, clients: int) -> None:
        self.seed = seed
        self.product_id = product_id
        self.client_count = clients

    @cached_property
    def clients(self) -> list[Client]:
        """All clients, sorted by client id (the clientPropertyList paging order)."""
        made = []
        for index in range(self.client_count):
            key = (self.seed, self.product_id, "client", index)
            low, high = INSTALL_SPREAD_DAYS
            installed = ANCHOR + timedelta(days=low + int(unit(*key, "installed") * (high - low)))
            churned = installed + timedelta(days=20 + int(unit(*key, "churn-day") * 200)) if unit(*key, "churns") < CHURN_SHARE else None
            made.append(
                Client(
                    index=index,
                    client_id=hashlib.blake2b(":".join(map(str, key)).encode(), digest_size=8).hexdigest().upper(),
                    installed=installed,
                    churned=churned,
                    edition=pick(EDITIONS, *key, "edition"),
                    license_type=pick(LICENSES, *key, "license"),
                    country=pick(COUNTRIES, *key, "country"),
                    platform=pick(PLATFORMS, *key, "platform"),
                    language=pick(LANGUAGES, *key, "language"),
                    ram=pick([4096, 8192, 16384, 32768], *key, "ram"),
                    cpu_cores=pick([2, 4, 8, 16], *key, "cores"),
                    base_version=int(unit(*key, "version") * 2),
                )
            )
        return sorted(made, key=lambda c: c.client_id)

    def is_active(self, client: Client, day: date) -> bool:
        if day < client.installed or (client.churned is not None and day >= client.churned):
            return False
        if day == client.installed:
            return True
        return unit(self.seed, self.product_id, client.index, day.toordinal(), "active") < ACTIVE_PROBABILITY

    def active_clients(self, day: date) -> list[Client]:
        return [c for c in self.clients if self.is_active(c, day)]

    def last_seen(self, client: Client, as_of: date) -> date | None:
        """The client's last active day on or before ``as_of``."""
        day = min(as_of, client.churned - timedelta(days=1)) if client.churned else as_of
        while day >= client.installed:
            if self.is_active(client, day):
                return day
            day -= timedelta(days=1)
        return None

    def is_lost_after(self, client: Client, day: date, quiet_days: int, today: date) -> bool:
        """Active on ``day`` and then inactive for ``quiet_days`` days, all of them already past."""
        if not self.is_active(client, day) or day + timedelta(days=quiet_days) >= today:
            return False
        return not any(self.is_active(client, day + timedelta(days=n)) for n in range(1, quiet_days + 1))

    # -- events --------------------------------------------------------------------------------

    def events_of(self, client: Client, day: date) -> list[dict[str, Any]]:
        """The raw events of one active client-day, in time order."""
        if not self.is_active(client, day):
            return []
        key = (self.seed, self.product_id, client.index, day.toordinal())
        count = 1 + int(unit(*key, "count") * 8)
        session = f"{client.client_id[:8]}-{day.toordinal()}"
        start = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=int(unit(*key, "start") * 70_000))
        categories = list(EVENT_CATALOG)
        events = []
        for n in range(count):
            category = pick(categories, *key, n, "category")
            events.append(
                {
                    "timestamp": (start + timedelta(seconds=37 * n)).strftime("%Y-%m-%dT%H:%M:%S"),
                    "clientId": client.client_id,
                    "sessionId": session,
                    "eventCategory": category,
                    "eventName": pick(EVENT_CATALOG[category], *key, n, "name"),
                    "eventData": "" if unit(*key, n, "data") < 0.7 else str(int(unit(*key, n, "value") * 100)),
                    "prodVersion": client.version_on(day),
                    "prodEdition": client.edition,
                    "licenseType": client.license_type,
                    "osPlatform": client.platform,
                    "country": client.country,
                }
            )
        return events

    def exceptions_of(self, client: Client, day: date) -> list[dict[str, Any]]:
        if not self.is_active(client, day) or unit(self.seed, self.product_id, client.index, day.toordinal(), "exc") >= 0.08:
            return []
        class_name, method, message = pick(EXCEPTIONS, self.seed, self.product_id, client.index, day.toordinal(), "which")
        return [
            {
                "timestamp": f"{day.isoformat()}T{10 + client.index % 12:02d}:15:00",
                "clientId": client.client_id,
                "prodVersion": client.version_on(day),
                "prodEdition": client.edition,
                "licenseType": client.license_type,
                "osPlatform": client.platform,
                "country": client.country,
                "className": class_name,
                "methodName": method,
                "exceptionMessage": message,
                "stackTrace": f"{message}\n\tat {class_name}.{method}({class_name.rsplit('.', 1)[-1]}.java:{40 + client.index % 200})",
            }
        ]

    def custom_events_of(self, client: Client, day: date) -> list[dict[str, Any]]:
        key = (self.seed, self.product_id, client.index, day.toordinal(), "custom")
        if not self.is_active(client, day) or unit(*key) >= 0.3:
            return []
        rows = []
        for n in range(1 + int(unit(*key, "n") * 3)):
            category, name = pick(CUSTOM_EVENTS, *key, n)
            rows.append(
                {
                    "timestamp": f"{day.isoformat()}T{8 + n:02d}:{client.index % 60:02d}:00",
                    "clientId": client.client_id,
                    "prodEdition": client.edition,
                    "prodVersion": client.version_on(day),
                    "prodBuild": f"{client.version_on(day)}.{100 + client.index % 50}",
                    "prodLanguage": client.language,
                    "licenseType": client.license_type,
                    "licenseStatus.allowed": "true",
                    "licenseStatus.blocked": "false",
                    "licenseStatus.activated": str(client.license_type == "purchased").lower(),
                    "licenseStatus.expired": "false",
                    "os.version": client.platform,
                    "osWordLength": "64",
                    "osLanguage": client.language,
                    "cpuType": "x86_64",
                    "cpuCores": str(client.cpu_cores),
                    "ram": str(client.ram),
                    "displayCount": "1",
                    "resolution": "1920x1080",
                    "dotNetVersion": "4.8" if client.platform == "Microsoft Windows" else "<NULL>",
                    "gpu.model": "<NULL>",
                    "formFactor": "Desktop",
                    "geography.country": client.country,
                    "geography.usState": "US-CA" if client.country == "US" else "<NULL>",
                    "event.category": category,
                    "event.name": name,
                    "event.data": str(n),
                }
            )
        return rows

    def raw_rows(self, kind: str, day: date) -> list[dict[str, Any]]:
        """Every row of one day's export file: ``raw``, ``exc`` or ``cust``."""
        rows_of = {"raw": self.events_of, "exc": self.exceptions_of, "cust": self.custom_events_of}[kind]
        return [row for client in self.clients for row in rows_of(client, day)]


def expected_active_clients(product: ProductData, day: date) -> set[str]:
    """The ids of the clients active on ``day`` (for tests: every report must agree with this)."""
    return {c.client_id for c in product.active_clients(day)}
