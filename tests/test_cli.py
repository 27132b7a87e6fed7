"""The `signage` command as an operator runs it: a subprocess in an empty folder."""

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import signage_serve

SIGNAGE = shutil.which("signage")


def run_signage(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    assert SIGNAGE is not None, "the signage console script is not installed"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGNAGE_")}
    return subprocess.run(
        [SIGNAGE, *args],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


ADMIN = ["--email", "chief@example.org", "--password", "walk-away-2026", "--role", "admin"]


def test_create_user_makes_organisation_and_user_on_embedded_default(tmp_path: Path) -> None:
    result = run_signage(
        tmp_path, "create-user", *ADMIN, "--organisation", "NTE Unit", "--kind", "national"
    )
    assert result.returncode == 0, result.stderr
    assert "created admin chief@example.org in NTE Unit (national)" in result.stdout
    assert (tmp_path / "data" / "signage.db").is_file()
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o077 == 0


def test_create_user_twice_fails_with_message(tmp_path: Path) -> None:
    run_signage(tmp_path, "create-user", *ADMIN, "--organisation", "NTE Unit")
    again = run_signage(tmp_path, "create-user", *ADMIN, "--organisation", "NTE Unit")
    assert again.returncode == 1
    assert "already exists" in again.stderr


def test_create_user_rejects_role_the_organisation_cannot_have(tmp_path: Path) -> None:
    result = run_signage(
        tmp_path,
        "create-user",
        "--email",
        "p@example.org",
        "--password",
        "long enough",
        "--role",
        "partner",
        "--organisation",
        "Leics",
        "--kind",
        "force",
    )
    assert result.returncode == 1
    assert "does not exist in a force organisation" in result.stderr


def test_create_user_rejects_bad_email(tmp_path: Path) -> None:
    result = run_signage(
        tmp_path,
        "create-user",
        "--email",
        "nope",
        "--password",
        "long enough",
        "--role",
        "admin",
        "--organisation",
        "X",
    )
    assert result.returncode == 2
    assert "email" in result.stderr


def test_database_url_without_secret_key_is_refused(tmp_path: Path) -> None:
    result = run_signage(
        tmp_path, "migrate", env={"SIGNAGE_DATABASE_URL": f"sqlite:///{tmp_path}/other.db"}
    )
    assert result.returncode == 2
    assert "SIGNAGE_SECRET_KEY is required" in result.stderr


# Every command, with what it needs besides the settings.
COMMANDS = {
    "serve": ["serve", "--port", "1"],
    "migrate": ["migrate"],
    "scheduler": ["scheduler"],
    "demo": ["demo", "--no-serve"],
    "create-user": ["create-user", *ADMIN, "--organisation", "NTE Unit"],
}
# A setting that cannot work -> the one line that says which and why.
BAD_SETTINGS = [
    (
        {"SIGNAGE_PAIRING_CODE_SECONDS": "8"},
        "configuration error: SIGNAGE_PAIRING_CODE_SECONDS: must be at least 30 (got 8)",
    ),
    (
        {"SIGNAGE_POLL_AFTER_SECONDS": "7200"},
        "configuration error: SIGNAGE_POLL_AFTER_SECONDS: must be at most 3600 (got 7200)",
    ),
    (
        {"SIGNAGE_POLL_AFTER_SECONDS": "soon"},
        "configuration error: SIGNAGE_POLL_AFTER_SECONDS: must be a whole number (got 'soon')",
    ),
    (
        {"SIGNAGE_SECRET_KEY": "short"},
        "configuration error: SIGNAGE_SECRET_KEY must be at least 32 characters",
    ),
]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("env", "line"), BAD_SETTINGS)
def test_configuration_error_is_one_line_and_exit_code_2(
    tmp_path: Path, command: str, env: dict[str, str], line: str
) -> None:
    result = run_signage(tmp_path, *COMMANDS[command], env=env)
    assert result.returncode == 2, result.stderr
    assert result.stderr == line + "\n"
    assert not (tmp_path / "data" / "signage.db").exists()


def test_every_wrong_setting_is_named_on_the_one_line(tmp_path: Path) -> None:
    env = {"SIGNAGE_PAIRING_CODE_SECONDS": "8", "SIGNAGE_MAX_UPLOAD_BYTES": "-1"}
    result = run_signage(tmp_path, "migrate", env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "SIGNAGE_PAIRING_CODE_SECONDS: must be at least 30 (got 8)" in result.stderr
    assert "SIGNAGE_MAX_UPLOAD_BYTES: must be at least 1024 (got -1)" in result.stderr


def test_migrate_works_from_any_directory(tmp_path: Path) -> None:
    result = run_signage(tmp_path, "migrate", "--data-dir", str(tmp_path / "elsewhere"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "elsewhere" / "signage.db").is_file()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    run_signage(tmp_path, "create-user", *ADMIN, "--organisation", "NTE Unit")
    with signage_serve(tmp_path) as url:
        yield url


def test_serve_on_embedded_default_serves_docs_and_login(served: str) -> None:
    assert httpx.get(f"{served}/docs").status_code == 200
    token = httpx.post(
        f"{served}/v1/auth/token",
        data={"username": "chief@example.org", "password": "walk-away-2026"},
    )
    assert token.status_code == 200
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert httpx.get(f"{served}/v1/users/me", headers=headers).json()["role"] == "admin"
