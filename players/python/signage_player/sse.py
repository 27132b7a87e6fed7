"""Server-sent events, parsed from bytes as they arrive (WHATWG HTML, "Server-sent events",
9.2.6 "Event stream interpretation").

A stream is UTF-8 text in lines ending in CRLF, LF or CR; a blank line ends an event. Each
line is `field: value` (one space after the colon is dropped), `field` alone (an empty value)
or a comment starting with `:`. The fields:
    event   the event's type ("message" when it has none)
    data    one line of the event's data; several data lines are joined with LF
    id      the last event id (sent back as Last-Event-ID on reconnect); one with NUL is ignored
    retry   the reconnect delay in milliseconds, if it is all ASCII digits
Anything else is ignored, and so is an event with no data line (its id still counts). Bytes
may be cut anywhere: in a UTF-8 sequence, between CR and LF, in the middle of a field.
"""

import codecs
import re
from dataclasses import dataclass

MAX_LINE_CHARS = 1 << 20  # a line longer than this is not an event stream: give up on it
_EOL = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class ServerEvent:
    type: str  # "message" when the event named none
    data: str
    id: str  # the last event id as of this event ("" if the stream never set one)


class SseParser:
    """Feed it the body's bytes as they come; it answers the events they complete.

    `last_event_id` starts as the id the previous stream left (the spec's "last event ID
    string", kept by the event source across reconnects) and changes at each dispatch;
    `retry_ms` is the last valid `retry:` of this stream (None if it sent none)."""

    def __init__(self, last_event_id: str = "") -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._started = False  # the byte order mark may only open the stream
        self._pending = ""  # an unfinished line
        self._skip_lf = False  # the last chunk ended in CR: an LF opening the next is its pair
        self._data: list[str] = []
        self._type = ""
        self._id_buffer = ""
        self.last_event_id = last_event_id
        self.retry_ms: int | None = None
        self.comments = 0

    def feed(self, chunk: bytes | str) -> list[ServerEvent]:
        text = chunk if isinstance(chunk, str) else self._decoder.decode(chunk)
        if not text:
            return []
        if not self._started:
            self._started = True
            text = text.removeprefix("\ufeff")
        if self._skip_lf:
            self._skip_lf = False
            text = text.removeprefix("\n")
        buffer = self._pending + text
        events = []
        start = 0
        for end_of_line in _EOL.finditer(buffer):
            event = self._line(buffer[start : end_of_line.start()])
            if event is not None:
                events.append(event)
            start = end_of_line.end()
        self._pending = buffer[start:]
        self._skip_lf = start == len(buffer) and buffer.endswith("\r")
        if len(self._pending) > MAX_LINE_CHARS:
            raise ValueError(f"an event stream line longer than {MAX_LINE_CHARS} characters")
        return events

    def _line(self, line: str) -> ServerEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            self.comments += 1
            return None
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "event":
            self._type = value
        elif field == "data":
            self._data.append(value)
        elif field == "id":
            if "\0" not in value:
                self._id_buffer = value
        elif field == "retry":
            if value.isascii() and value.isdigit():
                self.retry_ms = int(value)
        return None

    def _dispatch(self) -> ServerEvent | None:
        # The id buffer is never reset: an event without an id line keeps the last one.
        self.last_event_id = self._id_buffer
        data, kind = self._data, self._type
        self._data, self._type = [], ""
        if not data:
            return None
        return ServerEvent(type=kind or "message", data="\n".join(data), id=self.last_event_id)
