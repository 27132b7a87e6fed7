"""One SSE test stream for both players' parsers (the Python one and the web one in
Chromium): the framing edge cases in one place, and what each must read from it."""

STREAM = (
    b"retry: 2500\r\n"
    b"id: 41\r\n"
    b"event: ready\r\n"
    b'data: {"version": 41, "etag": "\\"a\\""}\r\n'
    b"\r\n"
    b": heartbeat\r\n"
    b"\r\n"
    b"id: 42\n"
    b"event: playlist\n"
    b'data: {"version": 42,\n'
    b'data:  "etag": "\\"b\\""}\n'
    b"\n"
    b"data: caf\xc3\xa9 \xe2\x82\xac\r"  # multi-byte characters, a lone CR...
    b"\r"  # ...and a blank line made of one
)
# (event type, data, last event id) of each event, in order.
EVENTS = [
    ("ready", '{"version": 41, "etag": "\\"a\\""}', "41"),
    ("playlist", '{"version": 42,\n "etag": "\\"b\\""}', "42"),
    ("message", "café €", "42"),
]
