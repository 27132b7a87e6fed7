from fastapi import APIRouter, Request, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from signage.core.db import read_session
from signage.core.deps import CurrentCaller, EngineDep, SessionDep, SettingsDep
from signage.core.errors import Invalid, NotFound
from signage.core.http import etag_matches
from signage.core.tenancy import Caller
from signage.creatives import approval, service
from signage.creatives.blobs import MediaStoreDep
from signage.creatives.intake import (
    check_fields_so_far,
    discard_unless_stored,
    parse_fields,
    receive_upload,
)
from signage.creatives.models import (
    CreativeEventPublic,
    CreativePublic,
    CreativeStatus,
    CreativeUpdate,
    Decision,
)

router = APIRouter(prefix="/v1/creatives", tags=["creatives"])
# Deleting a campaign depends on its creatives, so it is served from here (campaigns sit below).
campaign_router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"])

_UPLOAD_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["campaign_id", "name", "file"],
                    "properties": {
                        "campaign_id": {"type": "string"},
                        "name": {"type": "string", "maxLength": 200},
                        "duration_ms": {"type": "integer", "minimum": 1000, "maximum": 3600000},
                        "valid_from": {"type": "string", "format": "date-time"},
                        "valid_until": {"type": "string", "format": "date-time"},
                        "alt_text": {"type": "string", "maxLength": 500},
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            }
        },
    }
}
_FILE_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}
_UPLOAD_ERRORS: dict[int | str, dict[str, str]] = {
    413: {"description": "the file is over the size limit"},
    415: {"description": "not a PNG, JPEG or WebP image nor an MP4 or WebM video"},
    422: {"description": "a damaged file or an invalid form field"},
}


@router.post(
    "",
    status_code=201,
    response_model=CreativePublic,
    openapi_extra=_UPLOAD_FORM,
    responses=_UPLOAD_ERRORS,
)
async def upload_creative(
    request: Request,
    session: SessionDep,
    caller: CurrentCaller,
    settings: SettingsDep,
    store: MediaStoreDep,
    engine: EngineDep,
) -> CreativePublic:
    """Upload an image or video to one of your organisation's campaigns, as `multipart/form-data`.

    Fields: `file`, `campaign_id`, `name`, and optionally `duration_ms` (images only: 1000 to
    3600000, default 10000; a video plays for its own length, so giving one is a 422),
    `valid_from` and `valid_until` (RFC 3339 instants with an offset; `valid_from` must come
    first) and `alt_text` (up to 500 characters). PNG, JPEG and WebP images and MP4 and WebM
    videos are accepted, recognised by their content, never by the file name. Metadata such as
    a photo's GPS position is removed before storage. The new creative is `pending` until an
    approver other than its uploader approves it.

    Send the other fields before `file` so that mistakes in them are reported before the
    file is transferred.
    """

    async def check_early(fields: dict[str, str]) -> None:
        check_fields_so_far(fields)
        if campaign_id := fields.get("campaign_id"):
            # In a session of its own, closed before the file streams: a slow upload must
            # hold no transaction (on SQLite, no lock), nor a pooled connection.
            await run_in_threadpool(_check_campaign, engine, caller, campaign_id)

    upload = await receive_upload(request, store=store, settings=settings, before_file=check_early)
    with discard_unless_stored(session, store, upload.media):
        fields = parse_fields(upload.fields)
        creative = await run_in_threadpool(
            service.create_for, session, caller=caller, fields=fields, media=upload.media
        )
    return service.to_public(creative)


def _check_campaign(engine: Engine, caller: Caller, campaign_id: str) -> None:
    with read_session(engine) as session:
        service.writable_campaign(session, caller=caller, campaign_id=campaign_id)


def _check_creative(engine: Engine, caller: Caller, creative_id: str) -> None:
    with read_session(engine) as session:
        service.get_for(session, caller=caller, creative_id=creative_id, write=True)


@router.get("", response_model=list[CreativePublic])
def list_creatives(
    session: SessionDep,
    caller: CurrentCaller,
    campaign_id: str | None = None,
    status: CreativeStatus | None = None,
) -> list[CreativePublic]:
    """Creatives you can see, newest first; filter by campaign and by status."""
    creatives = service.list_for(session, caller=caller, campaign_id=campaign_id, status=status)
    return [service.to_public(c) for c in creatives]


@router.get("/{creative_id}", response_model=CreativePublic)
def read_creative(creative_id: str, session: SessionDep, caller: CurrentCaller) -> CreativePublic:
    """One creative you can see. Its file is at `url`, with no authentication needed."""
    return service.to_public(service.get_for(session, caller=caller, creative_id=creative_id))


@router.patch("/{creative_id}", response_model=CreativePublic)
def update_creative(
    creative_id: str, data: CreativeUpdate, session: SessionDep, caller: CurrentCaller
) -> CreativePublic:
    """Change a creative's name, duration (images only), validity or alt text.

    Edits are recorded in the history but leave an approval standing: the picture is the same.
    """
    creative = service.update_for(session, caller=caller, creative_id=creative_id, data=data)
    return service.to_public(creative)


@router.put(
    "/{creative_id}/file",
    response_model=CreativePublic,
    openapi_extra=_FILE_FORM,
    responses=_UPLOAD_ERRORS,
)
async def replace_file(
    creative_id: str,
    request: Request,
    session: SessionDep,
    caller: CurrentCaller,
    settings: SettingsDep,
    store: MediaStoreDep,
    engine: EngineDep,
) -> CreativePublic:
    """Replace a creative's file (multipart field `file`); it goes back to `pending`.

    You become the uploader of the new file, so another approver must approve it.
    """
    # Checked in a short session of its own, closed before the file streams.
    await run_in_threadpool(_check_creative, engine, caller, creative_id)
    upload = await receive_upload(request, store=store, settings=settings)
    with discard_unless_stored(session, store, upload.media):
        if upload.fields:
            names = ", ".join(sorted(upload.fields))
            raise Invalid(f"only the field 'file' is accepted here, not: {names}")
        creative = await run_in_threadpool(
            service.replace_file_for,
            session,
            caller=caller,
            creative_id=creative_id,
            media=upload.media,
            store=store,
        )
    return service.to_public(creative)


@router.delete("/{creative_id}", status_code=204)
def delete_creative(
    creative_id: str, session: SessionDep, caller: CurrentCaller, store: MediaStoreDep
) -> Response:
    """Delete a creative and its history; its file goes too unless another creative uses it."""
    service.delete_for(session, caller=caller, creative_id=creative_id, store=store)
    return Response(status_code=204)


@router.post("/{creative_id}/approve", response_model=CreativePublic)
def approve_creative(
    creative_id: str, session: SessionDep, caller: CurrentCaller
) -> CreativePublic:
    """Approve a creative (approvers of its organisation; never the uploader of its file)."""
    return service.to_public(approval.approve_for(session, caller=caller, creative_id=creative_id))


@router.post("/{creative_id}/reject", response_model=CreativePublic)
def reject_creative(
    creative_id: str, data: Decision, session: SessionDep, caller: CurrentCaller
) -> CreativePublic:
    """Reject a creative, or withdraw its approval, giving a `reason` (1 to 1000 characters)."""
    creative = approval.reject_for(
        session, caller=caller, creative_id=creative_id, reason=data.reason
    )
    return service.to_public(creative)


@router.get("/{creative_id}/history", response_model=list[CreativeEventPublic])
def creative_history(
    creative_id: str, session: SessionDep, caller: CurrentCaller
) -> list[CreativeEventPublic]:
    """Who uploaded, replaced, edited, approved or rejected the creative, when and why."""
    return approval.history_for(session, caller=caller, creative_id=creative_id)


@router.get(
    "/{creative_id}/thumbnail",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}, "description": "a JPEG preview"}},
)
def creative_thumbnail(
    creative_id: str,
    request: Request,
    session: SessionDep,
    caller: CurrentCaller,
    store: MediaStoreDep,
) -> Response:
    """A small JPEG preview of the creative (at most 320 pixels a side)."""
    creative = service.get_for(session, caller=caller, creative_id=creative_id)
    # Revalidated each time: replacing the file changes the thumbnail behind the same URL.
    headers = {"ETag": f'"{creative.sha256}"', "Cache-Control": "private, no-cache"}
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    jpeg = store.read_thumbnail(creative.sha256)
    if jpeg is None:
        raise NotFound(f"creative {creative_id} has no thumbnail")
    return Response(content=jpeg, media_type="image/jpeg", headers=headers)


@campaign_router.delete("/{campaign_id}", status_code=204)
def delete_campaign(campaign_id: str, session: SessionDep, caller: CurrentCaller) -> Response:
    """Delete a campaign that has no creatives left (409 otherwise)."""
    service.delete_campaign_for(session, caller=caller, campaign_id=campaign_id)
    return Response(status_code=204)
