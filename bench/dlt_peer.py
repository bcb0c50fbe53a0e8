"""The peer: the pipeline a dlt user would write for one day of Raygun sessions — dlt 1.x's
``rest_api`` source (JSON-link paginator on ``links.next``, data selector ``sessions``, the session key
from an authenticate call as the ``X-SessionKey`` header) into DuckDB, in dlt's default configuration
or with Parquet load files.

``python -m bench.dlt_peer BASE_URL DAY FORMAT WORKDIR`` (FORMAT ``default`` or ``parquet``) prints one
JSON line: rows and API calls.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bench.common import API_KEY, CLIENT_ID, CLIENT_SECRET, MAX_PAGES, PAGE_SIZE, SESSIONS_PATH, day_params


def _count_requests() -> list[int]:
    """Counts every HTTP request dlt's ``requests`` sessions send (instrumentation only)."""
    import requests

    counter = [0]
    send = requests.Session.send

    def counting_send(self: requests.Session, request: Any, **kwargs: Any) -> Any:
        counter[0] += 1
        return send(self, request, **kwargs)

    requests.Session.send = counting_send  # type: ignore[method-assign]  # counts every HTTP call dlt makes
    return counter


def load_day(base_url: str, day: date, file_format: str, workdir: Path) -> tuple[int, int]:
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    import dlt
    from dlt.sources.helpers import requests
    from dlt.sources.rest_api import rest_api_source

    counter = _count_requests()
    auth = requests.post(f"{base_url}/api/v1/pulse/authenticate", headers={"X-ApiKey": API_KEY}, auth=(CLIENT_ID, CLIENT_SECRET))
    auth.raise_for_status()
    source = rest_api_source(
        {
            "client": {
                "base_url": base_url,
                "headers": {"X-SessionKey": auth.json()["sessionKey"]},
                "paginator": {"type": "json_link", "next_url_path": "links.next"},
            },
            "resources": [
                {
                    "name": "sessions",
                    "endpoint": {
                        "path": SESSIONS_PATH.lstrip("/"),
                        "params": {**day_params(day), "limit": PAGE_SIZE},
                        "data_selector": "sessions",
                    },
                }
            ],
        }
    )
    source.resources["sessions"].add_limit(MAX_PAGES)
    pipeline = dlt.pipeline(
        pipeline_name="raygun_bench",
        destination=dlt.destinations.duckdb(str(workdir / "dlt.duckdb")),
        dataset_name="raygun",
        pipelines_dir=str(workdir / "pipelines"),
    )
    pipeline.run(source, loader_file_format="parquet" if file_format == "parquet" else None)
    with pipeline.sql_client() as client:
        rows = client.execute_sql("SELECT count(*) FROM sessions")[0][0]
    return int(rows), counter[0]


def main() -> None:
    rows, calls = load_day(sys.argv[1], date.fromisoformat(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))
    print(json.dumps({"rows": rows, "api_calls": calls}))


if __name__ == "__main__":
    main()
