"""The daily export files (raw events, exceptions, custom events) and their one-time download URLs.

A day's file becomes final at ``export_ready_hour`` UTC the next day. Raw-event listings show final
files only (``fileList``); exception and custom-event listings show the files still being written in
``openDailyFiles`` and the final ones in ``dailyFiles`` and ``monthlyFiles``. A download URL serves
its zip once; the second GET is 403.
"""

from __future__ import annotations

import csv
import io
import secrets
import threading
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from rum_assets.emulator.revenera.config import ReveneraEmulatorConfig
from rum_assets.emulator.revenera.data import ACTIVE_PROBABILITY, CUSTOM_FIELD_NAMES, EXCEPTION_COLUMNS, RAW_COLUMNS, ProductData
from rum_assets.emulator.revenera.requests import BadRequest
from rum_assets.emulator.server import Response

COLUMNS = {"raw": RAW_COLUMNS, "exc": EXCEPTION_COLUMNS, "cust": list(CUSTOM_FIELD_NAMES)}
KB_PER_ROW = {"raw": 0.14, "exc": 0.33, "cust": 0.4}


def file_name(product_id: str, kind: str, day: date) -> str:
    return f"{product_id}_{day.isoformat()}.zip" if kind == "raw" else f"{product_id}_{kind}_{day.isoformat()}.zip"


class Exports:
    def __init__(self, config: ReveneraEmulatorConfig) -> None:
        self.config = config
        self._tokens: dict[str, tuple[ProductData, str, date, date, str] | None] = {}
        self._lock = threading.Lock()

    def _now(self) -> datetime:
        return self.config.clock().astimezone(UTC)

    def is_final(self, day: date) -> bool:
        return self._now() >= datetime.combine(day + timedelta(days=1), time(self.config.export_ready_hour), tzinfo=UTC)

    def _days(self) -> list[date]:
        today = self._now().date()
        return [today - timedelta(days=n) for n in range(0, self.config.retention_days + 1)]

    @staticmethod
    def _size_kb(product: ProductData, kind: str, days: list[date]) -> float:
        """An estimate that does not build the file (listing 90 days must stay cheap)."""
        expected_rows = product.client_count * ACTIVE_PROBABILITY * {"raw": 4.5, "exc": 0.08, "cust": 0.6}[kind]
        return round(expected_rows * len(days) * KB_PER_ROW[kind], 3)

    def list_raw(self, product: ProductData) -> dict[str, Any]:
        files = []
        for day in self._days():
            if self.is_final(day):
                files.append({"fileName": file_name(product.product_id, "raw", day), "fileDate": day.isoformat(), "compressedSizeKB": round(self._size_kb(product, "raw", [day]) / 6, 3)})
        return {"fileList": files}

    def list_tracking(self, product: ProductData, kind: str) -> dict[str, Any]:
        today = self._now().date()
        open_files, daily = [], []
        for day in self._days():
            size = self._size_kb(product, kind, [day])
            name = file_name(product.product_id, kind, day)
            if not self.is_final(day):
                open_files.append({"fileName": name, "uncompressedSizeKB": size, "fileDate": day.isoformat(), "isAvailable": day < today})
            else:
                daily.append({"fileName": name, "uncompressedSizeKB": size, "compressedSizeKB": round(size / 4, 3), "fileDate": day.isoformat()})
        monthly = []
        finals = sorted(date.fromisoformat(f["fileDate"]) for f in daily)
        if finals:
            month_start = finals[-1].replace(day=1)
            month_days = [d for d in finals if d >= month_start]
            size = self._size_kb(product, kind, month_days)
            monthly.append(
                {
                    "fileName": f"{product.product_id}_{kind}_{month_start.isoformat()}_to_{month_days[-1].isoformat()}.zip",
                    "uncompressedSizeKB": size, "compressedSizeKB": round(size / 4, 3),
                    "fileStartDate": month_start.isoformat(), "fileStopDate": month_days[-1].isoformat(),
                }
            )
        return {"openDailyFiles": open_files, "dailyFiles": daily, "monthlyFiles": monthly}

    def _resolve(self, product: ProductData, kind: str, name: str) -> tuple[date, date]:
        prefix = f"{product.product_id}_" if kind == "raw" else f"{product.product_id}_{kind}_"
        if not name.startswith(prefix) or not name.endswith(".zip"):
            raise LookupError(name)
        dates = name[len(prefix) : -len(".zip")].split("_to_")
        try:
            first, last = date.fromisoformat(dates[0]), date.fromisoformat(dates[-1])
        except ValueError:
            raise LookupError(name) from None
        if len(dates) == 2 and kind == "raw":
            raise LookupError(name)
        oldest = self._now().date() - timedelta(days=self.config.retention_days)
        if first < oldest or last < first:
            raise LookupError(name)
        return first, last

    def download_url(self, product: ProductData, kind: str, body: Any, base_url: str) -> Response:
        name = body.get("fileName") if isinstance(body, dict) else None
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
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, archive.open(name[: -len(".zip")] + ".csv", "w") as member:
            text = io.TextIOWrapper(member, encoding="utf-8", newline="")
            writer = csv.DictWriter(text, fieldnames=COLUMNS[kind])
            writer.writeheader()
            day = first
            while day <= last:
                writer.writerows(product.raw_rows(kind, day))
                day += timedelta(days=1)
            text.flush()
            text.detach()
        return Response(200, buffer.getvalue(), [("Content-Type", "application/zip"), ("Content-Disposition", f'attachment; filename="{name}"')])

    def last_lines(self, product: ProductData, kind: str, body: Any) -> dict[str, Any]:
        count = body.get("lineCount") if isinstance(body, dict) else None
        try:
            count = int(count)  # the documentation types it as a string, its example sends a number
        except (TypeError, ValueError):
            raise BadRequest("lineCount is required (a number)") from None
        if not 1 <= count <= 1000:
            raise BadRequest("lineCount must be between 1 and 1000")
        today = self._now().date()
        rows = product.raw_rows(kind, today)[-count:]
        names = CUSTOM_FIELD_NAMES if kind == "cust" else {c: c for c in EXCEPTION_COLUMNS}
        return {"fieldNames": names, "results": [{k: str(v) for k, v in row.items()} for row in rows]}
