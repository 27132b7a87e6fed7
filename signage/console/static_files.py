"""The console's static files at ``/console/static``, served from inside the package.

``static/`` holds the console's own stylesheet and, under ``static/vendor/``, the front-end
assets copied from pinned npm packages by ``vendor/update_assets.py`` (GOV.UK Frontend, htmx,
Swagger UI, ReDoc). Shipping them in the package is what lets the console and the API docs work
on a force network that reaches no CDN, and from a plain ``pip install .``.
"""

from pathlib import Path, PurePath

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

CONSOLE_STATIC_URL = "/console/static"
STATIC_DIR = Path(__file__).resolve().parent / "static"

# The vendor files change only with a new pinned version, so browsers may keep them a week
# without asking; after that ETag and Last-Modified make the check a 304. Not a year and
# `immutable`: the URLs carry no version, so an upgrade must reach browsers within days.
VENDOR_CACHE_CONTROL = "public, max-age=604800"
# The console's own files change with any release of the service: revalidate every time.
OWN_CACHE_CONTROL = "no-cache"
JAVASCRIPT = "text/javascript; charset=utf-8"


def static_url(path: str) -> str:
    """The URL of a file under ``static/``, e.g. ``static_url("console.css")``."""
    return f"{CONSOLE_STATIC_URL}/{path}"


class ConsoleStaticFiles(StaticFiles):
    """Static files with cache headers by kind, and JavaScript always typed as JavaScript."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            vendored = PurePath(path).parts[:1] == ("vendor",)
            response.headers["Cache-Control"] = (
                VENDOR_CACHE_CONTROL if vendored else OWN_CACHE_CONTROL
            )
            # The host's MIME table decides otherwise (a Windows registry may say text/plain,
            # which browsers refuse for scripts under nosniff).
            if path.endswith(".js"):
                response.headers["Content-Type"] = JAVASCRIPT
            response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def console_static_files() -> ConsoleStaticFiles:
    return ConsoleStaticFiles(directory=STATIC_DIR)
