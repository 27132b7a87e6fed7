from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from signage.core.deps import CurrentCaller, SessionDep, SettingsDep
from signage.core.errors import Unauthorized
from signage.core.security import issue_access_token
from signage.users import service
from signage.users.models import Token, UserCreate, UserPublic, UserUpdate

auth_router = APIRouter(prefix="/v1/auth", tags=["auth"])
router = APIRouter(prefix="/v1/users", tags=["users"])


@auth_router.post("/token", response_model=Token)
def login(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    """Log in with email (as `username`) and password; returns a bearer access token."""
    user = service.authenticate(session, email=form.username, password=form.password)
    if user is None:
        raise Unauthorized("Wrong email or password")
    lifetime = timedelta(minutes=settings.access_token_minutes)
    token = issue_access_token(
        user_id=user.id, secret=request.app.state.secret_key, lifetime=lifetime
    )
    return Token(access_token=token, expires_in=int(lifetime.total_seconds()))


def _public(user: object) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


@router.post("", status_code=201, response_model=UserPublic)
def create_user(data: UserCreate, session: SessionDep, caller: CurrentCaller) -> UserPublic:
    """Add a user. Admins add users to their own organisation; a national admin to any."""
    return _public(service.create_for(session, caller=caller, data=data))


@router.get("", response_model=list[UserPublic])
def list_users(session: SessionDep, caller: CurrentCaller) -> list[UserPublic]:
    """Users you can see: an admin sees their organisation's, a national admin everyone."""
    return [_public(u) for u in service.list_for(session, caller=caller)]


@router.get("/me", response_model=UserPublic)
def read_me(session: SessionDep, caller: CurrentCaller) -> UserPublic:
    """The logged-in user."""
    return _public(service.get_for(session, caller=caller, user_id=caller.user_id))


@router.get("/{user_id}", response_model=UserPublic)
def read_user(user_id: str, session: SessionDep, caller: CurrentCaller) -> UserPublic:
    """One user you can see."""
    return _public(service.get_for(session, caller=caller, user_id=user_id))


@router.patch("/{user_id}", response_model=UserPublic)
def update_user(
    user_id: str, data: UserUpdate, session: SessionDep, caller: CurrentCaller
) -> UserPublic:
    """Change a user's role, disable or enable them, or set a new password (admins)."""
    return _public(service.update_for(session, caller=caller, user_id=user_id, data=data))
