"""deploy/helm-values.yaml gives Dagster's Helm chart (1.13.27) the instance of dagster-postgres.yaml.

No cluster and no Helm binary here: ``chart_instance`` restates how the chart turns values into the
instance's settings, and Dagster's own schema checks the result. The chart's published values schema, merged
over its default values, is checked too when a pinned copy of both is where ``CHART_FILES`` says.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from rum_assets.config import env_vars

from .chart_instance import NOT_RENDERED, instance_sections, merged, unrendered_keys
from .commands import header_commands, readme_commands, readme_section
from .files import CLUSTER_INSTANCE, HELM_VALUES, PROJECT_ROOT, README, load_yaml
from .instance_config import validated

CHART_VERSION = importlib.metadata.version("dagster")
CHART_FILES = PROJECT_ROOT.parent / "shared" / "specs" / f"dagster-helm-chart-{CHART_VERSION}"
"""values.schema.json and values.yaml of helm/dagster at Dagster's release tag, with a README saying where
they came from: data for the steering session to place in shared/ (a developer session cannot fetch the
1.5 GB repository, and commits no fetched file)."""
DECLARED = {variable.name for variable in env_vars.ALL}
SECRETS = {variable.name for variable in env_vars.ALL if variable.secret}
OUR_PREFIX = re.compile(r"^(RAYGUN|REVENERA|RUM_ASSETS|DAGSTER_PG)_")


def _values() -> dict[str, Any]:
    return load_yaml(HELM_VALUES)  # type: ignore[no-any-return]


def _env_names(node: Any) -> set[str]:
    """Names of ``env`` entries anywhere in the values (lists of {name, value} or maps)."""
    names: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "env" and isinstance(value, list):
                names |= {item["name"] for item in value}
            elif key == "env" and isinstance(value, dict):
                names |= set(value)
            names |= _env_names(value)
    elif isinstance(node, list):
        for item in node:
            names |= _env_names(item)
    return names


def test_every_value_under_the_instance_sections_is_one_the_chart_renders() -> None:
    assert unrendered_keys(_values()) == set()
    misspelled = merged(_values(), {"dagsterDaemon": {"runMonitoring": {"maxRuntimeSeconds": 14400}}})
    assert unrendered_keys(misspelled) == {"dagsterDaemon.runMonitoring.maxRuntimeSeconds"}


def test_the_chart_writes_the_instance_settings_of_dagster_postgres_yaml() -> None:
    rendered = instance_sections(_values())
    cluster = load_yaml(CLUSTER_INSTANCE)
    for section in ("run_monitoring", "run_retries", "concurrency"):
        expected = {key: value for key, value in cluster[section].items() if (section, key) not in NOT_RENDERED}
        assert rendered[section] == expected, section
    assert rendered["run_coordinator"] == cluster["run_coordinator"]
    scheme = cluster["storage"]["postgres"]["postgres_db"]["scheme"]
    for storage in ("run_storage", "event_log_storage", "schedule_storage"):
        assert rendered[storage]["config"]["postgres_db"]["scheme"] == scheme == "postgresql+psycopg2"


def test_the_dropped_settings_are_only_the_ones_the_readme_names() -> None:
    cluster = load_yaml(CLUSTER_INSTANCE)
    assert all(key in cluster[section] for section, key in NOT_RENDERED)
    deploy = readme_section(README, "Deploy")
    assert all(f"`{key}`" in deploy for _, key in NOT_RENDERED)


def test_dagster_accepts_the_instance_the_chart_writes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(env_vars.DAGSTER_PG_PASSWORD.name, "secret")
    loaded = validated(instance_sections(_values()), tmp_path)
    assert loaded["run_monitoring"]["free_slots_after_run_end_seconds"] > 0
    assert loaded["run_retries"]["max_retries"] > 0


def test_secrets_reach_the_pods_only_through_kubernetes_secrets() -> None:
    values = _values()
    deployment = values["dagster-user-deployments"]["deployments"][0]
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "rum_assets.definitions"]
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert deployment["envSecrets"] == values["runLauncher"]["config"]["k8sRunLauncher"]["envSecrets"] == [{"name": "rum-assets-secrets"}]
    plain = _env_names(values)
    assert {name for name in plain if OUR_PREFIX.match(name)} <= DECLARED
    assert plain & SECRETS == set(), "a secret in plain values ends up in a ConfigMap"
    assert values["generatePostgresqlPasswordSecret"] is False and "postgresqlPassword" not in values["postgresql"]
    created = " ".join(command for command in header_commands(HELM_VALUES) if command.startswith("kubectl create secret"))
    in_secret = set(re.findall(r"--from-literal=([A-Z0-9_]+)=", created))
    assert SECRETS - {env_vars.DAGSTER_PG_PASSWORD.name} <= in_secret <= DECLARED
    assert "dagster-postgresql-secret" in created and "--from-literal=postgresql-password=" in created


def test_the_install_pins_the_chart_of_the_locked_dagster() -> None:
    installs = [command for command in header_commands(HELM_VALUES) if command.startswith("helm upgrade --install")]
    assert len(installs) == 1
    assert f"--version {CHART_VERSION}" in installs[0] and "-f deploy/helm-values.yaml" in installs[0]
    assert CHART_VERSION == "1.13.27"
    # Dagster's libraries are numbered 0.(M+16).P for dagster 1.M.P: dagster-k8s (the run launcher) matches.
    _, minor, patch = (int(part) for part in CHART_VERSION.split("."))
    assert importlib.metadata.version("dagster-k8s") == f"0.{minor + 16}.{patch}"
    from dagster_k8s import K8sRunLauncher

    assert _values()["runLauncher"]["type"] == K8sRunLauncher.__name__


def test_the_readme_gives_the_same_commands() -> None:
    readme = readme_commands(README, "Deploy")
    for command in header_commands(HELM_VALUES):
        assert command in readme, command


def _without_remote_refs(schema: Any) -> Any:
    """The chart's schema refers to Kubernetes' published definitions by URL: offline, those parts
    (pod specs, resources, probes) accept anything; everything of the chart's own is checked."""
    if isinstance(schema, dict):
        if str(schema.get("$ref", "#")).startswith("#"):
            return {key: _without_remote_refs(value) for key, value in schema.items()}
        return {}
    if isinstance(schema, list):
        return [_without_remote_refs(item) for item in schema]
    return schema


def test_the_values_merged_over_the_charts_defaults_pass_its_schema() -> None:
    schema_path, defaults_path = CHART_FILES / "values.schema.json", CHART_FILES / "values.yaml"
    if not (schema_path.exists() and defaults_path.exists()):
        pytest.skip(f"no pinned copy of the chart's values.schema.json and values.yaml in {CHART_FILES}")
    schema = _without_remote_refs(json.loads(schema_path.read_text(encoding="utf-8")))
    values = merged(load_yaml(defaults_path), _values())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(values)]
    assert errors == []
    assert unrendered_keys(values) == set(), "the chart's own defaults name keys chart_instance does not know"
    assert instance_sections(values)["run_monitoring"] == instance_sections(_values())["run_monitoring"]
