"""Writing an export CSV as a few pieces cut at record boundaries, with each piece's record count.

DuckDB reads one CSV file in parallel, but numbering its rows in file order (``row_number() OVER ()``)
makes the read one thread. Cut into pieces, the file is read by one thread per piece, each numbering
its own rows from the count of the records before it. The count is ours (DuckDB's reader gives none),
taken while the file is copied: RFC 4180 records (``"`` quotes, ``""`` escapes, ``\\n`` or ``\\r\\n``
line ends inside quotes belong to the field) and blank lines skipped, as DuckDB's reader does. The
load checks every piece's count against what DuckDB read (see :mod:`rum_assets.revenera.csv_load`),
so a file this counting gets wrong is loaded again as one piece, never numbered wrongly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

MIN_PIECE_BYTES = 8 << 20
"""Files smaller than two of these are one piece: the parallel read only pays off on large files."""
MAX_HEADER_BYTES = 1 << 20
_BLANK_LINE = re.compile(rb"\n\r*\n")
_BLANK_LINE_AFTER = re.compile(rb"\n\r*(?=\n)")


@dataclass(frozen=True)
class CsvPiece:
    path: Path
    records: int
    """Records in the piece, its header row excluded."""


class RecordCounter:
    """Counts the records of a CSV fed in chunks of any size (cut anywhere, even inside a quoted field)."""

    def __init__(self) -> None:
        self.in_quotes = False
        self.line_has_content = False
        self.records = 0

    def feed(self, chunk: bytes) -> None:
        started_inside = self.in_quotes
        if b'"' not in chunk:
            if started_inside:
                self.line_has_content = self.line_has_content or bool(chunk)
            else:
                self._count_lines(chunk)
            return
        parts = chunk.split(b'"')
        self.in_quotes = started_inside ^ bool((len(parts) - 1) & 1)
        outside = parts[1::2] if started_inside else parts[0::2]
        # every quoted stretch becomes "", which keeps its line non-blank and hides its line ends
        text = (b'"' if started_inside else b"") + b'""'.join(outside) + (b'"' if self.in_quotes else b"")
        self._count_lines(text)

    def _count_lines(self, text: bytes) -> None:
        newlines = text.count(b"\n")
        if not newlines:
            self.line_has_content = self.line_has_content or bool(text.strip(b"\r"))
            return
        first_end = text.index(b"\n")
        blank = 0 if self.line_has_content or text[:first_end].strip(b"\r") else 1
        if _BLANK_LINE.search(text):
            blank += len(_BLANK_LINE_AFTER.findall(text))
        self.records += newlines - blank
        self.line_has_content = bool(text[text.rindex(b"\n") + 1 :].strip(b"\r"))

    def finish(self) -> int:
        """The count, with a last record that has no line end."""
        return self.records + (1 if self.line_has_content else 0)


def first_record_end(chunk: bytes, in_quotes: bool, start: int = 0) -> int | None:
    """The offset just past the first line end outside quotes in ``chunk[start:]``, or None if none.

    ``in_quotes``: whether ``chunk`` begins inside a quoted field.
    """
    inside = in_quotes ^ bool(chunk.count(b'"', 0, start) & 1)
    position = start
    while True:
        quote = chunk.find(b'"', position)
        if not inside:
            newline = chunk.find(b"\n", position, quote if quote >= 0 else len(chunk))
            if newline >= 0:
                return newline + 1
        if quote < 0:
            return None
        inside = not inside
        position = quote + 1


class PieceWriter:
    """Writes the bytes of a CSV to ``pieces`` files of about equal size, each cut after a record.

    Every piece starts with the file's header row, so that DuckDB reads each as it reads the whole
    file (it tells ``\r\n`` from ``\n`` line ends by the first row). Only line feeds outside quotes
    cut: a file whose lines end in bare carriage returns, or whose header row is over ``MAX_HEADER_BYTES``,
    stays whole.
    """

    def __init__(self, directory: Path, total_bytes: int, pieces: int) -> None:
        self.directory = directory
        self.wanted = max(1, min(pieces, total_bytes // MIN_PIECE_BYTES))
        self.piece_bytes = max(1, total_bytes // self.wanted)
        self.done: list[CsvPiece] = []
        self._header: bytes | None = None
        self._header_so_far = b""
        self._open_next()

    def _open_next(self) -> None:
        self._path = self.directory / f"export.{len(self.done)}.csv"
        self._out: BinaryIO = self._path.open("wb")
        self._written = 0
        self._counter = RecordCounter()
        if self._header is not None:
            self._put(self._header)

    def _close_current(self) -> None:
        self._out.close()
        self.done.append(CsvPiece(self._path, max(0, self._counter.finish() - 1)))

    def _put(self, chunk: bytes) -> None:
        self._out.write(chunk)
        if self.wanted > 1:  # one piece needs no count: DuckDB numbers it as it reads
            self._counter.feed(chunk)
        self._written += len(chunk)

    def _take_header(self, chunk: bytes) -> bytes:
        """Write the part of ``chunk`` that belongs to the header row; return the rest."""
        end = first_record_end(chunk, self._counter.in_quotes)
        if end is None:
            self._header_so_far += chunk
            if len(self._header_so_far) > MAX_HEADER_BYTES:
                self.wanted = 1
            self._put(chunk)
            return b""
        self._header = self._header_so_far + chunk[:end]
        self._put(chunk[:end])
        return chunk[end:]

    def write(self, chunk: bytes) -> None:
        """Append ``chunk``, cutting after the first record that reaches a piece's size."""
        if self.wanted == 1:
            self._put(chunk)
            return
        if self._header is None:
            chunk = self._take_header(chunk)
        while len(self.done) < self.wanted - 1:
            start = max(0, self.piece_bytes - self._written)
            if start >= len(chunk):
                break
            cut = first_record_end(chunk, self._counter.in_quotes, start)
            if cut is None:
                break
            self._put(chunk[:cut])
            self._close_current()
            self._open_next()
            chunk = chunk[cut:]
        if chunk:
            self._put(chunk)

    def close(self) -> tuple[CsvPiece, ...]:
        self._close_current()
        return tuple(self.done)

    def abandon(self) -> None:
        """Stop and delete every piece written."""
        self._out.close()
        for path in [piece.path for piece in self.done] + [self._path]:
            path.unlink(missing_ok=True)
