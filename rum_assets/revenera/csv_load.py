"""One export CSV into DuckDB with DuckDB's own CSV reader: schema on read, no column dropped.

The zip's CSV is copied to local disk once (UTF-8, BOM removed; a file that is not UTF-8 is read as
latin-1 and written out as UTF-8). The header is read here, every header is given a warehouse
column (a known one, typed, or a text column named after the header), and DuckDB's ``read_csv``
(explicit columns, all text, header row skipped) feeds one ``INSERT`` whose casts give the known
columns their types. ``row_number`` is the 1-based position of the row in the file. A large file is
copied as a few pieces that DuckDB reads side by side (see :mod:`rum_assets.revenera.csv_pieces`).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import duckdb

from rum_assets.revenera.csv_pieces import CsvPiece, PieceWriter
from rum_assets.revenera.exports import check_zip
from rum_assets.revenera.tables import EXPORT_EXPECTED_COLUMNS, EXPORT_HEADER_LOOKUP, EXPORT_KNOWN_COLUMNS, normalise_header
from rum_assets.transport.errors import PayloadError
from rum_assets.warehouse.accounts import DEFAULT_ACCOUNT
from rum_assets.warehouse.tables import Column, Connection, Table

VENDOR = "Revenera"
BOM = codecs.BOM_UTF8
CHUNK = 1 << 20
_RESERVED = {
    row[0] for row in duckdb.connect().execute("SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved'").fetchall()
}


@dataclass(frozen=True)
class ExtractedCsv:
    pieces: tuple[CsvPiece, ...]
    """The file in order, cut at record boundaries; the first piece holds the header row."""
    encoding: str
    """``utf-8`` or ``latin-1`` (the file was not valid UTF-8)."""
    had_bom: bool
    first_bad_line: int | None = None
    """For a latin-1 file: the line of its first byte that is not UTF-8."""

    @property
    def path(self) -> Path:
        """The first piece: the header row and the records after it."""
        return self.pieces[0].path


@dataclass(frozen=True)
class PlannedColumn:
    header: str
    column: Column
    known: bool


@dataclass(frozen=True)
class ColumnPlan:
    """Each header of one file, in file order, with the warehouse column it lands in."""

    columns: tuple[PlannedColumn, ...]
    missing: tuple[str, ...]
    """Expected columns of the export kind that the file does not have (NULL for this file)."""

    @property
    def extra(self) -> tuple[Column, ...]:
        return tuple(p.column for p in self.columns if not p.known)

    def table_for_file(self, table: Table) -> Table:
        """The table definition extended with this file's extra columns."""
        have = set(table.column_names)
        extra = tuple(c for c in self.extra if c.name not in have)
        return replace(table, columns=(*table.columns, *extra)) if extra else table


def reader_threads() -> int:
    """The CPUs this process may use: how many pieces a large file is cut into."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def extract_csv(zip_path: Path, directory: Path, pieces: int = 1) -> ExtractedCsv:
    """Copy the zip's CSV to ``directory`` as UTF-8 without a BOM, in up to ``pieces`` files.

    Earlier pieces of ``directory`` are replaced. The UTF-8 check runs while the bytes are copied; a
    file that fails it is copied again, decoded as latin-1.
    """
    member = check_zip(zip_path)
    for stale in directory.glob("export.*.csv"):
        stale.unlink()
    decoder = codecs.getincrementaldecoder("utf-8")()
    bad_offset: int | None = None
    with zipfile.ZipFile(zip_path) as archive, archive.open(member) as raw:
        total = archive.getinfo(member).file_size
        writer = PieceWriter(directory, total, pieces)
        chunk = raw.read(CHUNK)
        had_bom = chunk.startswith(BOM)
        consumed = len(BOM) if had_bom else 0
        chunk = chunk[len(BOM) :] if had_bom else chunk
        while chunk:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad_offset = consumed + exc.start
                break
            writer.write(chunk)
            consumed += len(chunk)
            chunk = raw.read(CHUNK)
        else:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                bad_offset = consumed
    if bad_offset is None:
        return ExtractedCsv(writer.close(), "utf-8", had_bom)
    writer.abandon()
    bad_line = _line_at(zip_path, member, bad_offset)
    with zipfile.ZipFile(zip_path) as archive, archive.open(member) as raw:
        raw.read(len(BOM) if had_bom else 0)
        writer = PieceWriter(directory, total, pieces)
        text = io.TextIOWrapper(raw, encoding="latin-1", newline="")
        while part := text.read(CHUNK):
            writer.write(part.encode("utf-8"))
    return ExtractedCsv(writer.close(), "latin-1", had_bom, bad_line)


def _line_at(zip_path: Path, member: str, offset: int) -> int:
    """The 1-based line of the byte at ``offset`` in the zip's CSV."""
    lines = 1
    with zipfile.ZipFile(zip_path) as archive, archive.open(member) as raw:
        while offset > 0 and (chunk := raw.read(min(CHUNK, offset))):
            lines += chunk.count(b"\n")
            offset -= len(chunk)
    return lines


def read_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle), [])


def snake_case(header: str, position: int) -> str:
    """A safe, lower-case column name for a header: ``Region Code`` and ``regionCode`` -> ``region_code``."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", header)
    name = re.sub(r"[^0-9A-Za-z]+", "_", name).strip("_").lower()
    if not name:
        return f"column_{position + 1}"
    if name[0].isdigit():
        name = f"col_{name}"
    return f"{name}_col" if name in _RESERVED else name


def plan_columns(kind: str, header: list[str], table: Table) -> ColumnPlan:
    """Known headers (by key or friendly name) get their typed column; each other header its own text column.

    Names never collide: with the table's columns, with every known column of the kind, or with each
    other (a numbered suffix is added). The same header always gets the same name.
    """
    lookup = EXPORT_HEADER_LOOKUP[kind]
    taken = set(table.column_names) | {k.column.name for k in EXPORT_KNOWN_COLUMNS[kind]}
    used_known: set[str] = set()
    planned: list[PlannedColumn] = []
    for position, text in enumerate(header):
        known = lookup.get(normalise_header(text))
        if known is not None and known.column.name not in used_known:
            used_known.add(known.column.name)
            planned.append(PlannedColumn(text, known.column, True))
            continue
        base = snake_case(text, position)
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        planned.append(PlannedColumn(text, Column(name, "VARCHAR", f"Export header '{text}' (not a known column: loaded as text)"), False))
    missing = tuple(name for name in EXPORT_EXPECTED_COLUMNS[kind] if name not in used_known)
    return ColumnPlan(tuple(planned), missing)


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def read_csv_sql(path: Path, width: int) -> str:
    """DuckDB's CSV reader over a file with ``width`` columns: all text, header row skipped, strict."""
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    return (
        f"read_csv({_sql_text(str(path))}, header = true, auto_detect = false, delim = ',', quote = '\"', "
        f"escape = '\"', strict_mode = true, columns = {{{columns}}})"
    )


def _value_sql(index: int, column: Column) -> str:
    return f"c{index}" if column.sql_type == "VARCHAR" else f"CAST(c{index} AS {column.sql_type})"


def numbered_rows_sql(extracted: ExtractedCsv, width: int) -> str:
    """Every record of the file as ``row_number, c0, c1, ...``, numbered 1, 2, ... in file order.

    One piece is numbered by DuckDB as it reads. Several pieces are read side by side, each numbered
    from the records counted before it; a piece with more records than counted stops the query, and
    :func:`counted_rows` (the total) catches one with fewer, so a miscount never numbers a row wrongly.
    """
    if len(extracted.pieces) == 1:
        return f"SELECT row_number() OVER () AS row_number, * FROM {read_csv_sql(extracted.path, width)}"
    branches = []
    before = 0
    for index, piece in enumerate(extracted.pieces):
        source = read_csv_sql(piece.path, width)
        too_many = _sql_text(f"piece {index + 1} of the file has more records than the {piece.records} counted")
        branches.append(
            f"SELECT CASE WHEN n > {piece.records} THEN error({too_many}) ELSE {before} + n END AS row_number, * EXCLUDE (n) "
            f"FROM (SELECT row_number() OVER () AS n, * FROM {source})"
        )
        before += piece.records
    return " UNION ALL ".join(branches)


def counted_rows(extracted: ExtractedCsv) -> int | None:
    """The rows a load of several pieces must produce; None for one piece (DuckDB's count is the truth)."""
    return sum(piece.records for piece in extracted.pieces) if len(extracted.pieces) > 1 else None


def select_sql(extracted: ExtractedCsv, plan: ColumnPlan, account: str = DEFAULT_ACCOUNT) -> str:
    """The rows of the file as table rows of ``account``; parameters: product id, day, run id, ingested-at."""
    values = ", ".join(f'{_value_sql(i, p.column)} AS "{p.column.name}"' for i, p in enumerate(plan.columns))
    source = f"({numbered_rows_sql(extracted, len(plan.columns))})" if plan.columns else "(SELECT 1 AS row_number WHERE false)"
    account_literal = account.replace("'", "''")
    return (
        f"SELECT ?::VARCHAR AS product_id, '{account_literal}' AS account, ?::DATE AS partition_date, row_number, "
        f"{values + ', ' if values else ''}?::VARCHAR AS _run_id, ?::TIMESTAMPTZ AS _ingested_at "
        f"FROM {source}"
    )


def describe_load_error(
    exc: duckdb.Error, conn: Connection, path: Path, plan: ColumnPlan, file_name: str, product_id: str, day: date
) -> PayloadError:
    """A PayloadError naming the file, the line and the product for a CSV or type error.

    The file is re-read with DuckDB: through ``conn`` when it is DuckDB's, else in a private DuckDB
    (a PostgreSQL warehouse cannot run ``read_csv``).
    """
    message = str(exc)
    where = f"export file {file_name} of product {product_id}"
    line = re.search(r"CSV Error on Line: (\d+)", message)
    if line:
        original = re.search(r"Original Line: ?\n?(.*)", message)
        first = message.splitlines()[0]
        detail = next((m for m in message.splitlines()[1:] if m.startswith("Expected") or "quote" in m.lower()), first)
        return PayloadError(
            VENDOR,
            where,
            f"the CSV is broken at line {line.group(1)}: {detail} (line: {original.group(1)[:120] if original else '?'})",
            day=day,
        )
    if isinstance(exc, duckdb.ConversionException):
        reader = conn if isinstance(conn, duckdb.DuckDBPyConnection) else duckdb.connect()
        for i, p in enumerate(plan.columns):
            if p.column.sql_type == "VARCHAR":
                continue
            bad = reader.execute(
                f"SELECT n, c{i} FROM (SELECT row_number() OVER () AS n, c{i} FROM {read_csv_sql(path, len(plan.columns))}) "
                f"WHERE c{i} IS NOT NULL AND TRY_CAST(c{i} AS {p.column.sql_type}) IS NULL LIMIT 1"
            ).fetchone()
            if bad:
                return PayloadError(
                    VENDOR,
                    where,
                    f"line {int(bad[0]) + 1}: column '{p.header}' value {str(bad[1])[:60]!r} is not a {p.column.sql_type}",
                    day=day,
                )
    return PayloadError(VENDOR, where, f"could not be loaded: {message.splitlines()[0]}", day=day)
