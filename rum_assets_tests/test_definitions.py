"""The code location loads, and every asset tells its story in the UI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from rum_assets.definitions import build_definitions as load_defs
from rum_assets.definitions import defs

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def test_definitions_validate() -> None:
    dg.Definitions.validate_loadable(load_defs())


def test_every_asset_has_description_group_owners_kinds_and_column_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAYGUN_PAT", "a-token")  # the v3-only assets exist where a token is configured
    graph = load_defs().resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    assert {
        dg.AssetKey(["raygun", "sessions"]),
        dg.AssetKey(["raygun", "session_details"]),
        dg.AssetKey(["raygun", "page_metrics"]),
    } <= keys
    for key in keys:
        node = graph.get(key)
        assert node.description and len(node.description) > 40, key
        assert node.group_name and node.group_name != "default", key
        assert node.owners, key
        assert node.kinds >= {"python", "duckdb"}, key
        assert "dagster/column_schema" in node.metadata, key
        assert "dagster/table_name" in node.metadata, key


@pytest.mark.slow
def test_dg_check_defs_loads_the_project() -> None:
    dg_cli = Path(sys.executable).parent / "dg"
    completed = subprocess.run([str(dg_cli), "check", "defs"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=240)
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]


@pytest.mark.slow
def test_only_the_chosen_dagster_notices_are_silenced() -> None:
    """Loading the definitions raises no beta or preview notice we have not accepted (notices.py)."""
    code = (
        "import warnings, dagster as dg\n"
        "warnings.simplefilter('error', dg.BetaWarning); warnings.simplefilter('error', dg.PreviewWarning)\n"
        "from rum_assets.definitions import defs\n"
        "defs().resolve_asset_graph()\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    silenced = subprocess.run(
        [
            sys.executable,
            "-c",
            code.replace("import warnings, dagster as dg\n", "import warnings, dagster as dg, rum_assets\nwarnings.resetwarnings()\n"),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "BetaWarning" in silenced.stderr  # the filter is what keeps it quiet, not the absence of the notice


def test_importing_the_project_reads_no_environment() -> None:
    """A bad setting fails when the definitions load, not when a module is imported."""
    code = (
        "import importlib, pkgutil, rum_assets\n"
        "for m in pkgutil.walk_packages(rum_assets.__path__, 'rum_assets.'):\n"
        "    importlib.import_module(m.name)\n"
        "from rum_assets.definitions import defs\n"
        "try:\n"
        "    defs()\n"
        "except ValueError as exc:\n"
        "    print('LOAD FAILED:', exc)\n"
    )
    env = {**os.environ, "RUM_ASSETS_START_DATE": "not-a-date", "RAYGUN_DAILY_CALL_LIMIT": "many"}
    completed = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "LOAD FAILED:" in completed.stdout and (
        "RUM_ASSETS_START_DATE" in completed.stdout or "RAYGUN_DAILY_CALL_LIMIT" in completed.stdout
    )


def test_the_configured_start_date_and_secret_salt_are_read_when_the_code_location_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUM_ASSETS_START_DATE", "2026-10-15")
    monkeypatch.setenv("RUM_ASSETS_PII_SALT", "a-secret-salt")
    definitions = load_defs()
    graph = definitions.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        partitions = graph.get(key).partitions_def
        if partitions is not None:
            assert partitions.get_first_partition_key() == "2026-10-15", key
    salt = definitions.resources["raygun"].pii_salt  # type: ignore[union-attr,index]
    assert isinstance(salt, dg.EnvVar)  # shown by name in the UI's resource view, never by value


def test_the_code_location_is_built_once_and_a_build_reads_the_environment_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    assert defs() is defs()  # Dagster's CLI asks six times while it starts one run
    monkeypatch.delenv("RAYGUN_PAT", raising=False)
    first = load_defs()
    monkeypatch.setenv("RAYGUN_PAT", "a-token")
    with_v3 = load_defs()
    keys = {key.to_user_string() for key in with_v3.resolve_asset_graph().get_all_asset_keys()}
    assert {key.to_user_string() for key in first.resolve_asset_graph().get_all_asset_keys()} < keys
    assert defs() is defs()
