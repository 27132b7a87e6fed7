from fastapi import APIRouter

from signage.core.deps import CurrentCaller, SessionDep
from signage.core.roles import OrganisationKind
from signage.organisations import service
from signage.organisations.models import OrganisationCreate, OrganisationPublic

router = APIRouter(prefix="/v1/organisations", tags=["organisations"])


@router.post("", status_code=201, response_model=OrganisationPublic)
def create_organisation(
    data: OrganisationCreate, session: SessionDep, caller: CurrentCaller
) -> OrganisationPublic:
    """Create an organisation: a police force, a partner venue operator or a national body.

    Only an admin of a national organisation may do this.
    """
    organisation = service.create_for(session, caller=caller, data=data)
    return OrganisationPublic.model_validate(organisation, from_attributes=True)


@router.get("", response_model=list[OrganisationPublic])
def list_organisations(
    session: SessionDep, caller: CurrentCaller, kind: OrganisationKind | None = None
) -> list[OrganisationPublic]:
    """Organisations you can see: your own and every police force (national sees all)."""
    return [
        OrganisationPublic.model_validate(o, from_attributes=True)
        for o in service.list_for(session, caller=caller, kind=kind)
    ]


@router.get("/{organisation_id}", response_model=OrganisationPublic)
def get_organisation(
    organisation_id: str, session: SessionDep, caller: CurrentCaller
) -> OrganisationPublic:
    """One organisation you can see."""
    organisation = service.get_for(session, caller=caller, organisation_id=organisation_id)
    return OrganisationPublic.model_validate(organisation, from_attributes=True)
