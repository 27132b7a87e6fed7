"""A `MediaStore` on any S3-compatible object store (AWS S3, MinIO, SeaweedFS, R2, ...).

Configured by `SIGNAGE_MEDIA_URL=s3://bucket/prefix` and the standard `AWS_ENDPOINT_URL`,
`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_REGION` variables, read by obstore
(the Python binding of the Rust `object_store` crate: typed, no dependency tree, and its
uploads and ranged reads run without holding the GIL, unlike boto3's). Uploads are still
received, hashed and checked in the local staging folder; only a checked file is put in the
bucket, under its sha256, so replicas share one copy of every file and a half-received upload
is never visible. Any failure of the store itself is `MediaUnavailable` (a 503 to clients).
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

import obstore
from obstore.exceptions import BaseError, NotFoundError
from obstore.store import S3Store

from signage.media.errors import MediaNotFound, MediaUnavailable
from signage.media.storage import LocalMediaStore, StagedUpload, validate_sha256

# A store that does not answer within these is reported unavailable, not waited for.
CONNECT_TIMEOUT = "5s"
REQUEST_TIMEOUT = "60s"
RETRIES = 2


@contextmanager
def _store_errors(sha256: str) -> Iterator[None]:
    try:
        yield
    except (NotFoundError, FileNotFoundError) as exc:  # obstore raises the latter for a 404
        raise MediaNotFound(sha256) from exc
    except (BaseError, OSError, RuntimeError) as exc:
        raise MediaUnavailable(str(exc).splitlines()[0][:200]) from exc


def s3_store(url: str, environ: dict[str, str] | None = None) -> S3Store:
    """The bucket of ``url`` (``s3://bucket/prefix``), with the AWS_* settings of the
    environment; plain HTTP is allowed only when the endpoint says http:// (a local store)."""
    env = os.environ if environ is None else environ
    endpoint = env.get("AWS_ENDPOINT_URL", "")
    return S3Store.from_url(
        url,
        client_options={
            "allow_http": endpoint.startswith("http://"),
            "connect_timeout": CONNECT_TIMEOUT,
            "timeout": REQUEST_TIMEOUT,
        },
        retry_config={
            "max_retries": RETRIES,
            "retry_timeout": timedelta(seconds=10),
            "backoff": {
                "init_backoff": timedelta(milliseconds=100),
                "max_backoff": timedelta(seconds=1),
                "base": 2,
            },
        },
    )


class ObjectMediaStore(LocalMediaStore):
    """Staging in ``staging_root`` (as the local store), objects in the bucket."""

    def __init__(self, store: S3Store, staging_root: Path) -> None:
        super().__init__(staging_root)
        self._store = store

    def commit(self, staged: StagedUpload) -> None:
        self._require_staging(staged.path)
        key = _object_key(staged.sha256)
        try:
            if not self.exists(staged.sha256):
                with _store_errors(staged.sha256):
                    obstore.put(self._store, key, staged.path)
        finally:
            staged.path.unlink(missing_ok=True)

    def exists(self, sha256: str) -> bool:
        try:
            self.size(sha256)
        except MediaNotFound:
            return False
        return True

    def size(self, sha256: str) -> int:
        with _store_errors(sha256):
            return int(obstore.head(self._store, _object_key(sha256))["size"])

    def open(self, sha256: str) -> BinaryIO:
        with _store_errors(sha256):
            reader = obstore.open_reader(self._store, _object_key(sha256))
        return cast(BinaryIO, _Reader(reader, sha256))

    def path_for(self, sha256: str) -> Path | None:
        # Nothing local: /media streams it from the store, so players keep fetching (and
        # caching) from the server's own origin, behind the same proxy and the same CSP.
        return None

    def delete(self, sha256: str) -> None:
        with _store_errors(sha256):
            obstore.delete(self._store, [_object_key(sha256), _thumbnail_key(sha256)])

    def save_thumbnail(self, sha256: str, jpeg: bytes) -> None:
        with _store_errors(sha256):
            obstore.put(self._store, _thumbnail_key(sha256), jpeg)

    def read_thumbnail(self, sha256: str) -> bytes | None:
        try:
            with _store_errors(sha256):
                return bytes(obstore.get(self._store, _thumbnail_key(sha256)).bytes())
        except MediaNotFound:
            return None

    def thumbnail_path(self, sha256: str) -> Path | None:
        return None


class _Reader:
    """obstore's buffered reader as the seekable binary file `iter_range` reads."""

    def __init__(self, reader: Any, sha256: str) -> None:
        self._reader = reader
        self._sha256 = sha256

    def read(self, size: int = -1) -> bytes:
        with _store_errors(self._sha256):
            return bytes(self._reader.read(None if size < 0 else size))

    def seek(self, offset: int, whence: int = 0) -> int:
        return int(self._reader.seek(offset, whence))

    def tell(self) -> int:
        return int(self._reader.tell())

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> IO[bytes]:
        return cast(IO[bytes], self)

    def __exit__(self, *_: object) -> None:
        self.close()


def _object_key(sha256: str) -> str:
    validate_sha256(sha256)
    return f"media/{sha256[:2]}/{sha256}"


def _thumbnail_key(sha256: str) -> str:
    validate_sha256(sha256)
    return f"thumbnails/{sha256[:2]}/{sha256}.jpg"
