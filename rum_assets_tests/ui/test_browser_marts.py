"""A KPI mart in the Dagster UI, in headless Chromium: two days of revenera/usage_daily materialized
(with the base assets it is computed from, landed from the emulator over HTTP), then its asset page
shows the metadata plots of its headline numbers (DAU, stickiness) across the partitions.

Screenshots go to ``artifacts/`` (gitignored); on a failure also ``ui-marts-failure.png``.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from rum_assets.config.emulator_env import emulator_env
from rum_assets.revenera import names as revenera_names
from rum_assets.revenera.marts import keys
from rum_assets_tests.fault_runs import QUIET, all_assets, build_resources, recent_days

from .conftest import ARTIFACTS, EMULATOR_SETTINGS, Deployment
from .test_browser import chromium, launch_chromium, skip_community_dialog  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow


def _materialize_usage_days(deployment: Deployment, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two days of the mart and its base assets, written to the deployment's instance and warehouse."""
    for name, value in emulator_env(deployment.emulator.base_url, EMULATOR_SETTINGS).items():
        monkeypatch.setenv(name, value)
    _, daily = all_assets()
    wanted = {revenera_names.CLIENT_PROFILES, revenera_names.USER_ACTIVITY, keys.USAGE_DAILY}
    selection = [a for a in daily if a.key in wanted]
    days = [d.isoformat() for d in recent_days(2)]
    with dg.DagsterInstance.get() as instance:
        for day in days:
            result = dg.materialize(
                daily,
                selection=selection,
                partition_key=day,
                resources=build_resources(deployment.duckdb_path),
                instance=instance,
                run_config=QUIET,
            )
            assert result.success
    return days


@pytest.mark.timeout(600)
def test_a_mart_shows_its_headline_numbers_as_plots(
    chromium: Path,  # noqa: F811
    deployment: Deployment,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    days = _materialize_usage_days(deployment, monkeypatch)
    with sync_playwright() as playwright:
        context = launch_chromium(playwright, chromium, tmp_path, height=1100)
        page = context.pages[0] if context.pages else context.new_page()
        passed = False
        try:
            page.goto(f"{deployment.url}/assets/revenera/usage_daily")
            skip_community_dialog(page)
            expect(page.get_by_text("stickiness (DAU/MAU)", exact=False).first).to_be_visible()
            expect(page.get_by_text(days[-1], exact=True).first).to_be_visible()
            page.get_by_role("button", name="Plots").first.click()
            for key in ("revenera/dau", "revenera/stickiness"):
                expect(page.get_by_text(key, exact=True).first).to_be_visible()
            expect(page.locator("canvas").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "ui-marts-usage-plots.png"), full_page=True)
            passed = True
        finally:
            try:
                if not passed:
                    page.screenshot(path=str(ARTIFACTS / "ui-marts-failure.png"), full_page=True)
            finally:
                context.close()
