"""The compose deployment's topology, run for real on this machine (no Docker): PostgreSQL from its
binaries, the code location as compose starts it (``dagster code-server start``), the webserver and the
daemon on ``workspace-compose.yaml`` pointed at the code server's port, all on the image's instance
configuration (dagster-postgres.yaml) with the run monitoring's slot freeing shortened.

A day of both vendors, launched through the queue against the emulator, succeeds. Then a run worker killed
with SIGKILL mid-call: its run is failed, and the next run of its pool leaves the queue once the run
monitoring frees the slot, not before and not much after. As on Kubernetes, nothing else frees it: the
dead-run sensor is stopped (automation is deployed stopped) and the queued run cannot start to clear it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
import yaml

from rum_assets.config import env_vars
from rum_assets.config.emulator_env import emulator_env
from rum_assets_tests.ports import free_port
from rum_assets_tests.ui.conftest import EMULATOR_SETTINGS, Deployment, _stop, _use_postgres, _wait_until_ready
from rum_assets_tests.ui.test_dead_runs import (
    LAUNCH_RUN,
    REPOSITORY,
    SESSIONS_PATH,
    STALL_SECONDS,
    _kill_worker,
    _run,
    _slot_holders,
    _step_started,
    _wait,
)
from rum_emulator.environment import start_emulator
from rum_emulator.faults import FaultRule

from .files import CLUSTER_INSTANCE, INSTANCE_VARIABLES, WORKSPACE_COMPOSE, compose, load_yaml

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

FREE_SLOTS_AFTER_SECONDS = 10
POLL_INTERVAL_SECONDS = 2
"""The run monitoring of the test's instance: 60 s and 30 s in dagster-postgres.yaml."""
DEQUEUE_INTERVAL_SECONDS = 5
"""The queued run coordinator's default: how often the daemon looks at the queue."""
LATE_SECONDS = 30
"""Leeway for daemon iterations delayed on a loaded 2-core machine."""
HEALTHY_SECONDS = 180
RUN_SECONDS = 420


def _write_instance_config(dagster_home: Path) -> None:
    """dagster-postgres.yaml with only the slot freeing (and the monitoring's poll) shortened."""
    config = load_yaml(CLUSTER_INSTANCE)
    config["run_monitoring"].update(free_slots_after_run_end_seconds=FREE_SLOTS_AFTER_SECONDS, poll_interval_seconds=POLL_INTERVAL_SECONDS)
    (dagster_home / "dagster.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")


def _replaced(command: list[str], options: Mapping[str, str]) -> list[str]:
    """A compose command with some options' values replaced (ports and hosts of this machine)."""
    command = list(command)
    for option, value in options.items():
        command[command.index(option) + 1] = value
    return command


def _dagster_only(environment: Mapping[str, str]) -> dict[str, str]:
    """The webserver's and daemon's environment in compose: the instance's variables, none of the code's."""
    declared = {variable.name for variable in env_vars.ALL}
    return {name: value for name, value in environment.items() if name not in declared or name in INSTANCE_VARIABLES}


def _program(name: str) -> str:
    """A program of the image's PATH (the environment's bin/: dagster, dagster-webserver, python, ...)."""
    return str(Path(sys.executable).parent / name)


def _start(command: list[str], environment: Mapping[str, str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [_program(command[0]), *command[1:]],
            cwd=cwd,
            env=dict(environment),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _passes(check: list[str], environment: Mapping[str, str]) -> bool:
    """A compose health check (its CMD form) run here."""
    assert check[0] == "CMD", check
    return subprocess.run([_program(check[1]), *check[2:]], env=dict(environment), capture_output=True, timeout=60).returncode == 0


def _wait_healthy(name: str, check: list[str], environment: Mapping[str, str], process: subprocess.Popen[bytes], log: Path) -> float:
    started = time.monotonic()
    while not _passes(check, environment):
        if process.poll() is not None:
            pytest.fail(f"{name} exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        if time.monotonic() - started > HEALTHY_SECONDS:
            pytest.fail(f"{name} not healthy after {HEALTHY_SECONDS} s:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(1)
    return time.monotonic() - started


def _event_time(instance: dg.DagsterInstance, run_id: str, event_type: dg.DagsterEventType) -> float | None:
    records = instance.all_logs(run_id, of_type=event_type)
    return records[0].timestamp if records else None


def _wait_for_success(instance: dg.DagsterInstance, run_ids: list[str]) -> None:
    def all_succeeded() -> bool:
        runs = [_run(instance, run_id) for run_id in run_ids]
        failed = [run for run in runs if run.is_finished and run.status != dg.DagsterRunStatus.SUCCESS]
        if failed:
            messages = [
                record.message
                for run in failed
                for record in instance.all_logs(run.run_id)
                if record.dagster_event and record.dagster_event.is_failure
            ]
            pytest.fail(f"runs {[run.job_name for run in failed]} ended {[run.status.value for run in failed]}: {messages}")
        return all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs)

    _wait(f"runs {run_ids} succeed", RUN_SECONDS, all_succeeded)


@pytest.fixture
def topology(_isolated_environment: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    """PostgreSQL, the emulator, then the code server, webserver and daemon as compose starts them."""
    services = compose({})["services"]
    log = tmp_path / "topology.log"
    with ExitStack() as stack:
        warehouse_url = _use_postgres(stack, monkeypatch)
        home = Path(os.environ["DAGSTER_HOME"])
        _write_instance_config(home)
        emulator = start_emulator(EMULATOR_SETTINGS, port=0)
        stack.callback(emulator.stop)
        code_port, web_port = free_port(), free_port()
        # The code service: every variable the definitions read (here: the emulator's), automation stopped.
        code_env = {**os.environ, **emulator_env(emulator.base_url, EMULATOR_SETTINGS), "RUM_ASSETS_AUTOMATION_STOPPED": "1"}
        dagster_env = _dagster_only(os.environ)
        code = _start(_replaced(services["code"]["command"], {"-h": "127.0.0.1", "-p": str(code_port)}), code_env, log, tmp_path)
        stack.callback(_stop, code)
        code_check = _replaced(services["code"]["healthcheck"]["test"], {"-p": str(code_port)})
        print(f"code server healthy after {_wait_healthy('code server', code_check, dagster_env, code, log):.0f} s")

        workspace = load_yaml(WORKSPACE_COMPOSE)
        workspace["load_from"][0]["grpc_server"].update(host="127.0.0.1", port=code_port)
        workspace_path = tmp_path / "workspace-compose.yaml"
        workspace_path.write_text(yaml.safe_dump(workspace), encoding="utf-8")
        web_command = _replaced(services["webserver"]["command"], {"-h": "127.0.0.1", "-p": str(web_port), "-w": str(workspace_path)})
        webserver = _start(web_command, dagster_env, log, tmp_path)
        stack.callback(_stop, webserver)
        daemon = _start(_replaced(services["daemon"]["command"], {"-w": str(workspace_path)}), dagster_env, log, tmp_path)
        stack.callback(_stop, daemon)
        deployment = Deployment(
            url=f"http://127.0.0.1:{web_port}",
            dagster_home=home,
            duckdb_path=Path(os.environ["RUM_ASSETS_DUCKDB"]),
            log_path=log,
            emulator=emulator,
            warehouse_url=warehouse_url,
        )
        location = workspace["load_from"][0]["grpc_server"]["location_name"]
        _wait_until_ready(deployment, webserver, location)
        web_check = [part.replace("127.0.0.1:3000", f"127.0.0.1:{web_port}") for part in services["webserver"]["healthcheck"]["test"]]
        assert _passes(web_check, dagster_env)
        _wait_healthy("daemon", services["daemon"]["healthcheck"]["test"], dagster_env, daemon, log)
        try:
            yield deployment
        finally:
            print(f"--- last lines of {log}:\n{deployment.log_tail(80)}")


def _launch(deployment: Deployment, job: str, day: str) -> str:
    location = load_yaml(WORKSPACE_COMPOSE)["load_from"][0]["grpc_server"]["location_name"]
    params = {
        "selector": {"repositoryLocationName": location, "repositoryName": REPOSITORY, "jobName": job},
        "runConfigData": {},
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": day}]},
    }
    launched = deployment.graphql(LAUNCH_RUN, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched  # type: ignore[index]
    return str(launched["run"]["runId"])  # type: ignore[index]


@pytest.mark.timeout(900)
def test_the_compose_topology_lands_a_day_and_frees_a_killed_runs_pool_slot(topology: Deployment) -> None:
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    day, killed_day, next_day = (str(yesterday - timedelta(days=offset)) for offset in range(3))
    with dg.DagsterInstance.get() as instance:
        assert instance.run_coordinator.__class__.__name__ == "QueuedRunCoordinator"
        started = time.monotonic()
        run_ids = [_launch(topology, job, day) for job in ("raygun_daily", "revenera_daily")]
        _wait_for_success(instance, run_ids)
        print(f"a day of both vendors: {time.monotonic() - started:.0f} s")
        for run_id in run_ids:  # through the queue: enqueued by the webserver, launched by the daemon's coordinator
            enqueued = _event_time(instance, run_id, dg.DagsterEventType.RUN_ENQUEUED)
            launched = _event_time(instance, run_id, dg.DagsterEventType.RUN_STARTING)
            assert enqueued is not None and launched is not None and enqueued <= launched
        with topology.warehouse().connection() as conn:
            apis = {
                row[0]
                for row in conn.execute(f"SELECT DISTINCT source_api FROM raygun.sessions WHERE partition_date = DATE '{day}'").fetchall()
            }
            activity = conn.execute(f"SELECT count(*) FROM revenera.user_activity WHERE partition_date = DATE '{day}'").fetchone()
        assert apis == {"v1", "v3"}, "every Raygun variable reached the code server"
        assert activity is not None and activity[0] > 0

        topology.emulator.faults.add(FaultRule(SESSIONS_PATH, delay_seconds=STALL_SECONDS, times=1))
        killed_id = _launch(topology, "raygun_daily", killed_day)
        _wait("the killed run's sessions step starts", 180, lambda: _step_started(instance, killed_id, "raygun__sessions"))
        next_id = _launch(topology, "raygun_daily", next_day)
        time.sleep(DEQUEUE_INTERVAL_SECONDS * 2)
        assert _run(instance, next_id).status == dg.DagsterRunStatus.QUEUED, "the pool's one slot holds the next run in the queue"
        assert _slot_holders(instance) == {killed_id}
        _kill_worker(instance, killed_id)

        _wait("the killed run is failed", 120, lambda: _run(instance, killed_id).status == dg.DagsterRunStatus.FAILURE)
        record = instance.get_run_record_by_id(killed_id)
        assert record is not None and record.end_time is not None
        dequeued = _wait("the next run leaves the queue", 180, lambda: _event_time(instance, next_id, dg.DagsterEventType.RUN_STARTING))
        waited = float(dequeued) - record.end_time  # type: ignore[arg-type]
        print(f"the next run of the pool left the queue {waited:.1f} s after the killed run ended")
        # Dagster 1.13's monitoring frees slots without logging it: the timing says who did.
        assert waited >= FREE_SLOTS_AFTER_SECONDS, "something other than the run monitoring freed the slot"
        assert waited <= FREE_SLOTS_AFTER_SECONDS + POLL_INTERVAL_SECONDS + DEQUEUE_INTERVAL_SECONDS + LATE_SECONDS
        _wait_for_success(instance, [next_id])

        retries = instance.get_run_records(filters=dg.RunsFilter(tags={"dagster/parent_run_id": killed_id}))
        assert len(retries) == 1, "run_retries launches the run whose worker died again"
