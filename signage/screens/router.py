from datetime import UTC, timedelta

from fastapi import APIRouter, Request, Response

from signage.core.bounds import Instant
from signage.core.deps import CurrentCaller, SessionDep, SettingsDep
from signage.core.security import NO_STORE_HEADERS
from signage.core.types import utcnow
from signage.player import pairing
from signage.player.playlist import build_body, load_inputs, playlist_response
from signage.player.poll_schema import PLAYLIST_SCHEMA_NAME as PLAYLIST
from signage.player.seen import SeenBuffer
from signage.screens import service
from signage.screens.models import (
    Screen,
    ScreenClaim,
    ScreenCreate,
    ScreenPublic,
    ScreenUpdate,
    ScreenWithToken,
)

router = APIRouter(prefix="/v1/screens", tags=["screens"])


def _offline_after(settings: SettingsDep) -> timedelta:
    return timedelta(seconds=settings.screen_offline_after_seconds)


def _public(request: Request, screen: Screen) -> ScreenPublic:
    seen: SeenBuffer = request.app.state.seen
    return service.to_public(
        screen,
        offline_after=_offline_after(request.app.state.settings),
        reported=seen.latest(screen.id),
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


@router.post(
    "/claim",
    status_code=201,
    response_model=ScreenPublic,
    responses={
        429: {
            "description": "Too many wrong pairing codes; `Retry-After` says after how many "
            "seconds to try again"
        }
    },
)
def claim_screen(
    request: Request,
    data: ScreenClaim,
    session: SessionDep,
    caller: CurrentCaller,
    settings: SettingsDep,
) -> ScreenPublic:
    """Claim a screen that shows a pairing code: it joins your venue and receives its token.

    Repeated wrong codes lock you out for a while (429), so codes cannot be guessed.
    """
    screen = pairing.claim_screen(session, settings=settings, caller=caller, data=data)
    return _public(request, screen)


@router.get("", response_model=list[ScreenPublic])
def list_screens(
    request: Request,
    session: SessionDep,
    caller: CurrentCaller,
    settings: SettingsDep,
    venue_id: str | None = None,
) -> list[ScreenPublic]:
    """Screens you can see, with their status (`online`, `offline`, `never_seen`)."""
    return [
        _public(request, s) for s in service.list_for(session, caller=caller, venue_id=venue_id)
    ]


@router.get("/{screen_id}", response_model=ScreenPublic)
def read_screen(
    request: Request,
    screen_id: str,
    session: SessionDep,
    caller: CurrentCaller,
    settings: SettingsDep,
) -> ScreenPublic:
    """One screen you can see."""
    screen = service.get_for(session, caller=caller, screen_id=screen_id)
    return _public(request, screen)


@router.patch("/{screen_id}", response_model=ScreenPublic)
def update_screen(
    request: Request,
    screen_id: str,
    data: ScreenUpdate,
    session: SessionDep,
    caller: CurrentCaller,
    settings: SettingsDep,
) -> ScreenPublic:
    """Rename a screen, set its orientation or its tags."""
    screen = service.update_for(session, caller=caller, screen_id=screen_id, data=data)
    return _public(request, screen)


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


@router.get(
    "/{screen_id}/playlist",
    responses={
        200: {
            "description": "The poll body",
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{PLAYLIST}"}}
            },
        }
    },
)
def preview_playlist(
    screen_id: str,
    session: SessionDep,
    caller: CurrentCaller,
    settings: SettingsDep,
    at: Instant | None = None,
) -> Response:
    """Preview: exactly the body this screen's poll would return at the instant `at` (default
    now; with a UTC offset, between 2000-01-01 and 2100-12-31), with the same ETag."""
    screen = service.get_for(session, caller=caller, screen_id=screen_id)
    built = build_body(
        load_inputs(session, screen),
        screen_id=screen.id,
        now=(at or utcnow()).astimezone(UTC),
        poll_after_seconds=settings.poll_after_seconds,
    )
    return playlist_response(built, None)
