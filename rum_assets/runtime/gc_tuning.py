"""Keeping Python's cyclic garbage collector off what Dagster's imports allocated.

Dagster, pydantic and SQLAlchemy leave ~130,000 long-lived objects behind once loaded. Every full
(generation 2) collection walks all of them again, and a day of sessions triggers dozens of full
collections: about a quarter of a 100,000-session run went there. :func:`freeze_what_is_loaded`, called
when the ``rum_assets`` package is first imported (Dagster is loaded by then, our modules and DuckDB not
yet), moves what is alive into the permanent generation, which collections skip; what our imports and
runs allocate afterwards is collected as before.

Freezing before DuckDB is imported matters at exit. Objects frozen are never collected, and DuckDB
(nanobind) reports each of its objects still alive at shutdown as a leak: freezing them would need an
unfreeze at exit, and the final collection over every object then cost 0.5-0.6 s of each process.
"""

from __future__ import annotations

import atexit
import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_unfreeze_registered = False
_BULK_THRESHOLDS = (50_000, 20, 100)
"""While a day is paged: a young collection every 50,000 allocations instead of 700, and far fewer full
ones. A page's thousands of new objects all live until the page is written, so collecting them sooner
only walks them again; what is garbage is mostly freed by reference counting, not the collector."""
_bulk_lock = threading.Lock()
_bulk_depth = 0
_saved_thresholds: tuple[int, int, int] | None = None

NEEDS_FINALIZING = ("duckdb",)
"""Native modules that check at exit for their objects still alive (nanobind's leak report)."""


def freeze_what_is_loaded() -> None:
    """Collect the young generations, then freeze everything still alive.

    Only the young generations: a full collection here finds a few dozen objects and costs 0.07-0.1 s.
    If a module of ``NEEDS_FINALIZING`` is already loaded (a test session, a script that imported
    DuckDB first), its objects are frozen too, so everything is unfrozen at exit for the interpreter's
    last collection to finalize them.
    """
    global _unfreeze_registered
    gc.collect(1)
    gc.freeze()
    if not _unfreeze_registered and any(name in sys.modules for name in NEEDS_FINALIZING):
        atexit.register(gc.unfreeze)
        _unfreeze_registered = True


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect less often while a large batch of objects is built (a day's pages), then restore.

    Nested and concurrent uses (threads of one process) share one setting; the thresholds come back
    when the last one ends. With thresholds 50,000/20/100 a 100,000-session day spent 0.4 s in the
    collector instead of 2.1 s (``python -m bench.profile 100000``), and memory stays bounded: a young
    collection still runs every 50,000 net allocations.
    """
    global _bulk_depth, _saved_thresholds
    with _bulk_lock:
        if _bulk_depth == 0:
            _saved_thresholds = gc.get_threshold()
            gc.set_threshold(*_BULK_THRESHOLDS)
        _bulk_depth += 1
    try:
        yield
    finally:
        with _bulk_lock:
            _bulk_depth -= 1
            if _bulk_depth == 0 and _saved_thresholds is not None:
                gc.set_threshold(*_saved_thresholds)
                _saved_thresholds = None
