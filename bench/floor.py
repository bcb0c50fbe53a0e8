"""The floor: the least any loader must do for one day of Raygun sessions — authenticate, fetch the
same pages with httpx and parse their JSON. No validation, no storage.

``python -m bench.floor BASE_URL DAY`` prints one JSON line: rows and API calls.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any

import httpx

from bench.common import API_KEY, CLIENT_ID, CLIENT_SECRET, MAX_PAGES, PAGE_SIZE, SESSIONS_PATH, day_params


def fetch_day(base_url: str, day: date) -> tuple[int, int]:
    """Rows and calls for one day, following ``links.next`` (bounded by ``MAX_PAGES``)."""
    with httpx.Client(base_url=base_url, timeout=60) as http:
        auth = http.post("/api/v1/pulse/authenticate", headers={"X-ApiKey": API_KEY}, auth=(CLIENT_ID, CLIENT_SECRET))
        auth.raise_for_status()
        headers = {"X-SessionKey": auth.json()["sessionKey"]}
        calls, rows = 1, 0
        url = SESSIONS_PATH
        params: dict[str, Any] | None = {**day_params(day), "skip": 0, "limit": PAGE_SIZE}
        for _ in range(MAX_PAGES):
            response = http.get(url, params=params, headers=headers)
            calls += 1
            response.raise_for_status()
            page = json.loads(response.content)
            rows += len(page["sessions"])
            next_url = (page.get("links") or {}).get("next")
            if not next_url:
                break
            url, params = next_url, None
    return rows, calls


def main() -> None:
    rows, calls = fetch_day(sys.argv[1], date.fromisoformat(sys.argv[2]))
    print(json.dumps({"rows": rows, "api_calls": calls}))


if __name__ == "__main__":
    main()
