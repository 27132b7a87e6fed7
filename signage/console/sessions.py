"""Server-side console sessions: a random cookie value, of which only a digest is stored.

A session ends when it has been idle for ``console_idle_minutes``, ``console_session_hours``
after sign-in whatever its use, at sign-out, when its user is disabled, and when the user's
password changes (a session created before ``users.tokens_valid_after`` is dead, as the API's
tokens are). Signing in always starts a new session (and ends the one the browser had), so
a session id planted before sign-in is never promoted to a signed-in one.

Each lookup is one short read; it writes only to refresh ``last_seen_at``, at most once a
minute per session (the idle limit is counted in minutes), or to delete a dead session.
"""

import hashlib
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import Engine, delete, update
from sqlmodel import Session, col, select

from signage.auth.callers import caller_for_user
from signage.core.config import Settings
from signage.core.db import read_session, session_scope
from signage.core.tenancy import Caller
from signage.core.types import utcnow
from signage.tables import ConsoleSession
from signage.users.models import User

COOKIE: Final = "console_session"
# How stale last_seen_at may be before a request refreshes it.
TOUCH_AFTER: Final = timedelta(seconds=60)
# Expired sessions deleted, a few at a time, whenever someone signs in.
PURGE_BATCH: Final = 100
# The longest cookie value looked up: anything longer is no session of ours.
_MAX_COOKIE = 128

_unit_of_work = contextmanager(session_scope)


def session_id(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    """A live session and the caller it speaks for (built as the API builds its callers)."""

    id: str
    caller: Caller
    csrf_secret: str
    expires_at: datetime


def start(engine: Engine, *, user_id: str, settings: Settings, replacing: str | None = None) -> str:
    """A new session for the user; returns the cookie value (never stored)."""
    value = secrets.token_urlsafe(32)
    now = utcnow()
    with _unit_of_work(engine, write=True) as session:
        if replacing:
            session.execute(
                delete(ConsoleSession).where(col(ConsoleSession.id) == session_id(replacing))
            )
        _purge_some(session, now, settings)
        session.add(
            ConsoleSession(
                id=session_id(value),
                user_id=user_id,
                csrf_secret=secrets.token_urlsafe(32),
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=settings.console_session_hours),
            )
        )
    return value


def _purge_some(session: Session, now: datetime, settings: Settings) -> None:
    idle_since = now - timedelta(minutes=settings.console_idle_minutes)
    dead = (
        select(ConsoleSession.id)
        .where(
            (col(ConsoleSession.expires_at) <= now)
            | (col(ConsoleSession.last_seen_at) <= idle_since)
        )
        .limit(PURGE_BATCH)
    )
    session.execute(delete(ConsoleSession).where(col(ConsoleSession.id).in_(dead)))


def load(engine: Engine, *, cookie_value: str | None, settings: Settings) -> SignedIn | None:
    """The live session this cookie names, or None (and a dead one is deleted)."""
    if not cookie_value or len(cookie_value) > _MAX_COOKIE or not cookie_value.isascii():
        return None
    sid = session_id(cookie_value)
    now = utcnow()
    with read_session(engine) as session:
        row = session.get(ConsoleSession, sid)
        if row is None:
            return None
        user = session.get(User, row.user_id)
        alive = (
            user is not None
            and user.is_active
            and row.expires_at > now
            and row.last_seen_at > now - timedelta(minutes=settings.console_idle_minutes)
            and (user.tokens_valid_after is None or row.created_at >= user.tokens_valid_after)
        )
        caller = caller_for_user(session, user) if alive and user is not None else None
        signed_in = (
            SignedIn(sid, caller, row.csrf_secret, row.expires_at) if caller is not None else None
        )
        stale = row.last_seen_at <= now - TOUCH_AFTER
    if signed_in is None:
        end(engine, sid)
    elif stale:
        with _unit_of_work(engine, write=True) as session:
            session.execute(
                update(ConsoleSession).where(col(ConsoleSession.id) == sid).values(last_seen_at=now)
            )
    return signed_in


def end(engine: Engine, sid: str) -> None:
    """End the session with this id (signing out; a dead session found on a lookup)."""
    with _unit_of_work(engine, write=True) as session:
        session.execute(delete(ConsoleSession).where(col(ConsoleSession.id) == sid))
