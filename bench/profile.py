"""Where the time of one ``dagster asset materialize --select raygun/sessions`` goes, in one process.

``python -m bench.profile SESSIONS [--cprofile N]`` starts the emulator in a process of its own, then
runs Dagster's CLI in this process with timers (``time.perf_counter``) around each phase: imports,
Dagster until our asset body starts, fetching pages, parsing them, building rows, staging them, the
warehouse write, and what follows the body; and Python's garbage collector's passes by generation.
``--cprofile N`` also prints cProfile's top N functions by own time.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import cProfile  # noqa: E402
import functools  # noqa: E402
import gc  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from bench.__main__ import Emulator, _ask_ours, _ours_env  # noqa: E402
from bench.common import DAY  # noqa: E402

TOTALS: dict[str, float] = defaultdict(float)
COUNTS: dict[str, int] = defaultdict(int)
MARKS: dict[str, float] = {}


def _timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            TOTALS[name] += time.perf_counter() - began
            COUNTS[name] += 1

    return wrapper


def _timed_generator(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """Times a generator's own work (between the consumer's requests), not the consumer's."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        iterator = function(*args, **kwargs)
        while True:
            began = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                TOTALS[name] += time.perf_counter() - began
                return
            TOTALS[name] += time.perf_counter() - began
            COUNTS[name] += 1
            yield item

    return wrapper


def _peak_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _with_peaks(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """Records the process's peak memory before and after ``function``."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        MARKS[f"peak MiB before {name}"] = _peak_mib()
        try:
            return function(*args, **kwargs)
        finally:
            MARKS[f"peak MiB after {name}"] = _peak_mib()

    return wrapper


def _instrument() -> None:
    from rum_assets.raygun import assets, resource, session_loads
    from rum_assets.raygun.v1 import client
    from rum_assets.warehouse import tables as warehouse

    client.RaygunClient._get_json_response = _timed("fetch (HTTP, incl. emulator)", client.RaygunClient._get_json_response)  # type: ignore[method-assign]  # the profile wraps the method in place to time it
    parse_name = "parse_body" if hasattr(client, "parse_body") else "parse_response"
    setattr(client, parse_name, _timed("parse + validate", getattr(client, parse_name)))
    client.RaygunClient.iter_session_pages = _timed_generator(  # type: ignore[method-assign]  # the profile wraps the method in place to time it
        "waiting for the next page (read ahead)", client.RaygunClient.iter_session_pages
    )
    for name, label in (
        ("prepare_tables", "prepare tables (migrations)"),
        ("load_v1_sessions", "load v1 sessions (page, stage, write)"),
        ("standard_check_results", "standard checks' queries"),
        ("preview_markdown", "preview query"),
        ("previous_column_schema", "previous column schema (event log)"),
    ):
        setattr(assets, name, _timed(label, getattr(assets, name)))
    session_loads.session_row = _timed("build rows (session_row)", session_loads.session_row)
    warehouse.StagedRows.add = _timed("stage rows (StagedRows.add)", warehouse.StagedRows.add)  # type: ignore[method-assign]  # the profile wraps the method in place to time it
    session_loads.replace_partition = _with_peaks(
        "the write", _timed("warehouse write (replace_partition)", session_loads.replace_partition)
    )
    get_client = resource.RaygunResource.get_client

    def marking_get_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        MARKS.setdefault("asset body starts", time.perf_counter())
        return get_client(self, *args, **kwargs)

    resource.RaygunResource.get_client = marking_get_client  # type: ignore[method-assign]  # marks when the asset body starts


def _gc_timer() -> None:
    began: list[float] = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            generation = info["generation"]
            TOTALS[f"gc generation {generation}"] += time.perf_counter() - began[0]
            COUNTS[f"gc generation {generation}"] += 1

    gc.callbacks.append(callback)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("sessions", type=int)
    parser.add_argument("--gc-threshold", help="try other collector thresholds, e.g. 50000,10,10")
    parser.add_argument("--cprofile", type=int, default=0, help="print cProfile's top N functions by own time")
    args = parser.parse_args()
    emulator = Emulator(args.sessions)
    try:
        with tempfile.TemporaryDirectory(prefix="rum-profile-") as tmp:
            os.environ.update(_ours_env(_ask_ours("env", emulator.base_url), Path(tmp)))
            _gc_timer()
            if args.gc_threshold:
                gc.set_threshold(*(int(t) for t in args.gc_threshold.split(",")))
            began = time.perf_counter()
            from dagster._cli import main as dagster_main

            _instrument()
            MARKS["imports done"] = time.perf_counter()
            profiler = cProfile.Profile() if args.cprofile else None
            sys.argv = [
                "dagster",
                "asset",
                "materialize",
                "--select",
                "raygun/sessions",
                "--partition",
                DAY.isoformat(),
                "-m",
                "rum_assets.definitions",
            ]
            if profiler:
                profiler.enable()
            try:
                dagster_main()
            except SystemExit as exit_:
                if exit_.code not in (0, None):
                    raise
            finally:
                if profiler:
                    profiler.disable()
            ended = time.perf_counter()
            cpu = time.process_time()
    finally:
        emulator.stop()
    print(
        f"\n{args.sessions:,} sessions, one process, {ended - STARTED:.2f} s from interpreter start to the CLI's end, {cpu:.2f} s CPU in this process"
    )
    print(f"  {'bench setup (emulator, environment)':<44}{began - STARTED:>8.2f} s")
    print(f"  {'import dagster CLI + our modules':<44}{MARKS['imports done'] - began:>8.2f} s")
    body = MARKS.get("asset body starts", ended)
    print(f"  {'CLI: load code location, start run':<44}{body - MARKS['imports done']:>8.2f} s   (until the asset body starts)")
    print(f"  {'asset body and the rest of the run':<44}{ended - body:>8.2f} s")
    for name in ("peak MiB before the write", "peak MiB after the write"):
        if name in MARKS:
            print(f"  {name:<44}{MARKS[name]:>8.0f}")
    print(f"  {'peak MiB at the end':<44}{_peak_mib():>8.0f}")
    for name in sorted(TOTALS, key=lambda n: -TOTALS[n]):
        print(f"    {name:<42}{TOTALS[name]:>8.2f} s  ({COUNTS[name]:,} calls)")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.cprofile)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
