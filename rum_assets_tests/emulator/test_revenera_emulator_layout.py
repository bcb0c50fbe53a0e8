"""The Revenera emulator's configurable export CSV layout, read back over real HTTP on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from rum_assets_tests.fakes import FakeClock
from rum_emulator.revenera import ReveneraApp, ReveneraEmulatorConfig
from rum_emulator.revenera.data import CUSTOM_FIELD_NAMES, EXCEPTION_COLUMNS, RAW_COLUMNS
from rum_emulator.server import EmulatorServer

HEADERS = {
    "Origin": "https://analytics.revenera.com",
    "RUI-Client": "tests",
    "RUI-Client-Version": "0.0.1",
    "Content-Type": "application/json",
}
LOGIN = {"userName": "demo@example.com", "password": "demo-revenera-password"}
PID = "2376158762"
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
DAY = date(2026, 11, 19)
KIND_PATHS = {"raw": ("/v3/rawEvents/download", ""), "exc": ("/v3/exceptionTracking", "exc_"), "cust": ("/v3/customEventTracking", "cust_")}


def _csv_bytes(**layout: Any) -> tuple[ReveneraApp, dict[str, bytes]]:
    """The app and the CSV bytes of DAY's raw, exception and custom-event files under ``layout``."""
    app = ReveneraApp(ReveneraEmulatorConfig(clock=FakeClock(NOW), clients_per_product=450, **layout))
    files: dict[str, bytes] = {}
    with EmulatorServer([app]) as server, httpx.Client(base_url=server.base_url, headers=HEADERS) as http:
        assert http.get("/v3/request-csrf").status_code == 204
        assert http.post("/v3/auth/web", json=LOGIN).status_code == 200
        for kind, (path, infix) in KIND_PATHS.items():
            name = f"{PID}_{infix}{DAY.isoformat()}.zip"
            answer = http.post(f"{path}/getDownloadUrl/{PID}", json={"fileName": name})
            assert answer.status_code == 200, answer.text
            download = httpx.get(answer.json()["downloadUrl"])
            assert download.status_code == 200
            with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
                (member,) = archive.namelist()
                files[kind] = archive.read(member)
    return app, files


def _table(content: bytes, encoding: str = "utf-8") -> tuple[list[str], list[list[str]]]:
    header, *rows = list(csv.reader(io.StringIO(content.decode(encoding), newline="")))
    return header, rows


@pytest.fixture(scope="module")
def default_files() -> tuple[ReveneraApp, dict[str, bytes]]:
    return _csv_bytes()


def test_default_layout_is_keys_utf8_no_bom_no_newlines(default_files: tuple[ReveneraApp, dict[str, bytes]]) -> None:
    app, files = default_files
    for kind, content in files.items():
        assert not content.startswith(b"\xef\xbb\xbf")
        _header, rows = _table(content)
        assert len(rows) == app.expected_export_rows(kind, PID, DAY) > 0
        assert all("\n" not in value for row in rows for value in row)
        assert content.count(b"\r\n") == len(rows) + 1  # one line per record
        assert "ü".encode() in content or "é".encode() in content or "ö".encode() in content or "ã".encode() in content
    assert _table(files["raw"])[0] == RAW_COLUMNS
    assert _table(files["exc"])[0] == EXCEPTION_COLUMNS
    assert _table(files["cust"])[0] == list(CUSTOM_FIELD_NAMES)


def test_friendly_headers_reversed_order_and_raw_timestamp_header() -> None:
    _, files = _csv_bytes(export_header_style="friendly")
    assert _table(files["raw"])[0][:6] == ["Event Timestamp", "Client ID", "Session ID", "Event Category", "Event Name", "Event Data"]
    assert _table(files["exc"])[0][0] == "Timestamp" and "Stack Trace" in _table(files["exc"])[0]
    assert _table(files["cust"])[0] == list(CUSTOM_FIELD_NAMES.values())
    for header, _ in map(_table, files.values()):
        assert len(set(header)) == len(header)

    _, reversed_files = _csv_bytes(export_column_order="reversed", export_raw_timestamp_header="eventTimestamp")
    raw_header, raw_rows = _table(reversed_files["raw"])
    assert raw_header == ["eventTimestamp", *RAW_COLUMNS[1:]][::-1]
    assert all(row[-1].startswith(DAY.isoformat()) for row in raw_rows)
    assert _table(reversed_files["exc"])[0] == EXCEPTION_COLUMNS[::-1]  # the override is raw-only


def test_extra_and_missing_columns(default_files: tuple[ReveneraApp, dict[str, bytes]]) -> None:
    _, base = default_files
    _app, files = _csv_bytes(
        export_extra_columns=("Build Number", "ab_test.group"), export_missing_columns=("sessionId", "stackTrace", "country")
    )
    raw_header, raw_rows = _table(files["raw"])
    assert raw_header == [c for c in RAW_COLUMNS if c not in ("sessionId", "country")] + ["Build Number", "ab_test.group"]
    assert all(row[-1].isdigit() and row[-2].isdigit() for row in raw_rows)
    assert _table(files["exc"])[0] == [c for c in EXCEPTION_COLUMNS if c not in ("stackTrace", "country")] + [
        "Build Number",
        "ab_test.group",
    ]
    assert "geography.country" in _table(files["cust"])[0]  # a key the kind lacks is ignored for it
    _, again = _csv_bytes(
        export_extra_columns=("Build Number", "ab_test.group"), export_missing_columns=("sessionId", "stackTrace", "country")
    )
    assert again == files  # extra values are deterministic
    base_rows = _table(base["raw"])[1]
    assert [row[:2] for row in raw_rows] == [row[:2] for row in base_rows]
    with pytest.raises(ValueError, match="unknown column keys"):
        ReveneraApp(ReveneraEmulatorConfig(export_missing_columns=("noSuchColumn",)))
    with pytest.raises(ValueError, match="repeat"):
        ReveneraApp(ReveneraEmulatorConfig(export_extra_columns=("clientId",)))


def test_bom_and_latin1_bytes(default_files: tuple[ReveneraApp, dict[str, bytes]]) -> None:
    _, base = default_files
    _, bom_files = _csv_bytes(export_bom=True)
    for kind, content in bom_files.items():
        assert content.startswith(b"\xef\xbb\xbftimestamp,") and content[3:] == base[kind]
    _, latin = _csv_bytes(export_encoding="latin-1")
    for kind, content in latin.items():
        assert any(byte >= 0x80 for byte in content), kind
        with pytest.raises(UnicodeDecodeError):
            content.decode("utf-8")
        assert _table(content, "latin-1") == _table(base[kind])  # same text, other bytes
    assert (
        "Zürich".encode("latin-1") in latin["raw"]
        or "Montréal".encode("latin-1") in latin["raw"]
        or "Malmö".encode("latin-1") in latin["raw"]
    )
    with pytest.raises(ValueError, match="export_bom"):
        ReveneraEmulatorConfig(export_bom=True, export_encoding="latin-1")
    with pytest.raises(ValueError, match="export_header_style"):
        ReveneraEmulatorConfig(export_header_style="camel")  # type: ignore[arg-type]


def test_quoted_newlines_keep_the_row_count() -> None:
    app, files = _csv_bytes(export_quoted_newlines=True)
    for kind, content in files.items():
        header, rows = _table(content)
        assert len(rows) == app.expected_export_rows(kind, PID, DAY)
        assert content.count(b"\r\n") == len(rows) + 1  # records end in CRLF; the newline inside is a bare LF
        column = {"raw": "eventData", "exc": "stackTrace", "cust": "event.data"}[kind]
        multi = [row[header.index(column)] for row in rows if "\n" in row[header.index(column)]]
        assert multi, kind
        assert b'"' + multi[0].encode().split(b"\n")[0] in content  # written quoted
    with pytest.raises(ValueError, match="kind must be"):
        app.expected_export_rows("other", PID, DAY)
