"""Configuration of the Raygun API v3 emulator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from rum_emulator.raygun_v3.problems import JSON, PROBLEM_JSON

ALL_SCOPES = frozenset(
    {
        "applications:read",
        "rum.sessions:read",
        "rum.pages:read",
        "customers:read",
        "cr.errors:read",
        "deployments:read",
        "metrics:pages",
        "metrics:errors",
    }
)
DEMO_TOKEN = "demo-raygun-pat"
MAX_SESSIONS_PER_DAY = 10_000_000
"""Room per day in the session identifier scheme."""


@dataclass(frozen=True)
class ApplicationSpec:
    """One Raygun application as ``GET /applications`` lists it."""

    identifier: str
    name: str
    plan_identifier: str = "pl4n01"
    api_key: str = ""
    has_sent_crash_data: bool = True
    has_sent_apm_data: bool = False
    has_sent_rum_data: bool = True
    rum_data_type: str = "web"
    """``web`` or ``mobile``: which variant of the pages endpoint the application has."""

    def __repr__(self) -> str:  # the API key is an ingestion secret: keep it out of logs and assertion messages
        return f"ApplicationSpec(identifier={self.identifier!r}, name={self.name!r}, rum_data_type={self.rum_data_type!r}, has_sent_rum_data={self.has_sent_rum_data})"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _demo_applications() -> list[ApplicationSpec]:
    return [
        ApplicationSpec("wb7k2q", "Web shop", api_key="demo-v3-ingest-key-web"),
        ApplicationSpec("mb4x9r", "Mobile app", api_key="demo-v3-ingest-key-mobile", has_sent_apm_data=True, rum_data_type="mobile"),
        ApplicationSpec("in3p8t", "Internal tools", api_key="demo-v3-ingest-key-tools", has_sent_rum_data=False),
    ]


def _demo_tokens() -> dict[str, frozenset[str]]:
    return {DEMO_TOKEN: ALL_SCOPES}


SessionsPerDay = int | Callable[[str, date], int]
"""A fixed count, or ``(application identifier, UTC day) -> count`` so tests can shape single days."""


@dataclass
class RaygunV3EmulatorConfig:
    applications: list[ApplicationSpec] = field(default_factory=_demo_applications)
    tokens: dict[str, frozenset[str]] = field(default_factory=_demo_tokens)
    """Personal access token -> the scopes it was granted."""
    token_expires_at: dict[str, datetime] = field(default_factory=dict)
    """Tokens that stop working at this moment of ``clock`` (then 401)."""
    sessions_per_day: SessionsPerDay = 300
    """Sessions starting on each UTC day per application with RUM data; generated on demand (no memory per session)."""
    retention_days: int = 120
    """Sessions exist from the UTC day ``today - retention_days`` up to now; older days have expired."""
    customers_per_application: int = 400
    heavy_session_rate: float = 0.002
    deployment_cadence_days: int = 14
    """Each application deploys once every this many UTC days (at a moment of that day drawn per release)."""
    """Share of sessions with more than 500 page views and errors (the detail endpoint caps each list at 500)."""
    per_second_limit: int = 10
    per_minute_limit: int = 600
    per_day_limit: int = 10_000
    """Calls per token in each fixed window of ``clock`` (second, minute, UTC day); 0 turns a window off."""
    retry_after_on_429: bool = True
    """Whether a 429 carries ``Retry-After`` (the reference leaves it open)."""
    rate_limit_reset_header: bool = True
    """Whether responses carry ``X-Rate-Limit-Reset`` (ISO 8601 UTC; the reference leaves it open)."""
    # -- opt-in variants: the description is the default; each of these is a way a real server could
    # plausibly differ where the description is silent, or what the emulator used to do leniently.
    stable_default_order: bool = False
    """Lists without ``orderby`` come in a fixed order (``startedAt`` for sessions, ``identifier`` elsewhere) and
    ties under an ``orderby`` are broken by ``identifier``. Off: no order is promised, each request shuffles."""
    scope_named_in_403: bool = False
    """A 403's detail names the missing scope (the real API's does not)."""
    validation_status: int = 400
    """A request outside the description is answered 400 with an ``errors`` map; 422 is the emulator's old answer."""
    problem_media_type: str = JSON
    """Problem details as ``application/json`` (the description) or ``application/problem+json`` (ASP.NET's default)."""
    omit_null_fields: bool = False
    """Leave the sessions' null fields out, although the description marks them required (and nullable)."""
    null_for_absent_fields: bool = False
    """Send null for an optional field that does not apply (an anonymous customer's ``emailAddress``, an
    unresolved group's ``resolvedIn``, an empty bucket's ``value``), although the description does not
    mark them nullable; off, they are left out."""
    latency_seconds: float = 0.0
    """Real (wall-clock) delay added to every response, for benchmarks."""
    clock: Callable[[], datetime] = _utc_now
    """Aware UTC "now": which sessions exist, which are active, token expiry and the rate-limit windows."""
    seed: str = "rum-assets-v3"

    def __post_init__(self) -> None:
        identifiers = [app.identifier for app in self.applications]
        if not identifiers:
            raise ValueError("at least one application is required")
        if len(set(identifiers)) != len(identifiers):
            raise ValueError("application identifiers must be unique")
        if isinstance(self.sessions_per_day, int) and not 0 <= self.sessions_per_day <= MAX_SESSIONS_PER_DAY:
            raise ValueError(f"sessions_per_day must be between 0 and {MAX_SESSIONS_PER_DAY}")
        if self.retention_days < 0:
            raise ValueError("retention_days must be 0 or more")
        if self.customers_per_application < 1:
            raise ValueError("customers_per_application must be at least 1")
        if self.deployment_cadence_days < 1:
            raise ValueError("deployment_cadence_days must be at least 1")
        if not 0 <= self.heavy_session_rate <= 1:
            raise ValueError("heavy_session_rate must be between 0 and 1")
        if min(self.per_second_limit, self.per_minute_limit, self.per_day_limit) < 0:
            raise ValueError("rate limits must be 0 (off) or positive")
        if self.validation_status not in (400, 422):
            raise ValueError("validation_status must be 400 or 422")
        if self.problem_media_type not in (JSON, PROBLEM_JSON):
            raise ValueError(f"problem_media_type must be {JSON} or {PROBLEM_JSON}")

    @property
    def response_deviations(self) -> frozenset[str]:
        """The variants on that make responses differ from the description's schemas (the contract check relaxes exactly these)."""
        deviations = {
            "omit_null_fields": self.omit_null_fields,
            "null_for_absent_fields": self.null_for_absent_fields,
            "problem_media_type": self.problem_media_type != JSON,
            "validation_status": self.validation_status != 400,
        }
        return frozenset(name for name, on in deviations.items() if on)
