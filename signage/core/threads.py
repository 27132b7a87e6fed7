"""Work that may block on a hung database, run where it can never hold anything else up."""

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


def run_in_daemon_thread(work: Callable[[], T], name: str) -> "Future[T]":
    """Run ``work`` on a daemon thread of its own; the future has its result or exception.

    Not a thread pool: a pool's workers are joined at interpreter exit and when the pool shuts
    down, so one call stuck on a database that stopped answering would hold up shutdown (or,
    once the pool is shut, refuse all later work). A daemon thread holds up nothing; callers
    keep at most one such call in flight, so a hung database costs one thread.
    """
    future: Future[T] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(work())
        except BaseException as exc:  # handed to whoever waits on the future
            future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future
