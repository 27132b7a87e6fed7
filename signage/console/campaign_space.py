"""A campaign's Outsmart SPACE ids (buyer, agency, brand), set from its page: the playout
file needs the buyer and the brand on every line. The form builds the API's own
`CampaignUpdate` and calls its service, so it refuses what `PATCH /v1/campaigns/{id}` refuses.
"""

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from signage.campaigns import service as campaigns
from signage.campaigns.models import CampaignUpdate
from signage.console.api_forms import PostedForm, unit_of_work
from signage.console.campaigns import campaign_page, require_police_staff
from signage.console.creative_forms import FieldError
from signage.console.i18n import N_
from signage.console.routing import ConsoleRoute, SignedInDep, VisitorDep, check_csrf

router = APIRouter(prefix="/console", route_class=ConsoleRoute, dependencies=[Depends(check_csrf)])

SPACE_FIELDS = ("spacebuyerid", "spaceagencyid", "spacebrandid")
NOT_AN_ID = {
    "spacebuyerid": N_("Enter the buyer ID as a whole number, such as 12345"),
    "spaceagencyid": N_("Enter the agency ID as a whole number, such as 12345"),
    "spacebrandid": N_("Enter the brand ID as a whole number, such as 12345"),
}


def _number(text: str) -> int | str | None:
    """A typed whole number as the API's JSON would carry it; other text is left for the
    API's model to refuse."""
    text = text.strip()
    if not text:
        return None
    return int(text) if text.isascii() and text.isdigit() else text


@router.post("/campaigns/{campaign_id}/space")
def set_space_ids(
    campaign_id: str,
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    form: PostedForm,
) -> Response:
    caller = signed_in.caller
    require_police_staff(caller)
    # Empty means "none"; anything else must be the API's whole number from 0 to 2147483647.
    given = {field: _number(form.get(field, "")) for field in SPACE_FIELDS}
    errors: tuple[FieldError, ...] = ()
    with unit_of_work(request.app.state.engine, write=True) as session:
        # 404 out of sight, 403 read-only, before anything is validated (as the API does).
        campaigns.get_for(session, caller=caller, campaign_id=campaign_id, write=True)
        try:
            data = CampaignUpdate.model_validate(given)
        except ValidationError as exc:
            wrong = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
            errors = tuple(FieldError(f, NOT_AN_ID[f]) for f in SPACE_FIELDS if f in wrong)
        else:
            campaigns.update_for(session, caller=caller, campaign_id=campaign_id, data=data)
    if errors:
        return campaign_page(
            request,
            visitor,
            caller,
            campaign_id,
            errors=errors,
            values={f: form.get(f, "") for f in SPACE_FIELDS},
            status_code=422,
        )
    return RedirectResponse(f"/console/campaigns/{campaign_id}#space", status_code=303)
