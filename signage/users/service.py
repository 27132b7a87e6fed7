"""User accounts: creation by admins, password login."""

from sqlmodel import Session, select

from signage.core.errors import Conflict, Forbidden, Invalid
from signage.core.roles import ROLES_BY_KIND, OrganisationKind, Role
from signage.core.security import hash_password, verify_password
from signage.core.tenancy import Caller, get_scoped, scoped_select
from signage.organisations.models import Organisation
from signage.users.models import User, UserCreate, UserUpdate


def _check_role_fits(role: Role, organisation: Organisation) -> None:
    kind = OrganisationKind(organisation.kind)
    if role not in ROLES_BY_KIND[kind]:
        allowed = ", ".join(sorted(r.value for r in ROLES_BY_KIND[kind]))
        raise Invalid(
            f"role {role.value!r} does not exist in a {kind.value} organisation; use {allowed}"
        )


def create_user(
    session: Session, *, email: str, password: str, role: Role, organisation: Organisation
) -> User:
    _check_role_fits(role, organisation)
    email = email.strip().lower()
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise Conflict(f"a user with email {email} already exists")
    user = User(
        email=email,
        password_hash=hash_password(password),
        role=role,
        organisation_id=organisation.id,
    )
    session.add(user)
    session.flush()
    return user


def create_for(session: Session, *, caller: Caller, data: UserCreate) -> User:
    if caller.role is not Role.admin:
        raise Forbidden("only an admin adds users")
    organisation = get_scoped(
        session, caller, Organisation, data.organisation_id, what="organisation"
    )
    if organisation.id != caller.organisation_id and not caller.is_national_admin:
        raise Forbidden("an admin adds users to their own organisation only")
    return create_user(
        session, email=data.email, password=data.password, role=data.role, organisation=organisation
    )


def list_for(session: Session, *, caller: Caller) -> list[User]:
    return list(session.exec(scoped_select(caller, User).order_by(User.email)))


def get_for(session: Session, *, caller: Caller, user_id: str, write: bool = False) -> User:
    return get_scoped(session, caller, User, user_id, write=write, what="user")


def update_for(session: Session, *, caller: Caller, user_id: str, data: UserUpdate) -> User:
    user = get_for(session, caller=caller, user_id=user_id, write=True)
    changes = data.model_dump(exclude_unset=True)
    if user.id == caller.user_id and ("role" in changes or changes.get("is_active") is False):
        # An admin demoting or disabling themselves could leave an organisation with no admin.
        raise Forbidden("you cannot change your own role or disable your own account")
    if "role" in changes and changes["role"] is not None:
        organisation = session.get(Organisation, user.organisation_id)
        assert organisation is not None
        _check_role_fits(changes["role"], organisation)
        user.role = changes["role"]
    if changes.get("is_active") is not None:
        user.is_active = changes["is_active"]
    if changes.get("password") is not None:
        user.password_hash = hash_password(changes["password"])
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if not verify_password(password, user.password_hash if user else None):
        return None
    assert user is not None
    return user if user.is_active else None
