"""English and Welsh: the switch, lang attributes, formatting, and a complete Welsh catalogue."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from fastapi.testclient import TestClient

from signage.console.i18n import Translator, read_catalogue, safe_next
from tests.console.console_helpers import signed_in
from tests.factories import World

CONSOLE = Path(__file__).resolve().parents[2] / "signage/console"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _msgids() -> dict[str, str]:
    """Every string the console's templates and code hand to gettext, with where it is."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(CONSOLE),
        method_map=[("templates/**.html", "jinja2"), ("vendor/**", "ignore"), ("**.py", "python")],
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None},
    ):
        for msgid in (message,) if isinstance(message, str) else message:
            if msgid:
                found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def test_every_console_string_has_a_welsh_translation() -> None:
    catalogue = read_catalogue("cy")
    translated: dict[str, list[str]] = {}
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        found = message.string if isinstance(message.string, tuple | list) else (message.string,)
        for msgid in ids:
            translated[str(msgid)] = [str(s or "") for s in found]
    msgids = _msgids()
    assert len(msgids) > 40  # the extraction found the templates and the code
    missing = [
        f"{m!r} ({where})" for m, where in msgids.items() if not all(translated.get(m, [""]))
    ]
    assert missing == [], "no Welsh for: " + ", ".join(missing)
    for msgid, strings in translated.items():
        for string in strings:
            assert sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(msgid)), msgid
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert fuzzy == []


def test_a_string_translated_in_two_area_files_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cy/LC_MESSAGES"
    folder.mkdir(parents=True)
    for name in ("messages.po", "approvals.po"):
        (folder / name).write_text('msgid "Approve"\nmsgstr "Cymeradwyo"\n', encoding="utf-8")
    monkeypatch.setattr("signage.console.i18n.LOCALES_DIR", tmp_path)
    with pytest.raises(RuntimeError, match="'Approve' is already translated elsewhere"):
        read_catalogue("cy")


def test_area_files_are_merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cy/LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text('msgid "Tonight"\nmsgstr "Heno"\n', encoding="utf-8")
    (folder / "approvals.po").write_text('msgid "Approve"\nmsgstr "Cymeradwyo"\n', encoding="utf-8")
    monkeypatch.setattr("signage.console.i18n.LOCALES_DIR", tmp_path)
    catalogue = read_catalogue("cy")
    assert catalogue.get("Tonight").string == "Heno"  # type: ignore[union-attr]
    assert catalogue.get("Approve").string == "Cymeradwyo"  # type: ignore[union-attr]


def test_language_switch_sets_a_cookie_and_returns(client: TestClient) -> None:
    response = client.get("/console/language?to=cy&next=/console/sign-in", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in"
    page = client.get("/console/sign-in")
    assert '<html lang="cy"' in page.text
    assert "Cyfeiriad e-bost" in page.text
    assert ">English</a>" in page.text
    assert 'lang="en" hreflang="en"' in page.text


def test_the_switch_never_redirects_off_the_console(client: TestClient) -> None:
    for target in ("https://evil.example/", "//evil.example", "/v1/users", "/\\evil.example"):
        response = client.get(
            "/console/language", params={"to": "cy", "next": target}, follow_redirects=False
        )
        assert response.headers["location"] == "/console"


def test_an_unknown_language_changes_nothing(client: TestClient) -> None:
    client.get("/console/language?to=xx&next=/console/sign-in")
    assert '<html lang="en"' in client.get("/console/sign-in").text


def test_welsh_persists_across_signed_in_pages(client: TestClient, world: World) -> None:
    client.get("/console/language?to=cy")
    signed_in(client, world, "force_a_editor")
    home = client.get("/console")
    assert '<html lang="cy"' in home.text
    assert "Heno" in home.text
    assert "Allgofnodi" in home.text


def test_dates_and_times_follow_the_locale() -> None:
    friday_night = datetime(2026, 12, 4, 21, 5, tzinfo=UTC)
    assert Translator("en").date(friday_night) == "Friday, 4 December 2026"
    assert Translator("cy").date(friday_night) == "Dydd Gwener, 4 Rhagfyr 2026"
    summer = datetime(2026, 7, 3, 21, 5, tzinfo=UTC)
    assert Translator("cy").time(summer) == "22:05"  # British Summer Time


def test_safe_next_keeps_console_paths_only() -> None:
    assert safe_next("/console/screens?page=2") == "/console/screens?page=2"
    assert safe_next("/console") == "/console"
    for bad in ("", None, "http://x/console", "//x/console", "/consoleX", "/console\r\nX: y"):
        assert safe_next(bad) == "/console"
