"""Typed request dependencies: the database session and the authenticated caller."""

from collections.abc import Iterator
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Engine
from sqlmodel import Session

from signage.core.config import Settings
from signage.core.db import session_scope
from signage.core.errors import Forbidden, Unauthorized
from signage.core.security import AccessClaims, read_access_token
from signage.core.tenancy import Caller

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# Requests that only read get a session that never takes SQLite's write lock.
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    # The session begins its transaction lazily, at its first query: a handler that streams a
    # body, hashes a password or computes for long does that before (or without) touching it.
    write = request.method not in _READ_METHODS
    yield from session_scope(request.app.state.engine, write=write)


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_secret_key(request: Request) -> str:
    secret: str = request.app.state.secret_key
    return secret


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
# For handlers that open short sessions of their own (reports, uploads, sign-in).
EngineDep = Annotated[Engine, Depends(get_engine)]
SecretKeyDep = Annotated[str, Depends(get_secret_key)]
# scope="function": the commit happens before the response is sent, so a 201 means it is stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


class CallerLoader(Protocol):
    """Turns a token's verified claims into the caller (`signage.auth.callers.load_caller`,
    handed over by `create_app`: core knows no users or organisations); raises 401."""

    def __call__(self, engine: Engine, claims: AccessClaims, /) -> Caller: ...


def get_self_service_caller(
    request: Request,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Caller:
    """The caller, also one whose password an admin reset (see get_caller)."""
    if not token:
        raise Unauthorized()
    claims = read_access_token(token, secret=request.app.state.secret_key)
    if claims is None:
        raise Unauthorized("Access token is invalid or has expired; log in again")
    load_caller: CallerLoader = request.app.state.load_caller
    return load_caller(request.app.state.engine, claims)


# Where a caller whose password was reset is sent: the one thing they may do.
SET_PASSWORD = "POST /v1/users/me/password"


def get_caller(caller: Annotated[Caller, Depends(get_self_service_caller)]) -> Caller:
    """The caller, refused (403) while an admin's reset of their password stands: the admin
    knows that password, so it opens nothing until the user has chosen their own."""
    if caller.must_change_password:
        raise Forbidden(
            f"an admin reset this account's password: set a new one first ({SET_PASSWORD})"
        )
    return caller


CurrentCaller = Annotated[Caller, Depends(get_caller)]
# For what a caller may do about their own account even before setting a new password:
# reading it, setting the password, signing out.
SelfServiceCaller = Annotated[Caller, Depends(get_self_service_caller)]
