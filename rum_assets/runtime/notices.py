"""The Dagster beta and preview notices this project accepted on purpose, each with its reason.

Only these are silenced (by message, not by category), so any other beta or preview feature that code
starts to use shows its notice and is decided on. ``pyproject.toml`` lists the same ones for the tests,
where every other beta or preview notice is an error.
"""

from __future__ import annotations

import warnings

import dagster as dg

ACCEPTED: tuple[tuple[type[Warning], str, str], ...] = (
    (
        dg.BetaWarning,
        r"Parameter `backfill_policy` of function `asset` is currently in beta",
        "one day per backfill run: rate-limited vendors, and a day written atomically fails alone",
    ),
)


def accept_chosen_notices() -> None:
    for category, message, _reason in ACCEPTED:
        warnings.filterwarnings("ignore", message=message, category=category)
