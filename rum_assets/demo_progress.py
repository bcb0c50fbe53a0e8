"""What the demo shows while a day materializes: each finished step, and the long steps' progress.

The steps' own progress lines (:mod:`rum_assets.orchestration.progress`) arrive on the
``rum_assets.progress`` logger; finished steps are read from the run's event log by a watcher thread
(the demo's runs execute in this process, so the log is local). In a terminal both drive a ``rich``
progress display; elsewhere (CI, a pipe) they are printed as plain lines and nothing else is drawn.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

import dagster as dg

from rum_assets.orchestration.progress import PROGRESS_LOGGER, ProgressState, describe

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import TaskID

WATCH_SECONDS = 0.5
DAY_TAG = "rum_assets/demo_batch"


class Display(Protocol):
    def step_done(self, asset: str, failed: bool) -> None: ...

    def progress(self, state: ProgressState) -> None: ...

    def close(self) -> None: ...


class PlainDisplay:
    """One line per finished step and per progress line: for logs and pipes."""

    def __init__(self, label: str, total_steps: int) -> None:
        self.label = label
        self.total = total_steps
        self.done = 0
        self.started = time.monotonic()

    def step_done(self, asset: str, failed: bool) -> None:
        self.done += 1
        outcome = "FAILED" if failed else "done"
        print(f"  {self.label}  {asset} {outcome} ({self.done}/{self.total} steps, {time.monotonic() - self.started:.1f} s)", flush=True)

    def progress(self, state: ProgressState) -> None:
        print(f"  {self.label}  {describe(state)}", flush=True)

    def close(self) -> None:
        pass


class TerminalDisplay:
    """A ``rich`` progress display: the day's steps, and a bar per long step while it runs."""

    def __init__(self, label: str, total_steps: int, console: Console | None = None) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
        )
        self._bars = Progress(*columns, console=console)
        self._day = self._bars.add_task(f"{label} steps", total=total_steps, detail="")
        self._tasks: dict[str, TaskID] = {}
        self._lock = threading.Lock()
        self._bars.start()

    def step_done(self, asset: str, failed: bool) -> None:
        with self._lock:
            self._bars.update(self._day, advance=1, detail=f"{'FAILED ' if failed else ''}{asset}")

    def progress(self, state: ProgressState) -> None:
        detail = describe(state).split(": ", 1)[-1]
        with self._lock:
            task = self._tasks.get(state.label)
            if task is None:
                task = self._tasks[state.label] = self._bars.add_task(f"  {state.label}", total=state.total, detail="")
            self._bars.update(task, completed=state.done, total=state.total, detail=detail)
            if state.final:
                self._bars.remove_task(task)
                del self._tasks[state.label]

    @property
    def open_bars(self) -> dict[str, str]:
        """Each bar drawn now, with the text beside it."""
        return {task.description.strip(): task.fields["detail"] for task in self._bars.tasks}

    def close(self) -> None:
        self._bars.stop()


class _ProgressLines(logging.Handler):
    def __init__(self, display: Display) -> None:
        super().__init__(logging.INFO)
        self.display = display

    def emit(self, record: logging.LogRecord) -> None:
        state = getattr(record, "progress", None)
        if isinstance(state, ProgressState):
            self.display.progress(state)


def _watch_steps(instance: dg.DagsterInstance, batch: str, display: Display, stop: threading.Event) -> None:
    """Until ``stop`` is set (the block ended), then once more for the steps that ended last."""
    seen: set[str] = set()
    run_id: str | None = None
    while True:
        stopping = stop.wait(WATCH_SECONDS)
        if run_id is None:
            runs = instance.get_runs(filters=dg.RunsFilter(tags={DAY_TAG: batch}), limit=1)
            run_id = runs[0].run_id if runs else None
        if run_id is not None:
            _report_new_steps(instance, run_id, display, seen)
        if stopping:
            return


def _report_new_steps(instance: dg.DagsterInstance, run_id: str, display: Display, seen: set[str]) -> None:
    ended = {dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}
    for entry in instance.all_logs(run_id, of_type=ended):
        event = entry.dagster_event
        if event is None or event.step_key is None or event.step_key in seen:
            continue
        seen.add(event.step_key)
        display.step_done(event.step_key.replace("__", "/"), event.event_type == dg.DagsterEventType.STEP_FAILURE)


@contextmanager
def showing_progress(instance: dg.DagsterInstance, label: str, total_steps: int) -> Iterator[dict[str, str]]:
    """Show the run started inside the block (give it the yielded tags) until the block ends."""
    display: Display = TerminalDisplay(label, total_steps) if sys.stdout.isatty() else PlainDisplay(label, total_steps)
    handler = _ProgressLines(display)
    level, propagate = PROGRESS_LOGGER.level, PROGRESS_LOGGER.propagate
    PROGRESS_LOGGER.addHandler(handler)
    PROGRESS_LOGGER.setLevel(logging.INFO)
    PROGRESS_LOGGER.propagate = False
    batch = uuid.uuid4().hex
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_steps, args=(instance, batch, display, stop), name="demo-steps", daemon=True)
    watcher.start()
    try:
        yield {DAY_TAG: batch}
    finally:
        stop.set()
        watcher.join(timeout=10)
        PROGRESS_LOGGER.removeHandler(handler)
        PROGRESS_LOGGER.setLevel(level)
        PROGRESS_LOGGER.propagate = propagate
        display.close()
