"""deploy/ cannot run here (no Docker engine, no cluster): its files parse, name only declared
environment variables, and keep dagster.yaml's pools and run limits."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from rum_assets.config import env_vars

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = PROJECT_ROOT / "deploy"
DECLARED = {variable.name for variable in env_vars.ALL}
OUR_PREFIX = re.compile(r"^(RAYGUN|REVENERA|RUM_ASSETS|DAGSTER_PG)_")


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _env_names(node: Any) -> set[str]:
    """Names under ``env`` keys (``{env: NAME}``, ``[{name: NAME}]``) and ``environment`` mappings."""
    names: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "env" and isinstance(value, str):
                names.add(value)
            elif key == "env" and isinstance(value, list):
                names |= {item["name"] for item in value if isinstance(item, dict)}
            elif key == "environment" and isinstance(value, dict):
                names |= set(value)
            names |= _env_names(value)
    elif isinstance(node, list):
        for item in node:
            names |= _env_names(item)
    return names


def _ours(names: set[str]) -> set[str]:
    return {name for name in names if OUR_PREFIX.match(name)}


def test_instance_and_compose_name_only_declared_variables() -> None:
    instance = _env_names(_load(PROJECT_ROOT / "dagster-postgres.yaml"))
    assert instance == {"DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_DB", "DAGSTER_PG_USERNAME", "DAGSTER_PG_PASSWORD"}
    assert instance <= DECLARED
    compose = _load(DEPLOY / "docker-compose.yml")
    assert set(compose["services"]) == {"postgres", "code", "webserver", "daemon"}
    code_env = set(compose["services"]["code"]["environment"])
    assert _ours(code_env) - DECLARED == set()
    assert {"RUM_ASSETS_WAREHOUSE_URL", "RUM_ASSETS_LEDGER_URL", "RAYGUN_API_KEY"} | instance <= code_env


def test_helm_values_use_postgres_the_k8s_run_launcher_secrets_and_dagster_yamls_limits() -> None:
    values = _load(DEPLOY / "helm-values.yaml")
    deployment = values["dagster-user-deployments"]["deployments"][0]
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "rum_assets.definitions"]
    assert deployment["envSecrets"] == values["runLauncher"]["config"]["k8sRunLauncher"]["envSecrets"]
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert _ours(_env_names(values)) - DECLARED == set()
    secret_keys = set(re.findall(r"--from-literal=([A-Z0-9_]+)=", (DEPLOY / "helm-values.yaml").read_text()))
    assert secret_keys <= DECLARED and {"RAYGUN_API_KEY", "RUM_ASSETS_WAREHOUSE_URL"} <= secret_keys
    secrets = {variable.name for variable in env_vars.ALL if variable.secret} - {"DAGSTER_PG_PASSWORD"}
    assert secrets <= secret_keys, "every secret reaches the pods from the Kubernetes secret"
    assert values["postgresql"]["enabled"] is False
    local = _load(PROJECT_ROOT / "dagster.yaml")["concurrency"]
    assert values["concurrency"]["pools"]["defaultLimit"] == local["pools"]["default_limit"]
    assert values["concurrency"]["runs"]["maxConcurrentRuns"] == local["runs"]["max_concurrent_runs"]
    assert values["concurrency"]["runs"]["tagConcurrencyLimits"] == local["runs"]["tag_concurrency_limits"]
    assert _load(PROJECT_ROOT / "dagster-postgres.yaml")["concurrency"] == local


def test_the_image_installs_the_locked_environment() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "uv sync --frozen --compile-bytecode --no-dev" in dockerfile
    assert "rum_assets.definitions" in dockerfile
