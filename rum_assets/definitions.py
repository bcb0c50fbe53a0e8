"""The one Definitions object of the rum_assets code location, built when the code location loads.

Every account is a Dagster component (rum_assets.components): the environment variables configure the
``default`` Raygun account and Revenera login, with the asset keys, jobs, schedules and sensors they
always had; each ``defs.yaml`` under ``rum_assets/defs`` (or, instead, under ``RUM_ASSETS_DEFS_DIR``)
adds one more.

Settings are read from the environment when :func:`defs` is called, not when a module is imported, so
a process (the demo, a test) that points ``os.environ`` at an emulator and then loads the definitions
sees its own values. Dagster calls :func:`defs` several times while it starts one run; the build is a
function of the declared settings (:func:`_location_settings`), cached for the last settings seen. A
changed defs.yaml (or a variable only a defs.yaml reads) is seen when the code location reloads.
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
from rum_assets.orchestration.run_health import build_dead_run_sensor, worker_recording_in_process_executor

__all__ = ["defs", "raygun_resource", "revenera_resource", "warehouse_resource"]

LocationSettings = tuple[tuple[str, str | bool], ...]
"""Each declared variable's value, or for a secret only whether it is set (its value is read at run time)."""


def _location_settings() -> LocationSettings:
    return tuple((v.name, v.is_set() if v.secret else v.read()) for v in env_vars.ALL)


@dg.definitions
def defs() -> dg.Definitions:
    """The code location: the same object for as long as the settings it is built from are the same."""
    return _build_definitions(_location_settings())


@functools.lru_cache(maxsize=1)
def _build_definitions(_settings: LocationSettings) -> dg.Definitions:
    folder = settings.optional_text(env_vars.DEFS_DIR)
    loaded = dg.Definitions.merge(
        raygun_account_definitions(raygun_resource()),
        revenera_account_definitions(revenera_resource()),
        load_folder_defs(Path(folder)) if folder else load_package_defs(),
    )
    daily = [a for a in loaded.assets or () if isinstance(a, dg.AssetsDefinition) and a.partitions_def is not None]
    freshness_checks, freshness_sensor = freshness_checks_and_sensor(daily)
    return dg.Definitions.merge(
        loaded,
        dg.Definitions(
            # A run's steps are few and sequential (sessions, then details); a process per step would spend
            # seconds loading the code location for each. Pools still limit steps across runs. The executor
            # also records the run's worker process and clears runs whose worker died (rum_assets.orchestration.run_health).
            executor=worker_recording_in_process_executor,
            asset_checks=[*freshness_checks],
            sensors=[freshness_sensor, build_dead_run_sensor()],
            resources={"warehouse": warehouse_resource()},
        ),
    )
