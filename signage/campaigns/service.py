"""Campaigns: police editors create and edit their organisation's; national reads them all."""

from typing import Any

from sqlmodel import Session

from signage.campaigns.models import Campaign, CampaignCreate, CampaignUpdate, edits_campaigns
from signage.core.errors import Forbidden, Invalid
from signage.core.tenancy import Caller, get_scoped, scoped_select
from signage.core.types import utcnow


def create_for(session: Session, *, caller: Caller, data: CampaignCreate) -> Campaign:
    if not edits_campaigns(caller):
        raise Forbidden(
            "only editors, approvers and admins of a national or force organisation "
            "create campaigns"
        )
    campaign = Campaign(
        organisation_id=caller.organisation_id,
        created_by=caller.user_id,
        name=data.name,
        description=data.description,
        spacebuyerid=data.spacebuyerid,
        spaceagencyid=data.spaceagencyid,
        spacebrandid=data.spacebrandid,
    )
    session.add(campaign)
    session.flush()
    return campaign


def list_for(session: Session, *, caller: Caller) -> list[Campaign]:
    query = scoped_select(caller, Campaign).order_by(Campaign.name, Campaign.id)
    return list(session.exec(query))


def get_for(session: Session, *, caller: Caller, campaign_id: str, write: bool = False) -> Campaign:
    return get_scoped(session, caller, Campaign, campaign_id, write=write, what="campaign")


def update_for(
    session: Session, *, caller: Caller, campaign_id: str, data: CampaignUpdate
) -> Campaign:
    campaign = get_for(session, caller=caller, campaign_id=campaign_id, write=True)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise Invalid("name: may be changed but not removed")
    for field, value in changes.items():
        setattr(campaign, field, value)
    campaign.updated_at = utcnow()
    session.add(campaign)
    session.flush()
    return campaign
