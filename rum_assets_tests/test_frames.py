"""Typed client results as DataFrames, for notebook exploration: real pages from the emulator."""

from __future__ import annotations

from datetime import date

import pandas as pd

from rum_assets.emulator.raygun import RaygunApp, RaygunEmulatorConfig
from rum_assets.emulator.server import EmulatorServer
from rum_assets.frames import to_frame
from rum_assets_tests.raygun.conftest import make_client


def test_a_days_sessions_become_a_dataframe_with_flattened_columns() -> None:
    day = date(2026, 11, 20)
    server = EmulatorServer([RaygunApp(RaygunEmulatorConfig(sessions_per_day=7, daily_call_limit=0))])
    with server, make_client(server.base_url) as raygun:
        frame = to_frame(s for page in raygun.iter_session_pages(day) for s in page.sessions)
        vendor_named = to_frame(raygun.iter_session_pages(day), by_alias=True)
    assert len(frame) == 7 and frame["id"].is_unique
    assert {"session_start", "status"} <= set(frame.columns)
    assert any(column.startswith("user.") for column in frame.columns)
    first_start = pd.Timestamp(frame["session_start"].iloc[0])
    assert first_start.tzinfo is not None and first_start.date() == day
    assert "totalSessions" in vendor_named.columns and vendor_named["totalSessions"].iloc[0] == 7
    assert to_frame([]).empty
