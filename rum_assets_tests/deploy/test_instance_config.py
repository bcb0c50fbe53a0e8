"""One instance configuration for every deployment: dagster-postgres.yaml (the image's, used by compose and
the topology test) holds every setting of dagster.yaml, and only adds where the instance keeps its state."""

from __future__ import annotations

from pathlib import Path

import pytest

from rum_assets.config import env_vars

from .files import CLUSTER_INSTANCE, LOCAL_INSTANCE, load_yaml
from .instance_config import validated

ADDED_FOR_SEVERAL_MACHINES = {"storage", "run_coordinator"}


@pytest.fixture
def instance_database_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, value in {
        env_vars.DAGSTER_PG_HOST: "127.0.0.1",
        env_vars.DAGSTER_PG_PORT: "5432",
        env_vars.DAGSTER_PG_DB: "dagster",
        env_vars.DAGSTER_PG_USERNAME: "dagster",
        env_vars.DAGSTER_PG_PASSWORD: "secret",
    }.items():
        monkeypatch.setenv(variable.name, value)


def test_the_cluster_instance_holds_every_setting_of_dagster_yaml() -> None:
    local, cluster = load_yaml(LOCAL_INSTANCE), load_yaml(CLUSTER_INSTANCE)
    assert {section: cluster.get(section) for section in local} == local
    assert set(cluster) - set(local) == ADDED_FOR_SEVERAL_MACHINES


def test_what_matters_on_a_cluster_is_set() -> None:
    """Pools of one slot, slots of an ended run freed, a dead worker's run retried, the queue in front."""
    cluster = load_yaml(CLUSTER_INSTANCE)
    assert cluster["concurrency"]["pools"]["default_limit"] == 1
    assert cluster["run_monitoring"]["enabled"] is True
    assert cluster["run_monitoring"]["free_slots_after_run_end_seconds"] > 0
    assert cluster["run_retries"]["enabled"] is True and cluster["run_retries"]["max_retries"] > 0
    assert cluster["run_retries"]["retry_on_asset_or_op_failure"] is False
    assert cluster["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert cluster["storage"]["postgres"]["postgres_db"]["scheme"] == "postgresql+psycopg2"


def test_dagster_accepts_both_instance_files(instance_database_variables: None, tmp_path: Path) -> None:
    for path in (LOCAL_INSTANCE, CLUSTER_INSTANCE):
        loaded = validated(load_yaml(path), tmp_path / path.stem)
        assert loaded["run_monitoring"]["free_slots_after_run_end_seconds"] == 60, path


def test_dagster_rejects_a_misspelled_setting(instance_database_variables: None, tmp_path: Path) -> None:
    """The validation used above has teeth."""
    cluster = load_yaml(CLUSTER_INSTANCE)
    cluster["run_monitoring"]["free_slots_after_run_ends_seconds"] = 60
    with pytest.raises(Exception, match="free_slots_after_run_ends_seconds"):
        validated(cluster, tmp_path)
