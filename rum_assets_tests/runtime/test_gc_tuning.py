"""The collector's thresholds are raised while a day is paged and always come back."""

from __future__ import annotations

import gc
import threading

import pytest

from rum_assets.runtime.gc_tuning import fewer_collections


def test_thresholds_are_raised_inside_and_restored_after_even_on_failure() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        assert gc.get_threshold()[0] > before[0]
        raise RuntimeError("a failed day")
    assert gc.get_threshold() == before


def test_nested_and_concurrent_uses_restore_when_the_last_ends() -> None:
    before = gc.get_threshold()
    inside, release = threading.Event(), threading.Event()

    def other_day() -> None:
        with fewer_collections():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other_day)
    with fewer_collections():
        thread.start()
        assert inside.wait(5)
        with fewer_collections():
            pass
        raised = gc.get_threshold()
    assert gc.get_threshold() == raised  # the other thread's day is still being paged
    release.set()
    thread.join(5)
    assert raised[0] > before[0] and gc.get_threshold() == before
