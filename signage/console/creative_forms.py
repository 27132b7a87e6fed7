"""What the campaign, creative and approval forms share: field errors for the GOV.UK error
summary, read from the validation errors and problems the API reports (its own words)."""

from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from signage.console.i18n import CONSOLE_TIMEZONE
from signage.core.db import session_scope
from signage.core.errors import Problem

# A writing unit of work as a `with` block: it commits when the block ends cleanly.
unit_of_work = contextmanager(session_scope)


@dataclass(frozen=True)
class FieldError:
    field: str  # the input's id, which the error summary links to
    message: str


def validation_errors(
    errors: Sequence[Any], *, fields: Iterable[str], default_field: str
) -> tuple[FieldError, ...]:
    """Pydantic's errors as the API words them (``name: String should have...``), each linked
    to its input (or to ``default_field`` for an error about the whole form)."""
    known = frozenset(fields)
    found: list[FieldError] = []
    for error in errors:
        names = [str(p) for p in error.get("loc", ()) if p not in ("body", "form", "query")]
        field = names[0] if names and names[0] in known else default_field
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        where = ".".join(names) or "request"
        found.append(FieldError(field=field, message=f"{where}: {message}"))
    return tuple(found)


def problem_error(
    problem: Problem, *, fields: Iterable[str], default_field: str
) -> tuple[FieldError, ...]:
    """A service's problem on the input its message names (``duration_ms: ...``), if any."""
    prefix = problem.detail.split(":", 1)[0].strip()
    field = prefix if prefix in frozenset(fields) else default_field
    return (FieldError(field=field, message=problem.detail),)


def local_instant(value: str) -> str:
    """A ``datetime-local`` input's value (UK wall-clock time, no offset) as the RFC 3339
    instant the API takes; any other text is passed on for the API's own validation."""
    text = value.strip()
    if not text:
        return text
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return text
    if parsed.tzinfo is not None:
        return text
    return parsed.replace(tzinfo=CONSOLE_TIMEZONE).isoformat()


def error_map(errors: Iterable[FieldError]) -> Mapping[str, str]:
    """The first error of each input, for its inline message."""
    found: dict[str, str] = {}
    for error in errors:
        found.setdefault(error.field, error.message)
    return found
