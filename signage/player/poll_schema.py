"""The JSON Schema of the poll body (CONTRACT.md, "The player's poll"), for the OpenAPI document.

The poll and the preview build their bytes by hand (signage/player/playlist.py), with no
response model to describe them, so the body is described here. Extra fields are allowed: the
contract lets the server add them, and screens must ignore what they do not know.
"""

from typing import Any

PLAYLIST_SCHEMA_NAME = "Playlist"

_INSTANT = {"type": "string", "format": "date-time", "examples": ["2026-11-28T04:00:00.000Z"]}

PLAYLIST_SCHEMA: dict[str, Any] = {
    "title": PLAYLIST_SCHEMA_NAME,
    "description": (
        "What a screen shows from now on: a contiguous timeline whose first segment contains "
        "now and that covers at least the next 24 hours, and every media file it needs."
    ),
    "type": "object",
    "required": [
        "screen_id",
        "timezone",
        "poll_after_seconds",
        "next_change_at",
        "timeline",
        "media",
    ],
    "properties": {
        "screen_id": {"type": "string"},
        "timezone": {"type": "string", "description": "the venue's IANA timezone"},
        "poll_after_seconds": {"type": "integer", "minimum": 1},
        "next_change_at": {
            "anyOf": [_INSTANT, {"type": "null"}],
            "description": "the first segment's `ends_at`",
        },
        "timeline": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["starts_at", "ends_at", "items"],
                "properties": {
                    "starts_at": _INSTANT,
                    "ends_at": {
                        "anyOf": [_INSTANT, {"type": "null"}],
                        "description": "`null`: until further notice",
                    },
                    "items": {
                        "type": "array",
                        "description": "one loop, repeated until `ends_at`; empty: nothing on air",
                        "items": {
                            "type": "object",
                            "required": ["creative_id", "duration_ms"],
                            "properties": {
                                "creative_id": {"type": "string"},
                                "duration_ms": {"type": "integer", "minimum": 1},
                            },
                        },
                    },
                },
            },
        },
        "media": {
            "type": "object",
            "description": "every creative in the timeline, by creative id",
            "additionalProperties": {
                "type": "object",
                "required": ["url", "sha256", "bytes", "mime_type", "width", "height"],
                "properties": {
                    "url": {"type": "string", "examples": ["/media/<sha256>"]},
                    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "bytes": {"type": "integer", "minimum": 0},
                    "mime_type": {"type": "string"},
                    "width": {"type": "integer", "minimum": 1},
                    "height": {"type": "integer", "minimum": 1},
                },
            },
        },
    },
}
