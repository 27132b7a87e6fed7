"""Organisations: create and look up; only a national admin creates them."""

from sqlmodel import Session, select

from signage.core.errors import Conflict, Forbidden
from signage.core.roles import OrganisationKind
from signage.core.tenancy import Caller, get_scoped, scoped_select
from signage.organisations.models import Organisation, OrganisationCreate


def find_by_name(session: Session, name: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.name == name)).first()


def create_organisation(session: Session, *, name: str, kind: OrganisationKind) -> Organisation:
    if find_by_name(session, name) is not None:
        raise Conflict(f"an organisation named {name!r} already exists")
    organisation = Organisation(name=name, kind=kind)
    session.add(organisation)
    session.flush()
    return organisation


def create_for(session: Session, *, caller: Caller, data: OrganisationCreate) -> Organisation:
    if not caller.is_national_admin:
        raise Forbidden("only an admin of a national organisation creates organisations")
    return create_organisation(session, name=data.name, kind=data.kind)


def list_for(
    session: Session, *, caller: Caller, kind: OrganisationKind | None = None
) -> list[Organisation]:
    query = scoped_select(caller, Organisation).order_by(Organisation.name)
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    return list(session.exec(query))


def get_for(session: Session, *, caller: Caller, organisation_id: str) -> Organisation:
    return get_scoped(session, caller, Organisation, organisation_id, what="organisation")
