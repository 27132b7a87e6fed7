"""Errors raised by the media layer.

Each carries a `message` written for the person who uploaded the file, so the API layer can put it
straight into a problem+json body. The HTTP status each one maps to is noted on the class.
"""

from __future__ import annotations


class MediaError(Exception):
    """Base class: a problem with an uploaded file that the uploader can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsupportedMedia(MediaError):
    """The file is not a type we accept (SVG, GIF, PDF, text, animated image...): HTTP 415."""


class InvalidMedia(MediaError):
    """The file claims a supported type but is damaged, empty or too big to decode: HTTP 422."""


class TooLarge(MediaError):
    """The upload exceeded the byte limit while streaming: HTTP 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"The file is larger than the limit of {max_bytes} bytes.")
        self.max_bytes = max_bytes


class MediaToolMissing(RuntimeError):
    """ffprobe/ffmpeg is not installed: a deployment fault (HTTP 500/503), not the user's."""

    def __init__(self, tool: str) -> None:
        super().__init__(
            f"{tool} was not found on PATH; install Debian's 'ffmpeg' package to handle video."
        )
        self.tool = tool


class MediaNotFound(LookupError):
    """No stored object has this sha256 (HTTP 404 at the media route)."""

    def __init__(self, sha256: str) -> None:
        super().__init__(f"No stored media with sha256 {sha256}.")
        self.sha256 = sha256


class MediaUnavailable(RuntimeError):
    """The media store does not answer or refuses (HTTP 503: try again shortly)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The media store is unavailable: {reason}")
        self.reason = reason
