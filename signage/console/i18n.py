"""English and Welsh: the catalogues, the visitor's language, dates and times per locale.

The Welsh catalogue is read with Babel when the console is installed and compiled in memory, so
no compiled .mo file is kept in the repository. It is kept as one .po file per area of the
console (locales/cy/LC_MESSAGES/*.po: messages.po for the layout and what is shared, then
approvals.po, schedules.po and so on) so a translator reviews an area at a time; they are merged
into one catalogue, and a msgid in two files is refused at startup. English is the source
language: its strings are the msgids themselves.
"""

import gettext
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LOCALES_DIR: Final = Path(__file__).parent / "locales"
ENGLISH: Final = "en"
WELSH: Final = "cy"
LANGUAGES: Final = (ENGLISH, WELSH)
# The cookie the language link sets; it lives as long as a year, like a preference should.
LANGUAGE_COOKIE: Final = "lang"
LANGUAGE_COOKIE_SECONDS: Final = 365 * 24 * 3600
# The Babel locale each language formats dates and times with.
_BABEL_LOCALES: Final = {ENGLISH: "en_GB", WELSH: "cy_GB"}
# Night-time economy staff work to UK wall-clock time, whatever the server's own zone.
CONSOLE_TIMEZONE: Final[tzinfo] = ZoneInfo("Europe/London")


def N_(message: str) -> str:  # noqa: N802  (the gettext convention for "translate later")
    """Marks a string for the catalogue where it is defined; translated where it is shown."""
    return message


def read_catalogue(language: str) -> Catalog:
    """Every area's .po file for ``language``, merged into one catalogue."""
    files = sorted((LOCALES_DIR / language / "LC_MESSAGES").glob("*.po"))
    if not files:
        raise RuntimeError(f"no catalogue for {language!r} in {LOCALES_DIR}")
    merged: Catalog | None = None
    for path in files:
        with path.open("rb") as source:
            part = read_po(source, locale=language)
        if merged is None:
            merged = part
            continue
        for message in part:
            if not message.id:
                continue  # the file's header
            if message.id in merged:
                raise RuntimeError(f"{path.name}: {message.id!r} is already translated elsewhere")
            merged[message.id] = message
    assert merged is not None
    return merged


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``language`` (English: the msgids as they are)."""
    if language == ENGLISH:
        return gettext.NullTranslations()
    catalog = read_catalogue(language)
    compiled = BytesIO()
    # Fuzzy entries are guesses awaiting review: never shown.
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled)


def load_catalogues() -> None:
    """Read every catalogue now, so a broken one fails at startup rather than on a page."""
    for language in LANGUAGES:
        translations(language)


def language_of(cookie: str | None) -> str:
    return cookie if cookie in LANGUAGES else ENGLISH


def other_language(language: str) -> str:
    return ENGLISH if language == WELSH else WELSH


def safe_next(path: str | None, default: str = "/console") -> str:
    """``path`` when it is a path on this site under /console, else ``default``: the language
    switch and sign-in redirect only there, never to another host (an open redirect)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return default
    if parts.path != "/console" and not parts.path.startswith("/console/"):
        return default
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path):
        return default
    return path


@dataclass(frozen=True)
class Translator:
    """One visitor's language: its strings, and dates and times as its locale writes them."""

    language: str

    @property
    def _catalogue(self) -> gettext.NullTranslations:
        return translations(self.language)

    def gettext(self, message: str) -> str:
        return self._catalogue.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self._catalogue.ngettext(singular, plural, count)

    def short_date(self, day: date) -> str:
        """``Fri 27 Nov`` / ``Gwen 27 Tach``: a night under a chart's column."""
        return format_date(day, "EEE d MMM", locale=_BABEL_LOCALES[self.language])

    def number(self, value: float, *, decimals: int = 0) -> str:
        """``12,345`` or, with ``decimals=2``, ``1,234.50``: grouped and rounded as the
        locale writes numbers."""
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return format_decimal(value, format=pattern, locale=_BABEL_LOCALES[self.language])

    def time(self, instant: datetime) -> str:
        """``21:05``: the console's wall clock, 24-hour, in either language."""
        return format_time(
            instant, "HH:mm", tzinfo=CONSOLE_TIMEZONE, locale=_BABEL_LOCALES[self.language]
        )

    def date(self, day: date | datetime) -> str:
        """``Friday, 4 December 2026`` / ``Dydd Gwener, 4 Rhagfyr 2026``."""
        if isinstance(day, datetime):
            day = day.astimezone(CONSOLE_TIMEZONE).date()
        return format_date(day, "full", locale=_BABEL_LOCALES[self.language])
