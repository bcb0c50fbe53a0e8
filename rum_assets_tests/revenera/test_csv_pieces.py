"""Cutting an export CSV into pieces: our record count agrees with DuckDB's reader however the bytes
are chunked, pieces are cut after whole records, rows read from pieces are numbered exactly as one file
would be, and a count that is wrong stops the load instead of numbering rows wrongly."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from rum_assets.revenera import csv_pieces
from rum_assets.revenera.csv_load import (
    ExtractedCsv,
    counted_rows,
    extract_csv,
    numbered_rows_sql,
    plan_columns,
    read_csv_sql,
    read_header,
    select_sql,
)
from rum_assets.revenera.csv_pieces import CsvPiece, RecordCounter
from rum_assets.revenera.tables import RAW_EVENTS
from rum_assets.warehouse.tables import RowCountMismatchError, replace_partition_from_query

TRICKY = {
    "plain crlf": b"a,b,c\r\n1,2,3\r\n4,5,6\r\n",
    "plain lf, no last line end": b"a,b,c\n1,2,3\n4,5,6",
    "blank lines": b"a,b,c\r\n1,2,3\r\n\r\n\r\n4,5,6\r\n\r\n",
    "blank lines lf": b"a,b,c\n\n1,2,3\n\n\n4,5,6\n\n",
    "quoted line ends": b'a,b,c\r\n1,"x\r\ny",3\r\n"\n\n",5,6\r\n7,"",9\r\n',
    "escaped quotes": b'a,b,c\n1,"say ""hi""\nthere",3\n"""",5,"6"\n',
    "a line of one quoted field": b'a\n"x"\n""\n"\n"\n',
    "quote right before a line end": b'a,b\n1,"2"\n3,"4\n5"\n',
}


def duckdb_rows(path: Path, width: int) -> list[tuple[object, ...]]:
    return duckdb.connect().execute(f"SELECT row_number() OVER (), * FROM {read_csv_sql(path, width)}").fetchall()


def width_of(data: bytes) -> int:
    return data.split(b"\n", 1)[0].count(b",") + 1


@pytest.mark.parametrize("name", list(TRICKY))
def test_the_count_agrees_with_duckdb_however_the_bytes_are_chunked(name: str, tmp_path: Path) -> None:
    data = TRICKY[name]
    path = tmp_path / "file.csv"
    path.write_bytes(data)
    records = len(duckdb_rows(path, width_of(data)))
    for size in (*range(1, 9), len(data)):
        counter = RecordCounter()
        for start in range(0, len(data), size):
            counter.feed(data[start : start + size])
        assert counter.finish() - 1 == records, f"chunks of {size}"


def export_zip(tmp_path: Path, data: bytes) -> Path:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("2376158762_2026-11-01.csv", data)
    return archive


def raw_export(rows: int) -> bytes:
    lines = [b"timestamp,clientId,eventData"]
    for i in range(rows):
        data = b'"line one\r\nline ""two"""' if i % 5 == 0 else (b"" if i % 7 == 0 else f"d{i}".encode())
        lines.append(b"2026-11-01T00:00:%02d,C%d,%s" % (i % 60, i, data))
        if i % 11 == 0:
            lines.append(b"")
    return b"\r\n".join(lines) + b"\r\n"


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_pieces_are_cut_after_records_and_numbered_as_one_file(chunk: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_pieces, "MIN_PIECE_BYTES", 256)
    monkeypatch.setattr("rum_assets.revenera.csv_load.CHUNK", chunk)
    data = raw_export(300)
    (tmp_path / "one").mkdir()
    (tmp_path / "four").mkdir()
    whole = extract_csv(export_zip(tmp_path, data), tmp_path / "one")
    pieces = extract_csv(export_zip(tmp_path, data), tmp_path / "four", pieces=4)
    assert len(whole.pieces) == 1 and len(pieces.pieces) == 4
    header = data[: data.index(b"\r\n") + 2]
    texts = [piece.path.read_bytes() for piece in pieces.pieces]
    assert all(text.startswith(header) and text.endswith(b"\r\n") for text in texts)
    assert header + b"".join(text[len(header) :] for text in texts) == data
    conn = duckdb.connect()
    expected = conn.execute(numbered_rows_sql(whole, 3)).fetchall()
    assert len(expected) == 300 == counted_rows(pieces)
    assert sorted(conn.execute(numbered_rows_sql(pieces, 3)).fetchall()) == expected


def test_a_miscount_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_pieces, "MIN_PIECE_BYTES", 256)
    extracted = extract_csv(export_zip(tmp_path, raw_export(200)), tmp_path, pieces=3)
    plan = plan_columns("raw", ["timestamp", "clientId", "eventData"], RAW_EVENTS)
    conn = duckdb.connect()
    day = date(2026, 11, 1)

    def load(candidate: ExtractedCsv) -> int:
        return replace_partition_from_query(
            conn,
            plan.table_for_file(RAW_EVENTS),
            select_sql(candidate, plan),
            day,
            {"product_id": "p"},
            ["p", day, "r", datetime.now(UTC)],
            counted_rows(candidate),
        )

    assert load(extracted) == 200
    first, second, third = extracted.pieces
    over = ExtractedCsv((CsvPiece(first.path, first.records - 1), second, third), "utf-8", False)
    with pytest.raises(duckdb.InvalidInputException, match="piece 1 of the file has more records than"):
        load(over)
    under = ExtractedCsv((first, second, CsvPiece(third.path, third.records + 1)), "utf-8", False)
    with pytest.raises(RowCountMismatchError, match="yielded 200 rows where 201 were counted"):
        load(under)
    numbers = conn.execute("SELECT count(*), count(DISTINCT row_number), max(row_number) FROM revenera.raw_events").fetchall()
    assert numbers == [(200, 200, 200)]


def test_small_files_and_bare_carriage_returns_stay_one_piece(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(extract_csv(export_zip(tmp_path, raw_export(50)), tmp_path, pieces=8).pieces) == 1
    monkeypatch.setattr(csv_pieces, "MIN_PIECE_BYTES", 16)
    old_mac = b"a,b\r" + b"".join(b"%d,x\r" % i for i in range(100))
    extracted = extract_csv(export_zip(tmp_path, old_mac), tmp_path, pieces=4)
    assert len(extracted.pieces) == 1
    assert len(duckdb_rows(extracted.path, 2)) == 100


@pytest.mark.parametrize("chunk", [7, 1 << 20])
def test_a_latin1_file_names_its_first_bad_line_and_is_cut_too(chunk: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_pieces, "MIN_PIECE_BYTES", 64)
    monkeypatch.setattr("rum_assets.revenera.csv_load.CHUNK", chunk)
    text = "a,b\r\n" + "".join(f"{i},plain\r\n" for i in range(40)) + "40,Zürich\r\n" + '41,"Genève\r\nsuite"\r\n'
    extracted = extract_csv(export_zip(tmp_path, b"\xef\xbb\xbf" + text.encode("latin-1")), tmp_path, pieces=2)
    assert (extracted.encoding, extracted.had_bom, extracted.first_bad_line) == ("latin-1", True, 42)
    assert len(extracted.pieces) == 2 and counted_rows(extracted) == 42
    assert read_header(extracted.path) == ["a", "b"]
    rows = duckdb.connect().execute(numbered_rows_sql(extracted, 2)).fetchall()
    assert sorted(rows)[-2:] == [(41, "40", "Zürich"), (42, "41", "Genève\r\nsuite")]
