"""One export CSV into DuckDB with DuckDB's own CSV reader: schema on read, no column dropped.

The zip's CSV is copied to local disk once (UTF-8, BOM removed; a file that is not UTF-8 is read as
latin-1 and written out as UTF-8). The header is read here, every header is given a warehouse
column (a known one, typed, or a text column named after the header), and DuckDB's ``read_csv``
(explicit columns, all text, header row skipped) feeds one ``INSERT`` whose casts give the known
columns their types. ``row_number`` is the 1-based position of the row in the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import duckdb

from rum_assets.errors import PayloadError
from rum_assets.revenera.exports import check_zip
from rum_assets.revenera.tables import EXPORT_EXPECTED_COLUMNS, EXPORT_HEADER_LOOKUP, EXPORT_KNOWN_COLUMNS, normalise_header
from rum_assets.warehouse import Column, Connection, Table

VENDOR = "Revenera"
BOM = codecs.BOM_UTF8
CHUNK = 1 << 20
_RESERVED = {
    row[0] for row in duckdb.connect().execute("SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved'").fetchall()
}


@dataclass(frozen=True)
class ExtractedCsv:
    path: Path
    encoding: str
    """``utf-8`` or ``latin-1`` (the file was not valid UTF-8)."""
    had_bom: bool
    first_bad_line: int | None = None
    """For a latin-1 file: the line of its first byte that is not UTF-8."""


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


def extract_csv(zip_path: Path, directory: Path) -> ExtractedCsv:
    """Copy the zip's CSV to ``directory`` as UTF-8 without a BOM."""
    member = check_zip(zip_path)
    target = directory / "export.csv"
    decoder = codecs.getincrementaldecoder("utf-8")()
    bad_line: int | None = None
    lines = 0
    with zipfile.ZipFile(zip_path) as archive, archive.open(member) as raw, target.open("wb") as out:
        chunk = raw.read(CHUNK)
        had_bom = chunk.startswith(BOM)
        chunk = chunk[len(BOM) :] if had_bom else chunk
        while chunk:
            if bad_line is None:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    bad_line = lines + chunk.count(b"\n", 0, exc.start) + 1
                lines += chunk.count(b"\n")
            out.write(chunk)
            chunk = raw.read(CHUNK)
        if bad_line is None:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                bad_line = lines + 1
    if bad_line is None:
        return ExtractedCsv(target, "utf-8", had_bom)
    with zipfile.ZipFile(zip_path) as archive, archive.open(member) as raw, target.open("w", encoding="utf-8", newline="") as out:
        text = io.TextIOWrapper(raw, encoding="latin-1", newline="")
        while part := text.read(CHUNK):
            out.write(part)
    return ExtractedCsv(target, "latin-1", had_bom, bad_line)


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


def select_sql(path: Path, plan: ColumnPlan) -> str:
    """The rows of the file as table rows; parameters: product id, day, run id, ingested-at."""
    values = ", ".join(f'{_value_sql(i, p.column)} AS "{p.column.name}"' for i, p in enumerate(plan.columns))
    source = read_csv_sql(path, len(plan.columns)) if plan.columns else "(SELECT 1 WHERE false)"
    return (
        "SELECT ?::VARCHAR AS product_id, ?::DATE AS partition_date, row_number() OVER () AS row_number, "
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
        original = re.search(r"Original Line: ?(.*)", message)
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
