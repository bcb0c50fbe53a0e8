"""The v3 assets are in the code location, and the daily ones in the Raygun daily job, only where a token is set."""

from __future__ import annotations

import dagster as dg
import pytest

from rum_assets.definitions import build_definitions as load_defs
from rum_assets.raygun import names

V3_CATALOG = {names.PAGES, names.CUSTOMERS, names.ERROR_GROUPS}


def _daily_job_keys(definitions: dg.Definitions) -> set[dg.AssetKey]:
    job = definitions.resolve_job_def("raygun_daily")
    return set(job.asset_layer.selected_asset_keys)


def test_with_a_token_the_daily_job_loads_deployments_and_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAYGUN_PAT", "a-token")
    definitions = load_defs()
    keys = definitions.resolve_asset_graph().get_all_asset_keys()
    assert V3_CATALOG | set(names.V3_DAILY) <= keys
    assert _daily_job_keys(definitions) == {*names.DAILY_ASSETS, *names.V3_DAILY}


def test_without_a_token_there_are_no_v3_assets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAYGUN_PAT", raising=False)
    definitions = load_defs()
    keys = definitions.resolve_asset_graph().get_all_asset_keys()
    assert not (V3_CATALOG | set(names.V3_DAILY)) & keys
    assert _daily_job_keys(definitions) == set(names.DAILY_ASSETS)
