"""What the Users and Change password forms share: the API's validation errors on their
fields, in GOV.UK's words where the API's are a programmer's ("String should have at least 8
characters"); the rule itself is always the API model's.
"""

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from signage.console.api_forms import FieldError, api_message
from signage.console.i18n import N_
from signage.users.models import PASSWORD_MAX, PASSWORD_MIN

# The API models' password fields, and their limits in words (the numbers are the models':
# tests/console/test_users.py fails if they and these words part).
PASSWORD_FIELDS = frozenset({"password", "new_password"})
_PASSWORD_WORDS = {
    "string_too_short": N_("The password must be 8 characters or more"),
    "string_too_long": N_("The password must be 256 characters or fewer"),
}
_EMAIL_WORDS = N_("Enter an email address in the correct format, like name@example.com")
LIMITS = (PASSWORD_MIN, PASSWORD_MAX)


def _in_words(loc: tuple[Any, ...], error: dict[str, Any]) -> str:
    name = str(loc[0]) if loc else ""
    if name in PASSWORD_FIELDS and error.get("type") in _PASSWORD_WORDS:
        return _PASSWORD_WORDS[str(error["type"])]
    if name == "email" and error.get("type") == "value_error":
        return _EMAIL_WORDS
    return api_message(error)


def account_errors(
    exc: ValidationError, field_for: Callable[[tuple[Any, ...]], str | None], default: str
) -> list[FieldError]:
    """One entry per field, in the order of the errors (as api_forms.field_errors)."""
    seen: dict[str, FieldError] = {}
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        field = field_for(loc) or default
        seen.setdefault(field, FieldError(field, _in_words(loc, dict(error))))
    return list(seen.values())
