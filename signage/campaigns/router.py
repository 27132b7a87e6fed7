from fastapi import APIRouter

from signage.campaigns import service
from signage.campaigns.models import Campaign, CampaignCreate, CampaignPublic, CampaignUpdate
from signage.core.deps import CurrentCaller, SessionDep

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"])


def _public(campaign: Campaign) -> CampaignPublic:
    return CampaignPublic.model_validate(campaign, from_attributes=True)


@router.post("", status_code=201, response_model=CampaignPublic)
def create_campaign(
    data: CampaignCreate, session: SessionDep, caller: CurrentCaller
) -> CampaignPublic:
    """Start a campaign of your organisation (editors, approvers and admins of a police
    organisation). Upload its images and videos with `POST /v1/creatives`."""
    return _public(service.create_for(session, caller=caller, data=data))


@router.get("", response_model=list[CampaignPublic])
def list_campaigns(session: SessionDep, caller: CurrentCaller) -> list[CampaignPublic]:
    """Campaigns you can see: your organisation's; national staff see every force's too."""
    return [_public(c) for c in service.list_for(session, caller=caller)]


@router.get("/{campaign_id}", response_model=CampaignPublic)
def read_campaign(campaign_id: str, session: SessionDep, caller: CurrentCaller) -> CampaignPublic:
    """One campaign you can see."""
    return _public(service.get_for(session, caller=caller, campaign_id=campaign_id))


@router.patch("/{campaign_id}", response_model=CampaignPublic)
def update_campaign(
    campaign_id: str, data: CampaignUpdate, session: SessionDep, caller: CurrentCaller
) -> CampaignPublic:
    """Rename a campaign of your organisation or change its description."""
    return _public(service.update_for(session, caller=caller, campaign_id=campaign_id, data=data))
