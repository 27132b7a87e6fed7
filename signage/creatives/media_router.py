"""`GET /media/{sha256}`: creatives' files, public and content-addressed.

A file's address is the sha256 of its bytes, so it never changes: caches may keep it for a
year, and `If-None-Match` is answered from the address alone. One byte range per request is
served (206); a request for several ranges gets the whole file (200), which RFC 9110 allows and
which players fetching a video piecewise never need. The content type is the one recorded for
the creatives that use the file, so a blob no creative references is not served.
"""

import logging
import re
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI, Request, Response
from sqlmodel import select
from starlette.responses import StreamingResponse

from signage.core.deps import SessionDep
from signage.core.errors import NotFound, Problem, problem_response
from signage.core.http import etag_matches, etag_matches_strongly
from signage.creatives.blobs import MediaStoreDep
from signage.creatives.models import Creative
from signage.media import iter_range
from signage.media.errors import MediaUnavailable

router = APIRouter(tags=["media"])
logger = logging.getLogger("signage.creatives.media")


async def _on_media_unavailable(_request: Request, exc: Exception) -> Response:
    # The object store is down or refusing: nothing the client did wrong; worth retrying.
    logger.warning("%s", exc)
    return problem_response(
        503,
        "The media store is not answering; try again in a few seconds",
        headers={"Retry-After": "5"},
    )


def install_media_errors(app: FastAPI) -> None:
    app.add_exception_handler(MediaUnavailable, _on_media_unavailable)


_SHA256 = re.compile(r"[0-9a-f]{64}")
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
CACHE_CONTROL = "public, max-age=31536000, immutable"


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # inclusive


class RangeNotSatisfiable(Exception):
    pass


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The single range asked for, or None to send the whole file.

    None for no header, a malformed one, or several ranges; RangeNotSatisfiable when the one
    range lies wholly past the end of the file.
    """
    if header is None:
        return None
    match = _RANGE.fullmatch(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # bytes=-n: the last n bytes
        suffix = int(last)
        if suffix == 0:
            raise RangeNotSatisfiable
        return ByteRange(max(size - suffix, 0), size - 1)
    start = int(first)
    if last and int(last) < start:
        return None  # invalid, so ignored (RFC 9110 section 14.2)
    if start >= size:
        raise RangeNotSatisfiable
    end = min(int(last), size - 1) if last else size - 1
    return ByteRange(start, end)


_RESPONSES: dict[int | str, dict[str, str]] = {
    200: {"description": "the file"},
    206: {"description": "the requested byte range"},
    304: {"description": "your cached copy is current"},
    404: {"description": "no creative has this file"},
    412: {"description": "If-Match names another entity tag"},
    416: {"description": "the range lies past the end of the file"},
}


@router.head(
    "/media/{sha256}", response_class=Response, responses=_RESPONSES, operation_id="head_media"
)
@router.get(
    "/media/{sha256}", response_class=Response, responses=_RESPONSES, operation_id="get_media"
)
def serve_media(
    sha256: str, request: Request, session: SessionDep, store: MediaStoreDep
) -> Response:
    """A creative's file by the sha256 of its content. No authentication; cache it forever.

    Supports `If-None-Match` (304), `If-Match` (412 unless it names this file's tag) and a
    single `Range: bytes=...` (206, or 416 past the end).
    """
    if _SHA256.fullmatch(sha256) is None or not store.exists(sha256):
        raise NotFound("no media with this address")
    etag = f'"{sha256}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Accept-Ranges": "bytes"}
    # RFC 9110 13.2.2: If-Match first; a failed one is 412 whatever else is asked.
    if not etag_matches_strongly(request.headers.get("if-match"), etag):
        raise Problem(
            "If-Match names another version: this address always holds the same bytes, "
            f"whose entity tag is {etag}",
            status=412,
            headers={"ETag": etag},
        )
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    mime_type = session.exec(
        select(Creative.mime_type).where(Creative.sha256 == sha256).limit(1)
    ).first()
    if mime_type is None:
        raise NotFound("no media with this address")
    size = store.size(sha256)
    headers["X-Content-Type-Options"] = "nosniff"
    wanted = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range.strip() != etag:
        wanted = None  # the client's partial copy is of something else: send it all
    try:
        byte_range = parse_range(wanted, size)
    except RangeNotSatisfiable:
        raise Problem(
            f"the file is {size} bytes long; the requested range lies past its end",
            status=416,
            headers={"Accept-Ranges": "bytes", "Content-Range": f"bytes */{size}"},
        ) from None
    status = 200
    if byte_range is None:
        byte_range = ByteRange(0, size - 1)
    else:
        status = 206
        headers["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{size}"
    headers["Content-Length"] = str(byte_range.end - byte_range.start + 1)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=mime_type)
    return StreamingResponse(
        iter_range(store, sha256, byte_range.start, byte_range.end),
        status_code=status,
        headers=headers,
        media_type=mime_type,
    )
