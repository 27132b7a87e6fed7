"""The web player's push channel (players/web/js/sse.js and push.js) in a real headless
Chromium: the server-sent events parser fed chunks cut at awkward places, the reconnect
policy, the stream client against a tiny scripted HTTP server (http.server in a thread), and
the whole player page (service worker and all) polling the moment its stream says so.

No `signage` server here: the server side of GET /v1/player/events has tests of its own.
"""

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.player.sse_vectors import EVENTS, STREAM
from tests.player.web_helpers import chromium, player_state

pytestmark = pytest.mark.browser

WEB_PLAYER = Path(__file__).resolve().parents[2] / "players" / "web"
TYPES = {".js": "text/javascript", ".html": "text/html", ".css": "text/css"}
TOKEN = "sgd_web"

Script = Callable[[BaseHTTPRequestHandler], None]


class Site:
    """The web player's files under /player/, a blank page outside the worker's scope
    (/harness.html), and just enough of the API: the poll (ETag, 304), status, plays, and an
    events stream whose connections take the next of `scripts` (404 once they run out)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.url = ""
        self.etag = '"v1"'
        self.scripts: list[Script] = []
        self.event_requests: list[tuple[float, dict[str, str]]] = []  # (wall clock, headers)
        self.polls: list[tuple[float, str | None]] = []  # (wall clock, If-None-Match)
        self.closing = threading.Event()

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?")[0]
        if handler.command == "POST":
            handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
            if path == "/v1/player/status":
                reply(handler, 204)
            elif path == "/v1/player/plays":
                reply(handler, 200, b'{"accepted": [], "duplicates": [], "rejected": []}')
            else:
                reply(handler, 404)
        elif path == "/v1/player/events":
            with self.lock:
                headers = {name.lower(): value for name, value in handler.headers.items()}
                self.event_requests.append((time.time(), headers))
                script = self.scripts.pop(0) if self.scripts else not_found
            script(handler)
        elif path == "/v1/player/playlist":
            sent = handler.headers.get("If-None-Match")
            with self.lock:
                self.polls.append((time.time(), sent))
                etag = self.etag
            if sent == etag:
                reply(handler, 304, etag=etag)
            else:
                body = {"screen_id": "s1", "timeline": [], "media": {}, "poll_after_seconds": 30}
                reply(handler, 200, json.dumps(body).encode(), etag=etag)
        elif path == "/harness.html":
            reply(handler, 200, b"<!doctype html><title>harness</title>", "text/html")
        elif path.startswith("/player/"):
            name = path.removeprefix("/player/") or "index.html"
            file = (WEB_PLAYER / name).resolve()
            if WEB_PLAYER in file.parents and file.is_file():
                reply(handler, 200, file.read_bytes(), TYPES.get(file.suffix, "text/plain"))
            else:
                reply(handler, 404)
        else:
            reply(handler, 404)

    def requests_now(self) -> int:
        with self.lock:
            return len(self.event_requests)


def reply(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    kind: str = "application/json",
    etag: str = "",
    **headers: str,
) -> None:
    handler.send_response(status)
    if etag:
        handler.send_header("ETag", etag)
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    if status not in (204, 304):
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Cache-Control", "no-cache")
    handler.end_headers()
    handler.wfile.write(body)


def not_found(handler: BaseHTTPRequestHandler) -> None:
    reply(handler, 404, b'{"detail": "Not Found"}')


def open_stream(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.send_header("Cache-Control", "no-store")
    handler.end_headers()  # HTTP/1.0: the body runs until the connection closes


def send(handler: BaseHTTPRequestHandler, text: str | bytes) -> None:
    handler.wfile.write(text.encode() if isinstance(text, str) else text)
    handler.wfile.flush()


@pytest.fixture
def site() -> Iterator[Site]:
    running = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            running.handle(self)

        def do_POST(self) -> None:
            running.handle(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    running.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield running
    finally:
        running.closing.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(f"{site.url}/harness.html")
    yield opened
    context.close()
    assert errors == []


# --- the parser -------------------------------------------------------------------------------

EXPECTED = [{"type": t, "data": d, "id": i} for t, d, i in EVENTS]

PARSE = """async ({chunks, lastEventId}) => {
    const { SseParser } = await import("/player/js/sse.js");
    const parser = new SseParser(lastEventId);
    const events = [];
    for (const chunk of chunks) {
        events.push(...parser.feed(typeof chunk === "string" ? chunk : new Uint8Array(chunk)));
    }
    return {events, lastEventId: parser.lastEventId, retryMs: parser.retryMs,
            comments: parser.comments};
}"""


def parse(page: Page, *chunks: bytes | str, last_event_id: str = "") -> dict[str, Any]:
    sent = [c if isinstance(c, str) else list(c) for c in chunks]
    parsed: dict[str, Any] = page.evaluate(PARSE, {"chunks": sent, "lastEventId": last_event_id})
    return parsed


def test_parser_reads_a_whole_stream(page: Page) -> None:
    parsed = parse(page, STREAM)
    assert parsed["events"] == EXPECTED
    assert (parsed["retryMs"], parsed["lastEventId"], parsed["comments"]) == (2500, "42", 1)


def test_parser_gives_the_same_events_however_the_bytes_are_cut(page: Page) -> None:
    """Every single cut (between CR and LF, inside a UTF-8 sequence, inside a field name),
    every pair of cuts a few bytes apart, and one byte at a time."""
    outcomes: list[dict[str, Any]] = page.evaluate(
        """async (bytes) => {
            const { SseParser } = await import("/player/js/sse.js");
            const stream = new Uint8Array(bytes);
            const run = (cuts) => {
                const parser = new SseParser();
                const events = [];
                let from = 0;
                for (const to of [...cuts, stream.length]) {
                    events.push(...parser.feed(stream.subarray(from, to)));
                    from = to;
                }
                return {cuts, events: JSON.stringify(events), retryMs: parser.retryMs};
            };
            const outcomes = [];
            for (let cut = 0; cut <= stream.length; cut += 1) outcomes.push(run([cut]));
            for (let first = 1; first < stream.length; first += 1) {
                const last = Math.min(first + 5, stream.length);
                for (let second = first + 1; second < last; second += 1) {
                    outcomes.push(run([first, second]));
                }
            }
            outcomes.push(run([...Array(stream.length).keys()].slice(1)));
            return outcomes;
        }""",
        list(STREAM),
    )
    assert len(outcomes) > 2 * len(STREAM)
    for outcome in outcomes:
        assert json.loads(outcome["events"]) == EXPECTED, outcome["cuts"]
        assert outcome["retryMs"] == 2500


def test_line_endings_crlf_lf_and_cr_alike(page: Page) -> None:
    for eol in (b"\r\n", b"\n", b"\r"):
        stream = eol.join([b"event: playlist", b"id: 7", b"data: a", b"data: b", b"", b""])
        assert parse(page, stream)["events"] == [{"type": "playlist", "data": "a\nb", "id": "7"}]
    # A CR ending one chunk and an LF opening the next are one line ending, not two.
    parsed = parse(page, b"data: a\r", b"\ndata: b\r", b"\n\r\n")
    assert parsed["events"] == [{"type": "message", "data": "a\nb", "id": ""}]


def test_field_forms_comments_ids_and_retry(page: Page) -> None:
    parsed = parse(
        page,
        b": a comment, ignored\n"
        b":no space either\n"
        b"data:no space after the colon\n"
        b"data:  two spaces keep one\n"
        b"data\n"
        b"data: a: colon: in the value\n"
        b"unknown: ignored\n"
        b"Event: fields are case-sensitive\n"
        b"\n",
    )
    assert parsed["events"] == [
        {
            "type": "message",
            "data": "no space after the colon\n two spaces keep one\n\na: colon: in the value",
            "id": "",
        }
    ]
    assert parsed["comments"] == 2
    # An event without data is not dispatched, but its id counts and carries on.
    parsed = parse(page, b"event: playlist\nid: 9\n\n", b"data: x\n\n")
    assert parsed["events"] == [{"type": "message", "data": "x", "id": "9"}]
    assert parse(page, b"id: 4\x005\ndata: x\n\n", last_event_id="3")["events"][0]["id"] == ""
    assert parse(page, b": only a heartbeat\n", last_event_id="3")["lastEventId"] == "3"
    for line, expected in [
        (b"retry: 4000\n", 4000),
        (b"retry: 4000\nretry: 12x\nretry: -5\nretry: 1.5\nretry:\n", 4000),
        ("retry: 4000\nretry: \u0661\u0662\n".encode(), 4000),
        (b"retry:2000\n", 2000),
    ]:
        assert parse(page, line)["retryMs"] == expected, line


def test_bom_unfinished_events_and_overlong_lines(page: Page) -> None:
    parsed = parse(page, b"\xef\xbb", b"\xbfevent: playlist\ndata: x\n")
    assert parsed["events"] == []  # no blank line yet
    assert parse(page, b"\xef\xbb\xbfdata: x\n\n")["events"] == [
        {"type": "message", "data": "x", "id": ""}
    ]
    assert parse(page, b"data: x\n\ndata: half")["events"] == [
        {"type": "message", "data": "x", "id": ""}
    ]
    refused = page.evaluate(
        """async () => {
            const { SseParser } = await import("/player/js/sse.js");
            const parser = new SseParser();
            try { parser.feed("x".repeat((1 << 20) + 1)); } catch (error) { return error.message; }
            return null;
        }"""
    )
    assert "longer than" in refused


# --- when to try again ------------------------------------------------------------------------


def test_reconnect_policy(page: Page) -> None:
    result: dict[str, Any] = page.evaluate(
        """async () => {
            const p = await import("/player/js/push.js");
            const fixed = (r) => () => r;
            const seq = (r, steps) => {
                const reconnect = new p.Reconnect(fixed(r));
                return steps.map((ready) => reconnect.afterStream(ready));
            };
            const spread = [];
            for (let failures = 0; failures < 12; failures += 1) {
                const delays = Array.from({length: 300}, () => p.reconnectDelay(3000, failures));
                spread.push([failures, Math.min(...delays), Math.max(...delays)]);
            }
            const later = (r, seconds, failuresBefore = 0) => {
                const reconnect = new p.Reconnect(fixed(r));
                for (let i = 0; i < failuresBefore; i += 1) reconnect.afterStream(false);
                return reconnect.retryLater(seconds);
            };
            const now = Date.parse("2026-11-27T20:00:00Z");
            return {
                one: [0, 0.5, 1].map((r) => p.reconnectDelay(2000, 0, fixed(r))),
                doubling: [0, 1, 2, 3, 4].map((n) => p.reconnectDelay(2000, n, fixed(0.5))),
                capped: [5, 9, 40, 1e6].map(
                    (n) => [0, 1].map((r) => p.reconnectDelay(2000, n, fixed(r)))),
                spread,
                sequence: seq(0.5, [true, false, false, false, false, false, false, true, false]),
                retryAfter: [0, 0.3, 1].map((r) => later(r, 30)),
                retryAfterShort: later(0.5, 1, 4),
                retryAfterNone: later(0.5, null),
                retryAfterHuge: later(1, 1e9),
                noStream: [0, 1].map((r) => new p.Reconnect(fixed(r)).noStream()),
                parsed: [p.retryAfterSeconds("120"), p.retryAfterSeconds(" 7 "),
                         p.retryAfterSeconds("Fri, 27 Nov 2026 20:01:00 GMT", now),
                         p.retryAfterSeconds("soon"), p.retryAfterSeconds(null)],
                etags: [p.sameEtag('"a"', '"a"'), p.sameEtag('W/"a"', '"a"'),
                        p.sameEtag('"a"', '"a-gzip"'), p.sameEtag('"a"', '"b"'),
                        p.sameEtag('"a"', null)],
                defaults: p.PUSH,
            };
        }"""
    )
    assert result["one"] == [1000, 2000, 3000]  # the retry, times 0.5 to 1.5
    assert result["doubling"] == [2000, 4000, 8000, 16000, 32000]
    assert all(pair == [30_000, 60_000] for pair in result["capped"])  # 60 s, never more
    for failures, low, high in result["spread"]:
        ceiling = min(60_000, 3000 * 2**failures)
        assert ceiling / 2 <= low <= high <= min(ceiling * 1.5, 60_000)
        assert high - low > ceiling / 4
    # 3 s after a good stream; doubling per failure (cut near the cap); reset by a ready.
    assert result["sequence"] == [3000, 6000, 12000, 24000, 42000, 45000, 45000, 3000, 6000]
    assert all(30_000 <= delay <= 45_000 for delay in result["retryAfter"])
    assert result["retryAfterShort"] == 45_000  # the backoff reached wins over a short one
    assert result["retryAfterNone"] == 6000
    assert result["retryAfterHuge"] == 3_600_000
    assert result["noStream"] == [600_000, 720_000]
    assert result["parsed"] == [120, 7, 60, None, None]
    assert result["etags"] == [True, True, True, False, False]
    assert result["defaults"] == {
        "path": "/v1/player/events",
        "defaultRetryMs": 3000,
        "maxDelayMs": 60_000,
        "idleMs": 45_000,
        "noStreamMs": 600_000,
        "maxRetryAfterMs": 3_600_000,
    }


# --- the stream client against a scripted server ----------------------------------------------

START_PUSH = """async (tweaks) => {
    localStorage.setItem("signage.deviceToken", "sgd_web");
    localStorage.setItem("signage.playlistEtag", '"v1"');
    const events = await import("/player/js/events.js");
    const push = await import("/player/js/push.js");
    const { state, pushLog } = await import("/player/js/state.js");
    window.raised = [];
    events.on("poll-now", () => window.raised.push(["poll-now", Date.now()]));
    // As the player does: "unpaired" forgets the screen, which stops the stream.
    events.on("unpaired", () => { window.raised.push(["unpaired", Date.now()]); push.stopPush(); });
    Object.assign(push.PUSH, tweaks);
    window.push = { module: push, state, pushLog };
    push.startPush();
}"""


def start_push(page: Page, **tweaks: Any) -> None:
    page.evaluate(START_PUSH, tweaks)


def push_state(page: Page) -> dict[str, Any]:
    current: dict[str, Any] = page.evaluate(
        "() => ({...window.push.state, pushLog: window.push.pushLog, raised: window.raised})"
    )
    return current


def wait_for(page: Page, condition: str, timeout_s: float) -> None:
    """Until `condition`, a JS expression over `s` (the state) and `raised`, holds."""
    try:
        page.wait_for_function(
            f"() => {{ const s = window.push.state; const raised = window.raised; "
            f"return !!({condition}); }}",
            timeout=timeout_s * 1000,
        )
    except PlaywrightTimeoutError:
        pytest.fail(f"after {timeout_s} s still not {condition}: {push_state(page)}")


def test_a_playlist_event_raises_poll_now_at_once_then_retry_after_and_404(
    page: Page, site: Site
) -> None:
    sent_at: list[float] = []

    def first(handler: BaseHTTPRequestHandler) -> None:
        open_stream(handler)
        send(handler, 'retry: 100\r\nid: 1\r\nevent: ready\r\ndata: {"version": 1, "etag": ')
        send(handler, '"\\"v1\\""}\r\n\r')  # the ETag the screen holds: no poll
        send(handler, "\n: heartbeat\r\n\r\n")
        time.sleep(0.5)
        sent_at.append(time.time())
        # A playlist event cut inside a field name and between its CR and LF.
        send(handler, "id: 2\r\nev")
        send(handler, 'ent: playlist\r\ndata: {"version": 2, "etag": "\\"v2\\""}\r\n\r')
        send(handler, "\n")
        time.sleep(0.3)  # then the server ends the stream

    def second(handler: BaseHTTPRequestHandler) -> None:
        reply(handler, 503, b"{}", Retry_After="1")

    site.scripts = [first, second, not_found]
    start_push(page)
    wait_for(page, "s.pushStatus === 'open' && s.pushEvents >= 1", 10)
    state = push_state(page)
    assert state["pushOpened"] == 1
    assert state["raised"] == []
    wait_for(page, "raised.length >= 1", 5)
    name, raised_at = push_state(page)["raised"][0]
    assert name == "poll-now"
    assert raised_at / 1000 - sent_at[0] < 0.5
    # The server ended the stream: back within its retry (100 ms, jittered), with the last id;
    # answered 503 Retry-After: 1, so not again for a second; then 404: no more for minutes.
    wait_for(page, "s.pushStatus === 'no-stream'", 10)
    (opened, headers), (refused, again), (retried, _) = site.event_requests
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["accept"] == "text/event-stream"
    assert "last-event-id" not in headers
    assert again["last-event-id"] == "2"
    assert refused - (sent_at[0] + 0.3) < 1.0
    assert 1.0 <= retried - refused < 2.0
    time.sleep(1.5)
    assert site.requests_now() == 3
    state = push_state(page)
    assert state["pushLastStatus"] == 404
    assert state["pushLastEventId"] == "2"
    assert state["pushNextAttemptAt"] is not None
    whats = [entry["what"] for entry in state["pushLog"]]
    for expected in ("connecting", "open", "ready", "playlist", "poll-now", "ended", "refused"):
        assert expected in whats, whats
    assert [name for name, _ in state["raised"]] == ["poll-now"]


def test_a_ready_at_another_etag_polls_at_once(page: Page, site: Site) -> None:
    def stream(handler: BaseHTTPRequestHandler) -> None:
        open_stream(handler)
        send(handler, 'id: 8\nevent: ready\ndata: {"version": 8, "etag": "\\"v8-gzip\\""}\n\n')
        site.closing.wait(30)

    site.scripts = [stream]
    start_push(page)
    wait_for(page, "raised.length >= 1", 10)
    assert push_state(page)["pushStatus"] == "open"


def test_failures_back_off_doubling_with_jitter(page: Page, site: Site) -> None:
    site.scripts = [lambda handler: reply(handler, 500, b"{}")] * 5
    start_push(page, defaultRetryMs=100)
    wait_for(page, "s.pushLastStatus === 404", 15)  # five failures, then the sixth attempt
    times = [at for at, _ in site.event_requests]
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert len(gaps) == 5
    for failures, gap in enumerate(gaps, start=1):
        ceiling = 0.1 * 2**failures
        assert ceiling * 0.5 - 0.02 <= gap <= ceiling * 1.5 + 0.25, (failures, gaps)
    assert sum(gaps) >= 3.1 - 0.1  # 0.2 + 0.4 + 0.8 + 1.6 + 3.2 s, each at least halved


def test_a_silent_stream_is_dropped_and_opened_again(page: Page, site: Site) -> None:
    def silent(handler: BaseHTTPRequestHandler) -> None:
        open_stream(handler)
        send(handler, 'retry: 100\nid: 3\nevent: ready\ndata: {"etag": "\\"v1\\""}\n\n')
        site.closing.wait(30)  # then nothing, not even a heartbeat

    site.scripts = [silent, silent]
    start_push(page, idleMs=600)
    wait_for(page, "s.pushOpened >= 2", 10)
    (first, _), (second, headers) = site.event_requests[:2]
    assert 0.6 <= second - first < 2.0
    assert headers["last-event-id"] == "3"
    whats = [entry["what"] for entry in push_state(page)["pushLog"]]
    assert "failed" in whats
    assert push_state(page)["raised"] == []


def test_401_raises_unpaired_and_stops(page: Page, site: Site) -> None:
    site.scripts = [lambda handler: reply(handler, 401, b'{"error": "invalid_token"}')]
    start_push(page)
    wait_for(page, "raised.length >= 1", 10)
    time.sleep(1.0)
    state = push_state(page)
    assert [name for name, _ in state["raised"]] == ["unpaired"]
    assert state["pushStatus"] == "off"
    assert site.requests_now() == 1


# --- the whole player -------------------------------------------------------------------------


def wait_for_player(page: Page, condition: str, timeout_s: float) -> None:
    try:
        page.wait_for_function(
            f"() => {{ const s = window.signagePlayer && window.signagePlayer.state(); "
            f"return !!s && ({condition}); }}",
            timeout=timeout_s * 1000,
        )
    except PlaywrightTimeoutError:
        pytest.fail(f"after {timeout_s} s still not {condition}: {player_state(page)}")


def test_the_player_polls_when_its_stream_says_and_the_worker_leaves_the_stream_alone(
    browser: Browser, site: Site
) -> None:
    go = threading.Event()
    reloaded = threading.Event()
    sent_at: list[float] = []

    def first(handler: BaseHTTPRequestHandler) -> None:
        # The first page load, which the worker may not control yet: held until the reload.
        open_stream(handler)
        send(handler, 'retry: 100\nid: 1\nevent: ready\ndata: {"etag": "\\"v1\\""}\n\n')
        reloaded.wait(30)

    def second(handler: BaseHTTPRequestHandler) -> None:
        open_stream(handler)
        send(handler, 'retry: 100\nid: 1\nevent: ready\ndata: {"etag": "\\"v1\\""}\n\n')
        go.wait(20)
        with site.lock:
            site.etag = '"v2"'
        sent_at.append(time.time())
        send(handler, 'id: 2\nevent: playlist\ndata: {"version": 2, "etag": "\\"v2\\""}\n\n')
        site.closing.wait(30)

    site.scripts = [first, second]
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site.url}/player/?token={TOKEN}")
    wait_for_player(page, "s.mode === 'playing' && s.lastPollStatus === 200", 15)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    wait_for_player(page, "s.pushStatus === 'open'", 10)
    # Reload under the worker: the shell comes from its cache, the stream from the network.
    with page.expect_response(lambda r: r.url.endswith("/v1/player/events")) as stream_response:
        page.reload()
    reloaded.set()
    assert not stream_response.value.from_service_worker
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10_000)
    wait_for_player(page, "s.pushStatus === 'open' && s.pushEvents >= 1", 15)
    polls_before = len(site.polls)
    state = player_state(page)
    assert state["polls"] == 1  # this page load's own poll; the ready matched its ETag
    go.set()
    wait_for_player(page, "s.polls >= 2 && s.lastPollStatus === 200", 5)
    with site.lock:
        polled_at, if_none_match = site.polls[polls_before]
    assert polled_at - sent_at[0] < 0.5
    assert if_none_match == '"v1"'
    whats = [entry["what"] for entry in player_state(page)["pushLog"]]
    assert whats.index("playlist") < whats.index("poll-now")
    assert page.evaluate("() => localStorage.getItem('signage.playlistEtag')") == '"v2"'
    assert errors == []
    context.close()
