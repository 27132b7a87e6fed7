"""Typed request dependencies: the database session and the authenticated caller."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from signage.core.config import Settings
from signage.core.db import read_session, session_scope
from signage.core.errors import Forbidden, Unauthorized
from signage.core.roles import OrganisationKind, Role
from signage.core.security import hash_secret, read_access_token
from signage.core.tenancy import Caller
from signage.organisations.models import Organisation
from signage.users.models import RevokedToken, User

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


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
# scope="function": the commit happens before the response is sent, so a 201 means it is stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_caller(
    request: Request,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Caller:
    if not token:
        raise Unauthorized()
    claims = read_access_token(token, secret=request.app.state.secret_key)
    if claims is None:
        raise Unauthorized("Access token is invalid or has expired; log in again")
    # Read each time so a deactivated user or a changed role takes effect at once; in a short
    # session of its own, so authenticating never opens (or locks) the request's transaction.
    with read_session(request.app.state.engine) as session:
        user = session.get(User, claims.user_id)
        if user is None or not user.is_active:
            raise Unauthorized("This account no longer exists or is disabled")
        if user.tokens_valid_after is not None and claims.issued_at < user.tokens_valid_after:
            raise Unauthorized(
                "This token was issued before the password was changed; log in again"
            )
        if session.get(RevokedToken, hash_secret(claims.token_id)) is not None:
            raise Unauthorized("This token was signed out; log in again")
        organisation = session.get(Organisation, user.organisation_id)
    assert organisation is not None  # foreign key
    return Caller(
        user_id=user.id,
        email=user.email,
        role=Role(user.role),
        organisation_id=organisation.id,
        organisation_kind=OrganisationKind(organisation.kind),
    )


CurrentCaller = Annotated[Caller, Depends(get_caller)]


def require_roles(*roles: Role) -> object:
    def check(caller: CurrentCaller) -> Caller:
        if caller.role not in roles:
            names = ", ".join(r.value for r in roles)
            raise Forbidden(f"this needs one of the roles: {names}")
        return caller

    return Depends(check)
