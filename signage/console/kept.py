"""Values kept per key in a process, most recent first, the oldest dropped beyond a size.

The console keeps what it works out from the database under keys that hold the versions of
what it read (signage.core.versioning), so nothing kept is ever stale: an edit is a new key.
"""

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

T = TypeVar("T")


class Kept(Generic[T]):
    """Values kept per key, safe across the server's worker threads."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._kept: OrderedDict[tuple[object, ...], T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> T | None:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
            return found

    def put(self, key: tuple[object, ...], value: T) -> None:
        with self._lock:
            self._kept[key] = value
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
