"""Runs whose worker died are marked failed and give back their pool slots; live or foreign runs are left alone."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace

import dagster as dg
import pytest
from dagster._core.test_utils import create_run_for_test

from rum_assets.orchestration.run_health import (
    WORKER_TAG,
    WorkerIdentity,
    build_dead_run_sensor,
    clear_dead_runs,
    process_start_time,
    worker_recording_in_process_executor,
)

POOL = "raygun_api"


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    """The test's DAGSTER_HOME with the project's dagster.yaml (one slot per pool)."""
    with dg.DagsterInstance.get() as instance:
        yield instance


def _dead_worker(*, reap: bool = True) -> WorkerIdentity:
    """The identity of a process that was started and SIGKILLed (and reaped unless ``reap`` is False)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    identity = WorkerIdentity(pid=process.pid, host=socket.gethostname(), started=process_start_time(process.pid))
    assert identity.started is not None
    os.kill(process.pid, signal.SIGKILL)
    if reap:
        process.wait(timeout=10)
    else:
        # Killed but not waited for: a zombie until this test ends.
        import time

        for _ in range(100):
            if process_start_time(process.pid) is None:
                break
            time.sleep(0.05)
    return identity


def _started_run_holding_slot(
    instance: dg.DagsterInstance, identity: WorkerIdentity | None, *, run_id_in_tag: bool = True
) -> dg.DagsterRun:
    run = create_run_for_test(instance, job_name="raygun_daily", status=dg.DagsterRunStatus.STARTED)
    if identity is not None:
        tagged = replace(identity, run_id=run.run_id if run_id_in_tag else "parent-run-id")
        instance.add_run_tags(run.run_id, tagged.tags())
    storage = instance.event_log_storage
    storage.initialize_concurrency_limit_to_default(POOL)
    assert storage.claim_concurrency_slot(POOL, run.run_id, "raygun__sessions").is_claimed
    return run


def _slots_of(instance: dg.DagsterInstance, run_id: str) -> int:
    return len([slot for slot in instance.event_log_storage.get_concurrency_info(POOL).claimed_slots if slot.run_id == run_id])


def _status(instance: dg.DagsterInstance, run_id: str) -> dg.DagsterRunStatus:
    run = instance.get_run_by_id(run_id)
    assert run is not None
    return run.status


def _failure_message(instance: dg.DagsterInstance, run_id: str) -> str:
    failures = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    assert len(failures) == 1, failures
    return failures[0].dagster_event.message or ""  # type: ignore[union-attr]


@pytest.mark.parametrize("reap", [True, False], ids=["reaped", "zombie"])
def test_run_of_dead_worker_is_failed_and_its_slot_freed(instance: dg.DagsterInstance, reap: bool) -> None:
    dead = _dead_worker(reap=reap)
    run = _started_run_holding_slot(instance, dead)
    assert _slots_of(instance, run.run_id) == 1

    cleared = clear_dead_runs(instance)

    assert [c.run_id for c in cleared] == [run.run_id]
    assert _status(instance, run.run_id) == dg.DagsterRunStatus.FAILURE
    assert _slots_of(instance, run.run_id) == 0
    message = _failure_message(instance, run.run_id)
    assert f"pid {dead.pid} on host {dead.host}" in message and "no longer exists" in message, message
    # A second pass finds nothing more to do.
    assert clear_dead_runs(instance) == []


def test_live_worker_another_host_and_inherited_tags_are_left_alone(instance: dg.DagsterInstance) -> None:
    dead = _dead_worker()
    live = _started_run_holding_slot(instance, WorkerIdentity.current())
    foreign = create_run_for_test(instance, job_name="raygun_daily", status=dg.DagsterRunStatus.STARTED)
    instance.add_run_tags(foreign.run_id, replace(dead, host=f"not-{dead.host}", run_id=foreign.run_id).tags())
    inherited = create_run_for_test(instance, job_name="raygun_daily", status=dg.DagsterRunStatus.STARTING)
    instance.add_run_tags(inherited.run_id, replace(dead, run_id="the-parent-run").tags())
    untagged = create_run_for_test(instance, job_name="raygun_daily", status=dg.DagsterRunStatus.STARTED)

    assert clear_dead_runs(instance) == []

    assert _status(instance, live.run_id) == dg.DagsterRunStatus.STARTED
    assert _slots_of(instance, live.run_id) == 1
    for run in (foreign, untagged):
        assert _status(instance, run.run_id) == dg.DagsterRunStatus.STARTED
    assert _status(instance, inherited.run_id) == dg.DagsterRunStatus.STARTING


def test_reused_pid_counts_as_dead(instance: dg.DagsterInstance) -> None:
    """This process's pid, but recorded for a process that started earlier: the pid was reused."""
    me = WorkerIdentity.current()
    assert me.started is not None
    run = _started_run_holding_slot(instance, replace(me, started=me.started - 3600))

    assert [c.run_id for c in clear_dead_runs(instance)] == [run.run_id]
    assert _slots_of(instance, run.run_id) == 0


def test_canceling_run_of_dead_worker_is_failed(instance: dg.DagsterInstance) -> None:
    run = create_run_for_test(instance, job_name="raygun_daily", status=dg.DagsterRunStatus.CANCELING)
    instance.add_run_tags(run.run_id, replace(_dead_worker(), run_id=run.run_id).tags())

    assert [c.previous_status for c in clear_dead_runs(instance)] == ["CANCELING"]
    assert _status(instance, run.run_id) == dg.DagsterRunStatus.FAILURE


def test_slots_of_ended_runs_are_freed(instance: dg.DagsterInstance) -> None:
    run = _started_run_holding_slot(instance, None)
    instance.report_run_failed(run, "failed elsewhere")

    assert clear_dead_runs(instance) == []
    assert _slots_of(instance, run.run_id) == 0


@pytest.mark.logs_at("WARNING", why="it is about a dead run being marked failed, which the sensor logs as a WARNING")
def test_sensor_clears_dead_runs(instance: dg.DagsterInstance) -> None:
    run = _started_run_holding_slot(instance, _dead_worker())
    sensor = build_dead_run_sensor()

    result = sensor(dg.build_sensor_context(instance=instance))

    assert isinstance(result, dg.SkipReason) and "marked 1 runs" in (result.skip_message or ""), result
    assert _status(instance, run.run_id) == dg.DagsterRunStatus.FAILURE


@dg.asset(pool=POOL)
def pooled_asset() -> int:
    return 1


def pooled_job() -> dg.JobDefinition:
    job = dg.define_asset_job("pooled_job", [pooled_asset], executor_def=worker_recording_in_process_executor)
    return dg.Definitions(assets=[pooled_asset], jobs=[job]).resolve_job_def("pooled_job")


@pytest.mark.timeout(120)
def test_a_new_run_clears_the_dead_run_that_holds_its_pool_and_records_its_worker(instance: dg.DagsterInstance) -> None:
    """Without the executor's check the step would wait forever on the dead run's slot."""
    dead_run = _started_run_holding_slot(instance, _dead_worker())

    with dg.execute_job(dg.reconstructable(pooled_job), instance=instance) as result:
        assert result.success
        run = result.dagster_run

    assert _status(instance, dead_run.run_id) == dg.DagsterRunStatus.FAILURE
    recorded = WorkerIdentity.of_run(instance.get_run_by_id(run.run_id))  # type: ignore[arg-type]
    assert recorded == WorkerIdentity.current(run.run_id)
    engine_messages = [record.dagster_event.message for record in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)]
    assert any(f"Marked run {dead_run.run_id}" in (message or "") for message in engine_messages), engine_messages
    assert WORKER_TAG in instance.get_run_by_id(run.run_id).tags  # type: ignore[union-attr]
