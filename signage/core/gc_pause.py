"""Bulk loads without the cyclic garbage collector's pauses, and a heap that stays cheap to
collect once they are done.

Loading a fleet builds hundreds of thousands of small objects (rows, tuples, the engine's
values) that are all still in use when the load ends. Each allocation burst triggers
collections that find nothing to free, and those pauses were half the cost of a 10,000-screen
load. Reference counting frees everything as usual meanwhile; the collector runs again as soon
as the last overlapping load ends.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_loads = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block (and every block overlapping it, in any
    thread); it is re-enabled, if it was enabled, when the last of them ends."""
    global _loads, _was_enabled
    with _lock:
        if _loads == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _loads += 1
    try:
        yield
    finally:
        with _lock:
            _loads -= 1
            if _loads == 0 and _was_enabled:
                gc.enable()


def settle_heap() -> None:
    """Collect what a load left behind, then move every surviving object to the permanent
    generation (`gc.freeze`): a full collection then walks only the objects made since, not
    the fleet's hundreds of thousands, which made each one a pause of 100 ms and more for
    every request at 100,000 screens. Frozen objects are still freed by reference counting
    when the snapshot holding them is replaced (a snapshot holds no reference cycles)."""
    with _lock:
        if _loads:
            return  # another load is under way: it settles the heap when it ends
        gc.collect()
        gc.freeze()
