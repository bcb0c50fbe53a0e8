"""How an export CSV is laid out on disk: header names, column order, extra and missing columns,
BOM, encoding, newlines inside fields.

The vendor does not document the export CSVs (the reference only says the custom/exception columns
match getLastLines ``fieldNames``, "header text = friendly names or keys; not confirmed which").
So every variation a real server might produce is a setting, and a client can be tested against each:

* ``keys`` headers are the column keys; ``friendly`` headers the human names (``FRIENDLY_NAMES``);
* ``reversed`` order writes the columns right to left;
* extra columns are appended under exactly the header given, with a deterministic number per row;
* missing columns are known keys left out (a key a kind does not have is ignored for that kind);
* ``raw_timestamp_header`` renames the raw-events timestamp column only;
* without ``quoted_newlines`` no value contains a line break (exception stack traces are joined on
  one line); with it, stack traces keep theirs and non-empty event data gets a second line, so such
  fields are written quoted with a newline inside;
* Latin-1 files need no special data: the generated rows carry Latin-1 letters (see ``data.PLACES``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rum_emulator.revenera.config import ReveneraEmulatorConfig
from rum_emulator.revenera.data import (
    CUSTOM_COLUMNS,
    CUSTOM_FIELD_NAMES,
    EXCEPTION_COLUMNS,
    EXCEPTION_FIELD_NAMES,
    RAW_COLUMNS,
    RAW_FIELD_NAMES,
    digest,
)

COLUMNS = {"raw": RAW_COLUMNS, "exc": EXCEPTION_COLUMNS, "cust": CUSTOM_COLUMNS}
FRIENDLY_NAMES = {"raw": RAW_FIELD_NAMES, "exc": EXCEPTION_FIELD_NAMES, "cust": CUSTOM_FIELD_NAMES}
DATA_COLUMNS = {"raw": "eventData", "cust": "event.data"}
"""The free-text event data column that gets a second line with ``quoted_newlines``."""
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class CsvLayout:
    header_style: str = "keys"
    column_order: str = "default"
    extra_columns: tuple[str, ...] = ()
    missing_columns: tuple[str, ...] = ()
    bom: bool = False
    encoding: str = "utf-8"
    quoted_newlines: bool = False
    raw_timestamp_header: str | None = None

    @classmethod
    def from_config(cls, config: ReveneraEmulatorConfig) -> CsvLayout:
        layout = cls(
            header_style=config.export_header_style,
            column_order=config.export_column_order,
            extra_columns=tuple(config.export_extra_columns),
            missing_columns=tuple(config.export_missing_columns),
            bom=config.export_bom,
            encoding=config.export_encoding,
            quoted_newlines=config.export_quoted_newlines,
            raw_timestamp_header=config.export_raw_timestamp_header,
        )
        layout.check()
        return layout

    def check(self) -> None:
        """Refuse settings that would describe no real file (ValueError names the setting)."""
        known = {key for columns in COLUMNS.values() for key in columns}
        unknown = sorted(set(self.missing_columns) - known)
        if unknown:
            raise ValueError(f"export_missing_columns: unknown column keys {unknown}")
        for kind in COLUMNS:
            headers = [header for _, header in self.columns(kind)]
            if len(headers) == len(self.extra_columns):
                raise ValueError(f"export_missing_columns leaves the {kind} export without any known column")
            if len(set(headers)) != len(headers):
                raise ValueError(f"export_extra_columns / export_raw_timestamp_header repeat a {kind} header: {headers}")

    def columns(self, kind: str) -> list[tuple[str | None, str]]:
        """(column key or None for an extra column, header text), in file order."""
        known: list[tuple[str | None, str]] = []
        for key in COLUMNS[kind]:
            if key in self.missing_columns:
                continue
            header = FRIENDLY_NAMES[kind][key] if self.header_style == "friendly" else key
            if kind == "raw" and key == "timestamp" and self.raw_timestamp_header is not None:
                header = self.raw_timestamp_header
            known.append((key, header))
        if self.column_order == "reversed":
            known.reverse()
        return known + [(None, header) for header in self.extra_columns]

    def headers(self, kind: str) -> list[str]:
        return [header for _, header in self.columns(kind)]

    def _value(self, kind: str, key: str | None, header: str, row: dict[str, Any]) -> str:
        if key is None:
            return str(int.from_bytes(digest(header, row["clientId"], row["timestamp"], size=4), "big") % 9000 + 1000)
        value = "" if row[key] is None else str(row[key])
        if not self.quoted_newlines:
            return value.replace("\n\t", " ").replace("\n", " ")
        if key == DATA_COLUMNS.get(kind) and value:
            return f"{value}\nsecond line of {key}"
        return value

    def encode(self, kind: str, rows: Iterable[dict[str, Any]]) -> bytes:
        """The whole CSV file as bytes: header row, then one record per row, CRLF record ends."""
        columns = self.columns(kind)
        text = io.StringIO(newline="")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow([header for _, header in columns])
        for row in rows:
            writer.writerow([self._value(kind, key, header, row) for key, header in columns])
        return (UTF8_BOM if self.bom else b"") + text.getvalue().encode(self.encoding)
