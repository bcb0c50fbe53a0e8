"""The daily export files (raw events, exceptions, custom events) and their one-time download URLs.

* A day's files become final at ``export_ready_hour`` UTC the next day; before that the day is open.
  Files exist for the last ``retention_days`` days (today - retention_days .. today).
* Raw events (``GET /v3/rawEvents/download/listFiles/{pid}``): ``fileList`` holds final days only,
  newest first, named ``<pid>_<YYYY-MM-DD>.zip``.
* Exception / custom-event tracking (``.../listFiles/{pid}``): ``openDailyFiles`` holds today's file
  (``isAvailable: true``, still growing) and yesterday's until it is final (``isAvailable: false``,
  being processed); ``dailyFiles`` the final days, newest first; ``monthlyFiles`` one file per month
  whose 1st is retained, up to its last final day (the current month to date included). Names
  ``<pid>_exc_<date>.zip`` / ``<pid>_cust_<date>.zip`` / ``<pid>_<kind>_<first>_to_<last>.zip``.
* ``getDownloadUrl`` ``{"fileName"}`` -> ``{"downloadUrl": "<base>/download/<token>"}``. Unknown,
  expired or future files are 404; a raw file not final yet is 404 (it is not listed); an open
  exception/custom file is 409 (it is listed, but cannot be downloaded).
* ``GET /download/<token>`` (no auth): the zip once (200 ``application/zip``), then 403. The zip holds
  one CSV named like the file without ``.zip``, laid out as the config says (``csv_layout``; by
  default the header row is the column keys). Zips are built deterministically (fixed member
  timestamp) in memory per request.
* Sizes in listings are estimates from the client count and a per-day hash (listing must not build
  files). The newest ``export_growing_days`` final days of a listing grow with the clock; older files
  have a fixed size.
"""

from __future__ import annotations

import io
import re
import secrets
import threading
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from rum_emulator.messages import Response
from rum_emulator.revenera.config import ReveneraEmulatorConfig
from rum_emulator.revenera.csv_layout import CsvLayout
from rum_emulator.revenera.data import (
    ACTIVE_PROBABILITY,
    CUSTOM_FIELD_NAMES,
    CUSTOM_SHARE,
    EXCEPTION_FIELD_NAMES,
    EXCEPTION_SHARE,
    MAX_EVENTS_PER_DAY,
    ProductData,
    unit,
)
from rum_emulator.revenera.validation import BadRequest

KINDS = ("raw", "exc", "cust")
FIELD_NAMES = {"exc": EXCEPTION_FIELD_NAMES, "cust": CUSTOM_FIELD_NAMES}
ROWS_PER_ACTIVE_CLIENT = {"raw": (1 + MAX_EVENTS_PER_DAY) / 2, "exc": EXCEPTION_SHARE, "cust": CUSTOM_SHARE * 2}
KB_PER_ROW = {"raw": 0.11, "exc": 0.23, "cust": 0.19}
COMPRESSION = {"raw": 8.0, "exc": 4.0, "cust": 10.0}
LIVE_SHARE = 0.55
"""Roughly the share of generated clients installed and not churned around the anchor (for size estimates)."""
MAX_LAST_LINES = 1000


def file_name(product_id: str, kind: str, first: date, last: date | None = None) -> str:
    infix = "" if kind == "raw" else f"{kind}_"
    span = first.isoformat() if last is None or last == first else f"{first.isoformat()}_to_{last.isoformat()}"
    return f"{product_id}_{infix}{span}.zip"


class Exports:
    def __init__(self, config: ReveneraEmulatorConfig) -> None:
        self.config = config
        self.layout = CsvLayout.from_config(config)
        self._tokens: dict[str, tuple[ProductData, str, date, date, str] | None] = {}
        """Token -> the file it serves; None once used (a used token is 403, an unknown one 404)."""
        self._lock = threading.Lock()

    def _now(self) -> datetime:
        return self.config.clock().astimezone(UTC)

    def is_final(self, day: date) -> bool:
        return self._now() >= datetime.combine(day + timedelta(days=1), time(self.config.export_ready_hour), tzinfo=UTC)

    def _retained_days(self) -> list[date]:
        """today, yesterday, ... back to the oldest retained day (newest first)."""
        today = self._now().date()
        return [today - timedelta(days=n) for n in range(self.config.retention_days + 1)]

    def _size_kb(self, product: ProductData, kind: str, days: list[date]) -> float:
        """Uncompressed size estimate (no file is built for a listing)."""
        total = 0.0
        for day in days:
            rows = (
                product.client_count
                * LIVE_SHARE
                * ACTIVE_PROBABILITY
                * ROWS_PER_ACTIVE_CLIENT[kind]
                * (0.9 + 0.2 * unit(product.seed, product.product_id, kind, day))
            )
            total += rows * KB_PER_ROW[kind] + 0.2
        return round(total, 3)

    # -- listings -------------------------------------------------------------------------------

    def _growing_share(self, day: date, rank: int) -> float | None:
        """Share of its final size a listing shows for a final day ranked ``rank`` (0 = newest listed),
        or None when its size is fixed.

        The newest ``export_growing_days`` listed days are still being rewritten: they show half their
        size plus a share that grows with the minutes since the day ended, reaching the full size only
        after the growth window ((N + 1) days), by when the day has left the newest N anyway."""
        if rank >= self.config.export_growing_days:
            return None
        minutes = (self._now() - datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)).total_seconds() / 60
        window = (self.config.export_growing_days + 1) * 24 * 60
        return 0.5 + 0.5 * min(1.0, max(0.0, minutes / window))

    @staticmethod
    def _listed(size_kb: float, share: float | None) -> float:
        """Fixed sizes keep 3 decimals (byte resolution); growing ones 6, so that even a tiny file's
        growth over half an hour shows in the listing."""
        return round(size_kb, 3) if share is None else round(size_kb * share, 6)

    def list_raw(self, product: ProductData) -> dict[str, Any]:
        final_days = [day for day in self._retained_days() if self.is_final(day)]
        files = [
            {
                "fileName": file_name(product.product_id, "raw", day),
                "fileDate": day.isoformat(),
                "compressedSizeKB": self._listed(self._size_kb(product, "raw", [day]) / COMPRESSION["raw"], self._growing_share(day, rank)),
            }
            for rank, day in enumerate(final_days)
        ]
        return {"fileList": files}

    def list_tracking(self, product: ProductData, kind: str) -> dict[str, Any]:
        today = self._now().date()
        open_files: list[dict[str, Any]] = []
        daily: list[dict[str, Any]] = []
        for day in self._retained_days():
            size = self._size_kb(product, kind, [day])
            name = file_name(product.product_id, kind, day)
            if self.is_final(day):
                share = self._growing_share(day, len(daily))
                daily.append(
                    {
                        "fileName": name,
                        "uncompressedSizeKB": self._listed(size, share),
                        "compressedSizeKB": self._listed(size / COMPRESSION[kind], share),
                        "fileDate": day.isoformat(),
                    }
                )
            else:
                open_files.append({"fileName": name, "uncompressedSizeKB": size, "fileDate": day.isoformat(), "isAvailable": day == today})
        monthly = []
        final_days = sorted(date.fromisoformat(f["fileDate"]) for f in daily)
        oldest = today - timedelta(days=self.config.retention_days)
        for month_start in sorted({d.replace(day=1) for d in final_days}, reverse=True):
            if month_start < oldest:
                continue
            days = [d for d in final_days if d.replace(day=1) == month_start]
            size = self._size_kb(product, kind, days)
            monthly.append(
                {
                    "fileName": file_name(product.product_id, kind, month_start, days[-1]),
                    "uncompressedSizeKB": size,
                    "compressedSizeKB": round(size / COMPRESSION[kind], 3),
                    "fileStartDate": month_start.isoformat(),
                    "fileStopDate": days[-1].isoformat(),
                }
            )
        return {"openDailyFiles": open_files, "dailyFiles": daily, "monthlyFiles": monthly}

    # -- download URLs --------------------------------------------------------------------------

    def _resolve(self, product: ProductData, kind: str, name: str) -> tuple[date, date]:
        """The days a file name covers; ``LookupError`` when no such file exists (404)."""
        infix = "" if kind == "raw" else f"{kind}_"
        match = re.fullmatch(
            rf"{re.escape(product.product_id)}_{infix}(\d{{4}}-\d{{2}}-\d{{2}})(?:_to_(\d{{4}}-\d{{2}}-\d{{2}}))?\.zip", name
        )
        if match is None or (kind == "raw" and match.group(2)):
            raise LookupError(name)
        try:
            first = date.fromisoformat(match.group(1))
            last = date.fromisoformat(match.group(2)) if match.group(2) else first
        except ValueError:
            raise LookupError(name) from None
        today = self._now().date()
        if first < today - timedelta(days=self.config.retention_days) or last > today or last < first:
            raise LookupError(name)
        if last != first and (first.day != 1 or last.replace(day=1) != first):
            raise LookupError(name)  # monthly files run from the 1st within one month
        if kind == "raw" and not self.is_final(last):
            raise LookupError(name)  # not listed until final
        return first, last

    def download_url(self, product: ProductData, kind: str, body: dict[str, Any], base_url: str) -> Response:
        name = body.get("fileName")
        if not isinstance(name, str) or not name:
            raise BadRequest("fileName is required")
        try:
            first, last = self._resolve(product, kind, name)
        except LookupError:
            return Response.json(404, {"message": f"Unknown file {name}"})
        if not self.is_final(last):
            return Response.json(409, {"message": f"File {name} is still open and cannot be downloaded yet"})
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = (product, kind, first, last, name)
        return Response.json(200, {"downloadUrl": f"{base_url}/download/{token}"})

    def download(self, token: str) -> Response:
        with self._lock:
            if token not in self._tokens:
                return Response.json(404, {"message": "Unknown download URL"})
            entry = self._tokens[token]
            self._tokens[token] = None
        if entry is None:
            return Response.json(403, {"message": "This download URL has already been used"})
        product, kind, first, last, name = entry
        body = build_zip(product, kind, first, last, name, self.layout)
        return Response(200, body, [("Content-Type", "application/zip"), ("Content-Disposition", f'attachment; filename="{name}"')])

    # -- last lines -----------------------------------------------------------------------------

    def last_lines(self, product: ProductData, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        """``{"fieldNames": {key: friendly name}, "results": [rows, all values strings]}``: the last
        ``lineCount`` rows of today's open file written so far (timestamps up to now), oldest first."""
        try:
            count = int(body["lineCount"])  # the documentation types it as a string; its example sends a number
        except (KeyError, TypeError, ValueError):
            raise BadRequest("lineCount is required (a number)") from None
        if not 1 <= count <= MAX_LAST_LINES:
            raise BadRequest(f"lineCount must be between 1 and {MAX_LAST_LINES}")
        now = self._now()
        cutoff = now.strftime("%Y-%m-%dT%H:%M:%S")
        rows = sorted(
            (r for r in product.export_rows(kind, now.date()) if r["timestamp"] <= cutoff), key=lambda r: (r["timestamp"], r["clientId"])
        )
        return {"fieldNames": dict(FIELD_NAMES[kind]), "results": [{k: str(v) for k, v in row.items()} for row in rows[-count:]]}


def build_zip(product: ProductData, kind: str, first: date, last: date, name: str, layout: CsvLayout | None = None) -> bytes:
    """The export zip of ``first`` .. ``last``: one CSV, same bytes every time."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    content = (layout or CsvLayout()).encode(kind, (row for day in days for row in product.export_rows(kind, day)))
    member = zipfile.ZipInfo(name[: -len(".zip")] + ".csv", date_time=(last.year, last.month, last.day, 23, 59, 58))
    member.compress_type = zipfile.ZIP_DEFLATED
    member.external_attr = 0o644 << 16
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, content)
    return buffer.getvalue()
