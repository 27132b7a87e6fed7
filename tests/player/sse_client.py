"""A test's reader of the events stream: events parsed into a queue by a thread of its own."""

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx


@dataclass
class Event:
    event: str = "message"
    data: str = ""
    id: str | None = None


@dataclass
class Reading:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    events: "queue.Queue[Event | None]" = field(default_factory=queue.Queue)  # None: ended
    comments: list[str] = field(default_factory=list)
    retry: int | None = None

    def next(self, timeout: float = 5.0) -> Event | None:
        return self.events.get(timeout=timeout)

    def expect(self, name: str, timeout: float = 5.0) -> Event:
        """The next event, which must be named ``name``."""
        try:
            found = self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no {name!r} event within {timeout} s") from None
        if found is None or found.event != name:
            raise AssertionError(f"expected a {name!r} event, got {found}")
        return found

    def quiet_for(self, seconds: float) -> bool:
        """Whether no event arrives in the next ``seconds``."""
        try:
            self.events.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


def _parse(lines: Iterator[str], reading: Reading) -> None:
    current = Event()
    seen = False
    for line in lines:
        if line == "":
            if seen:
                reading.events.put(current)
            current, seen = Event(), False
            continue
        if line.startswith(":"):
            reading.comments.append(line[1:].strip())
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            current.event, seen = value, True
        elif name == "data":
            current.data = f"{current.data}\n{value}" if current.data else value
            seen = True
        elif name == "id":
            current.id, seen = value, True
        elif name == "retry" and value.isdigit():
            reading.retry = int(value)


@contextmanager
def read_events(base_url: str, token: str, last_event_id: str | None = None) -> Iterator[Reading]:
    reading = Reading()
    headers = {"Authorization": f"Bearer {token}"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    opened = threading.Event()
    client = httpx.Client(base_url=base_url, timeout=httpx.Timeout(10.0, read=30.0))

    def run() -> None:
        try:
            with client.stream("GET", "/v1/player/events", headers=headers) as response:
                reading.status = response.status_code
                reading.headers = dict(response.headers)
                opened.set()
                if response.status_code == 200:
                    _parse(response.iter_lines(), reading)
                else:
                    response.read()
        except (httpx.HTTPError, RuntimeError):
            pass
        finally:
            opened.set()
            reading.events.put(None)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    opened.wait(10)
    try:
        yield reading
    finally:
        client.close()
        thread.join(timeout=5)
