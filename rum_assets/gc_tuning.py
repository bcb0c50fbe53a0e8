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

_unfreeze_registered = False


def freeze_loaded_objects() -> None:
    """Collect once, then freeze everything still alive (so garbage is not frozen with it).

    Called when the definitions load (all imports done), which every process that runs our assets
    does: ``dagster asset materialize``, the daemon's run workers, the code server and the demo.
    Calling it again (a process that loads the definitions twice) freezes what has been added since.
    At exit everything is unfrozen, so the interpreter's last collection still finalizes it (native
    extensions check for leaked objects then).
    """
    global _unfreeze_registered
    gc.collect()
    gc.freeze()
    if not _unfreeze_registered:
        atexit.register(gc.unfreeze)
        _unfreeze_registered = True
