"""The one scoping helper every query on tenant data goes through.

An object the caller may not see is reported as missing (404), never as forbidden, so one
organisation cannot learn what another holds. An object the caller may see but not change
(a force reading the venues in its area) is a 403.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, false, true
from sqlmodel import Session, SQLModel, select
from sqlmodel.sql.expression import SelectOfScalar

from signage.core.errors import Forbidden, NotFound
from signage.core.roles import OrganisationKind, Role
from signage.core.schemas import is_storable


@dataclass(frozen=True)
class Caller:
    """The authenticated person behind a request."""

    user_id: str
    email: str
    role: Role
    organisation_id: str
    organisation_kind: OrganisationKind
    # An admin reset the password: nothing but setting a new one until then (signage.core.deps,
    # signage.console.routing).
    must_change_password: bool = False

    @property
    def is_national(self) -> bool:
        return self.organisation_kind is OrganisationKind.national

    @property
    def is_national_admin(self) -> bool:
        return self.is_national and self.role is Role.admin

    @property
    def manages_venues(self) -> bool:
        return self.organisation_kind is OrganisationKind.partner and self.role in (
            Role.partner,
            Role.admin,
        )


Rule = Callable[[Caller, bool], ColumnElement[bool]]
_rules: dict[type[Any], Rule] = {}

M = TypeVar("M", bound=SQLModel)


def tenancy_rule(model: type[Any]) -> Callable[[Rule], Rule]:
    """Register how ``model`` is scoped: a SQL condition for what a caller may read or write."""

    def register(rule: Rule) -> Rule:
        _rules[model] = rule
        return rule

    return register


def visible(caller: Caller, model: type[Any], *, write: bool = False) -> ColumnElement[bool]:
    try:
        rule = _rules[model]
    except KeyError:
        raise LookupError(f"{model.__name__} has no tenancy rule") from None
    return rule(caller, write)


def scoped_select(caller: Caller, model: type[M], *, write: bool = False) -> SelectOfScalar[M]:
    return select(model).where(visible(caller, model, write=write))


def get_scoped(
    session: Session,
    caller: Caller,
    model: type[M],
    object_id: str,
    *,
    write: bool = False,
    what: str | None = None,
) -> M:
    """Fetch one object by id for ``caller``: 404 if out of sight, 403 if read-only to them."""
    label = what or model.__name__.lower()
    if not is_storable(object_id):  # no id holds such text, and PostgreSQL refuses to compare it
        raise NotFound(f"{label} not found")
    id_column = model.id  # type: ignore[attr-defined]
    found = session.exec(scoped_select(caller, model).where(id_column == object_id)).first()
    if found is None:
        raise NotFound(f"{label} {object_id} not found")
    if write:
        writable = session.exec(
            select(id_column).where(id_column == object_id, visible(caller, model, write=True))
        ).first()
        if writable is None:
            raise Forbidden(f"you may read this {label} but not change it")
    return found


ALL: ColumnElement[bool] = true()
NONE: ColumnElement[bool] = false()
