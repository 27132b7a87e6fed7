"""Reports: proof of play for a range of nights, as charts with the same numbers in tables,
and the Outsmart playout CSV for the same range.

Both come from the API's own code: the totals from ``signage.plays.night_reports`` (the
service behind ``GET /v1/reports/nights``, reading the totals kept per night as plays are
recorded, scoped by the tenancy rule for plays), the file from
``signage.plays.router.playout_download`` (behind ``GET /v1/reports/plays.csv``), and the
range is checked by the same ``night_range`` with its limits and messages. Any signed-in role
may read both, as in the API; each sees only its scope.

The range is picked in nights, as the people who read it think of them: a night runs from 06:00
until 06:00 the next morning in each venue's time (the day-turn of ``signage.plays.nights``), so
the nights from Friday to Sunday are the plays from 06:00 on Friday until 06:00 on Monday. The
download covers the same nights in UK time.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from markupsafe import Markup
from starlette.responses import Response

from signage.console.api_forms import MAX_FIELD, FieldError, problem_field
from signage.console.charts import Bar, bar_chart, column_chart
from signage.console.i18n import CONSOLE_TIMEZONE, N_, Translator
from signage.console.routing import ConsoleRoute, SignedInDep, VisitorDep, page_for
from signage.console.templating import render
from signage.console.venues import KIND_LABELS
from signage.core.db import read_session
from signage.core.errors import Invalid
from signage.core.tenancy import Caller
from signage.core.types import EARLIEST_DATE, LATEST_DATE, RANGE_TEXT, utcnow
from signage.plays.models import PlayReport
from signage.plays.night_reports import night_range, night_reports
from signage.plays.nights import NIGHT_CUTOFF, night_of
from signage.plays.reports import GroupBy
from signage.plays.router import playout_download

router = APIRouter(prefix="/console", route_class=ConsoleRoute)

AREA = "/console/reports"
FIELDS = {"first": "from", "last": "to"}  # the service's names for the range, and the inputs'
# A chart of more bars than this is a list nobody reads: the rest are in the table.
CHART_BARS = 15
HOUR_DECIMALS = 2

NOT_A_DATE = {
    "from": N_("The first night must be a real date, such as 27/11/2026"),
    "to": N_("The final night must be a real date, such as 29/11/2026"),
}

_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[/. -](\d{1,2})[/. -](\d{4})")

DateText = Annotated[str, Query(max_length=MAX_FIELD)]


@dataclass(frozen=True)
class Nights:
    """The nights picked, first to last inclusive, and the UTC range of their plays."""

    first: date
    last: date
    start: datetime
    end: datetime


def night_start(night: date) -> datetime:
    """When a night begins: 06:00 UK time on its date (a wall-clock time every day has)."""
    return (
        datetime.combine(night, datetime.min.time(), CONSOLE_TIMEZONE) + NIGHT_CUTOFF
    ).astimezone(UTC)


def current_night(now: datetime) -> date:
    return night_of(now, str(CONSOLE_TIMEZONE))


def _read_date(field: str, text: str) -> tuple[date | None, FieldError | None]:
    text = text.strip()
    if not text:
        return None, None
    # 2026-11-27 from a date picker; 27/11/2026 typed where the browser has none.
    typed = _DAY_MONTH_YEAR.fullmatch(text)
    try:
        if typed:
            day, month, year = (int(part) for part in typed.groups())
            night = date(year, month, day)
        else:
            night = date.fromisoformat(text)
    except ValueError:
        return None, FieldError(field, NOT_A_DATE[field])
    if not EARLIEST_DATE <= night <= LATEST_DATE:
        # The service's own words for a range outside the API's (signage.core.bounds).
        return None, FieldError(field, f"{field}: the range must be {RANGE_TEXT}")
    return night, None


def read_nights(first_text: str, last_text: str, *, now: datetime) -> Nights | list[FieldError]:
    """The nights asked for, or the errors to show on their fields.

    Either may be left out, with the API's defaults (signage.plays.night_reports.night_range):
    7 nights, ending with the current one."""
    first, first_error = _read_date("from", first_text)
    last, last_error = _read_date("to", last_text)
    errors = [e for e in (first_error, last_error) if e is not None]
    if errors:
        return errors
    try:
        first, last = night_range(first, last, today=current_night(now))
    except Invalid as problem:
        return [problem_field(problem.detail, FIELDS, "to")]
    return Nights(first, last, night_start(first), night_start(last + timedelta(days=1)))


@dataclass(frozen=True)
class Row:
    label: str
    plays: str
    hours: str


@dataclass(frozen=True)
class Section:
    """One grouping: its heading, its chart, and the same numbers as table rows."""

    id: str
    heading: str  # English; translated where it is shown
    column: str  # the table's first column
    caption: str  # the table's
    chart: Markup
    rows: tuple[Row, ...]
    note: str | None = None  # when the chart shows fewer bars than the table has rows


def _hours(t: Translator, seconds: float) -> str:
    return t.number(seconds / 3600, decimals=HOUR_DECIMALS)


def _plays(t: Translator, count: int) -> str:
    return t.ngettext("%(count)s play", "%(count)s plays", count) % {"count": t.number(count)}


def _bar_text(t: Translator, plays: int, seconds: float) -> str:
    return t.gettext("%(plays)s, %(hours)s hours") % {
        "plays": _plays(t, plays),
        "hours": _hours(t, seconds),
    }


_DESC = N_("Each bar is in proportion to the number of plays. The table below has the numbers.")
_EMPTY = N_("No plays in these nights.")


def _night_section(t: Translator, report: PlayReport, nights: Nights) -> Section:
    # Every night of the range has a column, a night without plays too.
    totals = {row.key: (row.plays, row.seconds) for row in report.rows}
    every = {
        (nights.first + timedelta(days=d)).isoformat()
        for d in range((nights.last - nights.first).days + 1)
    }
    keys = sorted(every | totals.keys())
    days = [(date.fromisoformat(key), *totals.get(key, (0, 0.0))) for key in keys]
    bars = [Bar(t.short_date(day), plays, t.number(plays)) for day, plays, _ in days]
    return Section(
        id="nights",
        heading=N_("Per night"),
        column=N_("Night"),
        caption=N_("Plays and hours on screen per night"),
        chart=column_chart(
            "chart-nights",
            title=t.gettext("Plays per night"),
            desc=t.gettext(_DESC),
            bars=bars,
            empty=t.gettext(_EMPTY),
        ),
        # No table of zeros under "no plays".
        rows=tuple(Row(t.date(day), t.number(p), _hours(t, s)) for day, p, s in days)
        if report.rows
        else (),
    )


def _group_section(
    t: Translator,
    report: PlayReport,
    *,
    id: str,
    heading: str,
    column: str,
    caption: str,
    title: str,
    labels: Mapping[str, str] | None = None,
) -> Section:
    def label(raw: str) -> str:
        return t.gettext(labels[raw]) if labels and raw in labels else raw

    rows = report.rows  # the service's order: most plays first
    bars = [Bar(label(r.label), r.plays, _bar_text(t, r.plays, r.seconds)) for r in rows]
    note = None
    if len(bars) > CHART_BARS:
        note = t.gettext(
            "The chart shows the %(shown)s with the most plays; the table lists all %(count)s."
        ) % {"shown": CHART_BARS, "count": t.number(len(bars))}
    return Section(
        id=id,
        heading=heading,
        column=column,
        caption=caption,
        chart=bar_chart(
            f"chart-{id}",
            title=t.gettext(title),
            desc=t.gettext(_DESC),
            bars=bars[:CHART_BARS],
            empty=t.gettext(_EMPTY),
        ),
        rows=tuple(Row(label(r.label), t.number(r.plays), _hours(t, r.seconds)) for r in rows),
        note=note,
    )


def _sections(
    t: Translator, reports: Mapping[GroupBy, PlayReport], nights: Nights
) -> list[Section]:
    return [
        _night_section(t, reports[GroupBy.night], nights),
        _group_section(
            t,
            reports[GroupBy.creative],
            id="creatives",
            heading=N_("Per creative"),
            column=N_("Creative"),
            caption=N_("Plays and hours on screen per creative"),
            title=N_("Plays per creative"),
        ),
        _group_section(
            t,
            reports[GroupBy.venue_kind],
            id="venue-kinds",
            heading=N_("Per kind of venue"),
            column=N_("Kind of venue"),
            caption=N_("Plays and hours on screen per kind of venue"),
            title=N_("Plays per kind of venue"),
            labels=KIND_LABELS,
        ),
        _group_section(
            t,
            reports[GroupBy.force],
            id="forces",
            heading=N_("Per police force"),
            column=N_("Police force"),
            caption=N_("Plays and hours on screen per police force"),
            title=N_("Plays per police force"),
        ),
    ]


def load_reports(request: Request, caller: Caller, nights: Nights) -> dict[GroupBy, PlayReport]:
    """Every grouping's report for the nights, from the nightly totals kept as plays are
    recorded (signage.plays.night_reports): a few rows per night, however many plays."""
    with read_session(request.app.state.engine) as session:
        return night_reports(
            session,
            caller=caller,
            first=nights.first,
            last=nights.last,
            start=nights.start,
            end=nights.end,
        )


@router.get("/reports")
def reports_page(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    from_: Annotated[str, Query(alias="from", max_length=MAX_FIELD)] = "",
    to: DateText = "",
) -> Response:
    t = visitor.translator
    page = page_for(request, visitor, current=AREA)
    nights = read_nights(from_, to, now=utcnow())
    if isinstance(nights, list):
        # The GOV.UK pattern for a form that cannot be answered: itself again, with what
        # was typed and the errors linked to their fields.
        return render(
            request,
            "reports.html",
            page,
            {"values": {"from": from_, "to": to}, "errors": nights, "sections": None},
            status_code=422,
        )
    reports = load_reports(request, signed_in.caller, nights)
    totals = reports[GroupBy.creative].totals
    query = {"from": nights.first.isoformat(), "to": nights.last.isoformat()}
    return render(
        request,
        "reports.html",
        page,
        {
            "values": query,
            "errors": (),
            "nights": nights,
            "query": query,
            "plays": t.number(totals.plays),
            "hours": _hours(t, totals.seconds),
            "sections": _sections(t, reports, nights),
        },
    )


@router.get("/reports/plays.csv")
def plays_csv(
    request: Request,
    signed_in: SignedInDep,
    from_: Annotated[str, Query(alias="from", max_length=MAX_FIELD)] = "",
    to: DateText = "",
) -> Response:
    """The API's playout file (no header row: the standard has none) for the nights picked.

    Written even where SPACE ids are missing (the API's `allow_incomplete`): the page says
    what Outsmart needs, and a person reading the file wants it all the same."""
    nights = read_nights(from_, to, now=utcnow())
    if isinstance(nights, list):
        raise Invalid(nights[0].message)  # an error page with the message, as a 422
    return playout_download(
        request.app.state.engine,
        caller=signed_in.caller,
        start=nights.start,
        end=nights.end,
        allow_incomplete=True,
    )
