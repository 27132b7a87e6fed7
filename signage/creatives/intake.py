"""Receiving an uploaded file: size limits, streaming into the media store, error mapping.

The file goes from the socket through `signage.media.ingest` (which decodes and re-encodes it
in a worker thread) into the content-addressed store. Nothing stays behind when anything fails:
no staging file, and no new blob unless a creative row ends up referencing it.
"""

from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlmodel import Session
from starlette.requests import Request

from signage.core.config import Settings
from signage.core.errors import Invalid, Problem
from signage.creatives import blobs
from signage.creatives.models import CreativeFields
from signage.creatives.multipart import FORM_OVERHEAD_BYTES, MultipartUpload
from signage.media import (
    IngestResult,
    InvalidMedia,
    MediaStore,
    MediaToolMissing,
    TooLarge,
    UnsupportedMedia,
    ingest,
)


class PayloadTooLarge(Problem):
    status = 413


class UnsupportedMediaType(Problem):
    status = 415


class MediaUnavailable(Problem):
    status = 503


@dataclass(frozen=True)
class ReceivedUpload:
    media: IngestResult
    fields: dict[str, str]


FieldCheck = Callable[[dict[str, str]], Awaitable[None]]


def check_declared_size(request: Request, *, settings: Settings) -> None:
    """Refuse an upload whose Content-Length is over the limit before reading any of it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.max_upload_bytes + FORM_OVERHEAD_BYTES:
        raise PayloadTooLarge(_too_large(settings.max_upload_bytes))


def _too_large(limit: int) -> str:
    return f"The file is larger than the limit of {limit} bytes."


async def receive_upload(
    request: Request,
    *,
    store: MediaStore,
    settings: Settings,
    before_file: FieldCheck | None = None,
) -> ReceivedUpload:
    """Read a multipart upload; `before_file` sees the fields sent ahead of the file's bytes.

    Raises 413, 415 or 422 problems; on any failure no new blob is left in the store.
    """
    check_declared_size(request, settings=settings)
    form = MultipartUpload(request)
    if not await form.fields_before_file():
        raise Invalid("file: attach the image or video as the form field 'file'")
    if before_file is not None:
        await before_file(dict(form.fields))
    try:
        media = await ingest(
            store,
            form.file_chunks(),
            max_bytes=settings.max_upload_bytes,
            max_pixels=settings.max_image_pixels,
        )
    except TooLarge as exc:
        raise PayloadTooLarge(exc.message) from exc
    except UnsupportedMedia as exc:
        raise UnsupportedMediaType(exc.message) from exc
    except InvalidMedia as exc:
        raise Invalid(exc.message) from exc
    except MediaToolMissing as exc:
        raise MediaUnavailable("video uploads are unavailable: " + str(exc)) from exc
    with discard_unless_stored(None, store, media):
        await form.finish()
    return ReceivedUpload(media=media, fields=form.fields)


@contextmanager
def discard_unless_stored(
    session: Session | None, store: MediaStore, media: IngestResult
) -> Iterator[None]:
    """Delete a newly stored blob if the block fails, or (with a session) if it rolls back."""
    try:
        yield
    except BaseException:
        if not media.already_stored:
            store.delete(media.sha256)
        raise
    if session is not None and not media.already_stored:
        blobs.discard_on_rollback(session, store, media.sha256)


def parse_fields(fields: dict[str, str]) -> CreativeFields:
    """Validate the upload's form fields; mistakes are a 422 like any other request body's."""
    try:
        return CreativeFields.model_validate(fields)
    except ValidationError as exc:
        raise _request_error(exc.errors()) from exc


def check_fields_so_far(fields: dict[str, str]) -> None:
    """Validate the fields sent ahead of the file; those still to come are not missing yet."""
    try:
        CreativeFields.model_validate(fields)
    except ValidationError as exc:
        errors = [error for error in exc.errors() if error["type"] != "missing"]
        if errors:
            raise _request_error(errors) from exc


def _request_error(errors: Sequence[Any]) -> RequestValidationError:
    return RequestValidationError([{**error, "loc": ("form", *error["loc"])} for error in errors])
