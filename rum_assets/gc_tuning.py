"""Keeping Python's cyclic garbage collector off what the code location's imports allocated.

Dagster, pydantic and our definitions leave a few million long-lived objects behind once loaded. Every
full (generation 2) collection walks all of them again, and a day of sessions triggers dozens of full
collections: about a quarter of a 100,000-session run went there. :func:`freeze_loaded_objects` moves
what is alive when the code location loads into the permanent generation, which collections skip;
what the run allocates afterwards is still collected as before.
"""

from __future__ import annotations

import atexit
import gc
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


def freeze_loaded_objects() -> None:
    """Collect the young generations, then freeze everything still alive.

    Only the young generations: a full collection at this point found about 20 objects and cost
    0.07-0.1 s, in every process; the few older cycles that are garbage stay frozen (memory only).

    Called when the definitions load (all imports done), which every process that runs our assets
    does: ``dagster asset materialize``, the daemon's run workers, the code server and the demo.
    Calling it again (a process that loads the definitions twice) freezes what has been added since.
    At exit everything is unfrozen, so the interpreter's last collection still finalizes it (native
    extensions check for leaked objects then).
    """
    global _unfreeze_registered
    gc.collect(1)
    gc.freeze()
    if not _unfreeze_registered:
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
