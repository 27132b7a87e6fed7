"""Bulk loads without the cyclic garbage collector's pauses.

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
