"""The player's state folder: device token, last good playlist, and the media cache.

Layout (default ~/.local/share/signage-player):
    token           the device token, mode 0600
    pairing.json    the pairing code while one is on screen (for people and tests to read)
    playlist.json   {"etag", "body"} of the last good playlist
    media/<sha256>  verified media files, named by content
    plays.jsonl     the proof-of-play spool (see plays.py)
    lock            held (flock) while a player runs, so two never share a folder

Every file is written to a temporary name, fsynced, then os.replace()d over the final name,
so a power cut or kill -9 leaves either the old file or the new one, never half of one. Media
is hashed while it streams and only a file with the expected sha256 and size gets its final
name; temporaries left by a killed process are removed at start.
"""

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

TEMP_SUFFIX = ".part"
_HEX = frozenset("0123456789abcdef")


class MediaMismatch(ValueError):
    """A download whose bytes do not match the playlist's sha256 or size; it is not kept."""


class StateLocked(RuntimeError):
    """Another player already uses this state folder."""


def default_state_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "signage-player"


def _fsync_dir(path: Path) -> None:
    # Makes the rename itself durable; not every platform lets a directory be opened.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace `path` with `data` so that readers (and a crash) see the old or the new file."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_dir(path.parent)


def is_sha256(value: str) -> bool:
    return len(value) == 64 and set(value) <= _HEX


class Store:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.media_dir = root / "media"
        self.media_dir.mkdir(parents=True, exist_ok=True)
        self._lock_handle: IO[bytes] | None = None

    # --- single instance -------------------------------------------------------------------

    def lock(self) -> None:
        """Hold the folder for this process; released by the OS even after kill -9."""
        handle = open(self.root / "lock", "ab")  # held open for the process's life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise StateLocked(f"another player is using {self.root}") from None
        self._lock_handle = handle

    def unlock(self) -> None:
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None

    # --- device token ----------------------------------------------------------------------

    @property
    def _token_path(self) -> Path:
        return self.root / "token"

    def load_token(self) -> str | None:
        try:
            token = self._token_path.read_text().strip()
        except FileNotFoundError:
            return None
        return token or None

    def save_token(self, token: str) -> None:
        write_atomically(self._token_path, token.encode() + b"\n", mode=0o600)

    def clear_token(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._token_path.unlink()

    # --- pairing code on screen ------------------------------------------------------------

    def save_pairing(self, user_code: str, expires_in: int) -> None:
        body = {"user_code": user_code, "expires_in": expires_in}
        write_atomically(self.root / "pairing.json", json.dumps(body).encode())

    def load_pairing(self) -> dict[str, Any] | None:
        try:
            loaded: dict[str, Any] = json.loads((self.root / "pairing.json").read_text())
        except (FileNotFoundError, ValueError):
            return None
        return loaded

    def clear_pairing(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.root / "pairing.json").unlink()

    # --- last good playlist ----------------------------------------------------------------

    def load_playlist(self) -> tuple[str | None, dict[str, Any] | None]:
        """(etag, body) of the last good playlist, or (None, None)."""
        try:
            saved = json.loads((self.root / "playlist.json").read_text())
        except (FileNotFoundError, ValueError) as error:
            if not isinstance(error, FileNotFoundError):
                log.warning("ignoring an unreadable playlist.json: %s", error)
            return None, None
        if not isinstance(saved, dict) or not isinstance(saved.get("body"), dict):
            return None, None
        return saved.get("etag"), saved["body"]

    def save_playlist(self, etag: str | None, body: dict[str, Any]) -> None:
        data = json.dumps({"etag": etag, "body": body}, separators=(",", ":")).encode()
        write_atomically(self.root / "playlist.json", data)

    def clear_playlist(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.root / "playlist.json").unlink()

    # --- media cache -----------------------------------------------------------------------

    def media_path(self, sha256: str) -> Path:
        if not is_sha256(sha256):  # it names a file: never let a playlist pick a path
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.media_dir / sha256

    def has_media(self, sha256: str) -> bool:
        return is_sha256(sha256) and (self.media_dir / sha256).is_file()

    def install_media(self, sha256: str, size: int | None, chunks: Iterable[bytes]) -> Path:
        """Stream `chunks` to a temporary file while hashing; keep it under media/<sha256>
        only if the hash (and size, when known) match. Raises MediaMismatch otherwise."""
        final = self.media_path(sha256)
        fd, temp = tempfile.mkstemp(dir=self.media_dir, prefix=f".{sha256}.", suffix=TEMP_SUFFIX)
        digest = hashlib.sha256()
        received = 0
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    received += len(chunk)
                    if size is not None and received > size:
                        raise MediaMismatch(f"{sha256}: more than the expected {size} bytes")
                    digest.update(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            if size is not None and received != size:
                raise MediaMismatch(f"{sha256}: got {received} bytes, expected {size}")
            if digest.hexdigest() != sha256:
                raise MediaMismatch(f"{sha256}: content hashes to {digest.hexdigest()}")
            os.replace(temp, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
        _fsync_dir(self.media_dir)
        return final

    def remove_temporaries(self) -> int:
        """Delete temporaries a killed process left behind; only one player runs per folder
        (see lock()), so any that exist at start are orphans."""
        removed = 0
        for folder in (self.root, self.media_dir):
            for leftover in folder.glob(f".*{TEMP_SUFFIX}"):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
                    removed += 1
        return removed

    def verify_media(self) -> list[str]:
        """Remove cached files whose content does not match their name (a disk fault, or a
        file copied in by hand). Returns the names removed."""
        removed = []
        for path in self.media_dir.iterdir():
            if path.name.startswith(".") or not path.is_file():
                continue
            if not is_sha256(path.name) or _hash_file(path) != path.name:
                path.unlink()
                removed.append(path.name)
        return removed

    def prune_media(self, keep: set[str]) -> list[str]:
        """Remove cached files that the current playlist no longer names."""
        removed = []
        for path in self.media_dir.iterdir():
            if path.is_file() and not path.name.startswith(".") and path.name not in keep:
                path.unlink()
                removed.append(path.name)
        return removed

    def cached_bytes(self) -> int:
        return sum(p.stat().st_size for p in self._media_files())

    def free_bytes(self) -> int:
        return shutil.disk_usage(self.root).free

    def _media_files(self) -> Iterator[Path]:
        return (p for p in self.media_dir.iterdir() if p.is_file() and not p.name.startswith("."))


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
