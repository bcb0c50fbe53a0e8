"""The code location loads, and every asset tells its story in the UI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg

from rum_assets.definitions import defs as load_defs

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def test_definitions_validate() -> None:
    dg.Definitions.validate_loadable(load_defs())


def test_every_asset_has_description_group_owners_kinds_and_column_schema() -> None:
    graph = load_defs().resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    assert {dg.AssetKey(["raygun", "sessions"]), dg.AssetKey(["raygun", "session_details"])} <= keys
    for key in keys:
        node = graph.get(key)
        assert node.description and len(node.description) > 40, key
        assert node.group_name and node.group_name != "default", key
        assert node.owners, key
        assert node.kinds >= {"python", "duckdb"}, key
        assert "dagster/column_schema" in node.metadata, key
        assert "dagster/table_name" in node.metadata, key


def test_dg_check_defs_loads_the_project() -> None:
    dg_cli = Path(sys.executable).parent / "dg"
    completed = subprocess.run([str(dg_cli), "check", "defs"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=240)
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
