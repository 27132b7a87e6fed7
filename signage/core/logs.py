"""Structured logs, opt-in: `SIGNAGE_LOG_FORMAT=json` writes one JSON object per line, each
with the id of the request it belongs to; human-readable lines stay the default.

Every request gets an id: the `X-Request-ID` it came with (from a proxy that set one, if it
looks like an id) or a new one, sent back in the response's `X-Request-ID` and carried by a
context variable into every log record made while answering it, in any thread the request
runs in (Starlette copies the context into its threadpool).
"""

import json
import logging
import re
import secrets
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# What a proxy's id may look like: short, and nothing that could forge a log line.
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class RequestIds:
    """Pure ASGI middleware: gives each HTTP request an id and sends it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        text = given.decode("latin-1")
        rid = text if _ACCEPTABLE_ID.match(text) else secrets.token_hex(8)
        token = request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC, ISO 8601), level, logger, message, the
    request's id, the exception if any, and any extra fields given to the call."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id.get()
        if rid is not None:
            line["request_id"] = rid
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in line:
                line[key] = value if isinstance(value, str | int | float | bool) else repr(value)
        return json.dumps(line, ensure_ascii=False)


def use_json_logs() -> None:
    """Send the root logger and uvicorn's through one JSON handler on standard error."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers = [handler]
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
