"""docker-compose.yml is a valid Compose file whose code service receives every variable the definitions read.

No Docker engine here: the file is checked against the Compose Specification's JSON schema (the copy that
check-jsonschema ships, pinned by uv.lock) before and after interpolation, and its interpolation is
evaluated as compose does it (``files.interpolate``).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from rum_assets.config import env_vars

from .commands import header_commands, readme_commands
from .files import COMPOSE_FILE, INSTANCE_VARIABLES, README, compose, interpolate, load_yaml

DAGSTER_SERVICES = ("code", "webserver", "daemon")


def compose_spec_schema() -> dict[str, Any]:
    schema = resources.files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    return json.loads(schema.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _errors(document: object) -> list[str]:
    validator = jsonschema.Draft202012Validator(compose_spec_schema())
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


def test_the_schema_rejects_what_compose_rejects() -> None:
    """The check has teeth: an unknown service key and an unknown dependency condition fail it."""
    broken = load_yaml(COMPOSE_FILE)
    broken["services"]["code"]["restart_policy"] = "always"
    broken["services"]["daemon"]["depends_on"]["code"]["condition"] = "service_ready"
    errors = _errors(broken)
    assert any("restart_policy" in error for error in errors), errors
    assert any(error.startswith("services/daemon/depends_on") for error in errors), errors


def test_the_file_is_valid_before_and_after_interpolation() -> None:
    assert _errors(load_yaml(COMPOSE_FILE)) == []
    assert _errors(compose({})) == []
    everything = {variable.name: f"set-{variable.name.lower()}" for variable in env_vars.ALL}
    assert _errors(compose(everything)) == []


def test_every_variable_the_definitions_read_reaches_the_code_service_from_deploy_env() -> None:
    """Each declared variable set in deploy/.env (or the shell) arrives unchanged in the code service."""
    given = {variable.name: f"value-of-{variable.name.lower()}" for variable in env_vars.ALL}
    received = compose(given)["services"]["code"]["environment"]
    assert {name: received.get(name) for name in given} == given


def test_unset_variables_get_the_bundled_database_or_the_code_defaults() -> None:
    received = compose({})["services"]["code"]["environment"]
    assert set(received) >= {variable.name for variable in env_vars.ALL}
    assert received["DAGSTER_PG_HOST"] == "postgres"
    assert received["RUM_ASSETS_WAREHOUSE_URL"] == "postgresql://dagster:dagster-trial@postgres:5432/warehouse"
    assert received["RUM_ASSETS_LEDGER_URL"] == received["RUM_ASSETS_WAREHOUSE_URL"]
    assert received["RUM_ASSETS_AUTOMATION_STOPPED"] == "1"
    # Empty means "the default" for every other variable (EnvVariable.read), never a value of its own.
    fixed = INSTANCE_VARIABLES | {"RUM_ASSETS_WAREHOUSE_URL", "RUM_ASSETS_LEDGER_URL", "RUM_ASSETS_AUTOMATION_STOPPED"}
    assert {name: value for name, value in received.items() if name not in fixed and value} == {}
    # A password chosen in deploy/.env reaches the database, the instance and both URLs.
    chosen = compose({"DAGSTER_PG_PASSWORD": "s3cret"})
    assert chosen["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"] == "s3cret"
    assert chosen["services"]["code"]["environment"]["RUM_ASSETS_WAREHOUSE_URL"].startswith("postgresql://dagster:s3cret@postgres:5432/")


def test_only_the_code_service_gets_vendor_settings() -> None:
    """The webserver and daemon only reach the instance; vendor secrets stay in the code service."""
    services = compose({"RAYGUN_PAT": "token"})["services"]
    for name in ("webserver", "daemon"):
        assert set(services[name]["environment"]) == INSTANCE_VARIABLES, name


def test_one_image_built_once_every_service_restarted_and_health_checked() -> None:
    services = compose({})["services"]
    built = [name for name, service in services.items() if "build" in service]
    assert built == ["code"]
    image = services["code"]["image"]
    for name in DAGSTER_SERVICES:
        assert services[name]["image"] == image, name
        if name != "code":
            assert services[name]["pull_policy"] == "never", f"{name} would look for {image} in a registry"
    for name, service in services.items():
        assert service["restart"] == "unless-stopped", name
        assert service["healthcheck"]["test"][0] == "CMD", name
    for name in ("webserver", "daemon"):
        assert services[name]["depends_on"]["code"]["condition"] == "service_healthy"
    assert services["code"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_postgres_is_ready_only_over_tcp() -> None:
    """pg_isready without -h asks the Unix socket, where the entrypoint's init server already answers."""
    check = compose({})["services"]["postgres"]["healthcheck"]["test"]
    assert check[1] == "pg_isready"
    assert check[check.index("-h") + 1] == "127.0.0.1"


def test_the_readme_gives_the_same_commands() -> None:
    readme = readme_commands(README, "Deploy")
    for command in header_commands(COMPOSE_FILE):
        assert command in readme, command


@pytest.mark.parametrize(
    ("text", "environment", "expected"),
    [
        ("${A:-x}", {}, "x"),
        ("${A:-x}", {"A": ""}, "x"),
        ("${A-x}", {"A": ""}, ""),
        ("${A:-${B:-y}z}", {"B": "b"}, "bz"),
        ("$$A-$A", {"A": "1"}, "$A-1"),
    ],
)
def test_interpolation_follows_compose(text: str, environment: dict[str, str], expected: str) -> None:
    assert interpolate(text, environment) == expected
