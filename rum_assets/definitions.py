"""The one Definitions object of the rum_assets code location, built once when the code location loads.

Every account is a Dagster component (rum_assets.components): the environment variables configure the
``default`` Raygun account and Revenera login, with the asset keys, jobs, schedules and sensors they
always had; each ``defs.yaml`` under ``rum_assets/defs`` (or, instead, under ``RUM_ASSETS_DEFS_DIR``)
adds one more.

Importing this module reads no setting (a bad one fails the load with its variable's name, not an
import). Dagster calls :func:`defs` several times while it starts a run; the first call builds the
definitions from the environment and the process keeps them: a changed setting or defs.yaml is seen when
the code location reloads. A process that points ``os.environ`` elsewhere first and wants definitions
for that (the demo, tests) calls :func:`build_definitions`, which reads the environment as it is.
"""

from __future__ import annotations

import functools
from pathlib import Path

import dagster as dg

from rum_assets.components.environment import raygun_resource, revenera_resource, warehouse_resource
from rum_assets.components.loading import load_folder_defs, load_package_defs
from rum_assets.components.raygun_component import raygun_account_definitions
from rum_assets.components.revenera_component import revenera_account_definitions
from rum_assets.config import env_vars, settings
from rum_assets.orchestration.freshness import freshness_checks_and_sensor
from rum_assets.orchestration.mart_registry import mart_definitions
from rum_assets.orchestration.partitions import configured_daily_partitions, with_partitions
from rum_assets.orchestration.run_health import build_dead_run_sensor, worker_recording_in_process_executor

__all__ = ["build_definitions", "defs", "raygun_resource", "revenera_resource", "warehouse_resource"]


@dg.definitions
def defs() -> dg.Definitions:
    """The code location, built at the first call in this process."""
    return _built_once()


@functools.cache
def _built_once() -> dg.Definitions:
    return build_definitions()


def build_definitions() -> dg.Definitions:
    """The definitions for the environment as it is now: every call builds them anew."""
    folder = settings.optional_text(env_vars.DEFS_DIR)
    loaded = dg.Definitions.merge(
        raygun_account_definitions(raygun_resource()),
        revenera_account_definitions(revenera_resource()),
        load_folder_defs(Path(folder)) if folder else load_package_defs(),
    )
    base_assets = [a for a in loaded.assets or () if isinstance(a, dg.AssetsDefinition)]
    marts, marts_sensor = mart_definitions(base_assets)
    marts = [with_partitions(mart, configured_daily_partitions(settings.start_date())) for mart in marts]
    daily = [a for a in [*base_assets, *marts] if a.partitions_def is not None]
    freshness_checks, freshness_sensor = freshness_checks_and_sensor(daily)
    return dg.Definitions.merge(
        loaded,
        dg.Definitions(
            # A run's steps are few and sequential (sessions, then details); a process per step would spend
            # seconds loading the code location for each. Pools still limit steps across runs. The executor
            # also records the run's worker process and clears runs whose worker died (rum_assets.orchestration.run_health).
            executor=worker_recording_in_process_executor,
            assets=marts,
            asset_checks=[*freshness_checks],
            sensors=[freshness_sensor, build_dead_run_sensor(), marts_sensor],
            resources={"warehouse": warehouse_resource()},
        ),
    )
