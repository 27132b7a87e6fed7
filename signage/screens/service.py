"""Screens: registration, editing, device tokens and revocation."""

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from signage.audit.service import record as audit
from signage.core.db import read_session
from signage.core.errors import Conflict, Forbidden, Invalid
from signage.core.schemas import is_storable
from signage.core.security import hash_secret, new_device_token
from signage.core.tenancy import Caller, get_scoped, scoped_select
from signage.core.types import utcnow
from signage.screens.models import (
    Orientation,
    Screen,
    ScreenCreate,
    ScreenPublic,
    ScreenStatus,
    ScreenUpdate,
    ScreenWithToken,
)
from signage.screens.seen import Sighting
from signage.venues import service as venues
from signage.venues.models import Venue


def to_public(
    screen: Screen, *, offline_after: timedelta, reported: Sighting | None = None
) -> ScreenPublic:
    """The screen as the API shows it; ``reported`` is what the screen told this process in
    the last few seconds and is not written yet (see signage/screens/seen.py)."""
    # Columns come back as plain strings where the model says enum; the schema re-validates.
    fields = screen.model_dump(warnings=False)
    if reported is not None:
        if fields["last_seen_at"] is None or fields["last_seen_at"] < reported.at:
            fields["last_seen_at"] = reported.at
        if reported.player is not None:
            fields["player"] = reported.player
        if reported.reported_playing:
            fields["playing_creative_id"] = reported.playing_creative_id
    last_seen = fields["last_seen_at"]
    if last_seen is None:
        status: ScreenStatus = "never_seen"
    else:
        status = "online" if utcnow() - last_seen <= offline_after else "offline"
    return ScreenPublic.model_validate({**fields, "status": status})


def with_token(screen: Screen, token: str, *, offline_after: timedelta) -> ScreenWithToken:
    public = to_public(screen, offline_after=offline_after)
    return ScreenWithToken(**public.model_dump(), device_token=token)


def managed_venue(session: Session, *, caller: Caller, venue_id: str) -> Venue:
    if not caller.manages_venues:
        raise Forbidden("only a partner organisation's partner users or admins manage screens")
    return get_scoped(session, caller, Venue, venue_id, write=True, what="venue")


def issue_token(screen: Screen) -> str:
    """Give the screen a new device token; any previous token stops working at once."""
    token = new_device_token()
    screen.token_hash = hash_secret(token)
    return token


def add_screen(
    session: Session,
    *,
    venue: Venue,
    name: str,
    orientation: Orientation | str | None,
    tags: list[str],
    width: int | None = None,
    height: int | None = None,
    player: str | None = None,
) -> Screen:
    """A new screen in ``venue`` (already checked as the caller's), with no token yet: the one
    way screens come to be, whether registered directly or claimed by a pairing code."""
    screen = Screen(
        venue_id=venue.id,
        name=name,
        orientation=Orientation(orientation) if orientation else None,
        tags=tags,
        width=width,
        height=height,
        player=player,
    )
    session.add(screen)
    session.flush()
    return screen


def create_for(session: Session, *, caller: Caller, data: ScreenCreate) -> tuple[Screen, str]:
    venue = managed_venue(session, caller=caller, venue_id=data.venue_id)
    screen = add_screen(
        session, venue=venue, name=data.name, orientation=data.orientation, tags=data.tags
    )
    token = issue_token(screen)
    session.add(screen)
    _audit(session, caller, screen, "screen.created")
    session.flush()
    return screen, token


def list_for(session: Session, *, caller: Caller, venue_id: str | None = None) -> list[Screen]:
    query = scoped_select(caller, Screen).order_by(Screen.name, Screen.id)
    if venue_id is not None and not is_storable(venue_id):
        return []  # no venue has such an id, and PostgreSQL refuses NUL outright
    if venue_id is not None:
        query = query.where(Screen.venue_id == venue_id)
    return list(session.exec(query))


def get_for(session: Session, *, caller: Caller, screen_id: str, write: bool = False) -> Screen:
    return get_scoped(session, caller, Screen, screen_id, write=write, what="screen")


def update_for(session: Session, *, caller: Caller, screen_id: str, data: ScreenUpdate) -> Screen:
    screen = get_for(session, caller=caller, screen_id=screen_id, write=True)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    for required in ("name", "tags"):
        if required in changes and changes[required] is None:
            raise Invalid(f"{required}: may be changed but not removed")
    frameid = changes.get("frameid")
    if frameid is not None and frameid != screen.frameid:
        taken = session.exec(
            select(Screen.id).where(Screen.frameid == frameid, Screen.id != screen.id)
        ).first()
        if taken is not None:
            raise Conflict(f"frameid: {frameid} is already the frame id of another screen")
    for field, value in changes.items():
        setattr(screen, field, value)
    session.add(screen)
    session.flush()
    return screen


def rotate_token_for(session: Session, *, caller: Caller, screen_id: str) -> tuple[Screen, str]:
    screen = get_for(session, caller=caller, screen_id=screen_id, write=True)
    token = issue_token(screen)
    session.add(screen)
    _audit(session, caller, screen, "screen.token_rotated")
    session.flush()
    return screen, token


def revoke_for(session: Session, *, caller: Caller, screen_id: str) -> None:
    screen = get_for(session, caller=caller, screen_id=screen_id, write=True)
    # The row stays for proof-of-play history; without a token hash no device can use it.
    screen.revoked_at = utcnow()
    screen.token_hash = None
    session.add(screen)
    _audit(session, caller, screen, "screen.revoked")
    session.flush()


def _audit(session: Session, caller: Caller, screen: Screen, action: str) -> None:
    venue = session.get(Venue, screen.venue_id)
    audit(
        session,
        caller=caller,
        action=action,
        object_kind="screen",
        object_id=screen.id,
        # The partner's log, whose screen it is.
        organisation_id=venue.organisation_id if venue else caller.organisation_id,
        detail={"name": screen.name, "venue_id": screen.venue_id},
    )


def screen_for_token(session: Session, token: str) -> Screen | None:
    return session.exec(
        select(Screen).where(
            Screen.token_hash == hash_secret(token),
            Screen.revoked_at.is_(None),  # type: ignore[union-attr]
        )
    ).first()


def delete_venue_for(session: Session, *, caller: Caller, venue_id: str) -> None:
    """Delete a venue that has no live screens (409 otherwise). Here, with the screens, because
    it is the screens that keep a venue: venues know nothing of them."""
    venue = venues.get_for(session, caller=caller, venue_id=venue_id, write=True)
    live_screens = session.exec(
        select(func.count())
        .select_from(Screen)
        .where(Screen.venue_id == venue.id, Screen.revoked_at.is_(None))  # type: ignore[union-attr]
    ).one()
    if live_screens:
        raise Conflict(
            f"venue still has {live_screens} screen(s); remove them before deleting the venue"
        )
    # Soft delete: proof-of-play reports from the venue's past screens still name it.
    venue.deleted_at = utcnow()
    session.add(venue)
    session.flush()


def screens_online(engine: Engine, offline_after: timedelta) -> int:
    """Live screens seen within ``offline_after`` (as written by the last-seen flush)."""
    since = utcnow() - offline_after
    with read_session(engine) as session:
        return int(
            session.exec(
                select(func.count())
                .select_from(Screen)
                .where(
                    col(Screen.revoked_at).is_(None),
                    col(Screen.last_seen_at) >= since,
                )
            ).one()
        )
