"""Small value types shared by the API schemas of several domains."""

import re
from datetime import time
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    Strict,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)


def is_storable(text: str) -> bool:
    """Whether a database column can hold ``text``: PostgreSQL text cannot hold NUL, and a lone
    surrogate (valid in JSON as ``\\ud800``) cannot be encoded as UTF-8 for either database."""
    return "\x00" not in text and not any("\ud800" <= ch <= "\udfff" for ch in text)


class StorableInput(BaseModel):
    """A request body whose text fields can all be stored, so odd text is a 422, not a 500."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and not is_storable(t) for t in texts):
            raise ValueError("must not contain NUL characters or unpaired surrogates")
        return value


# ASCII digits only: \d would take "٢٠:٠٠" too, and int() would read it.
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


class Day(StrEnum):
    mon = "mon"
    tue = "tue"
    wed = "wed"
    thu = "thu"
    fri = "fri"
    sat = "sat"
    sun = "sun"


WEEKDAYS: tuple[Day, ...] = tuple(Day)


def parse_hhmm(value: str) -> time:
    match = _HHMM.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a time of day as HH:MM (00:00 to 23:59)")
    return time(int(match[1]), int(match[2]))


def _check_hhmm(value: str) -> str:
    parse_hhmm(value)
    return value


# Files in the zoneinfo folder that available_timezones() lists on some systems but that are not
# IANA zone names: "localtime" is whatever the server's own clock happens to be set to.
_NOT_IANA_ZONES = frozenset({"localtime", "posixrules"})


def _check_timezone(value: str) -> str:
    # ZoneInfo alone accepts odd keys such as "localtime" or file paths on some systems; the
    # IANA list is the contract.
    if value in _NOT_IANA_ZONES or value not in _timezones():
        raise ValueError(f"{value!r} is not an IANA timezone name such as Europe/London")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{value!r} is not a known timezone") from exc
    return value


_TIMEZONES: frozenset[str] = frozenset()


def _timezones() -> frozenset[str]:
    global _TIMEZONES
    if not _TIMEZONES:
        _TIMEZONES = frozenset(available_timezones())
    return _TIMEZONES


def _strip(value: object) -> object:
    if isinstance(value, str):
        if not is_storable(value):
            raise ValueError("must not contain NUL characters or unpaired surrogates")
        return value.strip()
    return value


# The documented schemas say what the validators check; pydantic leaves a pattern out of the
# document when a validator runs first, so each type states its schema itself.
HHMM = Annotated[
    str,
    AfterValidator(_check_hhmm),
    WithJsonSchema({"type": "string", "pattern": _HHMM.pattern, "examples": ["20:00"]}),
]
TimezoneName = Annotated[
    str,
    AfterValidator(_check_timezone),
    WithJsonSchema(
        {"type": "string", "description": "an IANA timezone name such as Europe/London"}
    ),
]
# Surrounding whitespace is dropped before the length is checked, so the documented pattern
# says the same: 1 to 200 characters between optional whitespace.
Name = Annotated[
    str,
    BeforeValidator(_strip),
    StringConstraints(min_length=1, max_length=200),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*\S([\s\S]{0,198}\S)?\s*$",
            "description": "1 to 200 characters; surrounding whitespace is dropped",
        }
    ),
]
# Outsmart SPACE identifiers (Playout digital file format v1.7, field validation v2.0): a
# frame id is exactly 10 digits; buyer, agency and brand ids are INT4, 0 to 2147483647.
FrameId = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{10}$"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^[0-9]{10}$",
            "description": "the screen's SPACE frame id: exactly 10 digits",
            "examples": ["1234567890"],
        }
    ),
]


def _whole_number(value: Any) -> Any:
    # JSON Schema's integer: 7 and 7.0, never true or "7".
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true or false")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


SpaceId = Annotated[int, Strict(), Field(ge=0, le=2_147_483_647), BeforeValidator(_whole_number)]
_TAG = r"[A-Za-z0-9][A-Za-z0-9 _.:/-]*"
Tag = Annotated[
    str,
    BeforeValidator(_strip),
    StringConstraints(min_length=1, max_length=64, pattern=f"^{_TAG}$"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*[A-Za-z0-9]([A-Za-z0-9 _.:/-]{0,62}[A-Za-z0-9_.:/-])?\s*$",
            "description": "up to 64 letters, digits, spaces and _.:/- starting with a letter "
            "or digit; surrounding whitespace is dropped",
        }
    ),
]


def _without_null(schema: dict[str, Any]) -> None:
    schema.pop("default", None)
    options = [o for o in schema.pop("anyOf", []) if o != {"type": "null"}]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options


def not_nullable(**constraints: Any) -> Any:
    """A PATCH field (``T | None``) that may be left out but not cleared: the service refuses
    an explicit null with a 422, so the document shows no null."""
    return Field(default=None, json_schema_extra=_without_null, **constraints)
