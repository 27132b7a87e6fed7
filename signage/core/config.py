"""Settings: one pydantic-settings class, environment prefix ``SIGNAGE_``.

The embedded default needs no configuration at all: a SQLite file and the media folder live
under ``./data`` and a secret key is generated there on first run. Outside that default (a
database URL was given) a missing secret key is a startup error, because replicas sharing a
database must share the key that signs their tokens.
"""

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigurationError(RuntimeError):
    """The settings cannot work; the message says which one and why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNAGE_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Media and other files.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default: a SQLite file in the data folder.",
    )
    secret_key: str | None = Field(
        default=None,
        description="Signs access tokens; generated and kept in the data folder by default.",
    )
    access_token_minutes: int = Field(default=480, ge=1, le=7 * 24 * 60)
    pairing_code_seconds: int = Field(default=900, ge=30, le=86400)
    pairing_poll_interval_seconds: int = Field(default=5, ge=1, le=60)
    max_claim_failures: int = Field(
        default=10, ge=1, description="Bad pairing claims per user in the lockout window."
    )
    claim_lockout_seconds: int = Field(default=900, ge=1)
    login_failures_per_account: int = Field(
        default=10,
        ge=1,
        le=100_000,
        description="Failed sign-ins for one account in the window before it is refused (429).",
    )
    login_failures_per_address: int = Field(
        default=30,
        ge=1,
        le=100_000,
        description="Failed sign-ins from one client address in the window, over all accounts.",
    )
    login_throttle_seconds: int = Field(default=900, ge=1, le=86400)
    console_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="A console session unused this long ends."
    )
    console_session_hours: int = Field(
        default=12, ge=1, le=7 * 24, description="A console session ends this long after sign-in."
    )
    pairings_per_address: int = Field(
        default=20,
        ge=1,
        le=100_000,
        description="Pairing requests (POST /v1/player/pair) from one address in the window.",
    )
    pairing_throttle_seconds: int = Field(default=600, ge=1, le=86400)
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(default=40_000_000, ge=1)
    poll_after_seconds: int = Field(default=30, ge=5, le=3600)
    screen_offline_after_seconds: int = Field(default=180, ge=30)
    # The events stream (signage/player/events.py): a comment this often keeps proxies from
    # closing it; each stream ends after its lifetime (the screen reconnects, which spreads
    # screens over replicas again); streams beyond the maximum are refused with a 503.
    events_heartbeat_seconds: float = Field(default=15.0, ge=0.05, le=300)
    events_lifetime_seconds: float = Field(default=3600.0, ge=1, le=86400)
    events_max_streams: int = Field(default=50_000, ge=1, le=1_000_000)
    media_url: str | None = Field(
        default=None,
        pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$",
        description="s3://bucket/prefix: media in an S3-compatible store (AWS_ENDPOINT_URL, "
        "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION); unset: the local media folder.",
    )
    metrics_token: str | None = Field(
        default=None,
        min_length=16,
        description="When set, GET /metrics asks for it as a bearer token (otherwise open).",
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="json: one JSON object per log line, with the request's id (X-Request-ID).",
    )
    play_retention_days: int = Field(default=400, ge=1)
    body_timeout_seconds: float = Field(
        default=30,
        ge=1,
        le=600,
        description="A request body (other than an upload) must arrive within this; an upload "
        "may wait this long for its next bytes, and after this long must average the rate below.",
    )
    upload_min_bytes_per_second: int = Field(
        default=1024, ge=1, description="Uploads slower than this (after the grace) get 408."
    )
    max_concurrent_uploads: int = Field(
        default=8, ge=1, le=1000, description="Uploads streaming at once per process; more: 503."
    )
    run_jobs: bool = Field(
        default=True,
        description="Run the timed jobs (rollups, retention, ...) in this process, under the "
        "jobs lease; false when a separate `signage scheduler` runs them.",
    )
    job_interval_scale: float = Field(
        default=1.0,
        gt=0,
        le=100,
        description="Multiplies every job interval (tests make them short).",
    )
    public_url: str | None = Field(default=None, description="Base URL printed for players.")

    @property
    def data_path(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def media_path(self) -> Path:
        return self.data_path / "media"

    @property
    def is_embedded(self) -> bool:
        return self.database_url is None

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_path / 'signage.db'}"

    @property
    def effective_secret_key(self) -> str:
        if self.secret_key:
            if len(self.secret_key) < 32:
                raise ConfigurationError("SIGNAGE_SECRET_KEY must be at least 32 characters")
            return self.secret_key
        if not self.is_embedded:
            raise ConfigurationError(
                "SIGNAGE_SECRET_KEY is required when SIGNAGE_DATABASE_URL is set: every "
                "replica sharing the database must sign tokens with the same key"
            )
        return _embedded_secret(self.data_path)


@lru_cache(maxsize=8)
def _embedded_secret(data_path: Path) -> str:
    key_file = data_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    data_path.mkdir(parents=True, exist_ok=True)
    # Written aside then hard-linked into place: the link fails if another process starting at
    # the same moment won, and then both use the winner's key, never a half-written file.
    temp = data_path / f".secret_key.{secrets.token_hex(8)}"
    temp.write_text(secrets.token_urlsafe(48))
    temp.chmod(0o600)
    try:
        os.link(temp, key_file)
    except FileExistsError:
        pass
    finally:
        temp.unlink()
    return key_file.read_text().strip()


# Pydantic's wording for a few error types, rephrased for an operator setting a variable.
_RULES = {
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "greater_than": "must be more than {gt}",
    "less_than": "must be less than {lt}",
    "int_parsing": "must be a whole number",
    "float_parsing": "must be a number",
    "bool_parsing": "must be true or false",
}


def _shown(value: object) -> str:
    # Every variable arrives as text: a number reads best bare, anything else quoted.
    text = str(value)
    return text if text.lstrip("-").replace(".", "", 1).isdigit() else repr(text)


def settings_error_text(exc: ValidationError) -> str:
    """One line naming each bad setting by its variable, the rule, and what it was set to:
    ``SIGNAGE_PAIRING_CODE_SECONDS: must be at least 30 (got 8)``."""
    prefix = str(Settings.model_config.get("env_prefix", ""))
    parts = []
    for error in exc.errors():
        name = prefix + "_".join(str(p) for p in error["loc"]).upper()
        rule = _RULES.get(error["type"])
        text = f"{name}: " + (rule.format(**error.get("ctx", {})) if rule else error["msg"])
        # Never echo what a secret (or a URL with its password) was set to.
        secret = error["loc"][:1] in (("secret_key",), ("database_url",))
        parts.append(text if secret else f"{text} (got {_shown(error['input'])})")
    return "; ".join(parts)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings from the environment; ConfigurationError (one line) when one cannot work."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(settings_error_text(exc)) from None
