"""``make bench``: one UTC day of Raygun sessions landed by us, by the floor and by dlt, each run in a
process of its own against an emulator in a process of its own.

Scenarios, alternated within each round so that drift on a shared machine hits them all alike:

- ``ours``: the whole CLI process ``dagster asset materialize --select raygun/sessions --partition DAY``;
- ``floor``: a bare loop that authenticates, fetches the same pages with httpx and parses their JSON;
- ``dlt`` and ``dlt-parquet``: dlt's ``rest_api`` source into DuckDB, default and Parquet load files.

Each figure is the median of ``--runs`` rounds: wall time of the whole process (interpreter start
included), its peak resident memory, the rows landed and the API calls made. At the smallest size
the wall time is the fixed cost; the variable cost is the largest size's wall time minus it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import DAY
from rum_assets_tests.ports import PortTaken, lost_its_port, on_a_free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SCENARIOS = ("ours", "floor", "dlt", "dlt-parquet")
SCENARIO_TIMEOUT_S = 900
EMULATOR_START_TIMEOUT_S = 60


@dataclass
class Run:
    scenario: str
    size: int
    seconds: float
    cpu_seconds: float
    peak_mib: float
    rows: int | None = None
    api_calls: int | None = None
    error: str | None = None


@dataclass
class Summary:
    scenario: str
    size: int
    runs: list[Run] = field(default_factory=list)

    def ok(self) -> list[Run]:
        return [r for r in self.runs if r.error is None]

    def median(self, attribute: str) -> float | None:
        values = [getattr(r, attribute) for r in self.ok() if getattr(r, attribute) is not None]
        return statistics.median(values) if values else None


class Emulator:
    """``rum-assets emulator`` in its own process, unlimited calls, on a free port."""

    def __init__(self, sessions_per_day: int) -> None:
        on_a_free_port(lambda port: self._start(port, sessions_per_day))

    def _start(self, port: int, sessions_per_day: int) -> None:
        self.port = port
        self.base_url = f"http://127.0.0.1:{self.port}"
        command = [
            str(BIN / "rum-assets"),
            "emulator",
            "--sessions-per-day",
            str(sessions_per_day),
            "--raygun-call-limit",
            "0",
            "--port",
            str(self.port),
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + EMULATOR_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                stderr = self.process.stderr.read().decode(errors="replace")[-500:]  # type: ignore[union-attr]  # started with stderr=PIPE
                raise (PortTaken if lost_its_port(stderr) else RuntimeError)(
                    f"the emulator exited with {self.process.returncode}: {stderr}"
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the emulator did not listen on port {self.port} within {EMULATOR_START_TIMEOUT_S} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _timed(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float, float, int, str, str]:
    """Wall seconds, CPU seconds (user and system), peak MiB (the kernel's accounting of the child),
    exit code, stdout, stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        deadline = began + SCENARIO_TIMEOUT_S
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (
            seconds,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024,
            process.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
        )


def _ask_ours(command: str, argument: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.ours", command, argument], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    if completed.returncode != 0:
        raise RuntimeError((completed.stderr.strip().splitlines() or ["bench.ours failed"])[-1])
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _ours_env(emulator_env: dict[str, str], workdir: Path) -> dict[str, str]:
    home = workdir / "dagster_home"
    home.mkdir()
    shutil.copyfile(ROOT / "dagster.yaml", home / "dagster.yaml")
    return {
        **os.environ,
        **emulator_env,
        "DAGSTER_HOME": str(home),
        "RUM_ASSETS_DUCKDB": str(workdir / "rum_assets.duckdb"),
        "RUM_ASSETS_STATE_DIR": str(workdir / "state"),
    }


def run_one(scenario: str, size: int, base_url: str, emulator_env: dict[str, str], ours: tuple[Path, dict[str, str]] = (ROOT, {})) -> Run:
    with tempfile.TemporaryDirectory(prefix="rum-bench-") as tmp:
        workdir = Path(tmp)
        env = {**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false"}
        if scenario == "ours":
            env = {**_ours_env(emulator_env, workdir), **ours[1]}
            _ask_ours("init", env["DAGSTER_HOME"])
            command = [
                str(BIN / "dagster"),
                "asset",
                "materialize",
                "--select",
                "raygun/sessions",
                "--partition",
                DAY.isoformat(),
                "-m",
                "rum_assets.definitions",
            ]
        elif scenario == "floor":
            command = [sys.executable, "-m", "bench.floor", base_url, DAY.isoformat()]
        else:
            file_format = "parquet" if scenario == "dlt-parquet" else "default"
            command = [sys.executable, "-m", "bench.dlt_peer", base_url, DAY.isoformat(), file_format, str(workdir)]
        seconds, cpu, peak, code, out, err = _timed(command, env, ours[0] if scenario == "ours" else ROOT)
        run = Run(scenario, size, seconds, cpu, peak)
        if code != 0:
            run.error = f"exit {code}: " + (err.strip().splitlines() or ["(no output)"])[-1][:300]
            return run
        try:
            if scenario == "ours":
                figures = _ask_ours("figures", str(workdir / "dagster_home"))
            else:
                figures = json.loads(out.strip().splitlines()[-1])
            run.rows, run.api_calls = int(figures["rows"]), int(figures["api_calls"])
        except Exception as exc:
            run.error = f"no figures: {exc}"
        return run


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def report(summaries: dict[tuple[str, int], Summary], scenarios: Sequence[str], sizes: Sequence[int], runs: int) -> str:
    lines = [
        f"Raygun sessions for one day; median of {runs} runs per cell; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs",
        "",
        f"{'scenario':<13}{'sessions':>10}{'wall s':>9}{'min s':>8}{'max s':>8}{'cpu s':>8}{'peak MiB':>10}{'rows':>9}{'calls':>7}  errors",
    ]
    for size in sizes:
        for scenario in scenarios:
            s = summaries[(scenario, size)]
            ok = s.ok()
            errors = "; ".join(sorted({r.error for r in s.runs if r.error}))
            lines.append(
                f"{scenario:<13}{size:>10,}{_fmt(s.median('seconds'), '.2f'):>9}"
                f"{_fmt(min((r.seconds for r in ok), default=None), '.2f'):>8}{_fmt(max((r.seconds for r in ok), default=None), '.2f'):>8}"
                f"{_fmt(s.median('cpu_seconds'), '.2f'):>8}"
                f"{_fmt(s.median('peak_mib'), '.0f'):>10}{_fmt(s.median('rows'), '.0f'):>9}{_fmt(s.median('api_calls'), '.0f'):>7}  {errors}"
            )
    lines += ["", f"{'ratio (median wall)':<28}" + "".join(f"{size:>12,}" for size in sizes)]

    def ratio(numerator: str, denominator: str) -> None:
        if numerator not in scenarios or denominator not in scenarios:
            return
        cells = []
        for size in sizes:
            n, d = summaries[(numerator, size)].median("seconds"), summaries[(denominator, size)].median("seconds")
            cells.append(_fmt(n / d if n is not None and d else None, ".2f"))
        lines.append(f"{numerator + ' / ' + denominator:<28}" + "".join(f"{c:>12}" for c in cells))

    ratio("ours", "floor")
    ratio("dlt", "ours")
    ratio("dlt-parquet", "ours")
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        lines += [
            "",
            f"{'scenario':<13}{'fixed s':>10}{'variable s':>12}   (fixed: wall at {small:,}; variable: wall at {large:,} minus wall at {small:,})",
        ]
        for scenario in scenarios:
            fixed, top = summaries[(scenario, small)].median("seconds"), summaries[(scenario, large)].median("seconds")
            lines.append(
                f"{scenario:<13}{_fmt(fixed, '.2f'):>10}{_fmt(top - fixed if fixed is not None and top is not None else None, '.2f'):>12}"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--runs",
        type=int,
        default=int(os.environ.get("BENCH_RUNS", "3")),
        help="rounds per size; medians are reported (default 3, or $BENCH_RUNS)",
    )
    parser.add_argument("--sizes", default="10,10000,100000", help="sessions per day, comma-separated (default 10,10000,100000)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"comma-separated subset of {','.join(SCENARIOS)}")
    parser.add_argument(
        "--ours-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for our CLI process only (e.g. PYTHONPYCACHEPREFIX=<empty dir> to ignore compiled bytecode)",
    )
    parser.add_argument("--ours-dir", type=Path, default=ROOT, help="run our CLI from this tree (e.g. an older commit's, from git archive)")
    parser.add_argument("--json", type=Path, help="also write every run's figures to this file")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown or args.runs < 1 or not sizes:
        parser.error(f"unknown scenarios {sorted(unknown)}" if unknown else "need --runs >= 1 and at least one size")
    ours_extra = dict(pair.split("=", 1) for pair in args.ours_env)
    summaries = {(scenario, size): Summary(scenario, size) for scenario in scenarios for size in sizes}
    for size in sizes:
        emulator = Emulator(size)
        try:
            emulator_env = _ask_ours("env", emulator.base_url) if "ours" in scenarios else {}
            for round_ in range(args.runs):
                order = scenarios[round_ % len(scenarios) :] + scenarios[: round_ % len(scenarios)]
                for scenario in order:
                    run = run_one(scenario, size, emulator.base_url, emulator_env, (args.ours_dir.resolve(), ours_extra))
                    summaries[(scenario, size)].runs.append(run)
                    status = (
                        run.error
                        or f"{run.seconds:.2f} s ({run.cpu_seconds:.2f} s CPU), {run.peak_mib:.0f} MiB, {run.rows} rows, {run.api_calls} calls"
                    )
                    print(f"  {size:>8,} round {round_ + 1}/{args.runs} {scenario:<12} {status}", file=sys.stderr, flush=True)
        finally:
            emulator.stop()
    print(report(summaries, scenarios, sizes, args.runs))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for s in summaries.values() for r in s.runs], indent=1))
    return 1 if any(r.error for s in summaries.values() for r in s.runs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
