"""The takeover form: its inputs to the API's ``TakeoverCreate`` body and back, the end as a
date and a time on the UK clock, and the API's errors on the inputs they are about.

The form validates only what the API cannot see (a date and a time typed as text); the rest
is the API's own model and service, so the console refuses what the API refuses, with the
same message, on the input it is about.
"""

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col

from signage.campaigns.models import Campaign
from signage.console.api_forms import FieldError, api_message
from signage.console.creative_views import orientation
from signage.console.i18n import CONSOLE_TIMEZONE, N_, Translator
from signage.console.schedules import Choice, Posted
from signage.core.tenancy import Caller, visible
from signage.core.types import EARLIEST_DATE, LATEST_DATE
from signage.creatives.models import Creative, CreativeStatus
from signage.takeovers.models import MAX_DURATION

# The form offers this many approved creatives, by name.
CREATIVE_LIMIT = 200
TARGET_LISTS = ("force_ids", "venue_kinds", "venue_ids")
# The inputs the error summary links to, by the API's field names.
FIELD_OF = {
    "creative_ids": "creative_ids",
    "force_ids": "force_ids",
    "venue_kinds": "venue_kinds",
    "venue_ids": "venue_ids",
    "target": "venue_kinds",
    "starts_at": "end-date",
    "ends_at": "end-date",
    "reason": "reason",
    "break_glass": "break_glass",
}
# The order the form shows its inputs in, which the error summary follows.
ORDER = (
    "creative_ids",
    "force_ids",
    "venue_kinds",
    "venue_ids",
    "end-date",
    "end-time",
    "reason",
    "break_glass",
)
BLANK = {
    "creative_ids": N_("Select at least one approved creative to show"),
    "reason": N_("Enter why the screens are being taken over"),
}
NO_DATE = N_("Enter the date the takeover ends")
BAD_DATE = N_("The end date must be a real date, such as 27/11/2026")
NO_TIME = N_("Enter the time the takeover ends, such as 04:00")
BAD_TIME = N_("The end time must be a real time, such as 04:00")
# The default end: 04:00 (closing time is over), unless that is under an hour away or beyond
# the longest a takeover may last.
DEFAULT_END = time(4, 0)
SOONEST_DEFAULT = timedelta(hours=1)

_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[/. -](\d{1,2})[/. -](\d{4})")
_HOURS_MINUTES = re.compile(r"(\d{1,2})[:.](\d{2})")


def creative_choices(
    session: Session, caller: Caller, t: Translator, *, now: datetime, owners: Mapping[str, str]
) -> list[Choice]:
    """The approved creatives the caller may show (the service's rule: any it can see), not
    expired, by name; each with its campaign and orientation (and, for national staff, whose
    it is)."""
    rows = session.execute(
        select_columns(
            col(Creative.id),
            col(Creative.name),
            col(Creative.width),
            col(Creative.height),
            col(Creative.organisation_id),
            col(Campaign.name),
        )
        .join(Campaign, col(Campaign.id) == col(Creative.campaign_id))
        .where(
            visible(caller, Creative),
            col(Creative.status) == CreativeStatus.approved,
            or_(col(Creative.valid_until).is_(None), col(Creative.valid_until) > now),
        )
        .order_by(col(Creative.name), col(Creative.id))
        .limit(CREATIVE_LIMIT)
    )
    choices = []
    for creative_id, name, width, height, organisation_id, campaign in rows:
        hint = [str(campaign), t.gettext(orientation(width, height))]
        if caller.is_national:
            hint.append(owners.get(organisation_id, ""))
        choices.append(Choice(str(creative_id), str(name), " · ".join(h for h in hint if h)))
    return choices


def default_end(now: datetime) -> datetime:
    """The next 04:00 on the UK clock at least an hour away, or the longest a takeover may
    last (rounded down to the quarter hour) if that comes first."""
    local = now.astimezone(CONSOLE_TIMEZONE)
    end = datetime.combine(local.date(), DEFAULT_END, CONSOLE_TIMEZONE)
    while end < now + SOONEST_DEFAULT:
        end = datetime.combine(end.date() + timedelta(days=1), DEFAULT_END, CONSOLE_TIMEZONE)
    latest = (now + MAX_DURATION).astimezone(CONSOLE_TIMEZONE)
    if end > latest:
        end = latest.replace(minute=latest.minute - latest.minute % 15, second=0, microsecond=0)
    return end.astimezone(UTC)


def end_values(end: datetime) -> dict[str, str]:
    """The end's inputs: its date and time on the UK clock."""
    local = end.astimezone(CONSOLE_TIMEZONE)
    return {"end-date": local.date().isoformat(), "end-time": f"{local:%H:%M}"}


def typed_date(text: str) -> date:
    """2026-11-27 from a date picker, or 27/11/2026 typed where the browser has none, within
    the API's range of dates (ValueError otherwise)."""
    typed = _DAY_MONTH_YEAR.fullmatch(text.strip())
    if typed:
        day, month, year = (int(part) for part in typed.groups())
        found = date(year, month, day)
    else:
        found = date.fromisoformat(text.strip())
    if not EARLIEST_DATE <= found <= LATEST_DATE:
        raise ValueError(text)
    return found


def _read_date(text: str) -> tuple[date | None, FieldError | None]:
    if not text.strip():
        return None, FieldError("end-date", NO_DATE)
    try:
        return typed_date(text), None
    except ValueError:
        return None, FieldError("end-date", BAD_DATE)


def _read_time(text: str) -> tuple[time | None, FieldError | None]:
    text = text.strip()
    if not text:
        return None, FieldError("end-time", NO_TIME)
    typed = _HOURS_MINUTES.fullmatch(text)
    try:
        if typed is None:
            raise ValueError(text)
        return time(int(typed.group(1)), int(typed.group(2))), None
    except ValueError:
        return None, FieldError("end-time", BAD_TIME)


def read_end(date_text: str, time_text: str) -> tuple[datetime | None, list[FieldError]]:
    """The end the inputs name, on the UK clock, as an instant; or the errors to show."""
    day, date_error = _read_date(date_text)
    at, time_error = _read_time(time_text)
    errors = [e for e in (date_error, time_error) if e is not None]
    if day is None or at is None:
        return None, errors
    return datetime.combine(day, at, CONSOLE_TIMEZONE).astimezone(UTC), []


def body_of(posted: Posted) -> tuple[dict[str, Any], dict[str, Any], list[FieldError]]:
    """The API's body, the values to show again, and the errors only the form can have."""
    text, lists = posted.text, posted.lists
    ends_at, errors = read_end(text.get("end-date", ""), text.get("end-time", ""))
    target = {k: lists.get(k, []) for k in TARGET_LISTS}
    body: dict[str, Any] = {
        "creative_ids": lists.get("creative_ids", []),
        "target": target,
        "reason": text.get("reason", ""),
        "break_glass": text.get("break_glass") == "yes",
    }
    if ends_at is not None:
        body["ends_at"] = ends_at
    values: dict[str, Any] = {
        "creative_ids": body["creative_ids"],
        **target,
        "end-date": text.get("end-date", ""),
        "end-time": text.get("end-time", ""),
        "reason": text.get("reason", ""),
        "break_glass": "yes" if body["break_glass"] else "no",
    }
    return body, values, errors


def _field_for(loc: Sequence[Any]) -> str:
    head = str(loc[0]) if loc else ""
    if head == "target" and len(loc) >= 2:
        return FIELD_OF.get(str(loc[1]), "venue_kinds")
    return FIELD_OF.get(head, "creative_ids")


def validation_errors(exc: ValidationError, *, ends_read: bool) -> list[FieldError]:
    """Pydantic's errors as the API words them, one a field; an end the form could not read
    has the form's error already, not the model's "Field required"."""
    seen: dict[str, FieldError] = {}
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        field = _field_for(loc)
        if field == "end-date" and not ends_read:
            continue
        where = ".".join(str(p) for p in loc)
        message = api_message(dict(error))
        seen.setdefault(field, FieldError(field, f"{where}: {message}" if where else message))
    return list(seen.values())


def problem_error(detail: str) -> FieldError:
    """A service's refusal ("ends_at: a takeover lasts at most 12 hours") on its input."""
    head = detail.split(":", 1)[0].strip()
    name = head.removeprefix("target.")
    return FieldError(FIELD_OF.get(name, "creative_ids"), detail)


def shown_errors(errors: Sequence[FieldError], body: Mapping[str, Any]) -> tuple[FieldError, ...]:
    """In the form's order, with GOV.UK wording for what was left out; every other message
    is the API's own."""
    blank = {
        "creative_ids": not body["creative_ids"],
        "reason": not str(body["reason"]).strip(),
    }
    worded = [FieldError(e.field, BLANK[e.field]) if blank.get(e.field) else e for e in errors]
    return tuple(
        sorted(worded, key=lambda e: ORDER.index(e.field) if e.field in ORDER else len(ORDER))
    )
