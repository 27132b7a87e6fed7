"""Security headers on the console's responses, and on no others.

A pure ASGI middleware (a BaseHTTPMiddleware would cost every request, the poll's included, a
task and a copy): requests outside /console pass straight through, untouched.

The Content-Security-Policy allows no inline script or style at all: the page's scripts are
files under /console/static (console.js adds GOV.UK Frontend's ``js-enabled`` class, which the
GOV.UK page template otherwise does inline).
"""

from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
STATIC_PREFIX: Final = "/console/static/"


def is_console_path(path: str) -> bool:
    return path == "/console" or path.startswith("/console/")


class ConsoleSecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_console_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        # Pages carry the signed-in person's data: never kept by a browser or a proxy (the
        # back button after signing out shows the sign-in page, not the last page seen).
        # Static files keep the caching their server gives them.
        page = not scope["path"].startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
                if page:
                    headers["Cache-Control"] = "no-store"
                    headers["Pragma"] = "no-cache"
            await send(message)

        await self.app(scope, receive, send_with_headers)
