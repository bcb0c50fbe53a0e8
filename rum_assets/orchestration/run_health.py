"""Runs whose worker process died on this machine: find them, mark them failed, give back their pool slots.

A run killed with SIGKILL (or by the kernel's out-of-memory killer, or a machine that lost power)
never reports its end. Its steps keep the pool slots they claimed, and with one slot per pool every
later step of that pool waits forever ("Step blocked by limit for pool raygun_api"). The default
run launcher cannot ask whether a run worker is alive, so Dagster's run monitoring does not notice.

So every run records who runs it: the executor below tags the run with its worker's pid, host and
process start time before any step claims a slot (the demo passes the same tag when it creates its
runs). ``clear_dead_runs`` compares those tags with the processes of this host; a run whose worker
is gone (or whose pid now belongs to a younger process) is marked failed with a message naming the
worker, and its slots are freed at once. Runs of another host are left alone. It is called by the
``dead_run_worker_sensor`` every 30 seconds, by every run before its first step, and by
``rum-assets clear-dead-runs``.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

# Not exported by dagster; the same classes Dagster's own run monitoring uses.
from dagster._core.definitions.executor_definition import IN_PROC_CONFIG, _core_in_process_executor_creation
from dagster._core.events import DagsterEvent, EngineEventData, JobFailureData, RunFailureReason
from dagster._core.execution.context.system import PlanOrchestrationContext
from dagster._core.execution.plan.plan import ExecutionPlan
from dagster._core.executor.in_process import InProcessExecutor

from rum_assets.orchestration.schedules import sensor_status

WORKER_TAG = "rum_assets/run_worker"
"""Run tag: JSON with the worker's pid, host, process start time (epoch seconds) and run id."""
WATCHED_STATUSES = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
START_TIME_TOLERANCE_SECONDS = 2.0
"""Start times derive from the boot time the kernel reports in whole seconds, which can shift by one."""
SENSOR_INTERVAL_SECONDS = 30


@dataclass(frozen=True)
class WorkerIdentity:
    pid: int
    host: str
    started: float | None
    """Process start time (epoch seconds); None where the platform does not tell."""
    run_id: str | None = None
    """The run the worker executes; None when the tag is set before the run exists (the demo)."""

    @classmethod
    def current(cls, run_id: str | None = None) -> WorkerIdentity:
        pid = os.getpid()
        return cls(pid=pid, host=socket.gethostname(), started=process_start_time(pid), run_id=run_id)

    def tags(self) -> dict[str, str]:
        return {WORKER_TAG: json.dumps(asdict(self), sort_keys=True)}

    @classmethod
    def of_run(cls, run: dg.DagsterRun) -> WorkerIdentity | None:
        """The worker recorded on ``run``; None if none was, or if the tag was copied from a parent run."""
        raw = run.tags.get(WORKER_TAG)
        if not raw:
            return None
        try:
            fields = json.loads(raw)
            identity = cls(pid=int(fields["pid"]), host=str(fields["host"]), started=fields.get("started"), run_id=fields.get("run_id"))
        except (ValueError, KeyError, TypeError):
            return None
        if identity.run_id is not None and identity.run_id != run.run_id:
            return None  # a re-execution inherits its parent's tags before its own worker starts
        return identity

    def describe(self) -> str:
        started = f", started {datetime.fromtimestamp(self.started, UTC):%Y-%m-%d %H:%M:%S} UTC" if self.started else ""
        return f"pid {self.pid} on host {self.host}{started}"


def _boot_time() -> float | None:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        return None
    return None


def process_start_time(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds), from Linux's /proc; None if unknown or gone."""
    boot = _boot_time()
    if boot is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces; fields after it are plain.
    after_name = stat[stat.rfind(")") + 2 :].split()
    state, start_ticks = after_name[0], int(after_name[19])
    if state in ("Z", "X"):
        return None  # killed but not yet reaped by its parent: it will never run again
    return boot + start_ticks / os.sysconf("SC_CLK_TCK")


def worker_is_alive(identity: WorkerIdentity) -> bool:
    """Whether the worker still runs. Workers of another host count as alive: we cannot look."""
    if identity.host != socket.gethostname():
        return True
    if Path("/proc/self/stat").exists():
        started = process_start_time(identity.pid)
        if started is None:
            return False
        return identity.started is None or abs(started - identity.started) <= START_TIME_TOLERANCE_SECONDS
    try:
        os.kill(identity.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class ClearedRun:
    run_id: str
    job_name: str
    previous_status: str
    message: str


def dead_worker_message(identity: WorkerIdentity, status: dg.DagsterRunStatus) -> str:
    return (
        f"The run worker process ({identity.describe()}) no longer exists: it was killed or crashed while the run "
        f"was {status.value}. rum_assets marked the run failed and freed its pool slots so that waiting steps can start."
    )


def clear_dead_runs(instance: dg.DagsterInstance) -> list[ClearedRun]:
    """Mark failed every unfinished run whose worker on this host is gone, and free its pool slots.

    Also frees slots still held by runs that have already ended (Dagster's monitoring does so after
    ``free_slots_after_run_end_seconds``, but only while the daemon runs).
    """
    cleared: list[ClearedRun] = []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=WATCHED_STATUSES)):
        run = record.dagster_run
        identity = WorkerIdentity.of_run(run)
        if identity is None or worker_is_alive(identity):
            continue
        # The code server that launched the worker may have failed the run meanwhile: one failure per run
        current = instance.get_run_by_id(run.run_id)
        if current is None or current.is_finished:
            continue
        message = dead_worker_message(identity, run.status)
        instance.report_run_failed(run, message, JobFailureData(error=None, failure_reason=RunFailureReason.UNEXPECTED_TERMINATION))
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        cleared.append(ClearedRun(run.run_id, run.job_name, run.status.value, message))
    _free_slots_of_ended_runs(instance)
    return cleared


def _free_slots_of_ended_runs(instance: dg.DagsterInstance) -> None:
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return
    holding = storage.get_concurrency_run_ids()
    if not holding:
        return
    unfinished = {
        record.dagster_run.run_id
        for record in instance.get_run_records(
            filters=dg.RunsFilter(
                run_ids=list(holding), statuses=[*WATCHED_STATUSES, dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED]
            )
        )
    }
    for run_id in holding - unfinished:
        storage.free_concurrency_slots_for_run(run_id)


def build_dead_run_sensor() -> dg.SensorDefinition:
    @dg.sensor(
        name="dead_run_worker_sensor",
        minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
        default_status=sensor_status(),
        description=(
            "Every 30 s: marks failed the runs whose worker process on this machine no longer exists (killed, "
            "out of memory) and frees their pool slots, so later steps of the pool do not wait forever."
        ),
    )
    def dead_run_worker_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
        cleared = clear_dead_runs(context.instance)
        for run in cleared:
            context.log.warning("Marked run %s (%s) failed: %s", run.run_id, run.job_name, run.message)
        return dg.SkipReason(f"marked {len(cleared)} runs with a dead worker failed" if cleared else "every run's worker is alive")

    return dead_run_worker_sensor


class WorkerRecordingExecutor(InProcessExecutor):
    """Dagster's in-process executor that first tags the run with its worker and clears dead runs.

    This is the last point before the run's steps claim pool slots, so a run started from the
    command line (``dagster asset materialize``) does not wait on a slot held by a dead run.
    """

    def execute(self, plan_context: PlanOrchestrationContext, execution_plan: ExecutionPlan) -> Iterator[DagsterEvent]:
        run = plan_context.dagster_run
        instance = plan_context.instance
        identity = WorkerIdentity.current(run.run_id)
        instance.add_run_tags(run.run_id, identity.tags())
        for cleared in clear_dead_runs(instance):
            yield DagsterEvent.engine_event(
                plan_context, f"Marked run {cleared.run_id} ({cleared.job_name}) failed: {cleared.message}", EngineEventData()
            )
        yield from super().execute(plan_context, execution_plan)


@dg.executor(name="in_process", config_schema=IN_PROC_CONFIG)
def worker_recording_in_process_executor(init_context: dg.InitExecutorContext) -> WorkerRecordingExecutor:
    """Dagster's ``in_process`` executor (same config) that records the run worker and clears dead runs."""
    base = _core_in_process_executor_creation(init_context.executor_config)
    return WorkerRecordingExecutor(
        retries=base.retries, step_dependency_config=base.step_dependency_config, marker_to_close=base.marker_to_close
    )
