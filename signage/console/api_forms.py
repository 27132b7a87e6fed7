"""What the Venues and Screens forms share: the posted fields, a unit of work, and the API's
validation errors turned into GOV.UK error-summary entries linked to their fields.

These forms validate nothing themselves: they build the API's own input models and call the
API's services, so a form refuses exactly what the JSON API refuses, with the same message.
"""

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import ValidationError
from sqlmodel import Session

from signage.core.db import session_scope

unit_of_work: Callable[..., AbstractContextManager[Session]] = contextmanager(session_scope)

# Longer than any field of these forms may sensibly be; more is not read.
MAX_FIELD = 2000


@dataclass(frozen=True)
class FieldError:
    field: str  # the input's id, which the error summary links to
    message: str  # English; translated where it is shown (the API's own text otherwise)


async def _posted(request: Request) -> dict[str, str]:
    # The form is parsed once (check_csrf has read it already); text fields only.
    form = await request.form()
    return {k: v[:MAX_FIELD] for k, v in form.multi_items() if isinstance(v, str)}


PostedForm = Annotated[dict[str, str], Depends(_posted)]


def api_message(error: Mapping[str, Any]) -> str:
    """The message the API gives for one pydantic error (without the field's location)."""
    return str(error.get("msg", "invalid value")).removeprefix("Value error, ")


def field_errors(
    exc: ValidationError, field_for: Callable[[tuple[Any, ...]], str | None], default: str
) -> tuple[FieldError, ...]:
    """One entry per field, in the order of the errors; ``field_for`` maps a pydantic
    location to the input's id (None: the ``default`` field)."""
    seen: dict[str, FieldError] = {}
    for error in exc.errors():
        field = field_for(tuple(error.get("loc", ()))) or default
        seen.setdefault(field, FieldError(field, api_message(dict(error))))
    return tuple(seen.values())


def problem_field(detail: str, fields: Mapping[str, str], default: str) -> FieldError:
    """A service's 422 ("force_id: ... is not a police force") on the field it names."""
    name, _, _rest = detail.partition(":")
    return FieldError(fields.get(name.strip(), default), detail)


def blank_messages(
    errors: tuple[FieldError, ...] | list[FieldError],
    form: Mapping[str, str],
    blank: Mapping[str, str],
) -> tuple[FieldError, ...]:
    """The GOV.UK wording ("Enter the venue's name") for a required field left empty, in
    place of the validator's; every other message stays the API's own."""
    return tuple(
        FieldError(e.field, blank[e.field])
        if e.field in blank and not form.get(e.field, "").strip()
        else e
        for e in errors
    )
