"""A TCP proxy on loopback that the tests can cut or hang, to play a database outage."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class FaultyProxy:
    """Forwards 127.0.0.1:<port> to a target. ``cut()`` drops every connection and refuses new
    ones (the database is down); ``hang()`` keeps connections open but forwards nothing (the
    database is hung, as under SIGSTOP); ``heal()`` goes back to forwarding."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._mode = "pass"
        self._changed = threading.Condition()
        self._sockets: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._stopped = False
        threading.Thread(target=self._accept_forever, daemon=True).start()

    def _accept_forever(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._mode == "cut":
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._changed:
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                with self._changed:
                    # Hung: hold the bytes until healed (or cut), as a stopped server would.
                    while self._mode == "hang":
                        self._changed.wait()
                    if self._mode == "cut":
                        break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                _close(end)

    def _set(self, mode: str) -> None:
        with self._changed:
            self._mode = mode
            self._changed.notify_all()
            if mode == "cut":
                for end in self._sockets:
                    _close(end)
                self._sockets.clear()

    def cut(self) -> None:
        self._set("cut")

    def hang(self) -> None:
        self._set("hang")

    def heal(self) -> None:
        self._set("pass")

    def stop(self) -> None:
        self._stopped = True
        self._set("cut")
        self._listener.close()


def _close(end: socket.socket) -> None:
    try:
        end.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    end.close()


@contextmanager
def faulty_proxy(target: tuple[str, int]) -> Iterator[FaultyProxy]:
    proxy = FaultyProxy(target)
    try:
        yield proxy
    finally:
        proxy.stop()
        time.sleep(0.05)
