from datetime import timedelta

from fastapi import APIRouter, Response

from signage.core.deps import CurrentCaller, SessionDep, SettingsDep
from signage.core.security import NO_STORE_HEADERS
from signage.screens import service
from signage.screens.models import (
    Screen,
    ScreenCreate,
    ScreenPublic,
    ScreenUpdate,
    ScreenWithToken,
)
from signage.screens.seen import SeenBuffer, SeenDep

router = APIRouter(prefix="/v1/screens", tags=["screens"])
# Deleting a venue depends on its screens, so it is served from here (venues sit below screens).
venue_router = APIRouter(prefix="/v1/venues", tags=["venues"])


def _offline_after(settings: SettingsDep) -> timedelta:
    return timedelta(seconds=settings.screen_offline_after_seconds)


def public(seen: SeenBuffer, settings: SettingsDep, screen: Screen) -> ScreenPublic:
    """The screen with its status, counting what it reported in the last few seconds."""
    return service.to_public(
        screen, offline_after=_offline_after(settings), reported=seen.latest(screen.id)
    )


@router.post("", status_code=201, response_model=ScreenWithToken)
def create_screen(
    data: ScreenCreate,
    response: Response,
    session: SessionDep,
    caller: CurrentCaller,
    settings: SettingsDep,
) -> ScreenWithToken:
    """Register a screen in one of your venues.

    The response carries the screen's `device_token` once; only its hash is stored. Configure
    the player with it, or pair the screen with a code instead (`POST /v1/screens/claim`).
    """
    screen, token = service.create_for(session, caller=caller, data=data)
    response.headers.update(NO_STORE_HEADERS)
    return service.with_token(screen, token, offline_after=_offline_after(settings))


@router.get("", response_model=list[ScreenPublic])
def list_screens(
    seen: SeenDep,
    session: SessionDep,
    caller: CurrentCaller,
    settings: SettingsDep,
    venue_id: str | None = None,
) -> list[ScreenPublic]:
    """Screens you can see, with their status (`online`, `offline`, `never_seen`)."""
    return [
        public(seen, settings, s)
        for s in service.list_for(session, caller=caller, venue_id=venue_id)
    ]


@router.get("/{screen_id}", response_model=ScreenPublic)
def read_screen(
    seen: SeenDep,
    screen_id: str,
    session: SessionDep,
    caller: CurrentCaller,
    settings: SettingsDep,
) -> ScreenPublic:
    """One screen you can see."""
    screen = service.get_for(session, caller=caller, screen_id=screen_id)
    return public(seen, settings, screen)


@router.patch("/{screen_id}", response_model=ScreenPublic)
def update_screen(
    seen: SeenDep,
    screen_id: str,
    data: ScreenUpdate,
    session: SessionDep,
    caller: CurrentCaller,
    settings: SettingsDep,
) -> ScreenPublic:
    """Rename a screen, set its orientation or its tags."""
    screen = service.update_for(session, caller=caller, screen_id=screen_id, data=data)
    return public(seen, settings, screen)


@router.post("/{screen_id}/token", response_model=ScreenWithToken)
def rotate_token(
    screen_id: str,
    response: Response,
    session: SessionDep,
    caller: CurrentCaller,
    settings: SettingsDep,
) -> ScreenWithToken:
    """Issue a new device token; the old one stops working at once."""
    screen, token = service.rotate_token_for(session, caller=caller, screen_id=screen_id)
    response.headers.update(NO_STORE_HEADERS)
    return service.with_token(screen, token, offline_after=_offline_after(settings))


@router.delete("/{screen_id}", status_code=204)
def revoke_screen(screen_id: str, session: SessionDep, caller: CurrentCaller) -> Response:
    """Revoke a screen: its token stops working and it leaves every list."""
    service.revoke_for(session, caller=caller, screen_id=screen_id)
    return Response(status_code=204)


@venue_router.delete("/{venue_id}", status_code=204)
def delete_venue(venue_id: str, session: SessionDep, caller: CurrentCaller) -> Response:
    """Delete a venue that has no screens (409 otherwise)."""
    service.delete_venue_for(session, caller=caller, venue_id=venue_id)
    return Response(status_code=204)
