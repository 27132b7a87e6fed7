"""The Jinja environment: the console's templates, GOV.UK Frontend's macros, gettext.

Templates call ``_()`` / ``{% trans %}``; the installed callables look up the visitor's
catalogue in the render context, so one environment serves both languages.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from jinja2 import (
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.responses import HTMLResponse

from signage.console.i18n import Translator
from signage.console.navigation import Link

TEMPLATES_DIR: Final = Path(__file__).parent / "templates"
STATIC_URL: Final = "/console/static"


@pass_context
def _gettext(context: Context, message: str) -> str:
    translator: Translator = context["t"]
    return translator.gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    translator: Translator = context["t"]
    return translator.ngettext(singular, plural, count)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PrefixLoader(
            {
                "console": FileSystemLoader(TEMPLATES_DIR),
                "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates"),
            }
        ),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        gettext=_gettext, ngettext=_ngettext, newstyle=True
    )
    env.globals["static_url"] = STATIC_URL
    return env


@dataclass(frozen=True)
class Page:
    """What every page's layout needs besides its own content."""

    translator: Translator
    path: str  # the page's own path and query, for the language link's way back
    navigation: tuple[Link, ...] = ()
    current: str | None = None  # the area's path, marked in the navigation
    csrf_token: str | None = None
    signed_in_as: str | None = None


def render(
    request: Request,
    template: str,
    page: Page,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    del request  # kept in the signature: pages are always rendered for one
    body = (
        environment()
        .get_template(f"console/{template}")
        .render(
            {
                "t": page.translator,
                "lang": page.translator.language,
                "page": page,
                **(context or {}),
            }
        )
    )
    return HTMLResponse(body, status_code=status_code)
