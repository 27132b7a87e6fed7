"""The schedule engine: pure functions from plain data (windows, venue hours, bank holidays,
an instant) to a screen's timeline. No database, no FastAPI.

Modules: model (frozen dataclasses), parse (contract strings -> values, ValueError for a 422),
clock (zones, wall-clock resolution, bank holidays), windows (rules 1-5: on-air intervals),
loop (rule 6: one weighted, interleaved loop), targeting (targets, ScheduleIndex),
timeline (build_timeline), ics (iCalendar export; import signage.timing.ics).

Typical use by the app:

    index = ScheduleIndex(schedules)                      # once per change of schedules
    segments = build_timeline(screen=screen, schedules=index.for_screen(screen),
                              creatives=creatives_by_id, start=now, end=now + 48 h)
"""

from signage.timing.clock import bank_holidays, is_bank_holiday, local_to_utc, zone
from signage.timing.loop import MAX_LOOP_ITEMS, build_loop
from signage.timing.model import (
    BANK_HOLIDAY,
    BANK_HOLIDAY_EVE,
    DAY_SELECTORS,
    NATIONS,
    TAKEOVER_PRIORITY,
    WEEKDAYS,
    Creative,
    FixedTime,
    Item,
    OpeningPeriod,
    RelativeTime,
    Schedule,
    Screen,
    Segment,
    Target,
    Venue,
    Window,
    WindowTime,
    fits,
    shape_from_size,
)
from signage.timing.parse import (
    parse_days,
    parse_hhmm,
    parse_opening_period,
    parse_window,
    parse_window_time,
)
from signage.timing.targeting import ScheduleIndex, targets
from signage.timing.timeline import build_timeline, eligible_creatives, playlist_at
from signage.timing.windows import on_air_intervals, window_intervals

__all__ = [
    "TAKEOVER_PRIORITY",
    "BANK_HOLIDAY",
    "BANK_HOLIDAY_EVE",
    "DAY_SELECTORS",
    "MAX_LOOP_ITEMS",
    "NATIONS",
    "WEEKDAYS",
    "Creative",
    "FixedTime",
    "Item",
    "OpeningPeriod",
    "RelativeTime",
    "Schedule",
    "ScheduleIndex",
    "Screen",
    "Segment",
    "Target",
    "Venue",
    "Window",
    "WindowTime",
    "bank_holidays",
    "build_loop",
    "build_timeline",
    "eligible_creatives",
    "fits",
    "is_bank_holiday",
    "local_to_utc",
    "on_air_intervals",
    "parse_days",
    "parse_hhmm",
    "parse_opening_period",
    "parse_window",
    "parse_window_time",
    "playlist_at",
    "shape_from_size",
    "targets",
    "window_intervals",
    "zone",
]
