from fastapi import APIRouter, Request, Response
from pydantic import ConfigDict, Field

from signage.core.deps import SessionDep, SettingsDep
from signage.core.schemas import StorableInput
from signage.core.security import NO_STORE_HEADERS
from signage.core.throttle import client_address
from signage.core.types import utcnow
from signage.player import pairing
from signage.player.auth import CurrentScreen
from signage.player.models import PairGranted, PairPoll, PairRequest, PairResponse
from signage.screens.seen import SeenDep

router = APIRouter(prefix="/v1/player", tags=["player"])


@router.post(
    "/pair",
    status_code=201,
    response_model=PairResponse,
    responses={
        429: {
            "description": "Too many pairing requests from this address; `Retry-After` says "
            "after how many seconds to try again"
        }
    },
)
def pair(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    data: PairRequest | None = None,
) -> PairResponse:
    """Start pairing a new screen: show `user_code` on it, then poll with `device_code`.

    Each address may ask only so often (429 beyond that)."""
    started = pairing.start_pairing(
        session,
        settings=settings,
        request=data or PairRequest(),
        address=client_address(request),
    )
    response.headers.update(NO_STORE_HEADERS)
    return PairResponse(
        device_code=started.device_code,
        user_code=started.user_code,
        expires_in=started.expires_in,
        interval=started.interval,
    )


@router.post(
    "/pair/poll",
    response_model=PairGranted,
    responses={400: {"description": "`authorization_pending`, `slow_down` or `expired_token`"}},
)
def pair_poll(
    data: PairPoll, response: Response, session: SessionDep, settings: SettingsDep
) -> PairGranted:
    """Ask whether the pairing was claimed. Answers 400 with `error` until it is, then once
    200 with the screen's id and device token."""
    screen_id, token = pairing.poll_pairing(
        session, settings=settings, device_code=data.device_code
    )
    response.headers.update(NO_STORE_HEADERS)
    return PairGranted(screen_id=screen_id, device_token=token)


class PlayerStatus(StorableInput):
    model_config = ConfigDict(extra="ignore")

    player: str | None = Field(default=None, max_length=200)
    playing_creative_id: str | None = Field(default=None, max_length=36)
    # Strict: the document says integer, so neither `false` nor "1024" passes for one.
    cached_bytes: int | None = Field(default=None, ge=0, strict=True)
    free_bytes: int | None = Field(default=None, ge=0, strict=True)
    errors: list[str] = Field(default_factory=list, max_length=50)


@router.post("/status", status_code=204)
def report_status(data: PlayerStatus, seen: SeenDep, screen: CurrentScreen) -> Response:
    """The screen reports what it is doing; it counts as seen now. Recorded within seconds
    (reports are written in batches, not one database write per screen)."""
    seen.reported(
        screen.id,
        utcnow(),
        player=data.player,
        reported_playing="playing_creative_id" in data.model_fields_set,
        playing_creative_id=data.playing_creative_id,
    )
    return Response(status_code=204)
