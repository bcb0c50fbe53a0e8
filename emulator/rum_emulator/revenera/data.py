"""Deterministic synthetic Usage Intelligence data for one product.

Everything derives from pure hash functions of (seed, product, client, day), so every report agrees
with every other. The one fact underneath is "client c is active on day d" (:meth:`ProductData.is_active`):

* a client exists from its install day (always active that day) and, if it churns, is never active
  on or after its churn day; on every other day it is active with probability ``ACTIVE_PROBABILITY``,
  decided by a 64-bit mix of (client key, day) - O(1) per (client, day), no history scan;
* the day's raw events are generated only for active clients (1-8 events each, one session), so the
  dateRange ``active`` count, the distinct ``clientId`` values of the day's raw-events file and the
  clients with a ``dailyData`` entry for the day are the same set;
* ``new`` on a day = clients installed that day; ``lost`` is defined in :meth:`ProductData.is_lost_on`.

Clients are generated once per product (one 32-byte hash each) and kept sorted by client id, the
clientPropertyList paging order. Per-day active flags are cached (bounded LRU), so repeated reports
of a day cost one pass over a bytes object.

The ``expected_*`` functions at the end compute what the reports must say; tests use them.
"""

from __future__ import annotations

import hashlib
import threading
from bisect import bisect_left
from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any

ANCHOR = date(2026, 6, 1)
"""Install dates spread around this day (``INSTALL_SPREAD_DAYS``); move it to shift the whole history."""
INSTALL_SPREAD_DAYS = (-300, 400)
ACTIVE_PROBABILITY = 0.3
CHURN_SHARE = 0.35
MAX_EVENTS_PER_DAY = 8

VERSIONS = ["3.1", "3.2", "4.0", "4.1"]
EDITIONS = ["Free", "Pro", "Enterprise"]
LICENSES = ["freeware", "trial", "purchased"]
COUNTRIES = ["US", "DE", "GB", "NZ", "JP", "BR", "IN", "FR"]
CONTINENTS = {"US": "NA", "BR": "SA", "JP": "AS", "IN": "AS", "NZ": "OC"}
US_STATES = ["US-CA", "US-NY", "US-TX", "US-WA"]
PLATFORMS = ["Microsoft Windows", "macOS", "Linux"]
LANGUAGES = ["en-US", "de-DE", "ja-JP", "pt-BR"]
RAM_MB = [4096, 8192, 16384, 32768]
CPU_CORES = [2, 4, 8, 16]
NULL = "<NULL>"
"""How the vendor writes a missing value."""

EVENT_CATALOG: dict[str, list[str]] = {
    "File Operations": ["Open", "Save", "Export", "Print"],
    "Editing": ["Undo", "Find", "Replace", "Format"],
    "Collaboration": ["Share", "Comment", "Invite"],
    "Settings": ["Change Theme", "Enable Sync"],
    "Help": ["Open Docs", "Contact Support"],
}
ALL_EVENTS: list[tuple[str, str]] = [(c, n) for c, names in EVENT_CATALOG.items() for n in names]
EXCEPTIONS = [
    ("com.demo.io.FileStore", "write", "java.io.IOException: disk full (Datenträger voll)"),
    ("com.demo.ui.Canvas", "render", "java.lang.NullPointerException: Zeichenfläche"),
    ("com.demo.sync.Client", "push", "java.net.SocketTimeoutException: Read timed out (délai dépassé)"),
]
"""Messages carry non-ASCII Latin-1 letters, as localized JVMs write them, so every exception row
tells a UTF-8 file from a Latin-1 one."""
PLACES = ["Zürich", "Café Central", "São Paulo", "Montréal", "Malmö"]
"""Event data of the first event of each client-day: non-ASCII but Latin-1 encodable, so any export
with a row tells its encoding, and the text decodes to the same values in both encodings."""
EXCEPTION_SHARE = 0.08
"""Share of active client-days with one exception."""
CUSTOM_EVENTS = [("Onboarding", "Step Completed"), ("Billing", "Plan Viewed"), ("Search", "Query")]
CUSTOM_SHARE = 0.3
"""Share of active client-days with 1-3 custom events."""


@dataclass(frozen=True)
class PropertySpec:
    name: str
    friendly_name: str
    category: str
    data_type: str  # "string" | "number" | "date"
    daily: bool
    """Available in clientPropertyList ``retDailyData.properties``."""


PROPERTIES: dict[str, PropertySpec] = {
    spec.name: spec
    for spec in [
        PropertySpec("prodVersion", "Product Version", "Product Properties", "string", True),
        PropertySpec("prodEdition", "Product Edition", "Product Properties", "string", True),
        PropertySpec("prodBuild", "Product Build", "Product Properties", "string", True),
        PropertySpec("prodLanguage", "Product Language", "Product Properties", "string", True),
        PropertySpec("licenseType", "License Type", "Product Properties", "string", True),
        PropertySpec("os.platform", "OS Platform", "System Properties", "string", True),
        PropertySpec("osLanguage", "OS Language", "System Properties", "string", False),
        PropertySpec("geography.continent", "Continent", "System Properties", "string", True),
        PropertySpec("geography.country", "Country", "System Properties", "string", True),
        PropertySpec("geography.usState", "US State", "System Properties", "string", True),
        PropertySpec("ram", "RAM (MB)", "System Properties", "number", False),
        PropertySpec("cpuCores", "CPU Cores", "System Properties", "number", False),
        PropertySpec("dateInstalled", "Date Installed", "Dates", "date", False),
        PropertySpec("C01", "Team Name", "Custom Properties", "string", True),
    ]
}
"""Every client property the emulator knows: metadata, filters, levels and client profiles use it."""

RAW_COLUMNS = [
    "timestamp",
    "clientId",
    "sessionId",
    "eventCategory",
    "eventName",
    "eventData",
    "prodVersion",
    "prodEdition",
    "licenseType",
    "osPlatform",
    "country",
]
"""Columns of the raw-events export. The vendor does not document them; these are ours, one row per
event, chosen to carry the report dimensions (``timestamp`` is UTC ``YYYY-MM-DDTHH:MM:SS``)."""
RAW_FIELD_NAMES = {
    "timestamp": "Event Timestamp",
    "clientId": "Client ID",
    "sessionId": "Session ID",
    "eventCategory": "Event Category",
    "eventName": "Event Name",
    "eventData": "Event Data",
    "prodVersion": "Version",
    "prodEdition": "Edition",
    "licenseType": "License Type",
    "osPlatform": "OS Platform",
    "country": "Country",
}
"""Human header names of the raw columns (the emulator's own; the vendor documents none)."""
EXCEPTION_COLUMNS = [
    "timestamp",
    "clientId",
    "prodVersion",
    "prodEdition",
    "licenseType",
    "osPlatform",
    "country",
    "className",
    "methodName",
    "exceptionMessage",
    "stackTrace",
]
"""Columns of the exception-tracking export (not documented by the vendor; the SDK's exception
fields plus product columns)."""
EXCEPTION_FIELD_NAMES = {
    "timestamp": "Timestamp",
    "clientId": "Client ID",
    "prodVersion": "Version",
    "prodEdition": "Edition",
    "licenseType": "License Type",
    "osPlatform": "OS Platform",
    "country": "Country",
    "className": "Class",
    "methodName": "Method",
    "exceptionMessage": "Message",
    "stackTrace": "Stack Trace",
}
CUSTOM_FIELD_NAMES = {
    "timestamp": "Timestamp",
    "clientId": "Client ID",
    "prodEdition": "Edition",
    "prodVersion": "Version",
    "prodBuild": "Build",
    "prodLanguage": "Language",
    "licenseType": "License Type",
    "licenseStatus.allowed": "Key Allowed",
    "licenseStatus.blocked": "Key Blocked",
    "licenseStatus.activated": "Key Activated",
    "licenseStatus.expired": "Key Expired",
    "os.version": "OS Type",
    "osWordLength": "OS Architecture",
    "osLanguage": "OS Language",
    "cpuType": "CPU Type",
    "cpuCores": "CPU Cores",
    "ram": "RAM",
    "displayCount": "Number of Monitors",
    "resolution": "Screen Resolution",
    "dotNetVersion": ".NET Versions",
    "gpu.model": "GPU",
    "formFactor": "Computer Type",
    "geography.country": "Country",
    "geography.usState": "US State",
    "event.category": "Event Category",
    "event.name": "Event Type",
    "event.data": "Event Data",
}
"""The custom-event columns, exactly the getLastLines ``fieldNames`` of the reference (section 4.8);
their keys are the CSV header."""
CUSTOM_COLUMNS = list(CUSTOM_FIELD_NAMES)

_MASK = (1 << 64) - 1
_ACTIVE_BELOW = int(ACTIVE_PROBABILITY * 2**64)
_DAY_CACHE_SIZE = 128


def digest(*parts: object, size: int = 32) -> bytes:
    return hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=size).digest()


def unit(*parts: object) -> float:
    """A deterministic number in [0, 1) for the given parts."""
    return int.from_bytes(digest(*parts, size=8), "big") / 2**64


def mix64(x: int) -> int:
    """SplitMix64's finaliser: a cheap, well-spread 64-bit hash of a 64-bit integer."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _pick(options: list[Any], byte: int) -> Any:
    return options[byte * len(options) // 256]


@dataclass(eq=False)
class Client:
    """One client installation (treat as immutable; not frozen because frozen init is slow at 100k)."""

    index: int
    client_id: str
    """16 upper-case hex characters."""
    key: int
    """64-bit key all per-day facts hash from."""
    installed: date
    churned: date | None
    """First day the client is never active again (None: never churns)."""
    edition: str
    license_type: str
    country: str
    us_state: str
    platform: str
    language: str
    ram: int
    cpu_cores: int
    base_version: int
    custom_c01: str

    def version_on(self, day: date) -> str:
        """Clients upgrade one version every 120 days after installing."""
        return VERSIONS[min(len(VERSIONS) - 1, self.base_version + max(0, (day - self.installed).days) // 120)]

    def property_on(self, name: str, day: date) -> Any:
        """One property's value on ``day`` (``KeyError`` for an unknown property)."""
        if name == "prodVersion":
            return self.version_on(day)
        if name == "prodBuild":
            return f"{self.version_on(day)}.{100 + self.index % 50}"
        return self._static[name]

    @cached_property
    def _static(self) -> dict[str, Any]:
        return {
            "prodEdition": self.edition,
            "prodLanguage": self.language,
            "licenseType": self.license_type,
            "os.platform": self.platform,
            "osLanguage": self.language,
            "geography.continent": CONTINENTS.get(self.country, "EU"),
            "geography.country": self.country,
            "geography.usState": self.us_state,
            "ram": self.ram,
            "cpuCores": self.cpu_cores,
            "dateInstalled": self.installed.isoformat(),
            "C01": self.custom_c01,
        }

    def properties_on(self, day: date) -> dict[str, Any]:
        return {name: self.property_on(name, day) for name in PROPERTIES}


def make_client(seed: str, product_id: str, index: int) -> Client:
    """Client ``index`` of a product: one 32-byte hash gives its id and every static property."""
    d = digest(seed, product_id, "client", index)
    low, high = INSTALL_SPREAD_DAYS
    installed = ANCHOR + timedelta(days=low + int.from_bytes(d[8:10], "big") * (high - low) // 65536)
    churned = installed + timedelta(days=20 + d[11] * 200 // 256) if d[10] < CHURN_SHARE * 256 else None
    country = _pick(COUNTRIES, d[14])
    return Client(
        index=index,
        client_id=d[:8].hex().upper(),
        key=int.from_bytes(d[:8], "big"),
        installed=installed,
        churned=churned,
        edition=_pick(EDITIONS, d[12]),
        license_type=_pick(LICENSES, d[13]),
        country=country,
        us_state=_pick(US_STATES, d[15]) if country == "US" else NULL,
        platform=_pick(PLATFORMS, d[16]),
        language=_pick(LANGUAGES, d[17]),
        ram=_pick(RAM_MB, d[18]),
        cpu_cores=_pick(CPU_CORES, d[19]),
        base_version=d[20] % 2,
        custom_c01=NULL if d[21] < 36 else f"team-{1 + d[22] % 5}",
    )


class ProductData:
    def __init__(self, seed: str, product_id: str, clients: int) -> None:
        self.seed = seed
        self.product_id = product_id
        self.client_count = clients
        self._day_flags: OrderedDict[date, bytes] = OrderedDict()
        self._lock = threading.Lock()

    @cached_property
    def clients(self) -> list[Client]:
        """All clients (including those not installed yet), sorted by client id."""
        return sorted((make_client(self.seed, self.product_id, i) for i in range(self.client_count)), key=lambda c: c.client_id)

    @cached_property
    def client_ids(self) -> list[str]:
        return [c.client_id for c in self.clients]

    def position(self, client_id: str) -> int:
        """Index in :attr:`clients` of the first client whose id is >= ``client_id``."""
        return bisect_left(self.client_ids, client_id)

    # -- activity ------------------------------------------------------------------------------

    def is_active(self, client: Client, day: date) -> bool:
        if day < client.installed or (client.churned is not None and day >= client.churned):
            return False
        if day == client.installed:
            return True
        return mix64(client.key ^ ((day.toordinal() * 0xD6E8FEB86659FD93) & _MASK)) < _ACTIVE_BELOW

    def active_flags(self, day: date) -> bytes:
        """One byte per client of :attr:`clients` (1 = active on ``day``); cached per day."""
        with self._lock:
            flags = self._day_flags.get(day)
            if flags is not None:
                self._day_flags.move_to_end(day)
                return flags
        flags = bytes(self.is_active(c, day) for c in self.clients)
        with self._lock:
            self._day_flags[day] = flags
            while len(self._day_flags) > _DAY_CACHE_SIZE:
                self._day_flags.popitem(last=False)
        return flags

    def active_clients(self, day: date) -> list[Client]:
        return [c for c, active in zip(self.clients, self.active_flags(day), strict=True) if active]

    def installed_by(self, day: date) -> list[Client]:
        """Clients the vendor knows about on ``day`` (installed on or before it), in id order."""
        return [c for c in self.clients if c.installed <= day]

    def last_seen(self, client: Client, as_of: date) -> date | None:
        """The client's last active day on or before ``as_of`` (expected O(1): 30% of days are active,
        the install day always is)."""
        day = min(as_of, client.churned - timedelta(days=1)) if client.churned else as_of
        while day >= client.installed:
            if self.is_active(client, day):
                return day
            day -= timedelta(days=1)
        return None

    def is_lost_on(self, client: Client, day: date, quiet_days: int, reported: str, today: date) -> bool:
        """Whether the report counts ``client`` as lost on ``day``.

        A client is lost after an active day L followed by ``quiet_days`` inactive days L+1 .. L+quiet,
        once that whole window is in the past (L + quiet < today). ``dateLastSeen`` reports it on L,
        ``dateDeclaredLost`` on L + quiet. A client that comes back later can be lost again after a
        later quiet window. Expected O(1): the check stops at the first active day.
        """
        last = day if reported == "dateLastSeen" else day - timedelta(days=quiet_days)
        if last + timedelta(days=quiet_days) >= today or not self.is_active(client, last):
            return False
        return not any(self.is_active(client, last + timedelta(days=n)) for n in range(1, quiet_days + 1))

    # -- events --------------------------------------------------------------------------------

    def _event_bytes(self, client: Client, day: date) -> bytes:
        return digest(self.seed, self.product_id, client.key, day.toordinal(), "events", size=64)

    def event_pairs(self, client: Client, day: date) -> list[tuple[str, str]]:
        """(category, name) of each raw event of one client-day, in time order; [] when inactive."""
        if not self.is_active(client, day):
            return []
        d = self._event_bytes(client, day)
        count = 1 + d[0] * MAX_EVENTS_PER_DAY // 256
        return [ALL_EVENTS[d[4 + 4 * n] * len(ALL_EVENTS) // 256] for n in range(count)]

    def events_of(self, client: Client, day: date) -> list[dict[str, Any]]:
        """The raw-export rows of one client-day (columns ``RAW_COLUMNS``)."""
        pairs = self.event_pairs(client, day)
        if not pairs:
            return []
        d = self._event_bytes(client, day)
        start = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=int.from_bytes(d[1:4], "big") * 80_000 // 2**24)
        session = f"{client.client_id[:8]}-{day.strftime('%Y%m%d')}"
        version = client.version_on(day)
        rows = []
        for n, (category, name) in enumerate(pairs):
            rows.append(
                {
                    "timestamp": (start + timedelta(seconds=37 * n)).strftime("%Y-%m-%dT%H:%M:%S"),
                    "clientId": client.client_id,
                    "sessionId": session,
                    "eventCategory": category,
                    "eventName": name,
                    "eventData": _pick(PLACES, d[7]) if n == 0 else "" if d[5 + 4 * n] < 180 else str(d[6 + 4 * n] % 100),
                    "prodVersion": version,
                    "prodEdition": client.edition,
                    "licenseType": client.license_type,
                    "osPlatform": client.platform,
                    "country": client.country,
                }
            )
        return rows

    def exceptions_of(self, client: Client, day: date) -> list[dict[str, Any]]:
        """The exception-export rows of one client-day (columns ``EXCEPTION_COLUMNS``)."""
        if not self.is_active(client, day):
            return []
        d = digest(self.seed, self.product_id, client.key, day.toordinal(), "exc", size=8)
        if d[0] >= EXCEPTION_SHARE * 256:
            return []
        class_name, method, message = _pick(EXCEPTIONS, d[1])
        line = 40 + int.from_bytes(d[2:4], "big") % 400
        return [
            {
                "timestamp": f"{day.isoformat()}T{d[4] % 24:02d}:{d[5] % 60:02d}:{d[6] % 60:02d}",
                "clientId": client.client_id,
                "prodVersion": client.version_on(day),
                "prodEdition": client.edition,
                "licenseType": client.license_type,
                "osPlatform": client.platform,
                "country": client.country,
                "className": class_name,
                "methodName": method,
                "exceptionMessage": message,
                "stackTrace": f"{message}\n\tat {class_name}.{method}({class_name.rsplit('.', 1)[-1]}.java:{line})",
            }
        ]

    def custom_events_of(self, client: Client, day: date) -> list[dict[str, Any]]:
        """The custom-event-export rows of one client-day (columns ``CUSTOM_COLUMNS``, all strings)."""
        if not self.is_active(client, day):
            return []
        d = digest(self.seed, self.product_id, client.key, day.toordinal(), "custom", size=8)
        if d[0] >= CUSTOM_SHARE * 256:
            return []
        version = client.version_on(day)
        rows = []
        for n in range(1 + d[1] % 3):
            category, name = _pick(CUSTOM_EVENTS, d[2 + n])
            rows.append(
                {
                    "timestamp": f"{day.isoformat()}T{8 + 4 * n + d[5] % 4:02d}:{d[6] % 60:02d}:{d[7] % 60:02d}",
                    "clientId": client.client_id,
                    "prodEdition": client.edition,
                    "prodVersion": version,
                    "prodBuild": client.property_on("prodBuild", day),
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
                    "dotNetVersion": "4.8" if client.platform == "Microsoft Windows" else NULL,
                    "gpu.model": NULL,
                    "formFactor": "Desktop",
                    "geography.country": client.country,
                    "geography.usState": client.us_state,
                    "event.category": category,
                    "event.name": name,
                    "event.data": _pick(PLACES, d[4]) if n == 0 else str(n),
                }
            )
        return rows

    def export_rows(self, kind: str, day: date) -> list[dict[str, Any]]:
        """Every row of one day's export file: ``raw``, ``exc`` or ``cust``, ordered by client id then time."""
        rows_of = {"raw": self.events_of, "exc": self.exceptions_of, "cust": self.custom_events_of}[kind]
        return [row for client in self.active_clients(day) for row in rows_of(client, day)]

    raw_rows = export_rows  # the name used before; kept for callers


# -- what the reports must say (pure functions for tests) -------------------------------------


def expected_active_clients(product: ProductData, day: date) -> set[str]:
    """Ids of the clients active on ``day``: the dateRange ``active`` count, the distinct clientIds of
    the day's raw-events file and the clients with a ``dailyData`` entry for the day."""
    return {c.client_id for c in product.active_clients(day)}


def expected_new_clients(product: ProductData, day: date) -> set[str]:
    """Ids of the clients installed on ``day`` (the dateRange ``new`` count)."""
    return {c.client_id for c in product.clients if c.installed == day}


def expected_lost_clients(product: ProductData, day: date, days_until_declared_lost: int, date_reported_lost: str, today: date) -> set[str]:
    """Ids of the clients the dateRange ``lost`` count of ``day`` covers, as of ``today``."""
    return {c.client_id for c in product.clients if product.is_lost_on(c, day, days_until_declared_lost, date_reported_lost, today)}


def expected_event_counts(product: ProductData, day: date) -> Counter[tuple[str, str]]:
    """(category, name) -> number of raw events of ``day`` (fullReport ``eventCounts``, timeline values)."""
    counts: Counter[tuple[str, str]] = Counter()
    for client in product.active_clients(day):
        counts.update(product.event_pairs(client, day))
    return counts
