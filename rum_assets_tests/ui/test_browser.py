"""The Dagster UI as a person uses it, in headless Chromium: open the asset graph, open raygun/sessions
and read its description and definition, launch one partition from the "Materialize" dialog, and see
the day's row count on the asset page once the run has succeeded.

Screenshots go to ``artifacts/`` (gitignored); on a failure also ``ui-failure.png`` and a Playwright
trace (``playwright show-trace artifacts/ui-trace.zip``).
"""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from .conftest import ARTIFACTS, CODE_LOCATION, EMULATOR_SETTINGS, Deployment

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's chromium package: Playwright's own browser download cannot work here."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
RUN_SECONDS = 180
DESCRIPTION = "Every Raygun RUM session that started on the partition's UTC day"
TERMINAL = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(
        f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser test; "
        "CI installs it and fails without it",
        allow_module_level=True,
    )


@pytest.fixture
def chromium() -> Path:
    """Requested before ``deployment``, so CI without Chromium fails before starting Dagster."""
    if not CHROMIUM.exists():
        pytest.fail(f"CI must install Debian's chromium ({CHROMIUM}) before the tests: see .ci/run")
    return CHROMIUM


def launch_chromium(playwright: Any, chromium: Path, tmp_path: Path, *, height: int) -> Any:
    """Headless Chromium with a fresh profile (no state from earlier visits) and the tests' timeouts."""
    from playwright.sync_api import expect

    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "chromium-profile"),
        executable_path=str(chromium),
        args=CHROMIUM_ARGS,
        headless=True,
        viewport={"width": 1400, "height": height},
    )
    context.set_default_timeout(30_000)
    expect.set_options(timeout=30_000)
    context.set_default_navigation_timeout(60_000)
    return context


def skip_community_dialog(page: Any) -> None:
    """A new instance greets its first visitor with "Join the Dagster community": skip it, and should it
    show up later, skip it then (Playwright looks for it before every action)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    skip = page.get_by_role("dialog").get_by_role("button", name="Skip", exact=True)
    try:
        skip.click(timeout=10_000)
    except PlaywrightTimeout:
        pass
    page.add_locator_handler(skip, lambda: skip.click())


def _wait_for_partition_run(partition: str) -> dg.DagsterRun:
    """The run the UI launched for ``partition``, once it has finished (bounded)."""
    deadline = time.monotonic() + RUN_SECONDS
    with dg.DagsterInstance.get() as instance:
        while True:
            runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": partition}))
            assert len(runs) <= 1, f"the dialog launched {len(runs)} runs, expected one"
            if runs and runs[0].status in TERMINAL:
                run = runs[0]
                break
            status = runs[0].status.value if runs else "not launched yet"
            assert time.monotonic() < deadline, f"run for {partition} not finished after {RUN_SECONDS} s: {status}"
            time.sleep(1)
        if run.status != dg.DagsterRunStatus.SUCCESS:
            failures = [
                str(record.dagster_event.event_specific_data)
                for record in instance.all_logs(run.run_id)
                if record.dagster_event and record.dagster_event.is_failure
            ]
            pytest.fail(f"run {run.run_id} for {partition} ended {run.status.value}: {failures}")
    return run


@pytest.mark.timeout(600)
@pytest.mark.raygun_v1_only  # the raygun group's graph then fits the window: sessions and details
def test_materialize_one_partition_from_the_ui(chromium: Path, deployment: Deployment, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    expected_rows = EMULATOR_SETTINGS.sessions_per_day  # the emulator lists exactly this many per complete day
    started = time.monotonic()

    def phase(name: str) -> None:  # printed, so a failure's captured output says how far it got and when
        print(f"{time.monotonic() - started:6.1f} s  {name}")

    with sync_playwright() as playwright:
        context = launch_chromium(playwright, chromium, tmp_path, height=900)
        context.tracing.start(screenshots=True, snapshots=True)
        page = context.pages[0] if context.pages else context.new_page()
        passed = False
        try:
            # The asset graph of the raygun group; select raygun/sessions to read its description.
            page.goto(f"{deployment.url}/locations/{CODE_LOCATION}/asset-groups/raygun")
            node = page.get_by_text("sessions", exact=True).first
            expect(node).to_be_visible()
            skip_community_dialog(page)
            page.screenshot(path=str(ARTIFACTS / "ui-1-asset-graph.png"))
            phase("asset graph shown")
            node.click()
            expect(page.get_by_text(DESCRIPTION)).to_be_visible()
            expect(page.get_by_text("Backfills in multiple runs, with a maximum of 1 partitions per run")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "ui-2-sessions-in-graph.png"))
            phase("asset graph: raygun/sessions selected")

            # The asset's own page: description, owner, kinds, storage and column schema.
            page.get_by_role("link", name="View in Asset Catalog").click()
            page.wait_for_url(f"{deployment.url}/assets/raygun/sessions*")
            expect(page.get_by_text(DESCRIPTION)).to_be_visible()
            for text in ("data-engineering", "DuckDB", "raygun.sessions", "raygun_daily", "partition_date"):
                expect(page.get_by_text(text, exact=True).first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "ui-3-sessions-asset.png"))
            phase("asset page read")

            # Materialize one day: the dialog's custom partition selection, then launch.
            page.get_by_role("button", name="Materialize…").click()
            dialog = page.get_by_role("dialog").filter(has_text="Launch runs to materialize raygun / sessions")
            selection = dialog.get_by_placeholder("No matching partitions")
            selection.fill(yesterday)
            selection.press("Enter")
            expect(dialog.get_by_text("1 partition", exact=True)).to_be_visible()
            launch = dialog.get_by_role("button", name="Launch 1 run")
            expect(launch).to_be_enabled()
            page.screenshot(path=str(ARTIFACTS / "ui-4-launch-dialog.png"))
            launch.click()
            expect(dialog).to_be_hidden()
            phase(f"launched {yesterday}")

            run = _wait_for_partition_run(yesterday)
            assert run.tags.get("dagster/partition") == yesterday
            phase(f"run {run.run_id} succeeded")

            # The asset page after the run: the status row shows the day and its row count.
            page.goto(f"{deployment.url}/assets/raygun/sessions")
            row_count = page.get_by_text("Row count", exact=True).locator("xpath=..")
            expect(row_count).to_contain_text(re.compile(rf"(?<!\d){expected_rows}(?!\d)"))
            expect(page.get_by_text(yesterday, exact=True).first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "ui-5-sessions-materialized.png"))
            phase("asset page shows the row count")

            # The day's own materialization: dagster/row_count among its metadata.
            page.goto(f"{deployment.url}/assets/raygun/sessions?view=partitions&partition={yesterday}")
            metadata_row = page.get_by_role("row").filter(has=page.get_by_text("dagster/row_count", exact=True))
            expect(metadata_row).to_contain_text(re.compile(rf"(?<!\d){expected_rows}(?!\d)"))
            expect(page.get_by_text(run.run_id[:8], exact=True).first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "ui-6-sessions-partition-metadata.png"))
            phase("partition metadata shows dagster/row_count")
            passed = True
        finally:
            try:
                if not passed:
                    page.screenshot(path=str(ARTIFACTS / "ui-failure.png"), full_page=True)
                context.tracing.stop(path=None if passed else str(ARTIFACTS / "ui-trace.zip"))
            finally:
                context.close()

    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as conn:
        rows, sessions, other_days = conn.execute(
            "SELECT count(*) FILTER (partition_date = ?), count(DISTINCT session_id) FILTER (partition_date = ?), "
            "count(*) FILTER (partition_date <> ?) FROM raygun.sessions",
            [yesterday, yesterday, yesterday],
        ).fetchone()  # type: ignore[misc]
    assert (rows, sessions, other_days) == (expected_rows, expected_rows, 0)
