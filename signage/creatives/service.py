"""Creatives: recording uploads, edits, replacements and deletions, scoped to the caller.

Routes receive and store the file (see `intake`); these functions only touch the database and
arrange for blobs to follow it (see `blobs`). Decisions live in `approval`.
"""

from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from signage.campaigns import service as campaigns
from signage.campaigns.models import Campaign
from signage.core.errors import Conflict, Invalid
from signage.core.tenancy import Caller, get_scoped, scoped_select
from signage.core.types import utcnow
from signage.creatives import blobs
from signage.creatives.models import (
    DEFAULT_IMAGE_DURATION_MS,
    Creative,
    CreativeAction,
    CreativeEvent,
    CreativeFields,
    CreativeKind,
    CreativePublic,
    CreativeStatus,
    CreativeUpdate,
)
from signage.media import IngestResult, MediaStore

VIDEO_DURATION = "duration_ms: a video plays for its own length; leave duration_ms out"
_PUBLIC_COLUMNS = tuple(
    name for name in CreativePublic.model_fields if name in Creative.model_fields
)


def to_public(creative: Creative) -> CreativePublic:
    columns = {name: getattr(creative, name) for name in _PUBLIC_COLUMNS}
    return CreativePublic.model_validate(
        {
            **columns,
            "url": f"/media/{creative.sha256}",
            "thumbnail_url": f"/v1/creatives/{creative.id}/thumbnail",
        }
    )


def writable_campaign(session: Session, *, caller: Caller, campaign_id: str) -> Campaign:
    """The campaign a creative is being added to: 404 out of sight, 403 if read-only to you."""
    return get_scoped(session, caller, Campaign, campaign_id, write=True, what="campaign")


def record(
    session: Session,
    *,
    creative: Creative,
    action: CreativeAction,
    caller: Caller,
    reason: str | None = None,
) -> CreativeEvent:
    event = CreativeEvent(
        creative_id=creative.id,
        action=action,
        user_id=caller.user_id,
        reason=reason,
        sha256=creative.sha256,
    )
    session.add(event)
    return event


def _media_columns(media: IngestResult, *, duration_ms: int | None) -> dict[str, Any]:
    """The columns that describe a stored file; an image's duration is the one given."""
    probed = media.probed
    kind = CreativeKind(probed.kind)
    if kind is CreativeKind.video:
        if duration_ms is not None:
            raise Invalid(VIDEO_DURATION)
        assert probed.duration_ms is not None  # ffprobe measured it
        duration_ms = probed.duration_ms
    return {
        "kind": kind,
        "sha256": media.sha256,
        "mime_type": probed.mime_type,
        "bytes": media.bytes,
        "width": probed.width,
        "height": probed.height,
        "duration_ms": duration_ms or DEFAULT_IMAGE_DURATION_MS,
    }


def create_for(
    session: Session, *, caller: Caller, fields: CreativeFields, media: IngestResult
) -> Creative:
    campaign = writable_campaign(session, caller=caller, campaign_id=fields.campaign_id)
    now = utcnow()
    creative = Creative(
        campaign_id=campaign.id,
        organisation_id=campaign.organisation_id,
        name=fields.name,
        valid_from=fields.valid_from,
        valid_until=fields.valid_until,
        alt_text=fields.alt_text,
        status=CreativeStatus.pending,
        uploaded_by=caller.user_id,
        created_at=now,
        updated_at=now,
        **_media_columns(media, duration_ms=fields.duration_ms),
    )
    session.add(creative)
    session.flush()
    record(session, creative=creative, action=CreativeAction.uploaded, caller=caller)
    session.flush()
    return creative


def list_for(
    session: Session,
    *,
    caller: Caller,
    campaign_id: str | None = None,
    status: CreativeStatus | None = None,
) -> list[Creative]:
    query = scoped_select(caller, Creative).order_by(
        col(Creative.created_at).desc(), col(Creative.id)
    )
    if campaign_id is not None:
        query = query.where(Creative.campaign_id == campaign_id)
    if status is not None:
        query = query.where(Creative.status == status)
    return list(session.exec(query))


def get_for(session: Session, *, caller: Caller, creative_id: str, write: bool = False) -> Creative:
    return get_scoped(session, caller, Creative, creative_id, write=write, what="creative")


def update_for(
    session: Session, *, caller: Caller, creative_id: str, data: CreativeUpdate
) -> Creative:
    """Edit the creative's details; an approval stands (the picture itself did not change)."""
    creative = get_for(session, caller=caller, creative_id=creative_id, write=True)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    for required in ("name", "duration_ms"):
        if required in changes and changes[required] is None:
            raise Invalid(f"{required}: may be changed but not removed")
    if "duration_ms" in changes and creative.kind == CreativeKind.video:
        raise Invalid(VIDEO_DURATION)
    valid_from = changes.get("valid_from", creative.valid_from)
    valid_until = changes.get("valid_until", creative.valid_until)
    if valid_from is not None and valid_until is not None and valid_from >= valid_until:
        raise Invalid("valid_from must be before valid_until")
    changed = sorted(f for f, v in changes.items() if getattr(creative, f) != v)
    if not changed:
        return creative
    for field in changed:
        setattr(creative, field, changes[field])
    creative.updated_at = utcnow()
    session.add(creative)
    record(
        session,
        creative=creative,
        action=CreativeAction.edited,
        caller=caller,
        reason="changed " + ", ".join(changed),
    )
    session.flush()
    return creative


def replace_file_for(
    session: Session,
    *,
    caller: Caller,
    creative_id: str,
    media: IngestResult,
    store: MediaStore,
) -> Creative:
    """Put a new file in place: back to `pending`, and the replacer counts as its uploader."""
    creative = get_for(session, caller=caller, creative_id=creative_id, write=True)
    old_sha256 = creative.sha256
    # An image replacing an image keeps the duration chosen for it.
    keep = creative.duration_ms if creative.kind == CreativeKind.image else None
    columns = _media_columns(media, duration_ms=None)
    if columns["kind"] is CreativeKind.image and keep is not None:
        columns["duration_ms"] = keep
    for field, value in columns.items():
        setattr(creative, field, value)
    creative.status = CreativeStatus.pending
    creative.rejection_reason = None
    creative.uploaded_by = caller.user_id
    creative.updated_at = utcnow()
    session.add(creative)
    record(session, creative=creative, action=CreativeAction.replaced, caller=caller)
    session.flush()
    if old_sha256 != media.sha256 and not blobs.is_referenced(session, old_sha256):
        blobs.delete_after_commit(session, store, old_sha256)
    return creative


def delete_for(session: Session, *, caller: Caller, creative_id: str, store: MediaStore) -> None:
    """Delete the creative with its history; its file goes too unless another creative uses it."""
    creative = get_for(session, caller=caller, creative_id=creative_id, write=True)
    # In SQL, before the creative: the unit of work would not order the two deletes otherwise.
    session.exec(delete(CreativeEvent).where(col(CreativeEvent.creative_id) == creative.id))
    session.delete(creative)
    session.flush()
    if not blobs.is_referenced(session, creative.sha256):
        blobs.delete_after_commit(session, store, creative.sha256)


def delete_campaign_for(session: Session, *, caller: Caller, campaign_id: str) -> None:
    """Delete a campaign that has no creatives left (409 otherwise). Here, with the creatives,
    because it is the creatives that keep a campaign: campaigns know nothing of them."""
    campaign = campaigns.get_for(session, caller=caller, campaign_id=campaign_id, write=True)
    creatives = session.exec(
        select(func.count()).select_from(Creative).where(Creative.campaign_id == campaign.id)
    ).one()
    if creatives:
        raise Conflict(
            f"campaign still has {creatives} creative(s); delete them before deleting the campaign"
        )
    campaign.deleted_at = utcnow()
    session.add(campaign)
    session.flush()
