"""The Dagster resource that holds Revenera configuration and builds a client for a run."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import dagster as dg
from pydantic import Field

from rum_assets.revenera.client import CLIENT_NAME, CLIENT_VERSION, ReveneraClient
from rum_assets.revenera.exports import EXPORT_KINDS
from rum_assets.revenera.paths import PATH_OVERRIDES_ENV, parse_path_overrides
from rum_assets.transport.http import RetryPolicy
from rum_assets.warehouse.accounts import DEFAULT_ACCOUNT

DEFAULT_BASE_URL = "https://analytics-api.revenera.com"


class ReveneraResource(dg.ConfigurableResource):
    """Credentials, products and report options for the Revenera Usage Intelligence Reporting API v3.

    Point it at the real Revenera by setting ``REVENERA_BASE_URL`` (default
    ``https://analytics-api.revenera.com``), ``REVENERA_USERNAME``, ``REVENERA_PASSWORD`` and
    ``REVENERA_PRODUCT_IDS``.
    """

    account: str = Field(default=DEFAULT_ACCOUNT, description="The account name stored on every row this resource loads.")
    username: str = Field(description="Usage Intelligence dashboard user (e-mail).")
    password: str = Field(description="Usage Intelligence dashboard password. Secret.")
    product_ids: str = Field(description="Comma-separated product ids to load.")
    base_url: str = Field(default=DEFAULT_BASE_URL, description="API root, without /v3.")
    segment_property: str | None = Field(
        default=None, description="Property to split user activity by (e.g. prodVersion); none: totals only."
    )
    days_until_declared_lost: int = Field(default=30, ge=1, description="Inactive days before a client counts as lost.")
    date_reported_lost: Literal["dateLastSeen", "dateDeclaredLost"] = Field(
        default="dateLastSeen", description="Count a lost client on its last-seen day or on the day it is declared lost."
    )
    max_attempts: int = Field(default=5, ge=1, description="Attempts per request, retries of 5xx and timeouts included.")
    retry_base_delay_seconds: float = Field(default=0.5, ge=0, description="First backoff ceiling; it doubles per retry (full jitter).")
    max_retry_after_seconds: float = Field(default=120, ge=0, description="Longest Retry-After we wait for.")
    timeout_seconds: float = Field(default=60, gt=0, description="Per-request timeout (large reports are slow).")
    client_name: str = Field(default=CLIENT_NAME, description="RUI-Client header (REVENERA_CLIENT_NAME); default the vendor's example.")
    client_version: str = Field(default=CLIENT_VERSION, description="RUI-Client-Version header (REVENERA_CLIENT_VERSION).")
    path_overrides: str = Field(
        default="",
        description=f"{PATH_OVERRIDES_ENV}: JSON object endpoint name -> path template with {{pid}}, for inferred paths the real API serves elsewhere.",
    )
    export_kinds: str = Field(
        default="raw,exc,cust", description="REVENERA_EXPORT_KINDS: comma list of the export files to load (raw, exc, cust)."
    )

    def products(self) -> list[str]:
        ids = [p.strip() for p in self.product_ids.split(",") if p.strip()]
        if not ids:
            raise dg.Failure("REVENERA_PRODUCT_IDS names no product: set it to a comma-separated list of product ids", allow_retries=False)
        return ids

    def enabled_export_kinds(self) -> list[str]:
        kinds = [k.strip() for k in self.export_kinds.split(",") if k.strip()]
        unknown = sorted(set(kinds) - set(EXPORT_KINDS))
        if unknown:
            raise dg.Failure(f"REVENERA_EXPORT_KINDS names unknown export kinds {unknown}: use a comma list of {', '.join(EXPORT_KINDS)}")
        return kinds

    def overrides(self) -> dict[str, str]:
        try:
            return parse_path_overrides(self.path_overrides)
        except ValueError as exc:
            raise dg.Failure(str(exc)) from None

    @contextmanager
    def get_client(self, logger: logging.Logger | None = None) -> Iterator[ReveneraClient]:
        client = ReveneraClient(
            self.base_url,
            self.username,
            self.password,
            policy=RetryPolicy(
                max_attempts=self.max_attempts,
                base_delay_seconds=self.retry_base_delay_seconds,
                max_retry_after_seconds=self.max_retry_after_seconds,
                timeout_seconds=self.timeout_seconds,
            ),
            logger=logger,
            client_name=self.client_name,
            client_version=self.client_version,
            path_overrides=self.overrides(),
        )
        try:
            yield client
        finally:
            client.close()
