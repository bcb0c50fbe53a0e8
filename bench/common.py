"""What every bench scenario shares: the day, the emulator's demo credentials, the paging bounds."""

from __future__ import annotations

from datetime import date

DAY = date(2026, 11, 1)
API_KEY = "demo-raygun-api-key"
CLIENT_ID = "demo-raygun-client-id"
CLIENT_SECRET = "demo-raygun-client-secret"
"""The emulator's demo credentials (copied, so the peers import nothing of ours and pay for none of it)."""
SESSIONS_PATH = "/api/v1/pulse/sessions"
PAGE_SIZE = 500
MAX_PAGES = 1_000
"""Bounds every peer's paging: 500,000 sessions at 500 a page."""


def day_params(day: date) -> dict[str, str]:
    return {"dateFrom": f"{day.isoformat()}T00:00:00.000Z", "dateTo": f"{day.isoformat()}T23:59:59.999Z"}
