from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from signage.core.deps import (
    CurrentCaller,
    EngineDep,
    SecretKeyDep,
    SelfServiceCaller,
    SessionDep,
    SettingsDep,
    oauth2_scheme,
)
from signage.core.security import NO_STORE_HEADERS, issue_access_token, read_access_token
from signage.core.throttle import client_address
from signage.users import service
from signage.users.models import PasswordChange, Token, UserCreate, UserPublic, UserUpdate

auth_router = APIRouter(prefix="/v1/auth", tags=["auth"])
router = APIRouter(prefix="/v1/users", tags=["users"])


@auth_router.post(
    "/token",
    response_model=Token,
    responses={
        401: {"description": "Wrong email or password"},
        429: {
            "description": "Too many failed sign-ins for this account or from this address; "
            "`Retry-After` says after how many seconds to try again"
        },
    },
)
def login(
    request: Request,
    response: Response,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    settings: SettingsDep,
    engine: EngineDep,
    secret: SecretKeyDep,
) -> Token:
    """Log in with email (as `username`) and password; returns a bearer access token.

    If an admin has reset the password (`must_change_password` in `GET /v1/users/me`), the
    token opens only `GET /v1/users/me`, `POST /v1/users/me/password` and `POST
    /v1/auth/logout` (403 elsewhere) until the user has set a new password.

    Repeated failures lock the account, and the address they come from, for a while (429, even
    with the right password).
    """
    # A plain function, so FastAPI runs it (and its password check) in a worker thread; it
    # takes no request session: sign_in opens short ones around, never across, the check.
    user = service.sign_in(
        engine,
        settings=settings,
        email=form.username,
        password=form.password,
        address=client_address(request),
    )
    lifetime = timedelta(minutes=settings.access_token_minutes)
    token = issue_access_token(user_id=user.id, secret=secret, lifetime=lifetime)
    response.headers.update(NO_STORE_HEADERS)
    return Token(access_token=token, expires_in=int(lifetime.total_seconds()))


@auth_router.post(
    "/logout",
    status_code=204,
    responses={401: {"description": "No token, or one that has already ended"}},
)
def logout(
    secret: SecretKeyDep,
    session: SessionDep,
    caller: SelfServiceCaller,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Response:
    """Sign out: the access token sent with this request stops working at once. Other tokens
    of the same user (other devices) keep working; changing the password ends them all."""
    claims = read_access_token(token or "", secret=secret)
    assert claims is not None  # get_caller accepted this very token
    service.sign_out(session, user_id=caller.user_id, claims=claims)
    return Response(status_code=204)


def _public(user: object) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


@router.post("", status_code=201, response_model=UserPublic)
def create_user(data: UserCreate, session: SessionDep, caller: CurrentCaller) -> UserPublic:
    """Add a user. Admins add users to their own organisation; a national admin to any.

    With `must_change_password`, the password is a temporary one: the user must set their own
    (`POST /v1/users/me/password`) before anything else."""
    return _public(service.create_for(session, caller=caller, data=data))


@router.get("", response_model=list[UserPublic])
def list_users(session: SessionDep, caller: CurrentCaller) -> list[UserPublic]:
    """Users you can see: an admin sees their organisation's, a national admin everyone."""
    return [_public(u) for u in service.list_for(session, caller=caller)]


@router.get("/me", response_model=UserPublic)
def read_me(session: SessionDep, caller: SelfServiceCaller) -> UserPublic:
    """The logged-in user (`must_change_password`: set a new password before anything else)."""
    return _public(service.get_for(session, caller=caller, user_id=caller.user_id))


@router.post(
    "/me/password",
    status_code=204,
    responses={
        422: {"description": "The current password is wrong, or the new one is not allowed"},
        429: {
            "description": "Too many failed sign-ins or password checks for this account or "
            "from this address; `Retry-After` says after how many seconds to try again"
        },
    },
)
def change_my_password(
    request: Request,
    data: PasswordChange,
    settings: SettingsDep,
    engine: EngineDep,
    caller: SelfServiceCaller,
) -> Response:
    """Change your own password, giving the current one. Any user may, and one whose password
    an admin reset must before anything else. Every token issued before, this one included,
    stops working: log in again with the new password.

    A wrong current password counts as a failed sign-in (the same limits as `/v1/auth/token`).
    """
    # A plain function, so FastAPI runs it (and its password checks) in a worker thread; the
    # service opens short sessions around, never across, them.
    service.change_own_password(
        engine,
        settings=settings,
        user_id=caller.user_id,
        data=data,
        address=client_address(request),
    )
    return Response(status_code=204)


@router.get("/{user_id}", response_model=UserPublic)
def read_user(user_id: str, session: SessionDep, caller: CurrentCaller) -> UserPublic:
    """One user you can see."""
    return _public(service.get_for(session, caller=caller, user_id=user_id))


@router.patch("/{user_id}", response_model=UserPublic)
def update_user(
    user_id: str, data: UserUpdate, session: SessionDep, caller: CurrentCaller
) -> UserPublic:
    """Change a user's role, disable or enable them, or set a new password (admins).

    A new password ends every access token the user was issued before it. Set for another user,
    it is a reset: they must set their own (`POST /v1/users/me/password`) before anything else.
    """
    return _public(service.update_for(session, caller=caller, user_id=user_id, data=data))
