"""The schedule form: its inputs to the API's ``ScheduleCreate`` body and back, the API's
validation errors on the inputs they are about, and a schedule's windows in words.

A window's start and end are each a clock time ("20:00") or a time relative to the venue's
opening or closing time ("1 hour before closing" is the API's ``close-01:00``). The form
shows a fixed number of window rows: the schedule's own, and one empty row to add another.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from signage.console.api_forms import FieldError
from signage.console.i18n import N_, Translator
from signage.schedules.models import MAX_WINDOWS
from signage.timing import FixedTime, RelativeTime, parse_window_time

DAY_CHIPS: tuple[tuple[str, str], ...] = (
    ("mon", N_("Monday")),
    ("tue", N_("Tuesday")),
    ("wed", N_("Wednesday")),
    ("thu", N_("Thursday")),
    ("fri", N_("Friday")),
    ("sat", N_("Saturday")),
    ("sun", N_("Sunday")),
    ("bank_holiday", N_("Bank holiday")),
    ("bank_holiday_eve", N_("Bank-holiday eve")),
)
_DAYS_IN_WORDS = {
    "mon": N_("Mondays"),
    "tue": N_("Tuesdays"),
    "wed": N_("Wednesdays"),
    "thu": N_("Thursdays"),
    "fri": N_("Fridays"),
    "sat": N_("Saturdays"),
    "sun": N_("Sundays"),
    "bank_holiday": N_("bank holidays"),
    "bank_holiday_eve": N_("bank-holiday eves"),
}
# Offsets from opening or closing time offered in the form, in minutes.
OFFSETS = (0, 15, 30, 45, 60, 90, 120, 180, 240)
ENDS = ("start", "end")
TEXT_FIELDS = ("name", "priority", "weight", "tags", "start_date", "end_date", "exclude_dates")
LIST_FIELDS = ("creative_ids", "force_ids", "venue_kinds", "venue_ids", "screen_ids")
# The inputs the error summary links to, by the API's field names.
FIELD_OF = {
    "name": "name",
    "creative_ids": "creative_ids",
    "priority": "priority",
    "weight": "weight",
    "start_date": "start_date",
    "end_date": "end_date",
    "exclude_dates": "exclude_dates",
    "windows": "window-1-days",
    "force_ids": "force_ids",
    "venue_kinds": "venue_kinds",
    "venue_ids": "venue_ids",
    "screen_ids": "screen_ids",
    "tags": "tags",
}
BLANK = {
    "name": N_("Enter a name for the schedule"),
    "creative_ids": N_("Select at least one creative to play"),
    "windows": N_("Choose the days and times the schedule is on air"),
}
_NO_DAYS = N_("Select at least one day for this window")
_NO_TIME = N_("Enter a time such as 21:00, or choose opening or closing time")


@dataclass(frozen=True)
class WindowTimeForm:
    kind: str  # "clock", "open" or "close"
    time: str  # for a clock time, "HH:MM"
    offset: int  # minutes, for open/close
    direction: str  # "before" or "after"


@dataclass(frozen=True)
class WindowForm:
    number: int  # 1-based: the inputs' ids are window-<number>-...
    days: tuple[str, ...]
    start: WindowTimeForm
    end: WindowTimeForm


_EMPTY_TIME = WindowTimeForm("clock", "", 0, "before")


def _time_form(text: str) -> WindowTimeForm:
    value = parse_window_time(text)
    if isinstance(value, FixedTime):
        return WindowTimeForm("clock", value.at.strftime("%H:%M"), 0, "before")
    assert isinstance(value, RelativeTime)
    minutes = int(value.offset.total_seconds() // 60)
    return WindowTimeForm(value.anchor, "", abs(minutes), "before" if minutes < 0 else "after")


def windows_of(windows: Sequence[Mapping[str, Any]]) -> list[WindowForm]:
    """A saved schedule's windows as form rows, and one empty row to add another."""
    rows = [
        WindowForm(n, tuple(w["days"]), _time_form(w["start"]), _time_form(w["end"]))
        for n, w in enumerate(windows, start=1)
    ]
    if len(rows) < MAX_WINDOWS:
        rows.append(WindowForm(len(rows) + 1, (), _EMPTY_TIME, _EMPTY_TIME))
    return rows


def _posted_time(form: Mapping[str, Any], prefix: str) -> WindowTimeForm:
    """One end of a row: the inputs that do not apply to the chosen kind are ignored."""
    kind = str(form.get(f"{prefix}-kind", "clock"))
    kind = kind if kind in ("clock", "open", "close") else "clock"
    try:
        offset = int(str(form.get(f"{prefix}-offset", "0")))
    except ValueError:
        offset = -1  # refused below, with the API's words
    direction = form.get(f"{prefix}-direction")
    return WindowTimeForm(
        kind=kind,
        time=str(form.get(f"{prefix}-time", "")).strip() if kind == "clock" else "",
        offset=offset if kind != "clock" else 0,
        direction="after" if direction == "after" else "before",
    )


def posted_windows(form: Mapping[str, Any], days_of: Mapping[str, list[str]]) -> list[WindowForm]:
    """The window rows as posted (``days_of``: each row's checked days), keeping every row
    that has anything in it, and one empty row after them."""
    rows: list[WindowForm] = []
    for number in range(1, MAX_WINDOWS + 1):
        prefix = f"window-{number}"
        days = tuple(days_of.get(f"{prefix}-days", []))
        start = _posted_time(form, f"{prefix}-start")
        end = _posted_time(form, f"{prefix}-end")
        if days or start.time or end.time or "clock" not in (start.kind, end.kind):
            rows.append(WindowForm(len(rows) + 1, days, start, end))
    if len(rows) < MAX_WINDOWS:
        rows.append(WindowForm(len(rows) + 1, (), _EMPTY_TIME, _EMPTY_TIME))
    return rows


def _api_time(value: WindowTimeForm) -> str:
    if value.kind == "clock":
        return value.time
    if value.offset == 0:
        return value.kind
    if value.offset < 0 or value.offset >= 24 * 60:
        return f"{value.kind}+{value.offset}"  # not HH:MM: the API says why
    hours, minutes = divmod(value.offset, 60)
    sign = "-" if value.direction == "before" else "+"
    return f"{value.kind}{sign}{hours:02d}:{minutes:02d}"


def _is_empty(row: WindowForm) -> bool:
    return not row.days and row.start == _EMPTY_TIME and row.end == _EMPTY_TIME


def api_windows(
    rows: Sequence[WindowForm],
) -> tuple[list[dict[str, Any]], list[int], list[FieldError]]:
    """The API's ``windows`` from the rows, which row each came from (for the API's errors),
    and the errors only the form can have (a row without days, a clock time left empty)."""
    windows: list[dict[str, Any]] = []
    numbers: list[int] = []
    errors: list[FieldError] = []
    for row in rows:
        if _is_empty(row):
            continue
        if not row.days:
            errors.append(FieldError(f"window-{row.number}-days", _NO_DAYS))
        for end in ENDS:
            value: WindowTimeForm = getattr(row, end)
            if value.kind == "clock" and not value.time:
                errors.append(FieldError(f"window-{row.number}-{end}-time", _NO_TIME))
        windows.append(
            {"days": list(row.days), "start": _api_time(row.start), "end": _api_time(row.end)}
        )
        numbers.append(row.number)
    return windows, numbers, errors


def field_for(loc: Sequence[Any], numbers: Sequence[int]) -> str | None:
    """The input an API validation error is about: ``("windows", 0, "start")`` is the first
    posted row's start."""
    if not loc:
        return None
    head = str(loc[0])
    if head == "target" and len(loc) >= 2:
        return FIELD_OF.get(str(loc[1]))
    if head == "windows" and len(loc) >= 2 and isinstance(loc[1], int) and loc[1] < len(numbers):
        number = numbers[loc[1]]
        part = str(loc[2]) if len(loc) >= 3 else "days"
        return f"window-{number}-{part}-time" if part in ENDS else f"window-{number}-days"
    return FIELD_OF.get(head)


def split_list(text: str) -> list[str]:
    """Tags or dates typed with commas, spaces or new lines between them."""
    return [part for part in text.replace(",", " ").split() if part]


# --- in words -------------------------------------------------------------------------------


def _duration(t: Translator, minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(t.ngettext("%(num)s hour", "%(num)s hours", hours) % {"num": hours})
    if rest:
        parts.append(t.ngettext("%(num)s minute", "%(num)s minutes", rest) % {"num": rest})
    return " ".join(parts)


def time_in_words(t: Translator, text: str) -> str:
    value = parse_window_time(text)
    if isinstance(value, FixedTime):
        return value.at.strftime("%H:%M")
    assert isinstance(value, RelativeTime)
    minutes = int(value.offset.total_seconds() // 60)
    if minutes == 0:
        return t.gettext(N_("opening time") if value.anchor == "open" else N_("closing time"))
    phrases = {
        ("open", True): N_("%(duration)s before opening"),
        ("open", False): N_("%(duration)s after opening"),
        ("close", True): N_("%(duration)s before closing"),
        ("close", False): N_("%(duration)s after closing"),
    }
    phrase = phrases[(value.anchor, minutes < 0)]
    return t.gettext(phrase) % {"duration": _duration(t, abs(minutes))}


def window_in_words(t: Translator, window: Mapping[str, Any]) -> str:
    days = ", ".join(t.gettext(_DAYS_IN_WORDS[d]) for d in window["days"] if d in _DAYS_IN_WORDS)
    return t.gettext(N_("%(days)s, from %(start)s until %(end)s")) % {
        "days": days[:1].upper() + days[1:],
        "start": time_in_words(t, window["start"]),
        "end": time_in_words(t, window["end"]),
    }


def offset_label(t: Translator, minutes: int) -> str:
    return t.gettext(N_("Exactly")) if minutes == 0 else _duration(t, minutes)
