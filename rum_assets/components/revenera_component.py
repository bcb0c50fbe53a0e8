"""``ReveneraComponent``: one Revenera Usage Intelligence login, its products and exports, as a ``defs.yaml``.

.. code-block:: yaml

    type: rum_assets.components.ReveneraComponent
    attributes:
      account: emea
      username: "{{ env.EMEA_REVENERA_USER }}"
      password: "{{ env.EMEA_REVENERA_PASSWORD }}"
      products: ["2376158762"]
      exports: [raw]

The environment's login (``REVENERA_*`` variables) is the instance named ``default``, with today's
names (``revenera/user_activity``, resource ``revenera``, job ``revenera_daily``, the export sensor).
Another login's assets are ``revenera/<account>/...``, its resource ``revenera_<account>`` and its job
``revenera_<account>_daily``; its rows land in the same tables with its name in the ``account`` column.
Only the export files it names get an asset.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg
from pydantic import Field

from rum_assets.components.account_assets import account_key, for_account
from rum_assets.components.environment import shared_revenera_settings
from rum_assets.components.secrets import Secret, secret_value
from rum_assets.config.settings import start_date
from rum_assets.orchestration.mart_registry import REVENERA_MARTS, account_marts
from rum_assets.orchestration.partitions import configured_daily_partitions, with_partitions
from rum_assets.orchestration.schedules import daily_job_and_schedule
from rum_assets.revenera import names as revenera_names
from rum_assets.revenera.assets import REVENERA_DAILY_ASSETS, REVENERA_METADATA_ASSETS
from rum_assets.revenera.exports import EXPORT_KINDS
from rum_assets.revenera.resource import DEFAULT_BASE_URL, ReveneraResource
from rum_assets.revenera.sensors import build_export_sensor
from rum_assets.warehouse.accounts import DEFAULT_ACCOUNT, check_account_name


class ReveneraComponent(dg.Component, dg.Model, dg.Resolvable):
    """A Revenera Usage Intelligence login and the products (and export files) it loads."""

    account: str = Field(description="Name of the login: in its asset keys, resource key, job and the tables' account column.")
    username: Secret = None
    password: Secret = None
    products: list[str | int] = Field(
        default_factory=list, description="Product ids to load (YAML's templating reads a quoted number as a number: both are taken)."
    )
    exports: list[str] = Field(default_factory=lambda: list(EXPORT_KINDS), description="Export files to load: raw, exc, cust.")
    base_url: str = Field(default=DEFAULT_BASE_URL, description="API root, without /v3.")
    segment_property: str | None = Field(default=None, description="Property to split user activity by (e.g. prodVersion).")
    days_until_declared_lost: int = Field(default=30, description="Inactive days before a client counts as lost.")

    def resource(self) -> ReveneraResource:
        name = check_account_name(self.account)
        if name == DEFAULT_ACCOUNT:
            raise ValueError(
                f"ReveneraComponent: the account name {DEFAULT_ACCOUNT!r} is the environment's (REVENERA_* variables); choose another"
            )
        username = secret_value("ReveneraComponent", name, self.username)
        password = secret_value("ReveneraComponent", name, self.password)
        if username is None or password is None or not self.products:
            raise ValueError(f"ReveneraComponent {name!r}: username, password and products are required")
        unknown = sorted(set(self.exports) - set(EXPORT_KINDS))
        if unknown:
            raise ValueError(f"ReveneraComponent {name!r}: exports names unknown kinds {unknown}; use {', '.join(EXPORT_KINDS)}")
        return ReveneraResource(
            account=name,
            username=username,
            password=password,
            product_ids=",".join(str(product) for product in self.products),
            base_url=self.base_url,
            segment_property=self.segment_property,
            days_until_declared_lost=self.days_until_declared_lost,
            export_kinds=",".join(self.exports),
            **shared_revenera_settings(),
        )

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        return revenera_account_definitions(self.resource())


def revenera_account_definitions(revenera: ReveneraResource) -> dg.Definitions:
    """One login's Revenera assets, job and schedule (and, for the default login, the export sensor); another
    login's also its KPI marts (the code location adds the default login's over every base asset)."""
    partitions = configured_daily_partitions(start_date())
    if revenera.account == DEFAULT_ACCOUNT:
        job, schedule = daily_job_and_schedule("revenera", revenera_names.REPORT_ASSETS, hour=2, minute=45)
        return dg.Definitions(
            assets=[*REVENERA_METADATA_ASSETS, *(with_partitions(a, partitions) for a in REVENERA_DAILY_ASSETS)],
            jobs=[job],
            schedules=[schedule],
            sensors=[build_export_sensor(partitions=partitions)],
            resources={"revenera": revenera},
        )
    skipped = {key for kind, key in revenera_names.EXPORT_ASSETS.items() if kind not in revenera.enabled_export_kinds()}
    daily: Sequence[dg.AssetsDefinition] = [a for a in REVENERA_DAILY_ASSETS if a.key not in skipped]
    keys = [a.key for a in (*REVENERA_METADATA_ASSETS, *daily)]
    resource_key = f"revenera_{revenera.account}"
    bound = {"revenera": resource_key, "warehouse": "warehouse"}
    assets = [for_account(a, revenera.account, bound, keys) for a in REVENERA_METADATA_ASSETS]
    assets += [with_partitions(for_account(a, revenera.account, bound, keys), partitions) for a in daily]
    assets += [with_partitions(mart, partitions) for mart in account_marts(REVENERA_MARTS, assets, revenera.account)]
    job, schedule = daily_job_and_schedule(
        f"revenera_{revenera.account}", [account_key(key, revenera.account) for key in revenera_names.REPORT_ASSETS], hour=2, minute=45
    )
    return dg.Definitions(assets=assets, jobs=[job], schedules=[schedule], resources={resource_key: revenera})
