"""An account's component brings its own KPI marts: keys under the account, on the account's base
assets, with the checks of every mart, and the marts' automation sensor evaluating them."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from rum_assets.orchestration.mart_registry import MARTS, RAYGUN_MARTS, REVENERA_MARTS
from rum_assets.orchestration.marts import check_specs, mart_automation
from rum_assets.revenera import names as revenera_names
from rum_assets_tests.components.test_components import load_folder
from rum_assets_tests.components.test_two_accounts import write_component


def key(path: str) -> dg.AssetKey:
    return dg.AssetKey.from_user_string(path)


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dg.RepositoryDefinition:
    write_component(tmp_path / "defs" / "north", "RaygunComponent", {"account": "north", "pat": "{{ env.NORTH_PAT }}"})
    attributes = {"account": "west", "username": "{{ env.WEST_USER }}", "password": "{{ env.WEST_PASSWORD }}", "products": ["1"]}
    write_component(tmp_path / "defs" / "west", "ReveneraComponent", attributes)
    return load_folder(tmp_path / "defs", monkeypatch).get_repository_def()


def test_a_component_account_has_its_marts_on_its_own_base_assets(repository: dg.RepositoryDefinition) -> None:
    graph = repository.asset_graph
    keys = graph.get_all_asset_keys()
    north = {dg.AssetKey(["raygun", "north", *m.key.path[1:]]) for m in RAYGUN_MARTS}
    west = {dg.AssetKey(["revenera", "west", *m.key.path[1:]]) for m in REVENERA_MARTS}
    assert north | west <= keys
    assert not {dg.AssetKey(["raygun", "west", *m.key.path[1:]]) for m in RAYGUN_MARTS} & keys, "a Revenera login has no Raygun marts"
    assert graph.get(key("raygun/north/page_performance_daily")).parent_keys == {
        key("raygun/north/session_details"),
        key("raygun/north/pages"),
        key("raygun/north/page_metrics"),
        key("raygun/north/page_metric_histograms"),
    }
    assert graph.get(key("revenera/west/usage_daily")).parent_keys == {
        key("revenera/west/client_profiles"),
        key("revenera/west/user_activity"),
    }
    usage = graph.get(key("revenera/west/usage_daily"))
    assert usage.automation_condition == mart_automation([key("revenera/west/client_profiles")])
    assert usage.partitions_def == graph.get(key("revenera/west/client_profiles")).partitions_def
    window = graph.get_partition_mapping(usage.key, key("revenera/west/client_profiles"))
    assert isinstance(window, dg.TimeWindowPartitionMapping) and (window.start_offset, window.end_offset) == (-29, 0)
    for built in MARTS:
        account_key = dg.AssetKey([built.key.path[0], "north" if built in RAYGUN_MARTS else "west", *built.key.path[1:]])
        expected = {spec.name for spec in check_specs(built)} | {"freshness_check"}
        assert {k.name for k in graph.asset_check_keys if k.asset_key == account_key} == expected, account_key


def test_the_marts_sensor_evaluates_every_account_s_marts(repository: dg.RepositoryDefinition) -> None:
    selected = repository.get_sensor_def("marts_automation_sensor").asset_selection.resolve(repository.asset_graph)
    assert {m.key for m in MARTS} | {key("raygun/north/sessions_daily"), key("revenera/west/top_events_daily")} <= selected
    assert len(selected) == 2 * len(MARTS)
    assert revenera_names.CLIENT_PROFILES not in selected
