from typing import Any

from fastapi import APIRouter, Request, Response
from sqlmodel import Session, col, select

from signage.core.deps import CurrentCaller, SessionDep
from signage.organisations.models import Organisation
from signage.takeovers import cap, service
from signage.takeovers.models import Takeover, TakeoverCreate, TakeoverEnd, TakeoverPublic
from signage.venues.models import Venue

router = APIRouter(prefix="/v1/takeovers", tags=["takeovers"])

_cap_response: dict[int | str, dict[str, Any]] = {
    200: {"content": {cap.CAP_MEDIA_TYPE: {}}, "description": "A CAP 1.2 alert (OASIS)"}
}
# An area's postcodes in the CAP document: enough to place it, not the whole country.
MAX_GEOCODES = 500


def _detail(session: Session, takeover: Takeover) -> TakeoverPublic:
    screens = service.targeted_screens(session, takeover)
    return service.to_public(session, takeover, screens=screens)


@router.post("", status_code=201, response_model=TakeoverPublic)
def create_takeover(
    data: TakeoverCreate, session: SessionDep, caller: CurrentCaller
) -> TakeoverPublic:
    """Put approved creatives on every screen the target reaches, above every schedule, from
    `starts_at` (default now) to `ends_at` (at most 12 hours later).

    It starts once a second person, an approver other than you, confirms it
    (`POST /v1/takeovers/{id}/confirm`). In an emergency send `"break_glass": true`: it starts
    at once, and ends after 15 minutes unless someone confirms it by then. Editors and
    approvers of a force (its own area only) or of national staff may take over; partners may
    not. Every step is in the audit log."""
    return _detail(session, service.create_for(session, caller=caller, data=data))


@router.get("", response_model=list[TakeoverPublic])
def list_takeovers(session: SessionDep, caller: CurrentCaller) -> list[TakeoverPublic]:
    """Takeovers you can see, newest first (at most 200): your organisation's (national staff
    see all), each with how many screens it reaches now (`screen_count`); each one's screens
    are listed by `GET /v1/takeovers/{id}`."""
    takeovers = service.list_for(session, caller=caller)
    return [
        service.to_public(session, t, count=service.screen_count(session, t)) for t in takeovers
    ]


@router.get("/{takeover_id}.cap.xml", response_class=Response, responses=_cap_response)
def takeover_cap(
    takeover_id: str, request: Request, session: SessionDep, caller: CurrentCaller
) -> Response:
    """The takeover as a Common Alerting Protocol 1.2 alert, for other public-warning systems:
    an `Alert` while it is pending or showing, a `Cancel` once someone ended it early."""
    takeover = service.get_for(session, caller=caller, takeover_id=takeover_id)
    alert = _alert(session, takeover, request)
    return Response(cap.render_cap(alert), media_type=cap.CAP_MEDIA_TYPE)


def _area(session: Session, takeover: Takeover) -> cap.CapArea:
    screens = service.targeted_screens(session, takeover)
    venue_ids = sorted({s.venue_id for s in screens})
    postcodes: set[str] = set()
    for start in range(0, len(venue_ids), 2000):
        postcodes.update(
            p
            for p in session.exec(
                select(Venue.postcode).where(col(Venue.id).in_(venue_ids[start : start + 2000]))
            )
            if p
        )
    target = takeover.target
    forces = [
        o.name
        for o in session.exec(
            select(Organisation).where(col(Organisation.id).in_(target.get("force_ids", [])))
        )
    ]
    if not forces:
        owner = session.get(Organisation, takeover.organisation_id)
        if owner is not None and owner.kind == "force":
            forces = [owner.name]
    where = ", ".join(sorted(forces)) if forces else "England, Wales, Scotland, Northern Ireland"
    kinds = ", ".join(k.replace("_", " ") for k in target.get("venue_kinds", []))
    described = f"{kinds} venues" if kinds else "venues"
    description = f"Screens in {described} in the area of {where}: {len(screens)} screens"
    if target.get("venue_ids"):
        description += f" in {len(venue_ids)} named venues"
    geocodes = tuple(("postcode", p) for p in sorted(postcodes)[:MAX_GEOCODES])
    return cap.CapArea(description=description, geocodes=geocodes)


def _alert(session: Session, takeover: Takeover, request: Request) -> cap.CapAlert:
    owner = session.get(Organisation, takeover.organisation_id)
    sender_name = owner.name if owner is not None else "signage"
    host = (request.url.hostname or "localhost").replace(",", "").replace(" ", "")
    sender = f"signage@{host}"
    issued = takeover.confirmed_at or takeover.created_at
    identifier = f"signage-takeover-{takeover.id}"
    ending, _ = takeover.end_at()
    starts = takeover.on_air_from()
    common: dict[str, Any] = {
        "sender": sender,
        "event": "Public safety message",
        "headline": f"{sender_name}: urgent public safety message on venue screens",
        "description": takeover.reason,
        "instruction": "Walk away from trouble: if a situation is getting heated, leave.",
        "sender_name": sender_name,
        "effective": starts,
        "onset": starts,
        "expires": max(ending, starts),
        "area": _area(session, takeover),
        "web": f"{request.base_url}console/takeovers/{takeover.id}",
    }
    if takeover.ended_at is not None and takeover.ended_by is not None:
        return cap.CapAlert(
            identifier=f"{identifier}-cancel",
            sent=takeover.ended_at,
            msg_type="Cancel",
            references=((sender, identifier, issued),),
            note="Ended early",
            **common,
        )
    return cap.CapAlert(identifier=identifier, sent=issued, msg_type="Alert", **common)


@router.get("/{takeover_id}", response_model=TakeoverPublic)
def read_takeover(takeover_id: str, session: SessionDep, caller: CurrentCaller) -> TakeoverPublic:
    """One takeover: its state (`pending`, `active`, `ended`) and the screens it reaches."""
    return _detail(session, service.get_for(session, caller=caller, takeover_id=takeover_id))


@router.post("/{takeover_id}/confirm", response_model=TakeoverPublic)
def confirm_takeover(
    takeover_id: str, session: SessionDep, caller: CurrentCaller
) -> TakeoverPublic:
    """The second person's confirmation: an approver of the organisation, never the creator.
    A pending takeover starts (at once, or at its `starts_at`); a break-glass one keeps going
    until its end."""
    takeover = service.confirm_for(session, caller=caller, takeover_id=takeover_id)
    return _detail(session, takeover)


@router.post("/{takeover_id}/end", response_model=TakeoverPublic)
def end_takeover(
    takeover_id: str,
    session: SessionDep,
    caller: CurrentCaller,
    data: TakeoverEnd | None = None,
) -> TakeoverPublic:
    """End the takeover now (or call off one not started yet); screens go back to their
    schedules. An optional `reason` is kept in the audit log."""
    takeover = service.end_for(
        session, caller=caller, takeover_id=takeover_id, reason=data.reason if data else None
    )
    return _detail(session, takeover)
