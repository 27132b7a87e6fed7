"""The routes staff and partners use on the screens' side of the protocol: claiming a screen
that shows a pairing code, and previewing what a screen plays. They live here, above the
screens domain, because they need the pairing flow and the playlist builder; their paths
stay under `/v1/screens`."""

from datetime import UTC

from fastapi import APIRouter, Request, Response

from signage.core.bounds import Instant
from signage.core.deps import CurrentCaller, SessionDep, SettingsDep
from signage.core.errors import NotFound
from signage.core.http import accepts_gzip
from signage.core.types import utcnow
from signage.player import pairing
from signage.player.playlist import gzip_etag
from signage.player.poll_schema import PLAYLIST_SCHEMA_NAME as PLAYLIST
from signage.player.state import read_snapshot
from signage.screens import service
from signage.screens.models import ScreenClaim, ScreenPublic
from signage.screens.router import public
from signage.screens.seen import SeenDep

router = APIRouter(prefix="/v1/screens", tags=["screens"])


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
    seen: SeenDep,
    data: ScreenClaim,
    session: SessionDep,
    caller: CurrentCaller,
    settings: SettingsDep,
) -> ScreenPublic:
    """Claim a screen that shows a pairing code: it joins your venue and receives its token.

    Repeated wrong codes lock you out for a while (429), so codes cannot be guessed.
    """
    screen = pairing.claim_screen(session, settings=settings, caller=caller, data=data)
    return public(seen, settings, screen)


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
    request: Request,
    screen_id: str,
    session: SessionDep,
    caller: CurrentCaller,
    settings: SettingsDep,
    at: Instant | None = None,
) -> Response:
    """Preview: exactly the body this screen's poll would return at the instant `at` (default
    now; with a UTC offset, between 2000-01-01 and 2100-12-31), with the same ETag."""
    screen = service.get_for(session, caller=caller, screen_id=screen_id)
    # The poll's own loader and compiler, for this one screen: the same body and ETag by
    # construction, not by a second implementation.
    snapshot = read_snapshot(
        session, version=0, screen_id=screen.id, programmes=request.app.state.programmes
    )
    entry = snapshot.by_id.get(screen.id)
    if entry is None:
        raise NotFound("screen not found")  # revoked or its venue deleted since the read
    compiled, etag = snapshot.playlist_for(
        entry, now=(at or utcnow()).astimezone(UTC), poll_after=settings.poll_after_seconds
    )
    headers = {"Cache-Control": "private, no-cache", "Vary": "Accept-Encoding"}
    # The representation the screen would get for the same request: gzipped when asked.
    if accepts_gzip(request.headers.get("accept-encoding", "").encode("latin-1")):
        headers |= {"ETag": gzip_etag(etag), "Content-Encoding": "gzip"}
        body = compiled.gzip_body_for(screen.id)
    else:
        headers["ETag"] = etag
        body = compiled.body_for(screen.id)
    return Response(body, media_type="application/json", headers=headers)
