"""A streaming reader for `multipart/form-data` uploads with one file part.

FastAPI's `UploadFile` parses the whole body (spooling the file to a temporary file outside our
control) before the route runs, so neither the campaign nor the size could be checked first.
This reader hands the route the form fields that precede the file, then the file's bytes as
they arrive off the socket, then the fields after it. The client's file name is never read.
"""

from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from signage.core.errors import Invalid, Problem

MAX_FIELDS = 16
MAX_FIELD_BYTES = 8 * 1024
# What the multipart framing and the small form fields may add to the file's own size.
FORM_OVERHEAD_BYTES = MAX_FIELDS * (MAX_FIELD_BYTES + 512)


class UnsupportedBody(Problem):
    status = 415


@dataclass(frozen=True, slots=True)
class _FileStart:
    pass


@dataclass(frozen=True, slots=True)
class _FileEnd:
    pass


_Event = _FileStart | _FileEnd | bytes


class MultipartUpload:
    """Reads one request body; use `fields_before_file`, `file_chunks`, then `finish`."""

    def __init__(self, request: Request, *, file_field: str = "file") -> None:
        content_type, params = parse_options_header(request.headers.get("content-type", ""))
        boundary = params.get(b"boundary")
        if content_type != b"multipart/form-data" or not boundary:
            raise UnsupportedBody("send the upload as multipart/form-data")
        self.fields: dict[str, str] = {}
        self.has_file = False
        self._request = request
        self._file_field = file_field
        self._events: deque[_Event] = deque()
        self._header_field = b""
        self._header_value = b""
        self._part_headers: dict[bytes, bytes] = {}
        self._part_name: str | None = None
        self._part_is_file = False
        self._field_value = bytearray()
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._on_part_begin,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
            },
        )
        self._stream = self._read_events()

    async def fields_before_file(self) -> bool:
        """Read up to the start of the file's bytes; False if the body had no file part."""
        async for event in self._stream:
            if isinstance(event, _FileStart):
                return True
        return False

    async def file_chunks(self) -> AsyncIterator[bytes]:
        """The file's bytes as they arrive (call after `fields_before_file` returned True)."""
        async for event in self._stream:
            if isinstance(event, _FileEnd):
                return
            if isinstance(event, bytes):
                yield event
        raise Invalid("file: the upload ended before the file was complete")

    async def finish(self) -> None:
        """Read the rest of the body, collecting the fields that follow the file."""
        async for event in self._stream:
            if isinstance(event, _FileStart):
                raise Invalid(f"{self._file_field}: send exactly one file")

    async def _read_events(self) -> AsyncIterator[_Event]:
        try:
            async for chunk in self._request.stream():
                self._parser.write(chunk)
                while self._events:
                    yield self._events.popleft()
            self._parser.finalize()
        except MultipartParseError as exc:
            raise Invalid("the multipart/form-data body is malformed") from exc
        except ClientDisconnect as exc:
            raise Invalid("the upload was interrupted") from exc
        while self._events:
            yield self._events.popleft()

    # python-multipart callbacks: they run inside `parser.write` and only queue events.

    def _on_part_begin(self) -> None:
        self._part_headers = {}
        self._part_name = None
        self._part_is_file = False
        self._field_value = bytearray()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._part_headers[self._header_field.lower()] = self._header_value
        self._header_field = b""
        self._header_value = b""

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._part_headers.get(b"content-disposition", b""))
        name = options.get(b"name")
        if name is None:
            raise Invalid("every multipart part needs a Content-Disposition name")
        self._part_name = name.decode("utf-8", errors="replace")
        if self._part_name == self._file_field:
            if self.has_file:
                raise Invalid(f"{self._file_field}: send exactly one file")
            self.has_file = True
            self._part_is_file = True
            self._events.append(_FileStart())
        elif len(self.fields) >= MAX_FIELDS:
            raise Invalid("too many form fields")

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part_is_file:
            self._events.append(data[start:end])
            return
        self._field_value += data[start:end]
        if len(self._field_value) > MAX_FIELD_BYTES:
            raise Invalid(f"{self._part_name}: the value is too long")

    def _on_part_end(self) -> None:
        if self._part_is_file:
            self._events.append(_FileEnd())
        elif self._part_name is not None:
            try:
                self.fields[self._part_name] = self._field_value.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise Invalid(f"{self._part_name}: the value is not UTF-8 text") from exc
