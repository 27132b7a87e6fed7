"""Keeping the media store in step with the creatives table.

A blob stays on disk only while some creative references it. Files are removed only once the
database agrees: an upload whose row is rolled back loses its new blob, and a deleted or
replaced creative's old blob goes only after the commit, so a failed request never leaves a
row pointing at a missing file.
"""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import event
from sqlmodel import Session, select

from signage.creatives.models import Creative
from signage.media import MediaStore


def get_media_store(request: Request) -> MediaStore:
    store: MediaStore = request.app.state.media_store  # made by create_app
    return store


MediaStoreDep = Annotated[MediaStore, Depends(get_media_store)]


def is_referenced(session: Session, sha256: str, *, except_creative: str | None = None) -> bool:
    query = select(Creative.id).where(Creative.sha256 == sha256)
    if except_creative is not None:
        query = query.where(Creative.id != except_creative)
    return session.exec(query.limit(1)).first() is not None


def discard_if_unreferenced(session: Session, store: MediaStore, sha256: str) -> None:
    """Delete a blob (and its thumbnail) now, unless a stored creative uses it."""
    if not is_referenced(session, sha256):
        store.delete(sha256)


def delete_after_commit(session: Session, store: MediaStore, sha256: str) -> None:
    """Delete the blob once this session's transaction commits (the caller checked references)."""

    def delete(_session: Session) -> None:
        store.delete(sha256)

    event.listen(session, "after_commit", delete, once=True)


def discard_on_rollback(session: Session, store: MediaStore, sha256: str) -> None:
    """Delete a newly stored blob if this session's transaction is rolled back, not committed."""
    committed = False

    def on_commit(_session: Session) -> None:
        nonlocal committed
        committed = True

    def on_rollback(_session: Session) -> None:
        if not committed:
            store.delete(sha256)

    event.listen(session, "after_commit", on_commit, once=True)
    event.listen(session, "after_rollback", on_rollback, once=True)
