"""The pairing device flow (after RFC 8628): a screen shows a code, a partner claims it.

1. The screen asks for a pairing (`pair`) and shows the short ``user_code``.
2. A partner types that code into the console or API (`claim_screen`), naming the venue.
3. The screen, polling with its secret ``device_code`` (`poll`), collects its device token
   exactly once. The device token is made at that moment, so it is never stored in clear.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from signage.core import throttle
from signage.core.config import Settings
from signage.core.errors import Conflict, NotFound, Problem
from signage.core.security import (
    NO_STORE_HEADERS,
    format_user_code,
    hash_secret,
    new_device_code,
    new_user_code,
    normalise_user_code,
)
from signage.core.tenancy import Caller
from signage.core.types import utcnow
from signage.player.models import PairingRequest, PairRequest
from signage.screens import service as screens
from signage.screens.models import Screen, ScreenClaim


class PairingError(Problem):
    """An RFC 8628 token-endpoint error: HTTP 400 with an ``error`` code the device acts on."""

    def __init__(self, error: str, detail: str) -> None:
        # The answer that finally carries the device token is a 200; none of them is cached.
        super().__init__(detail, status=400, headers=dict(NO_STORE_HEADERS), error=error)


@dataclass(frozen=True)
class NewPairing:
    device_code: str
    user_code: str
    expires_in: int
    interval: int


_CODE_ATTEMPTS = 8


def start_pairing(
    session: Session, *, settings: Settings, request: PairRequest, address: str
) -> NewPairing:
    """A new pairing for a screen at ``address``; 429 when that address asked too often.

    Counted first, in this transaction: a refused request rolls back and stores nothing.
    """
    limit = throttle.Limit(
        key=f"pair:addr:{throttle.key_part(address)}",
        limit=settings.pairings_per_address,
        window_seconds=settings.pairing_throttle_seconds,
    )
    attempts = throttle.count_attempts(session, [limit])
    if attempts[0].over_limit:
        raise throttle.refuse(
            "too many pairing requests from this address; try again later", attempts
        )
    now = utcnow()
    # Purging what has expired keeps user codes unique among live codes only.
    session.execute(delete(PairingRequest).where(col(PairingRequest.expires_at) <= now))
    device_code = new_device_code()
    for _ in range(_CODE_ATTEMPTS):
        user_code = new_user_code()
        pairing = PairingRequest(
            device_code_hash=hash_secret(device_code),
            user_code=user_code,
            orientation=request.orientation,
            width=request.width,
            height=request.height,
            player=request.player,
            expires_at=now + timedelta(seconds=settings.pairing_code_seconds),
        )
        try:
            with session.begin_nested():
                session.add(pairing)
        except IntegrityError:
            continue  # a live code already has these characters; draw again
        return NewPairing(
            device_code=device_code,
            user_code=format_user_code(user_code),
            expires_in=settings.pairing_code_seconds,
            interval=settings.pairing_poll_interval_seconds,
        )
    raise Conflict("could not draw a free pairing code; try again")


def poll_pairing(session: Session, *, settings: Settings, device_code: str) -> tuple[str, str]:
    """The (screen id, device token) once the pairing is claimed; otherwise a PairingError."""
    now = utcnow()
    pairing = session.exec(
        select(PairingRequest).where(PairingRequest.device_code_hash == hash_secret(device_code))
    ).first()
    if pairing is None or pairing.consumed_at is not None or pairing.expires_at <= now:
        raise PairingError("expired_token", "this pairing code has expired or was already used")
    if pairing.screen_id is None:
        interval = timedelta(seconds=settings.pairing_poll_interval_seconds)
        too_soon = (
            pairing.last_polled_at is not None and now - pairing.last_polled_at < interval * 0.8
        )
        if too_soon:
            raise PairingError("slow_down", f"poll at most every {interval.seconds} seconds")
        pairing.last_polled_at = now
        session.add(pairing)
        # Committed even though an error follows: the next poll must see this one's time.
        session.commit()
        raise PairingError("authorization_pending", "waiting for someone to claim this screen")
    # Conditional update, not read-then-write: two racing polls cannot both collect a token.
    taken = session.execute(
        update(PairingRequest)
        .where(col(PairingRequest.id) == pairing.id, col(PairingRequest.consumed_at).is_(None))
        .values(consumed_at=now)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise PairingError("expired_token", "this pairing code was already used")
    screen = session.get(Screen, pairing.screen_id)
    if screen is None or screen.revoked_at is not None:
        raise PairingError("expired_token", "the claimed screen has been removed")
    token = screens.issue_token(screen)
    session.add(screen)
    session.flush()
    return screen.id, token


def claim_screen(
    session: Session, *, settings: Settings, caller: Caller, data: ScreenClaim
) -> Screen:
    """Claim the screen showing ``data.user_code``; 429 after too many wrong codes.

    The attempt is counted before the code is looked up, in this transaction, so concurrent
    wrong codes cannot overrun the limit (on PostgreSQL they queue on the counter's row). A
    wrong code is committed as counted; any other outcome gives the count back or rolls back.
    """
    venue = screens.managed_venue(session, caller=caller, venue_id=data.venue_id)
    limit = throttle.Limit(
        key=f"claim:user:{caller.user_id}",
        limit=settings.max_claim_failures,
        window_seconds=settings.claim_lockout_seconds,
    )
    attempts = throttle.count_attempts(session, [limit])
    if attempts[0].over_limit:
        raise throttle.refuse("too many wrong pairing codes; wait before trying again", attempts)
    now = utcnow()
    code = normalise_user_code(data.user_code)
    pairing = session.exec(
        select(PairingRequest).where(
            PairingRequest.user_code == code, PairingRequest.expires_at > now
        )
    ).first()
    if pairing is None:
        # Kept although the request fails: the failure count is what stops guessing.
        session.commit()
        raise NotFound("no screen is waiting with that pairing code; check the code on the screen")
    if pairing.screen_id is not None:
        raise Conflict("this pairing code has already been claimed")
    throttle.refund(session, attempts[0])
    screen = screens.add_screen(
        session,
        venue=venue,
        name=data.name,
        orientation=pairing.orientation,
        tags=data.tags,
        width=pairing.width,
        height=pairing.height,
        player=pairing.player,
    )
    pairing.screen_id = screen.id
    # The device has a fresh window to collect its token, however late in the code's life the
    # claim came.
    pairing.expires_at = now + timedelta(seconds=settings.pairing_code_seconds)
    session.add(pairing)
    session.flush()
    return screen


def purge_expired(session: Session) -> int:
    result = session.execute(
        delete(PairingRequest).where(col(PairingRequest.expires_at) <= utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
