"""The Dagster UI as a person uses it: open the asset graph, open raygun/sessions, materialize one
partition from the UI, and see it succeed with its row count. Headless Chromium from Debian."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from .conftest import PROJECT_ROOT, Deployment

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
ARTIFACTS = PROJECT_ROOT / "artifacts"

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip("Debian's chromium is not installed (apt-get install -y chromium); CI installs it", allow_module_level=True)


@pytest.mark.timeout(600)
def test_materialize_one_partition_from_the_ui(deployment: Deployment) -> None:
    from playwright.sync_api import expect, sync_playwright

    assert CHROMIUM.exists(), "CI must install Debian's chromium before the tests"
    ARTIFACTS.mkdir(exist_ok=True)
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(60_000)
        try:
            page.goto(f"{deployment.url}/locations/rum_assets.definitions/asset-groups/raygun", wait_until="networkidle")
            skip = page.get_by_role("button", name="Skip")
            if skip.count():
                skip.click()  # the "Join the Dagster community" dialog of a first visit
            page.get_by_text("sessions", exact=True).first.click()
            expect(page.get_by_text("Every Raygun RUM session that started on the partition's UTC day")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "ui-1-asset-graph.png"))

            page.get_by_role("button", name="Materialize selected").click()
            dialog = page.get_by_role("dialog")
            expect(dialog.get_by_text("Launch runs to materialize raygun / sessions")).to_be_visible()
            dialog.get_by_role("button", name="Latest", exact=True).click()
            dialog.get_by_role("button", name="Launch 1 run").click()
            expect(page.get_by_text("Launched run")).to_be_visible()

            page.goto(f"{deployment.url}/assets/raygun/sessions", wait_until="networkidle")
            deadline = time.monotonic() + 240
            while "Row count" not in page.inner_text("body"):
                assert time.monotonic() < deadline, "the materialization did not show up on the asset page"
                page.wait_for_timeout(3000)
                page.reload(wait_until="networkidle")
            expect(page.get_by_text(yesterday).first).to_be_visible()
            row_count = page.get_by_text("Row count").locator("xpath=following::*[1]").inner_text()
            page.screenshot(path=str(ARTIFACTS / "ui-2-sessions-materialized.png"), full_page=True)
        finally:
            browser.close()
    assert row_count.strip() == "40"
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM raygun.sessions WHERE partition_date = ?", [yesterday]).fetchone() == (40,)
