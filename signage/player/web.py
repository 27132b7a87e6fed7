"""The zero-install web kiosk player, served as static files at `/player/`.

The files live in the repository's top-level ``players/web/`` (players never import
``signage``; they speak HTTP) and ship inside the wheel as ``signage/player_web`` (see
pyproject.toml), so both layouts are looked for, as for the migrations.
"""

from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

_PACKAGE = Path(__file__).resolve().parent.parent

# The shell must be revalidated, never taken from the HTTP cache unasked: the service worker
# keeps its own copy for offline starts and refreshes it in the background.
SHELL_CACHE_CONTROL = "no-cache"
JAVASCRIPT = "text/javascript; charset=utf-8"


def web_player_dir() -> Path | None:
    """Where index.html and friends are, or None when this installation has no web player."""
    for candidate in (_PACKAGE / "player_web", _PACKAGE.parent / "players" / "web"):
        if (candidate / "index.html").is_file():
            return candidate
    return None


class PlayerFiles(StaticFiles):
    """Static files with the headers a service-worker kiosk wants."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = SHELL_CACHE_CONTROL
        # The player is ES modules, which browsers refuse under any non-JavaScript type: do not
        # leave that to the host's MIME table (a Windows registry may say text/plain).
        if path.endswith(".js") and response.status_code == 200:
            response.headers["Content-Type"] = JAVASCRIPT
        # The worker lives at /player/sw.js and controls /player/ only: say so explicitly.
        if path.endswith("sw.js"):
            response.headers["Service-Worker-Allowed"] = "/player/"
        return response


def player_files() -> PlayerFiles | None:
    directory = web_player_dir()
    if directory is None:
        return None
    return PlayerFiles(directory=directory, html=True)
