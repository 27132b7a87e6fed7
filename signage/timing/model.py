"""Plain, immutable inputs and outputs of the schedule engine.

The application layer converts database rows into these; nothing here knows about the
database, FastAPI or pydantic. All instants are aware datetimes (the engine returns UTC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BANK_HOLIDAY = "bank_holiday"
BANK_HOLIDAY_EVE = "bank_holiday_eve"
DAY_SELECTORS: frozenset[str] = frozenset(WEEKDAYS) | {BANK_HOLIDAY, BANK_HOLIDAY_EVE}
NATIONS: tuple[str, ...] = ("england", "wales", "scotland", "northern_ireland")

Orientation = Literal["landscape", "portrait"]
Shape = Literal["landscape", "portrait", "square"]
Anchor = Literal["open", "close"]


@dataclass(frozen=True, slots=True)
class OpeningPeriod:
    """One opening period starting on `day`; a `close` at or before `open` ends the next day."""

    day: str
    open: time
    close: time


@dataclass(frozen=True, slots=True)
class Venue:
    id: str
    timezone: str = "Europe/London"
    nation: str = "england"
    kind: str = "pub"
    force_id: str = ""
    opening_hours: tuple[OpeningPeriod, ...] = ()


@dataclass(frozen=True, slots=True)
class Screen:
    id: str
    venue: Venue
    orientation: Orientation | None = None
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Creative:
    """A playable creative. `valid_from <= t < valid_until` (either bound may be None)."""

    id: str
    duration_ms: int
    shape: Shape = "landscape"
    approved: bool = True
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def valid_at(self, t: datetime) -> bool:
        if self.valid_from is not None and t < self.valid_from:
            return False
        return self.valid_until is None or t < self.valid_until


@dataclass(frozen=True, slots=True)
class FixedTime:
    """A wall-clock time of day in the venue's timezone."""

    at: time

    def __str__(self) -> str:
        return f"{self.at.hour:02d}:{self.at.minute:02d}"


@dataclass(frozen=True, slots=True)
class RelativeTime:
    """An instant relative to the opening or closing of the night's opening period."""

    anchor: Anchor
    offset: timedelta = timedelta(0)

    def __str__(self) -> str:
        if not self.offset:
            return self.anchor
        sign = "-" if self.offset < timedelta(0) else "+"
        minutes = abs(self.offset) // timedelta(minutes=1)
        return f"{self.anchor}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


WindowTime = FixedTime | RelativeTime


@dataclass(frozen=True, slots=True)
class Window:
    """Days (weekdays and/or bank-holiday selectors) plus a start and an end time."""

    days: frozenset[str]
    start: WindowTime
    end: WindowTime

    @property
    def is_relative(self) -> bool:
        return isinstance(self.start, RelativeTime) or isinstance(self.end, RelativeTime)

    @property
    def is_weekly(self) -> bool:
        """Fixed times and weekday selectors only: expressible as a plain weekly RRULE."""
        return not self.is_relative and self.days <= frozenset(WEEKDAYS)


@dataclass(frozen=True, slots=True)
class Target:
    """Every non-empty key must match (AND); any value within a key matches (OR)."""

    force_ids: frozenset[str] = frozenset()
    venue_kinds: frozenset[str] = frozenset()
    venue_ids: frozenset[str] = frozenset()
    screen_ids: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    @property
    def is_empty(self) -> bool:
        return not (
            self.force_ids or self.venue_kinds or self.venue_ids or self.screen_ids or self.tags
        )


# A takeover (signage/takeovers) plays as a schedule of this priority: above any a schedule
# may have (0 to 100), so it outranks every schedule for its screens while it lasts.
TAKEOVER_PRIORITY = 1000

Span = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Schedule:
    """A schedule as the engine sees it; dates name nights by their start date.

    ``spans`` are absolute UTC instants (half-open), for a takeover: when given they are when
    it is on air, instead of nightly windows and dates.
    """

    id: str
    creative_ids: tuple[str, ...]
    priority: int = 50
    weight: int = 1
    target: Target = field(default_factory=Target)
    windows: tuple[Window, ...] = ()
    start_date: date | None = None
    end_date: date | None = None
    exclude_dates: frozenset[date] = frozenset()
    spans: tuple[Span, ...] = ()

    def __post_init__(self) -> None:
        if not (0 <= self.priority <= 100 or self.priority == TAKEOVER_PRIORITY):
            raise ValueError("priority must be between 0 and 100")
        if not 1 <= self.weight <= 100:
            raise ValueError("weight must be between 1 and 100")

    def runs_on(self, night: date) -> bool:
        """Whether the night starting on `night` is within the dates and not excluded."""
        if self.start_date is not None and night < self.start_date:
            return False
        if self.end_date is not None and night > self.end_date:
            return False
        return night not in self.exclude_dates


@dataclass(frozen=True, slots=True)
class Item:
    creative_id: str
    duration_ms: int


@dataclass(frozen=True, slots=True)
class Segment:
    """`items` is one loop that repeats from `starts_at` until `ends_at` (half-open)."""

    starts_at: datetime
    ends_at: datetime
    items: tuple[Item, ...]


def shape_from_size(width: int, height: int) -> Shape:
    """Classify a creative by its pixel size; within 5% of 1:1 counts as square."""
    if width <= 0 or height <= 0:
        raise ValueError("width and height must be positive")
    if abs(width - height) * 20 <= max(width, height):
        return "square"
    return "landscape" if width > height else "portrait"


def fits(shape: Shape, orientation: Orientation | None) -> bool:
    """Landscape screens take landscape or square, portrait take portrait or square."""
    return orientation is None or shape == "square" or shape == orientation
