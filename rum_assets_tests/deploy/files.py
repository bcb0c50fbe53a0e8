"""The deployment's files, loaded the way their tools load them (YAML, compose's variable interpolation)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from rum_assets.config import env_vars

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = PROJECT_ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "docker-compose.yml"
HELM_VALUES = DEPLOY / "helm-values.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = PROJECT_ROOT / ".dockerignore"
WORKSPACE_COMPOSE = DEPLOY / "workspace-compose.yaml"
LOCAL_INSTANCE = PROJECT_ROOT / "dagster.yaml"
CLUSTER_INSTANCE = PROJECT_ROOT / "dagster-postgres.yaml"
README = PROJECT_ROOT / "README.md"
INSTANCE_VARIABLES = frozenset(
    variable.name
    for variable in (
        env_vars.DAGSTER_PG_HOST,
        env_vars.DAGSTER_PG_PORT,
        env_vars.DAGSTER_PG_DB,
        env_vars.DAGSTER_PG_USERNAME,
        env_vars.DAGSTER_PG_PASSWORD,
    )
)
"""What dagster-postgres.yaml reads: the only variables the webserver and the daemon need."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def interpolate(text: str, environment: Mapping[str, str]) -> str:
    """Compose's interpolation of one string: ``$$``, ``$NAME``, ``${NAME}``, ``${NAME:-default}`` (unset or
    empty), ``${NAME-default}`` (unset), with defaults that may hold further ``${...}``. Other operators
    (``:?``, ``:+``) fail: this project's files do not use them."""
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != "$":
            out.append(char)
            index += 1
            continue
        following = text[index + 1 : index + 2]
        if following == "$":
            out.append("$")
            index += 2
        elif following == "{":
            end = _closing_brace(text, index + 1)
            out.append(_substitute(text[index + 2 : end], environment))
            index = end + 1
        else:
            match = _NAME.match(text, index + 1)
            if match is None:
                raise ValueError(f"a lone $ at {index} in {text!r}: compose needs $$ for a literal dollar")
            out.append(environment.get(match.group(), ""))
            index = match.end()
    return "".join(out)


def _closing_brace(text: str, opening: int) -> int:
    depth = 0
    for position in range(opening, len(text)):
        if text[position] == "{":
            depth += 1
        elif text[position] == "}":
            depth -= 1
            if depth == 0:
                return position
    raise ValueError(f"unclosed ${{ in {text!r}")


def _substitute(expression: str, environment: Mapping[str, str]) -> str:
    match = _NAME.match(expression)
    if match is None:
        raise ValueError(f"not a variable name: ${{{expression}}}")
    name, rest = match.group(), expression[match.end() :]
    value = environment.get(name)
    if rest == "":
        return value or ""
    if rest.startswith(":-"):
        return value if value else interpolate(rest[2:], environment)
    if rest.startswith("-"):
        return value if value is not None else interpolate(rest[1:], environment)
    raise ValueError(f"unsupported interpolation ${{{expression}}}")


def interpolated(node: Any, environment: Mapping[str, str]) -> Any:
    """Every string value of a loaded compose file interpolated, as ``docker compose config`` does."""
    if isinstance(node, str):
        return interpolate(node, environment)
    if isinstance(node, list):
        return [interpolated(item, environment) for item in node]
    if isinstance(node, dict):
        return {key: interpolated(value, environment) for key, value in node.items()}
    return node


def compose(environment: Mapping[str, str] | None = None) -> dict[str, Any]:
    """docker-compose.yml with its variables taken from ``environment`` (deploy/.env and the shell's)."""
    return interpolated(load_yaml(COMPOSE_FILE), environment or {})  # type: ignore[no-any-return]
