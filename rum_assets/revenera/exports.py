"""Reading a downloaded export zip: its one CSV, row by row, in batches, never whole in memory."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

EXPORT_KINDS = {"raw": "raw events", "exc": "exception tracking", "cust": "custom event tracking"}


class ExportFileError(Exception):
    """A downloaded file is not the zip of one CSV that the export should be."""


def check_zip(path: Path) -> str:
    """The name of the CSV member of a downloaded export; raises if the file is not such a zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
            broken = archive.testzip()
    except zipfile.BadZipFile as exc:
        raise ExportFileError(f"not a zip file ({exc})") from None
    if broken is not None:
        raise ExportFileError(f"member {broken} is corrupt")
    if len(members) != 1:
        raise ExportFileError(f"expected one CSV in the zip, found {members or 'none'}")
    return members[0]


def iter_csv_batches(path: Path, batch_size: int = 5000) -> Iterator[list[dict[str, str]]]:
    """The rows of the export's CSV as dicts keyed by the header, ``batch_size`` at a time."""
    member = check_zip(path)
    with zipfile.ZipFile(path) as archive, archive.open(member) as raw:
        reader = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        batch: list[dict[str, str]] = []
        for row in reader:
            batch.append(row)
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch
