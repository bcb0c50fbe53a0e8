"""The account components refuse what they must (literal secrets, clashing names), the README's example
accounts load, and tables written before the account column get it in place."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from rum_assets.definitions import build_definitions as load_defs
from rum_assets.raygun.tables import SESSIONS
from rum_assets.revenera.tables import USER_ACTIVITY
from rum_assets.warehouse.accounts import DEFAULT_ACCOUNT
from rum_assets.warehouse.tables import count_partition, ensure_table
from rum_assets_tests.components.test_two_accounts import write_component

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cr3t-literal-token-value"


def load_folder(folder: Path, monkeypatch: pytest.MonkeyPatch) -> dg.Definitions:
    monkeypatch.setenv("RUM_ASSETS_DEFS_DIR", str(folder))
    return load_defs()


def error_text(error: BaseException) -> str:
    """The error and every error it was raised from, as a log would show them."""
    parts = []
    while error is not None:
        parts.append(str(error))
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("component", "attributes", "field"),
    [
        ("RaygunComponent", {"account": "north", "pat": SECRET}, "pat"),
        ("RaygunComponent", {"account": "north", "api_key": SECRET, "client_id": "{{ env.X }}", "client_secret": "{{ env.Y }}"}, "api_key"),
        ("ReveneraComponent", {"account": "west", "username": "{{ env.U }}", "password": SECRET, "products": ["1"]}, "password"),
    ],
)
def test_a_literal_secret_is_refused_naming_the_field_never_the_value(
    component: str, attributes: dict[str, object], field: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_component(tmp_path / "defs" / "account", component, attributes)
    with pytest.raises(Exception) as raised:
        load_folder(tmp_path / "defs", monkeypatch)
    text = error_text(raised.value)
    assert re.search(rf"\b{field}\b holds a literal value", text), text
    assert SECRET not in text


def test_a_secret_templated_some_other_way_is_refused_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the whole-field reference keeps the value out of the resource: text around it would be a literal."""
    monkeypatch.setenv("NORTH_TOKEN_PART", SECRET)
    write_component(tmp_path / "defs" / "north", "RaygunComponent", {"account": "north", "pat": "x{{ env.NORTH_TOKEN_PART }}"})
    with pytest.raises(Exception) as raised:
        load_folder(tmp_path / "defs", monkeypatch)
    assert "pat holds a literal value" in error_text(raised.value) and SECRET not in error_text(raised.value)


@pytest.mark.parametrize("account", [DEFAULT_ACCOUNT, "North", "1st", "with-dash"])
def test_account_names_that_would_clash_or_break_keys_are_refused(account: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_component(tmp_path / "defs" / "a", "RaygunComponent", {"account": account, "pat": "{{ env.SOME_TOKEN }}"})
    with pytest.raises(Exception) as raised:
        load_folder(tmp_path / "defs", monkeypatch)
    assert repr(account) in error_text(raised.value)


def test_the_readme_example_accounts_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("## Several accounts", 1)[1].split("\n## ", 1)[0]
    examples = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", section, re.S)]
    assert {example["type"] for example in examples} == {"rum_assets.components.RaygunComponent", "rum_assets.components.ReveneraComponent"}
    for example in examples:
        write_component(tmp_path / "defs" / example["attributes"]["account"], example["type"].rsplit(".", 1)[1], example["attributes"])
    definitions = load_folder(tmp_path / "defs", monkeypatch)
    keys = {key.to_user_string() for key in definitions.resolve_asset_graph().get_all_asset_keys()}
    assert {"raygun/north/sessions", "raygun/north/page_metrics", "revenera/west/user_activity", "revenera/west/raw_events"} <= keys
    assert "revenera/west/exceptions" not in keys  # only the export files the login names
    assert isinstance(definitions.resources["revenera_west"].password, dg.EnvVar)


def test_the_environment_account_keeps_its_names_without_a_defs_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUM_ASSETS_DEFS_DIR", raising=False)
    monkeypatch.setenv("RAYGUN_PAT", "a-token")
    definitions = load_defs()
    assert {job.name for job in definitions.jobs or ()} == {"raygun_daily", "revenera_daily"}
    assert set(definitions.resources or {}) == {"raygun", "revenera", "warehouse"}
    assert all(len(key.path) == 2 for key in definitions.resolve_asset_graph().get_all_asset_keys())


def test_a_table_written_before_the_account_column_gets_it_with_the_default_account(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        conn.execute("CREATE SCHEMA revenera")
        conn.execute(
            "CREATE TABLE revenera.user_activity (product_id VARCHAR NOT NULL, partition_date DATE NOT NULL, "
            "segment_property VARCHAR NOT NULL, segment VARCHAR NOT NULL)"
        )
        conn.execute("INSERT INTO revenera.user_activity VALUES ('p', DATE '2026-11-01', '(none)', '(all)')")
        ensure_table(conn, USER_ACTIVITY)
        assert conn.execute("SELECT account FROM revenera.user_activity").fetchall() == [(DEFAULT_ACCOUNT,)]
        nullable = conn.execute(
            "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'user_activity' AND column_name = 'account'"
        ).fetchone()
        assert nullable == ("NO",)
        day = conn.execute("SELECT partition_date FROM revenera.user_activity").fetchone()[0]  # type: ignore[index]
        assert count_partition(conn, USER_ACTIVITY, day, {"account": DEFAULT_ACCOUNT}) == 1
        assert count_partition(conn, USER_ACTIVITY, day, {"account": "west"}) == 0
        ensure_table(conn, SESSIONS)  # a table created now has the column NOT NULL from the start
        created = conn.execute(
            "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'sessions' AND column_name = 'account'"
        ).fetchone()
        assert created == ("NO",)
