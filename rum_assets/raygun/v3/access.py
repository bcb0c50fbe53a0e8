"""Which Raygun APIs are configured, and the v3 client and applications a run uses.

The Raygun assets load v1 when its three credentials are set and v3 when a personal access token is
set; with neither they fail naming the variables. The v3 client shares one call ledger per token
(its daily limit is per token) in the state directory every process uses, or in the PostgreSQL ledger
every node uses; the token's 10 calls/s and 600/min are paced through the same store, so the steps,
processes and nodes that share the token share its limits (see :mod:`rum_assets.budget.pacing`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from rum_assets.budget.ledger import CallBudgetLedger
from rum_assets.budget.pacing import open_permit_store
from rum_assets.config import env_vars
from rum_assets.raygun.resource import RaygunResource
from rum_assets.raygun.v3.client import RaygunV3Client, token_ledger, token_scope
from rum_assets.raygun.v3.rate_limit import SlidingWindowLimiter
from rum_assets.transport.http import RetryPolicy

V1_VARIABLES = (env_vars.RAYGUN_API_KEY.name, env_vars.RAYGUN_CLIENT_ID.name, env_vars.RAYGUN_CLIENT_SECRET.name)
V3_VARIABLES = (env_vars.RAYGUN_PAT.name,)


class RaygunNotConfiguredError(ValueError):
    """Neither Raygun API has credentials."""


def v1_configured(raygun: RaygunResource) -> bool:
    return bool(raygun.api_key and raygun.client_id and raygun.client_secret)


def v3_configured(raygun: RaygunResource) -> bool:
    return bool(raygun.pat)


def require_some_api(raygun: RaygunResource) -> None:
    """Fail with the variables to set when neither API is configured."""
    if not (v1_configured(raygun) or v3_configured(raygun)):
        raise RaygunNotConfiguredError(
            "Raygun is not configured: set RAYGUN_PAT (a v3 personal access token) for the v3 API, and/or "
            f"{', '.join(V1_VARIABLES)} for the v1 API"
        )


def configured_application_ids(raygun: RaygunResource) -> list[str]:
    """``RAYGUN_APPLICATION_IDS`` as a list, in order, without blanks or repeats."""
    ids: list[str] = []
    for part in raygun.application_ids.split(","):
        part = part.strip()
        if part and part not in ids:
            ids.append(part)
    return ids


def _v3_store_location(raygun: RaygunResource) -> Path | str:
    if not raygun.pat:
        raise RaygunNotConfiguredError(f"the Raygun v3 API is not configured: set {env_vars.RAYGUN_PAT.name}")
    return raygun.ledger_url or Path(raygun.state_dir) / "call_budget.sqlite3"


def v3_ledger(raygun: RaygunResource, clock: Callable[[], datetime] | None = None) -> CallBudgetLedger:
    """The call ledger of the v3 token (limits are per token), shared by every process."""
    return token_ledger(_v3_store_location(raygun), raygun.pat or "", daily_limit=raygun.v3_daily_call_limit, clock=clock)


def in_flight_expiry_seconds(policy: RetryPolicy) -> float:
    """The latest, after its start, that an attempt's request can reach Raygun: waiting for a pooled
    connection, connecting and sending are each bounded by the timeout (a second more for the clocks)."""
    return 3 * policy.timeout_seconds + 1.0


def v3_limiter(raygun: RaygunResource) -> SlidingWindowLimiter:
    """The token's pacing, its places kept in the ledger's store: shared by every process and node."""
    return SlidingWindowLimiter(
        store=open_permit_store(_v3_store_location(raygun)),
        scope=token_scope(raygun.pat or ""),
        in_flight_expiry_seconds=in_flight_expiry_seconds(raygun.retry_policy()),
    )


def budget_ledger(raygun: RaygunResource, clock: Callable[[], datetime] | None = None) -> tuple[CallBudgetLedger, int] | None:
    """The ledger the budget backfill plans with, and its daily limit: v1's when v1 is configured (its
    50-call default is the tight one), else the v3 token's; None when neither is configured."""
    if v1_configured(raygun):
        return raygun.ledger(clock=clock), raygun.daily_call_limit
    if v3_configured(raygun):
        return v3_ledger(raygun, clock), raygun.v3_daily_call_limit
    return None


@contextmanager
def open_v3_client(raygun: RaygunResource, logger: logging.Logger | None = None) -> Iterator[RaygunV3Client]:
    """A v3 client for one run, its calls reserved in the token's shared ledger and paced through its store."""
    limiter = v3_limiter(raygun)
    try:
        client = RaygunV3Client(
            raygun.v3_base_url, raygun.pat or "", ledger=v3_ledger(raygun), policy=raygun.retry_policy(), limiter=limiter, logger=logger
        )
        try:
            yield client
        finally:
            client.close()
    finally:
        limiter.close()


def v3_applications(raygun: RaygunResource, client: RaygunV3Client) -> list[str]:
    """The v3 applications to load: ``RAYGUN_APPLICATION_IDS`` when set (no call), else every
    application the token can read that has sent RUM data (one ``GET /applications``)."""
    configured = configured_application_ids(raygun)
    if configured:
        return configured
    return [app.identifier for app in client.list_applications() if app.has_sent_rum_data]
