"""The week at a glance: seven nights in a venue's local time, drawn to scale as SVG.

Each night is a row from 12:00 on its date to 12:00 the next day on the venue's clock, as long
as the real time between them: the night the clocks go back is a 25-hour row, the night they go
forward a 23-hour one, and each says so in words. Bank holidays and their eves (the venue's
nation's, from the engine's calendar) are written on their rows. Instants are resolved by the
engine's own ``local_to_utc``, so a row ends where the engine's nights do.

The drawing is computed here and written out by templates/_week_grid.html: plain SVG with
``x``/``width`` attributes and classes (the console's CSP forbids inline style), and the same
intervals in a table beneath it for screen readers and for anyone who would rather read.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from babel.dates import format_date, format_time

from signage import timing
from signage.console.i18n import CONSOLE_TIMEZONE, N_, WELSH, Translator
from signage.core.types import EARLIEST_DATE, LATEST_DATE

NIGHTS = 7
ROW_STARTS = time(12, 0)  # a night runs from noon to noon on the venue's clock
_DAY = timedelta(days=1)

# The drawing's geometry, in SVG user units (the SVG scales to the page's width).
WIDTH = 960
LABEL_WIDTH = 150  # the nights' dates, left of the rows
PLOT_HOURS = 25  # the longest night fills the width, so every row is drawn to one scale
HOUR = (WIDTH - LABEL_WIDTH - 10) / PLOT_HOURS
HEADER = 30
ROW_HEIGHT = 70
BAR_TOP = 8
BAR_HEIGHT = 30
NOTE_BASELINE = 58
CHARACTER = 6.6  # the width of an average character of the bars' 12-unit text
TONES = 5  # bar colours, in week.css

# Where the header's hour labels sit, in hours from noon on a 24-hour row; each row marks its
# own 18:00, 00:00 and 06:00 (days after its date, hour) where they really fall.
AXIS_HOURS = (0, 6, 12, 18, 24)
ROW_TICKS = ((0, 18), (1, 0), (1, 6))

GOES_BACK = N_("%(hours)s-hour night: the clocks go back at %(time)s on %(date)s")
GOES_FORWARD = N_("%(hours)s-hour night: the clocks go forward at %(time)s on %(date)s")
BANK_HOLIDAY = N_("Bank holiday")
BANK_HOLIDAY_EVE = N_("Bank-holiday eve")


def _locale(translator: Translator) -> str:
    return "cy_GB" if translator.language == WELSH else "en_GB"


def tonight(now: datetime) -> date:
    """The date of the night under way on the console's clock (UK time): before noon it is
    still last night."""
    local = now.astimezone(CONSOLE_TIMEZONE)
    return local.date() if local.time() >= ROW_STARTS else local.date() - _DAY


def first_nights_allowed() -> tuple[date, date]:
    """The first and last date a week may start on: all of it within the engine's range."""
    return EARLIEST_DATE, LATEST_DATE - timedelta(days=NIGHTS)


@dataclass(frozen=True)
class ClockChange:
    forward: bool
    at: str  # the wall-clock time at which the clocks change, "01:00" or "02:00"
    on: date  # the local date it happens on (the night's next day, in the UK)


@dataclass(frozen=True)
class Night:
    day: date
    starts: datetime  # UTC
    ends: datetime  # UTC
    bank_holiday: bool
    bank_holiday_eve: bool
    change: ClockChange | None
    change_at: datetime | None  # UTC, when the clocks change during the night

    @property
    def hours(self) -> float:
        return (self.ends - self.starts).total_seconds() / 3600


def _change_instant(zone_name: str, starts: datetime, ends: datetime) -> datetime:
    """The instant between ``starts`` and ``ends`` at which the zone's UTC offset changes
    (to the second: zones change on the minute)."""
    zone = timing.zone(zone_name)
    before = starts.astimezone(zone).utcoffset()
    low, high = starts, ends
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def _clock_change(zone_name: str, starts: datetime, ends: datetime) -> tuple[ClockChange, datetime]:
    zone = timing.zone(zone_name)
    before = starts.astimezone(zone).utcoffset()
    after = ends.astimezone(zone).utcoffset()
    assert before is not None
    assert after is not None
    instant = _change_instant(zone_name, starts, ends)
    # Said as the clock shows it just before the change: back at 02:00, forward at 01:00.
    wall = (instant + before).replace(tzinfo=None)
    at = f"{wall.hour:02d}:{wall.minute:02d}"
    return ClockChange(forward=after > before, at=at, on=wall.date()), instant


def week_nights(zone_name: str, nation: str, first: date) -> list[Night]:
    """Seven nights from ``first`` at a venue with this timezone and nation."""
    nights: list[Night] = []
    for offset in range(NIGHTS):
        day = first + timedelta(days=offset)
        starts = timing.local_to_utc(zone_name, day, ROW_STARTS)
        ends = timing.local_to_utc(zone_name, day + _DAY, ROW_STARTS)
        zone = timing.zone(zone_name)
        change: ClockChange | None = None
        change_at: datetime | None = None
        if starts.astimezone(zone).utcoffset() != ends.astimezone(zone).utcoffset():
            change, change_at = _clock_change(zone_name, starts, ends)
        nights.append(
            Night(
                day=day,
                starts=starts,
                ends=ends,
                bank_holiday=timing.is_bank_holiday(nation, day),
                bank_holiday_eve=timing.is_bank_holiday(nation, day + _DAY),
                change=change,
                change_at=change_at,
            )
        )
    return nights


def _hours_text(hours: float) -> str:
    return f"{hours:g}" if hours != int(hours) else str(int(hours))


def night_notes(night: Night, translator: Translator) -> list[str]:
    """What is unusual about a night, in words."""
    notes: list[str] = []
    if night.change is not None:
        message = GOES_FORWARD if night.change.forward else GOES_BACK
        notes.append(
            translator.gettext(message)
            % {
                "hours": _hours_text(round(night.hours, 2)),
                "time": night.change.at,
                "date": format_date(night.change.on, "d MMMM", locale=_locale(translator)),
            }
        )
    if night.bank_holiday:
        notes.append(translator.gettext(BANK_HOLIDAY))
    if night.bank_holiday_eve:
        notes.append(translator.gettext(BANK_HOLIDAY_EVE))
    return notes


def duration_text(seconds: float, translator: Translator) -> str:
    """``9 hours 30 minutes``, ``25 hours``, ``45 minutes``."""
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    parts: list[str] = []
    if hours:
        parts.append(translator.ngettext("%(num)s hour", "%(num)s hours", hours) % {"num": hours})
    if minutes or not hours:
        parts.append(
            translator.ngettext("%(num)s minute", "%(num)s minutes", minutes) % {"num": minutes}
        )
    return " ".join(parts)


# --- what is drawn ------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """An interval to draw on a night's row (UTC), with what it is."""

    starts: datetime
    ends: datetime
    label: str
    tone: int = 0


@dataclass(frozen=True)
class DrawnBar:
    x: float
    width: float
    text: str  # shown on the bar: the label, shortened to fit, or nothing
    title: str  # the whole label and its times, for a pointer's tooltip
    tone: int


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class DrawnRow:
    y: float
    label: str  # "Sun 25 Oct"
    length: float  # the row's width: its real length
    notes: str
    unusual: bool  # a clock change or a bank holiday: its label is marked
    ticks: list[Tick]  # the row's own 18:00, 00:00 and 06:00, where they really fall
    change_x: float | None
    bars: list[DrawnBar]


@dataclass(frozen=True)
class TableRow:
    night: str  # "Sunday 25 October"
    starts: str  # "20:00"
    ends: str
    length: str
    what: str | None  # None: nothing that night
    notes: str = ""  # on the night's first row only


@dataclass(frozen=True)
class Grid:
    width: int
    height: float
    label_width: int
    axis: list[Tick]
    rows: list[DrawnRow]
    table: list[TableRow]


def _x(night: Night, instant: datetime) -> float:
    return round(LABEL_WIDTH + (instant - night.starts).total_seconds() / 3600 * HOUR, 1)


def _fit(label: str, width: float) -> str:
    room = int((width - 8) / CHARACTER)
    if room >= len(label):
        return label
    return label[: room - 1].rstrip() + "…" if room >= 4 else ""


def _clock(instant: datetime, zone_name: str, translator: Translator) -> str:
    return format_time(
        instant.astimezone(UTC), "HH:mm", tzinfo=timing.zone(zone_name), locale=_locale(translator)
    )


def draw_week(
    nights: Sequence[Night],
    bars: Sequence[Sequence[Bar]],
    *,
    zone_name: str,
    translator: Translator,
) -> Grid:
    """The drawing and table of ``bars`` (one list per night, clipped to it)."""
    locale = _locale(translator)
    rows: list[DrawnRow] = []
    table: list[TableRow] = []
    for index, (night, night_bars) in enumerate(zip(nights, bars, strict=True)):
        y = HEADER + index * ROW_HEIGHT
        drawn: list[DrawnBar] = []
        long_name = format_date(night.day, "EEEE d MMMM", locale=locale)
        notes = "; ".join(night_notes(night, translator))
        first_row = len(table)
        for bar in night_bars:
            starts, ends = max(bar.starts, night.starts), min(bar.ends, night.ends)
            if ends <= starts:
                continue
            x, end_x = _x(night, starts), _x(night, ends)
            from_text = _clock(starts, zone_name, translator)
            until_text = _clock(ends, zone_name, translator)
            drawn.append(
                DrawnBar(
                    x=x,
                    width=round(max(end_x - x, 1.0), 1),
                    text=_fit(bar.label, end_x - x),
                    title=f"{bar.label}: {from_text}–{until_text}",
                    tone=bar.tone % TONES,
                )
            )
            table.append(
                TableRow(
                    night=long_name,
                    starts=from_text,
                    ends=until_text,
                    length=duration_text((ends - starts).total_seconds(), translator),
                    what=bar.label,
                )
            )
        if not drawn:
            table.append(TableRow(long_name, "", "", "", None))
        table[first_row] = replace(table[first_row], notes=notes)
        ticks = [
            Tick(_x(night, at), _clock(at, zone_name, translator))
            for at in (
                timing.local_to_utc(zone_name, night.day + timedelta(days=days), time(hour))
                for days, hour in ROW_TICKS
            )
        ]
        rows.append(
            DrawnRow(
                y=y,
                label=format_date(night.day, "EEE d MMM", locale=locale),
                length=round(night.hours * HOUR, 1),
                notes=notes,
                unusual=bool(notes),
                ticks=ticks,
                change_x=_x(night, night.change_at) if night.change_at else None,
                bars=drawn,
            )
        )
    axis = [
        Tick(round(LABEL_WIDTH + hour * HOUR, 1), f"{(12 + hour) % 24:02d}:00")
        for hour in AXIS_HOURS
    ]
    return Grid(
        width=WIDTH,
        height=HEADER + len(rows) * ROW_HEIGHT,
        label_width=LABEL_WIDTH,
        axis=axis,
        rows=rows,
        table=table,
    )
