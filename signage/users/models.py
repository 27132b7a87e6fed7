"""Staff and partner user accounts."""

from datetime import datetime

from pydantic import EmailStr, StrictBool, field_validator
from sqlalchemy import ColumnElement, String, false
from sqlmodel import Field, SQLModel, col

from signage.core.models import created_at_field, fk_field, id_field, instant_field
from signage.core.roles import Role
from signage.core.tenancy import ALL, NONE, Caller, tenancy_rule


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: str = id_field()
    email: str = Field(max_length=254, unique=True)
    password_hash: str = Field(max_length=255)
    role: Role = Field(sa_type=String(16))
    organisation_id: str = fk_field("organisations.id")
    is_active: bool = Field(default=True)
    created_at: datetime = created_at_field()
    # Access tokens issued before this instant are refused: set when the password changes.
    tokens_valid_after: datetime | None = instant_field()
    # Set when an admin resets the password (the admin knows it): until the user chooses a new
    # one, they may do nothing else (signage.core.deps, signage.console.routing).
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class RevokedToken(SQLModel, table=True):
    """An access token ended by signing out, kept (by a digest of its id) until it expires."""

    __tablename__ = "revoked_tokens"

    token_id_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = fk_field("users.id", ondelete="CASCADE")
    expires_at: datetime = instant_field(nullable=False, index=True)


@tenancy_rule(User)
def _user_rule(caller: Caller, write: bool) -> ColumnElement[bool]:
    if caller.is_national_admin:
        return ALL
    if caller.role is Role.admin:
        return col(User.organisation_id) == caller.organisation_id
    # Everyone else sees only themselves, and changes their account through no user endpoint.
    return NONE if write else col(User.id) == caller.user_id


# What any password must be, wherever it is set.
PASSWORD_MIN = 8
PASSWORD_MAX = 256


class UserCreate(SQLModel):
    email: EmailStr
    password: str = Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)
    role: Role
    organisation_id: str = Field(min_length=1, max_length=36)
    # True: the password is a temporary one the admin passes on, and the user must choose their
    # own at their first sign-in (the console's Add user always asks for this).
    must_change_password: StrictBool = False

    @field_validator("email")
    @classmethod
    def _lower_email(cls, value: str) -> str:
        return value.strip().lower()


class UserUpdate(SQLModel):
    role: Role | None = None
    # Strict: 0, 1 or "yes" are not booleans, whatever pydantic's lax mode would make of them.
    is_active: StrictBool | None = None
    password: str | None = Field(default=None, min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)


class PasswordChange(SQLModel):
    """A user changing their own password: the one they have now, and the new one."""

    # Longer than any password can be; the check refuses whatever is not the current one.
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)


class UserPublic(SQLModel):
    id: str
    email: str
    role: Role
    organisation_id: str
    is_active: bool
    # An admin reset the password: the user must set a new one before anything else.
    must_change_password: bool


class Token(SQLModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
