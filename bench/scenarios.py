"""Benchmark scenarios. Each runs in its own process (``python -m bench.scenarios NAME SIZE``) so
that its peak resident memory is its own; it prints one JSON line with its figures."""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bench import revenera_export

DAY = date(2026, 11, 1)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def faults(size: int, workdir: Path) -> dict[str, Any]:
    """Every asset, three days, fault-free and then through 20% injected faults (see bench/faults.py)."""
    from bench.faults import faults as clean_and_faulty

    return clean_and_faulty(size, workdir)


SCENARIOS: dict[str, Callable[[int, Path], dict[str, Any]]] = {
    "revenera_export_load": revenera_export.revenera_export_load,
    "revenera_export_floor": revenera_export.revenera_export_floor,
    "faults": faults,
}


def main() -> None:
    name, size = sys.argv[1], int(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="rum-bench-") as workdir:
        os.environ["DAGSTER_HOME"] = workdir
        figures = SCENARIOS[name](size, Path(workdir))
    figures.update({"scenario": name, "size": size, "peak_rss_mib": _peak_rss_mib()})
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
