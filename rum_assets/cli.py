"""Console commands: ``rum-assets emulator``, ``demo``, ``ui`` and ``clear-dead-runs``."""

from __future__ import annotations

import argparse
import errno
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rum_emulator.server import EmulatorServer

try:
    from rum_assets.config.emulator_env import emulator_env
    from rum_emulator.environment import EmulatorSettings, start_emulator
    from rum_emulator.faults import FAULT_KINDS, parse_fault_kinds

    EMULATOR_INSTALLED = True
except ModuleNotFoundError as missing:  # the wheel ships without the emulator: a deployment has no use for it
    if (missing.name or "").split(".")[0] != "rum_emulator":
        raise
    EMULATOR_INSTALLED = False
from rum_assets.runtime.notices import accept_chosen_notices

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_V3_SESSIONS_PER_DAY = 20
"""The demo's v3 volume: Raygun paces v3 at 10 calls a second per token, so 2 applications x 20 details
and their lists and metrics are ~6 s of a demo day; the 150 v1 sessions a day (8 details in flight) are
not paced and take less."""


def ensure_dagster_home() -> Path:
    """Use ``$DAGSTER_HOME`` or ``.dagster_home`` beside the project, with the project's dagster.yaml."""
    home = Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    instance_yaml = PROJECT_ROOT / "dagster.yaml"
    if instance_yaml.exists() and not (home / "dagster.yaml").exists():
        shutil.copyfile(instance_yaml, home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def _add_emulator_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sessions-per-day", type=int, default=EmulatorSettings.sessions_per_day, help="Raygun v1 sessions per day")
    parser.add_argument(
        "--v3-sessions-per-day",
        type=int,
        default=DEMO_V3_SESSIONS_PER_DAY,
        help=f"Raygun v3 sessions per day and application (default {DEMO_V3_SESSIONS_PER_DAY}: v3 allows 10 calls a second, one per detail)",
    )
    parser.add_argument(
        "--raygun-call-limit", type=int, default=EmulatorSettings.raygun_call_limit, help="Raygun calls per app per UTC day (0: unlimited)"
    )
    parser.add_argument(
        "--clients-per-product", type=int, default=EmulatorSettings.clients_per_product, help="Revenera clients per product"
    )
    faults = parser.add_argument_group("fault injection (rehearse an outage)")
    faults.add_argument(
        "--fault-rate",
        type=_fault_rate,
        default=EmulatorSettings.fault_rate,
        help="share of requests, 0..1, that get a random fault (default 0: none)",
    )
    faults.add_argument(
        "--fault-seed", type=int, default=EmulatorSettings.fault_seed, help="seed of the fault sequence (the same seed repeats it)"
    )
    faults.add_argument(
        "--fault-kinds",
        type=_fault_kinds,
        default=EmulatorSettings.fault_kinds,
        help=f"comma-separated kinds, or all (default): {','.join(FAULT_KINDS)}",
    )
    faults.add_argument(
        "--fault-delay", type=float, default=EmulatorSettings.fault_delay_seconds, help="seconds a slow answer is held (default 1)"
    )
    faults.add_argument(
        "--fault-paths",
        type=lambda text: tuple(p.strip() for p in text.split(",") if p.strip()),
        default=EmulatorSettings.fault_path_prefixes,
        help="comma-separated path prefixes faults apply to (default /: every route)",
    )


def _fault_rate(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1, not {text!r}")
    return rate


def _fault_kinds(text: str) -> tuple[str, ...]:
    try:
        return parse_fault_kinds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _settings(args: argparse.Namespace) -> EmulatorSettings:
    return EmulatorSettings(
        sessions_per_day=args.sessions_per_day,
        v3_sessions_per_day=args.v3_sessions_per_day,
        raygun_call_limit=args.raygun_call_limit,
        clients_per_product=args.clients_per_product,
        fault_rate=args.fault_rate,
        fault_seed=args.fault_seed,
        fault_kinds=args.fault_kinds,
        fault_delay_seconds=args.fault_delay,
        fault_path_prefixes=args.fault_paths,
    )


def _emulator_or_explain(args: argparse.Namespace, host: str, port: int, option: str, *, background: bool) -> EmulatorServer | None:
    """The emulator on ``host:port``; None, once said on stderr, when another process holds that port."""
    try:
        return start_emulator(_settings(args), host=host, port=port, background=background)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
    print(
        f"rum-assets: {host}:{port} is already in use (another `rum-assets emulator` or `make ui`?); "
        f"stop it or choose another port with {option}",
        file=sys.stderr,
    )
    return None


def cmd_emulator(args: argparse.Namespace) -> int:
    server = _emulator_or_explain(args, args.host, args.port, "--port", background=False)
    if server is None:
        return 2
    print(f"Emulating Raygun and Revenera at {server.base_url} (Ctrl-C to stop). Point the project at it with:")
    if args.fault_rate > 0:
        print(f"  (injecting random faults into {args.fault_rate:.0%} of requests, seed {args.fault_seed}: {','.join(args.fault_kinds)})")
    for name, value in emulator_env(server.base_url, _settings(args)).items():
        print(f"  export {name}={value}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from rum_assets.demo import run_demo

    ensure_dagster_home()
    days = [date.today() - timedelta(days=offset) for offset in range(args.days, 0, -1)]
    if args.end:
        end = date.fromisoformat(args.end)
        days = [end - timedelta(days=offset) for offset in range(args.days - 1, -1, -1)]
    return run_demo(days, _settings(args))


def cmd_clear_dead_runs(args: argparse.Namespace) -> int:
    """Mark failed the runs whose worker process on this machine is gone, and free their pool slots."""
    import dagster as dg

    from rum_assets.orchestration.run_health import clear_dead_runs

    ensure_dagster_home()
    with dg.DagsterInstance.get() as instance:
        cleared = clear_dead_runs(instance)
    for run in cleared:
        print(f"Run {run.run_id} ({run.job_name}, was {run.previous_status}) marked failed: {run.message}")
    print(f"{len(cleared)} runs with a dead worker on this machine; pool slots of ended runs freed.")
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    """Start the emulator and ``dagster dev`` on the demo's data, so the UI can launch runs too."""
    home = ensure_dagster_home()
    server = _emulator_or_explain(args, "127.0.0.1", args.emulator_port, "--emulator-port", background=True)
    if server is None:
        return 2
    env = {**os.environ, **emulator_env(server.base_url, _settings(args)), "DAGSTER_HOME": str(home)}
    print(f"Emulator at {server.base_url}; Dagster UI at http://127.0.0.1:{args.port}")
    command = [sys.executable, "-m", "dagster", "dev", "-w", str(PROJECT_ROOT / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(args.port)]
    process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        return 0
    finally:
        server.stop()


def cmd_emulator_missing(args: argparse.Namespace) -> int:
    print(
        f"rum-assets {args.command} needs the emulator (the rum_emulator distribution), which is not installed here. "
        "In a checkout, `make demo` or `make emulator` installs it (uv workspace member emulator/); "
        "elsewhere: pip install ./emulator",
        file=sys.stderr,
    )
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rum-assets", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    emulator = commands.add_parser("emulator", help="serve both vendor emulators until interrupted")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8765)
    if EMULATOR_INSTALLED:
        _add_emulator_options(emulator)
    emulator.set_defaults(func=cmd_emulator if EMULATOR_INSTALLED else cmd_emulator_missing)

    demo = commands.add_parser("demo", help="land the last days of every asset from the emulator into DuckDB")
    demo.add_argument("--days", type=int, default=3, help="how many complete UTC days to land (default 3)")
    demo.add_argument("--end", help="last day to land, YYYY-MM-DD (default yesterday)")
    if EMULATOR_INSTALLED:
        _add_emulator_options(demo)
    demo.set_defaults(func=cmd_demo if EMULATOR_INSTALLED else cmd_emulator_missing)

    ui = commands.add_parser("ui", help="start the emulator and the Dagster UI on the demo data")
    ui.add_argument("--port", type=int, default=3000)
    ui.add_argument("--emulator-port", type=int, default=8765)
    if EMULATOR_INSTALLED:
        _add_emulator_options(ui)
    ui.set_defaults(func=cmd_ui if EMULATOR_INSTALLED else cmd_emulator_missing)

    clear = commands.add_parser(
        "clear-dead-runs", help="mark failed the runs whose worker process on this machine is gone, and free their pool slots"
    )
    clear.set_defaults(func=cmd_clear_dead_runs)

    args = parser.parse_args(argv)
    accept_chosen_notices()
    started = time.monotonic()
    code = int(args.func(args))
    if args.command == "demo" and code == 0:
        print(f"Done in {time.monotonic() - started:.1f} s ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC).")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
