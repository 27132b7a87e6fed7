"""User accounts: creation by admins, signing in and out, changing passwords.

A password an admin sets for someone else (a new account's first password, a reset) is a
temporary one, which the admin knows: such an account is marked ``must_change_password``, and
until its user chooses their own password they may do nothing but that (signage.core.deps for
the API, signage.console.routing for the console). Every password change ends the user's
tokens and console sessions issued before it (``tokens_valid_after``).

Passwords are hashed and verified (argon2, slow on purpose) with no transaction open: before a
session's first query, or between short sessions of their own, so a slow hash never holds a
database lock or a pooled connection that other requests wait for.
"""

from contextlib import contextmanager

from sqlalchemy import Engine, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from signage.audit.service import record as audit
from signage.core import throttle
from signage.core.config import Settings
from signage.core.db import read_session, session_scope
from signage.core.errors import Conflict, Forbidden, Invalid, Unauthorized
from signage.core.roles import ROLES_BY_KIND, OrganisationKind, Role
from signage.core.security import AccessClaims, hash_password, hash_secret, verify_password
from signage.core.tenancy import Caller, get_scoped, scoped_select, visible
from signage.core.types import utcnow
from signage.organisations.models import Organisation
from signage.users.models import PasswordChange, RevokedToken, User, UserCreate, UserUpdate

_unit_of_work = contextmanager(session_scope)


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
    return _add_user(
        session,
        email=email,
        password_hash=hash_password(password),
        role=role,
        organisation=organisation,
    )


def _add_user(
    session: Session,
    *,
    email: str,
    password_hash: str,
    role: Role,
    organisation: Organisation,
    must_change_password: bool = False,
) -> User:
    _check_role_fits(role, organisation)
    email = email.strip().lower()
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise Conflict(f"a user with email {email} already exists")
    user = User(
        email=email,
        password_hash=password_hash,
        role=role,
        organisation_id=organisation.id,
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    return user


def create_for(session: Session, *, caller: Caller, data: UserCreate) -> User:
    if caller.role is not Role.admin:
        raise Forbidden("only an admin adds users")
    # Hashed before the session's first query, so no transaction is open meanwhile.
    password_hash = hash_password(data.password)
    organisation = get_scoped(
        session, caller, Organisation, data.organisation_id, what="organisation"
    )
    if not _may_add_to(caller, organisation):
        raise Forbidden("an admin adds users to their own organisation only")
    user = _add_user(
        session,
        email=data.email,
        password_hash=password_hash,
        role=data.role,
        organisation=organisation,
        must_change_password=data.must_change_password,
    )
    _audit(session, caller, user, "user.created", {"email": user.email, "role": user.role})
    return user


def _audit(
    session: Session, caller: Caller, user: User, action: str, detail: dict[str, object]
) -> None:
    audit(
        session,
        caller=caller,
        action=action,
        object_kind="user",
        object_id=user.id,
        organisation_id=user.organisation_id,
        detail=detail,
    )


def _may_add_to(caller: Caller, organisation: Organisation) -> bool:
    return caller.role is Role.admin and (
        caller.is_national_admin or organisation.id == caller.organisation_id
    )


def organisations_for_new_users(session: Session, *, caller: Caller) -> list[Organisation]:
    """The organisations ``caller`` may add users to (create_for's rule), by name: every one
    for a national admin, their own for another admin, none for anyone else."""
    found = session.exec(scoped_select(caller, Organisation).order_by(Organisation.name))
    return [organisation for organisation in found if _may_add_to(caller, organisation)]


def list_for(
    session: Session, *, caller: Caller, offset: int = 0, limit: int | None = None
) -> list[User]:
    query = scoped_select(caller, User).order_by(User.email).offset(offset)
    return list(session.exec(query if limit is None else query.limit(limit)))


def count_for(session: Session, *, caller: Caller) -> int:
    query = select(func.count()).select_from(User).where(visible(caller, User))
    return int(session.exec(query).one())


def get_for(session: Session, *, caller: Caller, user_id: str, write: bool = False) -> User:
    return get_scoped(session, caller, User, user_id, write=write, what="user")


def update_for(session: Session, *, caller: Caller, user_id: str, data: UserUpdate) -> User:
    changes = data.model_dump(exclude_unset=True)
    # Hashed before the session's first query, so no transaction is open meanwhile.
    new_hash = hash_password(changes["password"]) if changes.get("password") else None
    user = get_for(session, caller=caller, user_id=user_id, write=True)
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
    if new_hash is not None:
        user.password_hash = new_hash
        # Every token issued until now stops working (signage.auth.callers.load_caller).
        user.tokens_valid_after = utcnow()
        # Someone else's password set by an admin is a reset: the admin knows it, so the user
        # must choose their own at their next sign-in. An admin setting their own chose it.
        user.must_change_password = user.id != caller.user_id
    session.add(user)
    # Which fields changed, never the password itself.
    detail: dict[str, object] = {"email": user.email, "fields": sorted(changes)}
    if "role" in changes:
        detail["role"] = user.role
    if changes.get("is_active") is not None:
        detail["is_active"] = user.is_active
    _audit(session, caller, user, "user.updated", detail)
    session.flush()
    return user


# --- signing in and out ---------------------------------------------------------------------

# The longest email an account can have; anything longer is checked against no account.
_MAX_EMAIL = 254


def _sign_in_limits(settings: Settings, *, email: str, address: str) -> list[throttle.Limit]:
    # Always the account first, then the address: concurrent sign-ins lock rows in one order.
    window = settings.login_throttle_seconds
    return [
        throttle.Limit(
            key=f"login:account:{throttle.key_part(email)}",
            limit=settings.login_failures_per_account,
            window_seconds=window,
        ),
        throttle.Limit(
            key=f"login:addr:{throttle.key_part(address)}",
            limit=settings.login_failures_per_address,
            window_seconds=window,
        ),
    ]


def _find_account(engine: Engine, email: str) -> User | None:
    if len(email) > _MAX_EMAIL or not email.isprintable():
        # No account has such an email (and databases refuse NUL or lone surrogates in text).
        return None
    with read_session(engine) as session:
        return session.exec(select(User).where(User.email == email)).first()


def sign_in(engine: Engine, *, settings: Settings, email: str, password: str, address: str) -> User:
    """The active user with this email and password, or 401; 429 when there have been too
    many failed sign-ins for the account, or from the address, in the throttle window.

    Each attempt is counted before the password is checked, so concurrent guesses cannot
    overrun the limit, and a refused attempt costs no password check at all (and is not counted:
    its transaction rolls back). A successful sign-in gives its count back; it does not wipe
    earlier failures, which age out with their window. Unknown emails are counted like known
    ones, so the limit reveals nothing about which accounts exist.
    """
    email = email.strip().lower()
    limits = _sign_in_limits(settings, email=email, address=address)
    with _unit_of_work(engine, write=True) as session:
        attempts = throttle.count_attempts(session, limits)
        if any(attempt.over_limit for attempt in attempts):
            raise throttle.refuse(
                "too many failed sign-ins for this account or from this address; try again later",
                attempts,
            )
    user = _find_account(engine, email)
    # No session is open here: verifying takes a tenth of a second of CPU on purpose.
    verified = verify_password(password, user.password_hash if user else None)
    if user is None or not verified or not user.is_active:
        raise Unauthorized("Wrong email or password")
    with _unit_of_work(engine, write=True) as session:
        for attempt in attempts:
            throttle.refund(session, attempt)
    return user


# The service's refusals of a password change, by the field they are about.
WRONG_CURRENT_PASSWORD = "current_password: that is not your current password"
SAME_PASSWORD = "new_password: choose a password that is different from your current one"


def change_own_password(
    engine: Engine, *, settings: Settings, user_id: str, data: PasswordChange, address: str
) -> User:
    """Set the user's own password, given the one they have now; clears
    ``must_change_password`` and ends every token and console session issued before.

    The current password is checked as sign_in checks one, under the same throttle (the
    account's and the address's sign-in limits): someone who found a signed-in browser cannot
    use this form to guess the password any faster than the sign-in form. A wrong current
    password is a 422 on that field; too many failures a 429.
    """
    if data.new_password == data.current_password:
        raise Invalid(SAME_PASSWORD)  # two things typed in the form: nothing to count or check
    with read_session(engine) as session:
        user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise Unauthorized("This account no longer exists or is disabled")
    limits = _sign_in_limits(settings, email=user.email, address=address)
    with _unit_of_work(engine, write=True) as session:
        attempts = throttle.count_attempts(session, limits)
        if any(attempt.over_limit for attempt in attempts):
            raise throttle.refuse(
                "too many failed sign-ins for this account or from this address; try again later",
                attempts,
            )
    # No session is open while the passwords are checked and hashed (slow on purpose).
    if not verify_password(data.current_password, user.password_hash):
        raise Invalid(WRONG_CURRENT_PASSWORD)
    new_hash = hash_password(data.new_password)
    with _unit_of_work(engine, write=True) as session:
        stored = session.get(User, user_id, with_for_update=True)
        if stored is None or not stored.is_active:
            raise Unauthorized("This account no longer exists or is disabled")
        if stored.password_hash != user.password_hash:
            # An admin reset it while this was checked: theirs stands.
            raise Conflict("the password was changed meanwhile; sign in again")
        for attempt in attempts:
            throttle.refund(session, attempt)
        stored.password_hash = new_hash
        stored.must_change_password = False
        stored.tokens_valid_after = utcnow()
        session.add(stored)
        session.flush()
    return stored


def sign_out(session: Session, *, user_id: str, claims: AccessClaims) -> None:
    """End the token these claims came from; every other token of the user keeps working."""
    now = utcnow()
    # Ended tokens are kept only until they would have expired anyway.
    session.execute(delete(RevokedToken).where(col(RevokedToken.expires_at) <= now))
    revoked = RevokedToken(
        token_id_hash=hash_secret(claims.token_id),
        user_id=user_id,
        expires_at=claims.expires_at,
    )
    try:
        with session.begin_nested():
            session.add(revoked)
    except IntegrityError:
        pass  # a sign-out of the same token at the same moment already recorded it
