"""The Dagster resource that holds Raygun configuration and builds a client for a run."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import dagster as dg
from pydantic import Field

from rum_assets.budget.ledger import CallBudgetLedger
from rum_assets.raygun.v1.client import VENDOR, RaygunClient
from rum_assets.raygun.v1.detail_batches import one_batch_per_day
from rum_assets.raygun.v1.list_reservations import ListReservations
from rum_assets.raygun.v1.session_key_store import SharedSessionKeys
from rum_assets.transport.http import RetryPolicy
from rum_assets.warehouse.accounts import DEFAULT_ACCOUNT
from rum_assets.warehouse.pii import PiiPolicy

DEFAULT_BASE_URL = "https://api.raygun.com"
DEFAULT_V3_BASE_URL = "https://api.raygun.com/v3"
DEFAULT_STATE_DIR = "data/state"


class RaygunResource(dg.ConfigurableResource):
    """Credentials and limits for the Raygun Real User Monitoring APIs: v1 ("pulse") and v3.

    v1 is configured by ``RAYGUN_API_KEY``, ``RAYGUN_CLIENT_ID`` and ``RAYGUN_CLIENT_SECRET`` (with
    ``RAYGUN_BASE_URL``, default ``https://api.raygun.com``); v3 by a personal access token,
    ``RAYGUN_PAT`` (with ``RAYGUN_V3_BASE_URL``, default ``https://api.raygun.com/v3``). Either, or
    both, may be set; empty fields mean that API is not configured.
    """

    account: str = Field(default=DEFAULT_ACCOUNT, description="The account name stored on every row this resource loads.")
    api_key: str = Field(default="", description="v1: Raygun application API key (X-ApiKey). Secret; empty = v1 not configured.")
    client_id: str = Field(default="", description="v1: client id of the consumer application (Basic auth user name). Secret.")
    client_secret: str = Field(default="", description="v1: client secret of the consumer application (Basic auth password). Secret.")
    base_url: str = Field(default=DEFAULT_BASE_URL, description="v1 API root, without /api/v1.")
    v1_application_id: str = Field(default="v1", description="The application_id stored on rows loaded through v1.")
    pat: str | None = Field(default=None, description="v3: personal access token. Secret; empty = v3 not configured.")
    v3_base_url: str = Field(default=DEFAULT_V3_BASE_URL, description="v3 API root, with /v3.")
    application_ids: str = Field(
        default="", description="v3: comma-separated application identifiers to load; empty = every application with RUM data."
    )
    v3_daily_call_limit: int = Field(default=10_000, ge=0, description="v3: calls per token per UTC day (0 = unlimited).")
    v3_histogram_pages: int = Field(
        default=50,
        ge=0,
        description="v3: pages per application per UTC day given their own histogram (one call each), most recently seen first.",
    )
    v1_details_in_flight: int = Field(
        default=8,
        ge=1,
        le=32,
        description=(
            "v1: session details fetched concurrently (each call still reserved in the daily budget first; "
            "1 fetches one at a time). Hides network latency: at 100 ms a call, 8 in flight fetch 3,000 "
            "details in about 40 s instead of 300 s."
        ),
    )
    v3_details_in_flight: int = Field(default=8, ge=1, le=32, description="v3: session details fetched concurrently.")
    daily_call_limit: int = Field(default=50, ge=0, description="Calls per application per UTC day the plan allows (0 = unlimited).")
    reserved_list_calls: int = Field(
        default=5,
        ge=0,
        description=(
            "v3: calls session_details leaves unspent each day so that session lists can still be fetched. "
            "v1 leaves what the session lists still to come today need instead (rum_assets.raygun.v1.list_reservations)."
        ),
    )
    detail_coverage_floor: float = Field(
        default=0.0, ge=0, le=1, description="Share of a day's sessions with details below which the coverage check warns."
    )
    page_size: int = Field(default=500, ge=1, le=500, description="Sessions per page (the API's maximum is 500).")
    max_attempts: int = Field(default=5, ge=1, description="Attempts per request, retries of 5xx and timeouts included.")
    retry_base_delay_seconds: float = Field(default=0.5, ge=0, description="First backoff ceiling; it doubles per retry (full jitter).")
    max_retry_after_seconds: float = Field(
        default=120, ge=0, description="Longest Retry-After we wait for; a longer one fails the run with the reset time."
    )
    timeout_seconds: float = Field(default=30, gt=0, description="Per-request timeout (the API's own is 30 s).")
    state_dir: str = Field(default=DEFAULT_STATE_DIR, description="Where the call-budget ledger lives (shared by all processes).")
    ledger_url: str = Field(
        default="",
        description="PostgreSQL URL of a call ledger shared by several machines; empty: SQLite under state_dir. Secret.",
    )
    pii_mode: Literal["keep", "hash", "drop"] = Field(
        default="hash", description="User email, names, identifier and IP: keep, hash (salted SHA-256) or drop."
    )
    pii_salt: str = Field(default="rum_assets", description="Salt for hashed PII. Set RUM_ASSETS_PII_SALT in production.")

    def _shared_store(self) -> Path | str:
        """Where the call ledger and the v1 state shared beside it live (every process, every node)."""
        return self.ledger_url or Path(self.state_dir) / "call_budget.sqlite3"

    def _v1_scope(self) -> str:
        """The v1 credential scope: a hash of the base URL and API key."""
        return "raygun:" + hashlib.sha256(f"{self.base_url}|{self.api_key}".encode()).hexdigest()[:16]

    def ledger(self, clock: Callable[[], datetime] | None = None) -> CallBudgetLedger:
        """The v1 call ledger of this application (keyed by :meth:`_v1_scope`)."""
        return CallBudgetLedger(
            self._shared_store(),
            scope=self._v1_scope(),
            daily_limit=self.daily_call_limit,
            vendor=VENDOR,
            **({"clock": clock} if clock is not None else {}),
        )

    def list_reservations(self, clock: Callable[[], datetime] | None = None) -> ListReservations:
        """The v1 session lists still to come today, shared like the ledger (see its module)."""
        return ListReservations(self._shared_store(), self._v1_scope(), page_size=self.page_size, **({"clock": clock} if clock else {}))

    def one_details_batch(self, day: date, log: logging.Logger) -> AbstractContextManager[None]:
        """Hold the day's v1 details lease: one batch per day at a time across processes (see its module)."""
        return one_batch_per_day(self._shared_store(), self._v1_scope(), day, log)

    def shared_session_keys(self) -> SharedSessionKeys:
        """The v1 session key every process on these credentials shares, beside the ledger."""
        return SharedSessionKeys(self._shared_store(), self.base_url, self.api_key, self.client_id, self.client_secret)

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_attempts,
            base_delay_seconds=self.retry_base_delay_seconds,
            max_retry_after_seconds=self.max_retry_after_seconds,
            timeout_seconds=self.timeout_seconds,
        )

    def pii_policy(self) -> PiiPolicy:
        return PiiPolicy(self.pii_mode, self.pii_salt)

    @contextmanager
    def get_client(self, logger: logging.Logger | None = None, *, keep_for_lists: bool = False) -> Iterator[RaygunClient]:
        """A v1 client for one step; ``keep_for_lists``: it leaves the calls of the session lists still to come."""
        client = RaygunClient(
            self.base_url,
            self.api_key,
            self.client_id,
            self.client_secret,
            ledger=self.ledger(),
            policy=self.retry_policy(),
            page_size=self.page_size,
            logger=logger,
            shared_keys=self.shared_session_keys(),
            calls_to_leave=self.list_reservations().calls_to_keep if keep_for_lists else None,
        )
        try:
            yield client
        finally:
            client.close()
