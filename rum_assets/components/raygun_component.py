"""``RaygunComponent``: one Raygun account (v1 credentials and/or a v3 token) as a ``defs.yaml``.

.. code-block:: yaml

    type: rum_assets.components.RaygunComponent
    attributes:
      account: acme
      pat: "{{ env.ACME_RAYGUN_PAT }}"
      applications: [wb7k2q]

The environment's account (``RAYGUN_*`` variables) is the instance named ``default``: its assets,
resource, job, schedule and sensors keep their names (``raygun/sessions``, ``raygun``,
``raygun_daily``). Another account's assets are ``raygun/<account>/...``, its resource
``raygun_<account>`` and its job ``raygun_<account>_daily``; every account writes the same tables, its
rows told apart by the ``account`` column. Budgets, pacing, the v1 session key and the list
reservations are keyed by a hash of the credential (rum_assets.raygun.resource, v3 ``token_scope``),
so each account spends its own. What every account shares comes from the environment: the warehouse,
the state directory or ledger URL, PII mode and salt, the retry backoff and the first partition.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg
from pydantic import Field

from rum_assets.components.account_assets import account_key, for_account
from rum_assets.components.environment import shared_raygun_settings
from rum_assets.components.secrets import Secret, secret_value
from rum_assets.config.settings import start_date
from rum_assets.orchestration.mart_registry import RAYGUN_MARTS, account_marts
from rum_assets.orchestration.partitions import configured_daily_partitions, with_partitions
from rum_assets.orchestration.schedules import daily_job_and_schedule
from rum_assets.raygun import names as raygun_names
from rum_assets.raygun.assets import raygun_session_details, raygun_sessions
from rum_assets.raygun.resource import DEFAULT_BASE_URL, DEFAULT_V3_BASE_URL, RaygunResource
from rum_assets.raygun.sensors import build_budget_backfill_sensor, build_late_sessions_sensor
from rum_assets.raygun.v3.assets import V3_CATALOG_ASSETS, V3_DAILY_ASSETS
from rum_assets.warehouse.accounts import DEFAULT_ACCOUNT, check_account_name

RAYGUN_KEYS = (
    *raygun_names.DAILY_ASSETS,
    *raygun_names.V3_DAILY,
    raygun_names.PAGES,
    raygun_names.CUSTOMERS,
    raygun_names.ERROR_GROUPS,
)


class RaygunComponent(dg.Component, dg.Model, dg.Resolvable):
    """A Raygun account: v1 credentials (API key, client id and secret) and/or a v3 personal access token."""

    account: str = Field(description="Name of the account: in its asset keys, resource key, job and the tables' account column.")
    api_key: Secret = None
    client_id: Secret = None
    client_secret: Secret = None
    base_url: str = Field(default=DEFAULT_BASE_URL, description="v1 API root, without /api/v1.")
    v1_application_id: str = Field(default="v1", description="The application_id stored on rows loaded through v1.")
    pat: Secret = None
    v3_base_url: str = Field(default=DEFAULT_V3_BASE_URL, description="v3 API root, with /v3.")
    applications: list[str] = Field(default_factory=list, description="v3 application identifiers to load; empty: every one with RUM data.")
    daily_call_limit: int = Field(default=50, description="v1 calls per UTC day the plan allows (0 = unlimited).")
    v3_daily_call_limit: int = Field(default=10_000, description="v3 calls per token per UTC day (0 = unlimited).")
    details_in_flight: int = Field(default=8, description="Session details fetched concurrently, per source (1-32).")
    reserved_list_calls: int = Field(default=5, description="v3: calls the details leave for session lists.")
    detail_coverage_floor: float = Field(default=0.0, description="Share of a day's sessions with details below which the check warns.")

    def resource(self) -> RaygunResource:
        name = check_account_name(self.account)
        if name == DEFAULT_ACCOUNT:
            raise ValueError(
                f"RaygunComponent: the account name {DEFAULT_ACCOUNT!r} is the environment's (RAYGUN_* variables); choose another"
            )
        secrets = {
            field: secret_value("RaygunComponent", name, getattr(self, field)) for field in ("api_key", "client_id", "client_secret", "pat")
        }
        return RaygunResource(
            account=name,
            api_key=secrets["api_key"] or "",
            client_id=secrets["client_id"] or "",
            client_secret=secrets["client_secret"] or "",
            base_url=self.base_url,
            v1_application_id=self.v1_application_id,
            pat=secrets["pat"],
            v3_base_url=self.v3_base_url,
            application_ids=",".join(self.applications),
            daily_call_limit=self.daily_call_limit,
            v3_daily_call_limit=self.v3_daily_call_limit,
            v1_details_in_flight=self.details_in_flight,
            v3_details_in_flight=self.details_in_flight,
            reserved_list_calls=self.reserved_list_calls,
            detail_coverage_floor=self.detail_coverage_floor,
            **shared_raygun_settings(),
        )

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        return raygun_account_definitions(self.resource())


def raygun_account_definitions(raygun: RaygunResource) -> dg.Definitions:
    """One account's Raygun assets, job and schedule (and, for the default account, its sensors); another
    account's also its KPI marts (the code location adds the default account's over every base asset)."""
    partitions = configured_daily_partitions(start_date())
    # The v3-only assets exist where a v3 token is configured; a v1-only account does not show them.
    with_v3 = raygun.pat is not None
    daily: Sequence[dg.AssetsDefinition] = [raygun_sessions, raygun_session_details, *(V3_DAILY_ASSETS if with_v3 else ())]
    catalog: Sequence[dg.AssetsDefinition] = V3_CATALOG_ASSETS if with_v3 else ()
    scheduled = [*raygun_names.DAILY_ASSETS, *(raygun_names.V3_DAILY if with_v3 else ())]
    if raygun.account == DEFAULT_ACCOUNT:
        job, schedule = daily_job_and_schedule("raygun", scheduled, hour=2, minute=15)
        return dg.Definitions(
            assets=[*(with_partitions(a, partitions) for a in daily), *catalog],
            jobs=[job],
            schedules=[schedule],
            sensors=[build_budget_backfill_sensor(partitions=partitions), build_late_sessions_sensor(partitions=partitions)],
            resources={"raygun": raygun},
        )
    resource_key = f"raygun_{raygun.account}"
    bound = {"raygun": resource_key, "warehouse": "warehouse"}
    assets = [with_partitions(for_account(a, raygun.account, bound, RAYGUN_KEYS), partitions) for a in daily]
    assets += [for_account(a, raygun.account, bound, RAYGUN_KEYS) for a in catalog]
    assets += [with_partitions(mart, partitions) for mart in account_marts(RAYGUN_MARTS, assets, raygun.account)]
    job, schedule = daily_job_and_schedule(
        f"raygun_{raygun.account}", [account_key(key, raygun.account) for key in scheduled], hour=2, minute=15
    )
    return dg.Definitions(assets=assets, jobs=[job], schedules=[schedule], resources={resource_key: raygun})
