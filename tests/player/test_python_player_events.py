"""The Python player's push channel (players/python/signage_player/sse.py and push.py): the
server-sent events parser on its own, the reconnect policy, the listener against scripted
answers, and the whole player against a tiny real HTTP server (http.server in a thread) whose
events stream says when to poll.

No `signage` server here: the server side of GET /v1/player/events has tests of its own.
"""

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.player.python_player_helpers import PLAYER_SRC, wait_until

sys.path.insert(0, str(PLAYER_SRC))

from signage_player.client import PlayerClient  # noqa: E402
from signage_player.player import Player, PlayerOptions  # noqa: E402
from signage_player.push import (  # noqa: E402
    DEFAULT_RETRY_MS,
    MAX_DELAY,
    NO_STREAM_PAUSE,
    PushListener,
    Reconnect,
    reconnect_delay,
    same_etag,
)
from signage_player.renderers import LoggingRenderer  # noqa: E402
from signage_player.sse import ServerEvent, SseParser  # noqa: E402

from tests.player.sse_vectors import EVENTS, STREAM  # noqa: E402

# --- the parser -------------------------------------------------------------------------------

EXPECTED = [ServerEvent(*event) for event in EVENTS]


def feed_all(parser: SseParser, chunks: list[bytes]) -> list[ServerEvent]:
    return [event for chunk in chunks for event in parser.feed(chunk)]


def test_parser_reads_a_whole_stream() -> None:
    parser = SseParser()
    assert parser.feed(STREAM) == EXPECTED
    assert parser.retry_ms == 2500
    assert parser.last_event_id == "42"
    assert parser.comments == 1


def test_parser_gives_the_same_events_however_the_bytes_are_cut() -> None:
    """Every single cut (between CR and LF, inside a UTF-8 sequence, inside a field name),
    every pair of cuts near the awkward places, and one byte at a time."""
    for cut in range(len(STREAM) + 1):
        parser = SseParser()
        assert feed_all(parser, [STREAM[:cut], STREAM[cut:]]) == EXPECTED, cut
        assert parser.retry_ms == 2500
    crlf = [i + 1 for i in range(len(STREAM)) if STREAM[i : i + 1] == b"\r"]
    multibyte = [i for i in range(len(STREAM)) if STREAM[i] >= 0x80]
    for first in crlf + multibyte:
        for second in range(first + 1, min(first + 6, len(STREAM))):
            parts = [STREAM[:first], STREAM[first:second], STREAM[second:]]
            assert feed_all(SseParser(), parts) == EXPECTED, (first, second)
    assert feed_all(SseParser(), [bytes([b]) for b in STREAM]) == EXPECTED


def test_line_endings_crlf_lf_and_cr_alike() -> None:
    for eol in (b"\r\n", b"\n", b"\r"):
        stream = eol.join([b"event: playlist", b"id: 7", b"data: a", b"data: b", b"", b""])
        assert SseParser().feed(stream) == [ServerEvent("playlist", "a\nb", "7")], eol
    # A CR ending one chunk and an LF opening the next are one line ending, not two (which
    # would dispatch the event early, without its second data line).
    parser = SseParser()
    assert parser.feed(b"data: a\r") == []
    assert parser.feed(b"\ndata: b\r") == []
    assert parser.feed(b"\n\r\n") == [ServerEvent("message", "a\nb", "")]


def test_field_forms_and_comments() -> None:
    stream = (
        b": a comment, ignored\n"
        b":no space either\n"
        b"data:no space after the colon\n"
        b"data:  two spaces keep one\n"
        b"data\n"  # a field alone: an empty data line
        b"data: a: colon: in the value\n"
        b"unknown: ignored\n"
        b"Event: fields are case-sensitive, so this is ignored too\n"
        b"\n"
    )
    parser = SseParser()
    assert parser.feed(stream) == [
        ServerEvent(
            "message",
            "no space after the colon\n two spaces keep one\n\na: colon: in the value",
            "",
        )
    ]
    assert parser.comments == 2


def test_an_event_without_data_is_not_dispatched_but_its_id_counts() -> None:
    parser = SseParser()
    assert parser.feed(b"event: playlist\nid: 9\n\n") == []
    assert parser.last_event_id == "9"
    # The id carries on to later events that set none; an empty id clears it.
    assert parser.feed(b"data: x\n\n") == [ServerEvent("message", "x", "9")]
    assert parser.feed(b"id\ndata: y\n\n") == [ServerEvent("message", "y", "")]


def test_an_id_with_nul_is_ignored() -> None:
    parser = SseParser("3")
    assert parser.feed(b"id: 4\x005\ndata: x\n\n") == [ServerEvent("message", "x", "")]
    # The previous stream's id is kept until this stream dispatches (spec: a new stream's id
    # buffer starts empty, so its first event without an id line clears it).
    parser = SseParser("3")
    assert parser.feed(b": only a heartbeat\n") == []
    assert parser.last_event_id == "3"


def test_retry_only_when_all_ascii_digits() -> None:
    parser = SseParser()
    for line, expected in [
        (b"retry: 4000\n", 4000),
        (b"retry: 12x\n", 4000),
        (b"retry: -5\n", 4000),
        (b"retry: 1.5\n", 4000),
        (b"retry:\n", 4000),
        ("retry: \u0661\u0662\n".encode(), 4000),  # Arabic-Indic digits are not ASCII
        (b"retry:2000\n", 2000),
    ]:
        parser.feed(line)
        assert parser.retry_ms == expected, line


def test_the_unfinished_event_at_the_end_is_not_dispatched() -> None:
    parser = SseParser()
    assert parser.feed(b"\xef\xbb\xbfevent: playlist\ndata: x\n") == []  # BOM, then no blank
    assert parser.feed(b"\n") == [ServerEvent("playlist", "x", "")]
    assert SseParser().feed(b"data: x\n\ndata: half") == [ServerEvent("message", "x", "")]


def test_a_line_without_end_is_refused_past_a_megabyte() -> None:
    parser = SseParser()
    parser.feed(b"data: " + b"x" * 1000)
    with pytest.raises(ValueError, match="longer than"):
        parser.feed(b"x" * (1 << 20))


# --- when to try again ------------------------------------------------------------------------


def test_reconnect_delay_is_the_retry_times_half_to_one_and_a_half() -> None:
    assert reconnect_delay(2000, 0, lambda: 0.0) == 1.0
    assert reconnect_delay(2000, 0, lambda: 0.5) == 2.0
    assert reconnect_delay(2000, 0, lambda: 1.0) == 3.0
    # Doubling per consecutive failure...
    assert [reconnect_delay(2000, n, lambda: 0.5) for n in range(5)] == [2, 4, 8, 16, 32]
    # ...up to 60 s, which jitter never passes: at the cap the wait is drawn from [30, 60].
    for failures in range(5, 40):
        assert reconnect_delay(2000, failures, lambda: 0.0) == MAX_DELAY / 2
        assert reconnect_delay(2000, failures, lambda: 1.0) == MAX_DELAY
    assert reconnect_delay(2000, 10**6, lambda: 1.0) == MAX_DELAY  # no overflow


def test_reconnect_delay_with_real_randomness_stays_in_bounds() -> None:
    for failures in range(12):
        ceiling = min(MAX_DELAY, 3.0 * 2**failures)
        delays = [reconnect_delay(DEFAULT_RETRY_MS, failures) for _ in range(300)]
        assert all(ceiling / 2 <= d <= min(ceiling * 1.5, MAX_DELAY) for d in delays)
        assert max(delays) - min(delays) > ceiling / 4  # really spread, not one value


def test_failures_double_the_wait_and_a_stream_with_ready_resets_it() -> None:
    reconnect = Reconnect(lambda: 0.5)
    assert reconnect.retry_ms == DEFAULT_RETRY_MS  # 3 s until the server says otherwise
    assert reconnect.after_stream(got_ready=True) == 3.0
    # 6, 12, 24, then the draws near the cap are cut at 60 s: [24, 60] and [30, 60].
    assert [reconnect.after_stream(got_ready=False) for _ in range(6)] == [6, 12, 24, 42, 45, 45]
    reconnect.retry_ms = 2000
    assert reconnect.after_stream(got_ready=True) == 2.0
    assert reconnect.failures == 0
    assert reconnect.after_stream(got_ready=False) == 4.0


def test_retry_after_is_never_cut_short() -> None:
    for rand in (0.0, 0.3, 1.0):
        reconnect = Reconnect(lambda rand=rand: rand)
        delay = reconnect.retry_later(30)
        assert 30 <= delay <= 45
    # Shorter than the backoff already reached: the backoff wins.
    reconnect = Reconnect(lambda: 0.5)
    for _ in range(4):
        reconnect.after_stream(got_ready=False)
    assert reconnect.retry_later(1) == 45.0
    # No Retry-After: the ordinary backoff; absurd ones are capped at an hour.
    assert Reconnect(lambda: 0.5).retry_later(None) == 6.0
    assert Reconnect(lambda: 1.0).retry_later(10**9) == 3600.0


def test_no_stream_waits_ten_minutes_or_a_little_more() -> None:
    assert Reconnect(lambda: 0.0).no_stream() == NO_STREAM_PAUSE == 600
    assert Reconnect(lambda: 1.0).no_stream() == 720


def test_etags_compare_weakly_and_across_the_gzip_variant() -> None:
    assert same_etag('"abc"', '"abc"')
    assert same_etag('W/"abc"', '"abc"')
    assert same_etag('"abc"', '"abc-gzip"')
    assert not same_etag('"abc"', '"abd"')
    assert not same_etag('"abc"', None)


# --- the listener against scripted answers ----------------------------------------------------


@dataclass
class Scripted:
    """Answers GET /v1/player/events with the next of `answers`, recording each request."""

    answers: list[httpx.Response]
    requests: list[httpx.Request] = field(default_factory=list)
    polls: list[str] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/player/events"
        self.requests.append(request)
        return self.answers.pop(0)

    def listener(self, etag: str | None = '"a"') -> PushListener:
        client = PlayerClient(
            "http://signage.test", token="sgd_t", transport=httpx.MockTransport(self.handler)
        )
        return PushListener(
            client, poll_now=self.polls.append, current_etag=lambda: etag, rand=lambda: 0.5
        )


def sse(body: bytes, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, content=body, headers={"content-type": "text/event-stream", **headers}
    )


def test_listener_polls_on_playlist_not_on_a_ready_it_is_level_with() -> None:
    scripted = Scripted(
        [
            sse(
                b'retry: 2000\nid: 5\nevent: ready\ndata: {"version": 5, "etag": "\\"a\\""}\n\n'
                b": heartbeat\n\n"
                b'id: 6\nevent: playlist\ndata: {"version": 6, "etag": "\\"b\\""}\n\n'
                b"event: something-new\ndata: {}\n\n"  # unknown types: ignored
            ),
            sse(b'id: 7\nevent: ready\ndata: {"version": 7, "etag": "\\"c\\""}\n\n'),
        ]
    )
    listener = scripted.listener()
    delay = listener.connect_once()
    assert delay == 2.0  # the server's retry, reset by the ready
    assert listener.opened == 1
    assert [(kind, event_id) for _, kind, event_id in listener.events] == [
        ("ready", "5"),
        ("playlist", "6"),
        ("something-new", "6"),
    ]
    assert scripted.polls == ["events: playlist changed (id 6)"]
    first = scripted.requests[0]
    assert first.headers["authorization"] == "Bearer sgd_t"
    assert first.headers["accept"] == "text/event-stream"
    assert "last-event-id" not in first.headers
    # Reconnecting: the last id goes back; a ready at another ETag means a missed change.
    listener.connect_once()
    assert scripted.requests[1].headers["last-event-id"] == "6"
    assert len(scripted.polls) == 2
    assert "ready" in scripted.polls[1]
    assert listener.last_event_id == "7"


def test_listener_backs_off_on_failures_and_honours_retry_after() -> None:
    scripted = Scripted(
        [
            httpx.Response(500),
            sse(b"data: a stream that ends before ready\n\n"),
            httpx.Response(503, headers={"retry-after": "120"}),
            httpx.Response(429, headers={"retry-after": "7"}),
            httpx.Response(429),
            sse(b"event: ready\ndata: {}\n\n"),
        ]
    )
    listener = scripted.listener()
    delays = [listener.connect_once() for _ in range(6)]
    assert delays[:2] == [6.0, 12.0]  # doubling from the default 3 s
    assert 120 <= delays[2] <= 180  # Retry-After, and never less
    assert delays[3] == 42.0  # Retry-After 7 s is shorter than the backoff reached by now
    assert delays[4] == 45.0  # no Retry-After: the backoff, at its cap
    assert delays[5] == 3.0  # a stream with ready: back to one retry
    assert scripted.polls == []


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(404, json={"detail": "Not Found"}),
        httpx.Response(405, headers={"allow": "POST"}),
        httpx.Response(200, html="<!doctype html><p>an older server's page</p>"),
    ],
)
def test_a_server_without_the_stream_is_asked_again_only_after_ten_minutes(
    answer: httpx.Response,
) -> None:
    listener = Scripted([answer]).listener()
    assert listener.connect_once() == pytest.approx(NO_STREAM_PAUSE * 1.1)
    assert listener.status == "no-stream"


def test_401_wakes_the_poll_and_does_not_hammer() -> None:
    scripted = Scripted([httpx.Response(401, json={"error": "invalid_token"})])
    listener = scripted.listener()
    assert listener.connect_once() == NO_STREAM_PAUSE
    assert listener.status == "unauthorized"
    assert scripted.polls == ["events stream answered 401"]


# --- the player against a real HTTP server ----------------------------------------------------

PLAYLIST = {"screen_id": "s1", "timeline": [], "media": {}}


class FakeSignage:
    """Just enough of the server for a player: the poll (ETag, 304), status, plays, and an
    events stream scripted by the test (`events`, called with the request handler)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.etag = '"v1"'
        self.poll_after = 30
        self.polls: list[tuple[float, str | None]] = []  # (monotonic, If-None-Match)
        self.event_requests: list[tuple[float, dict[str, str]]] = []
        self.events: Callable[[BaseHTTPRequestHandler], None] = not_found
        self.closing = threading.Event()  # the test is over: scripts stop waiting

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?")[0]
        if handler.command == "POST":
            handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        if handler.command == "GET" and path == "/v1/player/playlist":
            sent = handler.headers.get("If-None-Match")
            with self.lock:
                self.polls.append((time.monotonic(), sent))
                etag, poll_after = self.etag, self.poll_after
            if sent == etag:
                reply(handler, 304, b"", etag=etag)
            else:
                body = {**PLAYLIST, "poll_after_seconds": poll_after}
                reply(handler, 200, json.dumps(body).encode(), etag=etag)
        elif handler.command == "GET" and path == "/v1/player/events":
            with self.lock:
                headers = {name.lower(): value for name, value in handler.headers.items()}
                self.event_requests.append((time.monotonic(), headers))
            self.events(handler)
        elif handler.command == "POST" and path == "/v1/player/status":
            reply(handler, 204, b"")
        elif handler.command == "POST" and path == "/v1/player/plays":
            reply(handler, 200, b'{"accepted": [], "duplicates": [], "rejected": []}')
        else:
            reply(handler, 404, b'{"detail": "Not Found"}')

    def poll_count(self) -> int:
        with self.lock:
            return len(self.polls)


def reply(handler: BaseHTTPRequestHandler, status: int, body: bytes, etag: str = "") -> None:
    handler.send_response(status)
    if etag:
        handler.send_header("ETag", etag)
    if status != 204 and status != 304:
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def not_found(handler: BaseHTTPRequestHandler) -> None:
    reply(handler, 404, b'{"detail": "Not Found"}')


def open_stream(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.send_header("Cache-Control", "no-store")
    handler.end_headers()  # HTTP/1.0: the body runs until the connection closes


def send(handler: BaseHTTPRequestHandler, text: str) -> None:
    handler.wfile.write(text.encode())
    handler.wfile.flush()


@pytest.fixture
def fake() -> Iterator[tuple[FakeSignage, str]]:
    signage = FakeSignage()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            signage.handle(self)

        def do_POST(self) -> None:
            signage.handle(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield signage, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        signage.closing.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def start_player(tmp_path: Path) -> Iterator[Callable[..., Player]]:
    started: list[tuple[Player, threading.Thread]] = []

    def start(url: str, **options: Any) -> Player:
        player = Player(
            PlayerOptions(
                server=url, state_dir=tmp_path / f"p{len(started)}", max_backoff=1, **options
            ),
            LoggingRenderer(),
            token="sgd_test",
        )
        thread = threading.Thread(target=player.run, daemon=True)
        thread.start()
        started.append((player, thread))
        return player

    yield start
    for player, thread in started:
        player.stop()
        thread.join(timeout=15)
        assert not thread.is_alive(), "the player did not stop"


def test_a_playlist_event_makes_the_player_poll_at_once(
    fake: tuple[FakeSignage, str], start_player: Callable[..., Player]
) -> None:
    signage, url = fake
    go = threading.Event()
    sent_at: list[float] = []

    def events(handler: BaseHTTPRequestHandler) -> None:
        open_stream(handler)
        if len(signage.event_requests) == 1:
            send(handler, 'retry: 200\nid: 1\nevent: ready\ndata: {"version": 1, ')
            send(handler, '"etag": "\\"v1\\""}\n\n')
            go.wait(10)
            with signage.lock:
                signage.etag = '"v2"'
            sent_at.append(time.monotonic())
            send(handler, 'id: 2\nevent: playlist\ndata: {"version": 2, "etag": "\\"v2\\""}\n\n')
            time.sleep(0.3)
            return  # the server ends the stream (a lifetime limit, say)
        send(handler, 'id: 2\nevent: ready\ndata: {"version": 2, "etag": "\\"v2\\""}\n\n')
        signage.closing.wait(30)

    signage.events = events
    player = start_player(url)
    push = player.push
    assert push is not None
    wait_until(lambda: any(kind == "ready" for _, kind, _ in push.events), 10, "ready heard")
    assert push.status == "open"
    time.sleep(0.3)
    assert signage.poll_count() == 1  # the ready matched the ETag held: no extra poll
    go.set()
    wait_until(lambda: signage.poll_count() >= 2, 5, "a poll after the playlist event")
    polled_at, if_none_match = signage.polls[1]
    assert polled_at - sent_at[0] < 0.5, polled_at - sent_at[0]  # not 30 s later
    assert if_none_match == '"v1"'  # the ordinary conditional poll
    wait_until(lambda: player.last_poll_status == 200, 5, "the new playlist taken")
    # The server ended that stream: the player is back within its retry (200 ms, jittered),
    # saying where it got to; the fresh stream's ready matches, so no poll.
    wait_until(lambda: len(signage.event_requests) >= 2, 5, "a reconnect")
    first_end = sent_at[0] + 0.3
    assert signage.event_requests[1][0] - first_end < 1.5
    assert signage.event_requests[1][1]["last-event-id"] == "2"
    assert "last-event-id" not in signage.event_requests[0][1]
    assert signage.event_requests[0][1]["authorization"] == "Bearer sgd_test"
    wait_until(lambda: push.opened == 2 and push.last_event_id == "2", 5, "the second stream")
    time.sleep(0.3)
    assert signage.poll_count() == 2
    # Stopping cuts the open stream short at once (not at the 45 s read timeout).
    started = time.monotonic()
    player.stop()
    wait_until(lambda: not push.running, 5, "the events thread ended")
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("failure", ["500", "drop", "404"])
def test_when_the_stream_fails_polling_carries_on_on_its_timer(
    fake: tuple[FakeSignage, str], start_player: Callable[..., Player], failure: str
) -> None:
    signage, url = fake
    signage.poll_after = 1

    def events(handler: BaseHTTPRequestHandler) -> None:
        if failure == "500":
            reply(handler, 500, b"{}")
        elif failure == "404":
            not_found(handler)
        else:  # opens, then the connection drops before any event
            open_stream(handler)
            send(handler, ": heartbeat\n")

    signage.events = events
    start_player(url)
    wait_until(lambda: signage.poll_count() >= 4, 8, "polls on the 1 s timer")
    attempts = len(signage.event_requests)
    assert attempts >= 1
    # No hammering: the first retry waits at least 3 s / 2 (404: ten minutes).
    assert attempts <= (1 if failure == "404" else 3), attempts
    gaps = [b[0] - a[0] for a, b in zip(signage.polls, signage.polls[1:], strict=False)]
    assert all(0.8 <= gap <= 1.5 for gap in gaps), gaps


def test_a_silent_stream_is_dropped_and_opened_again(
    fake: tuple[FakeSignage, str], tmp_path: Path
) -> None:
    """No byte for the idle limit (45 s in production, half a second here): reconnect."""
    signage, url = fake

    def events(handler: BaseHTTPRequestHandler) -> None:
        open_stream(handler)
        send(handler, 'retry: 100\nid: 3\nevent: ready\ndata: {"etag": "\\"v1\\""}\n\n')
        signage.closing.wait(30)  # then nothing, not even a heartbeat

    signage.events = events
    client = PlayerClient(url, token="sgd_test", events_idle_timeout=0.5)
    polls: list[str] = []
    listener = PushListener(client, poll_now=polls.append, current_etag=lambda: '"v1"')
    listener.start()
    try:
        wait_until(lambda: len(signage.event_requests) >= 2, 5, "a reconnect after silence")
        assert signage.event_requests[1][1]["last-event-id"] == "3"
        assert signage.event_requests[1][0] - signage.event_requests[0][0] < 2
        assert listener.reconnect.failures == 0  # that stream did deliver its ready
        assert polls == []
    finally:
        listener.stop()
        client.close()
    assert not listener.running


def test_no_events_option_never_opens_the_stream(
    fake: tuple[FakeSignage, str], start_player: Callable[..., Player]
) -> None:
    signage, url = fake
    signage.poll_after = 1
    player = start_player(url, events=False)
    wait_until(lambda: signage.poll_count() >= 2, 5, "two polls")
    assert player.push is None
    assert signage.event_requests == []
