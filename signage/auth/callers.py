"""Building a `Caller` from a user and their organisation: for the API, the console and the
demo seeder alike."""

from sqlalchemy import Engine
from sqlmodel import Session

from signage.core.db import read_session
from signage.core.errors import Unauthorized
from signage.core.roles import OrganisationKind, Role
from signage.core.security import AccessClaims, hash_secret
from signage.core.tenancy import Caller
from signage.organisations.models import Organisation
from signage.users.models import RevokedToken, User


def caller_for(user: User, organisation: Organisation) -> Caller:
    return Caller(
        user_id=user.id,
        email=user.email,
        role=Role(user.role),
        organisation_id=organisation.id,
        organisation_kind=OrganisationKind(organisation.kind),
        must_change_password=user.must_change_password,
    )


def caller_for_user(session: Session, user: User) -> Caller:
    organisation = session.get(Organisation, user.organisation_id)
    assert organisation is not None  # foreign key
    return caller_for(user, organisation)


def load_caller(engine: Engine, claims: AccessClaims) -> Caller:
    """The caller a valid access token speaks for, read afresh (a disabled user, a changed role
    or password, a sign-out take effect at once), in a short session of its own so that
    authenticating never opens or locks the request's transaction. 401 otherwise."""
    with read_session(engine) as session:
        user = session.get(User, claims.user_id)
        if user is None or not user.is_active:
            raise Unauthorized("This account no longer exists or is disabled")
        if user.tokens_valid_after is not None and claims.issued_at < user.tokens_valid_after:
            raise Unauthorized(
                "This token was issued before the password was changed; log in again"
            )
        if session.get(RevokedToken, hash_secret(claims.token_id)) is not None:
            raise Unauthorized("This token was signed out; log in again")
        return caller_for_user(session, user)
