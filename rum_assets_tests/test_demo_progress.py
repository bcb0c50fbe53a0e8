"""The demo's terminal display: a bar for the day's steps, one per long step until its last line."""

from __future__ import annotations

import io

from rich.console import Console

from rum_assets.demo_progress import TerminalDisplay
from rum_assets.orchestration.progress import ProgressState


def _state(done: int, final: bool = False) -> ProgressState:
    return ProgressState("Raygun v3/wb7k2q 2026-12-01", "details fetched", done, 40, 9.5, 2.0, 9_000, final)


def test_a_long_step_gets_a_bar_until_its_last_line_and_the_steps_are_counted() -> None:
    screen = io.StringIO()
    display = TerminalDisplay("2026-12-01", 3, console=Console(file=screen, force_terminal=True, width=160))
    display.step_done("raygun/sessions", failed=False)
    display.progress(_state(20))
    assert display.open_bars == {
        "2026-12-01 steps": "raygun/sessions",
        "Raygun v3/wb7k2q 2026-12-01": "20 of 40 details fetched (50%), 9.5/s, about 2 s left, 9,000 calls left today",
    }
    display.progress(_state(40, final=True))
    assert list(display.open_bars) == ["2026-12-01 steps"]
    display.step_done("raygun/session_details", failed=True)
    display.close()
    drawn = screen.getvalue()
    assert "FAILED raygun/session_details" in drawn and "2/3" in drawn
