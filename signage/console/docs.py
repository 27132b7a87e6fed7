"""Swagger UI at ``/docs`` and ReDoc at ``/redoc``, from files shipped in the package.

FastAPI's own pages load their JavaScript, CSS, favicon and (ReDoc) Google Fonts from CDNs, so
on a machine that reaches none ``/docs`` is a blank page. These pages are the same, pointed at
the copies under ``/console/static/vendor/`` (see ``static_files.py``); the app turns FastAPI's
off with ``FastAPI(docs_url=None, redoc_url=None)`` and calls ``install_docs`` instead.
"""

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse

from signage.console.static_files import CONSOLE_STATIC_URL, console_static_files, static_url

SWAGGER_UI_URL = "/docs"
SWAGGER_OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
REDOC_URL = "/redoc"

SWAGGER_JS = static_url("vendor/swagger-ui/swagger-ui-bundle.js")
SWAGGER_CSS = static_url("vendor/swagger-ui/swagger-ui.css")
REDOC_JS = static_url("vendor/redoc/redoc.standalone.js")
FAVICON = static_url("vendor/swagger-ui/favicon-32x32.png")

# Swagger UI would otherwise draw a badge image fetched from validator.swagger.io, which sends
# the spec's URL out and fails on a closed network. An app's own parameters still win.
SWAGGER_DEFAULTS: dict[str, Any] = {"validatorUrl": None}

router = APIRouter(include_in_schema=False)


def _root_path(request: Request) -> str:
    # Behind a proxy that mounts the app under a prefix, as FastAPI's own pages do.
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")


def _openapi_url(request: Request) -> str:
    app: FastAPI = request.app
    return _root_path(request) + (app.openapi_url or "/openapi.json")


@router.get(SWAGGER_UI_URL)
async def swagger_ui(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    root = _root_path(request)
    return get_swagger_ui_html(
        openapi_url=_openapi_url(request),
        title=f"{app.title} - Swagger UI",
        swagger_js_url=root + SWAGGER_JS,
        swagger_css_url=root + SWAGGER_CSS,
        swagger_favicon_url=root + FAVICON,
        # The Authorize button's password flow (POST /v1/auth/token) needs no redirect; the
        # page is served anyway for flows that do, as FastAPI does.
        oauth2_redirect_url=root + SWAGGER_OAUTH2_REDIRECT_URL,
        init_oauth=app.swagger_ui_init_oauth,
        swagger_ui_parameters={**SWAGGER_DEFAULTS, **(app.swagger_ui_parameters or {})},
    )


@router.get(SWAGGER_OAUTH2_REDIRECT_URL)
async def swagger_ui_oauth2_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get(REDOC_URL)
async def redoc(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    root = _root_path(request)
    return get_redoc_html(
        openapi_url=_openapi_url(request),
        title=f"{app.title} - ReDoc",
        redoc_js_url=root + REDOC_JS,
        redoc_favicon_url=root + FAVICON,
        # ReDoc falls back to its own font stack; Google Fonts is a CDN like any other.
        with_google_fonts=False,
    )


def install_docs(app: FastAPI) -> None:
    """Serve ``/console/static`` and the offline ``/docs`` and ``/redoc`` pages on ``app``."""
    app.mount(CONSOLE_STATIC_URL, console_static_files(), name="console-static")
    app.include_router(router)
