"""Database rows turned into the schedule engine's plain values, in one place.

The poll's snapshot, the preview, the reach report and the calendar export all compute from
these: what a screen will play is read from the database the same way whichever of them asks,
so the preview's "exactly the body the poll would return" holds by construction. Loaders read
in a few queries, whatever the size of the fleet, and return no ORM objects (thousands of them
cost more to build than the engine costs to run). "timing" names the engine's values
throughout; "engine" is SQLAlchemy's.
"""

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, Text, cast
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from signage import timing
from signage.core.roles import OrganisationKind
from signage.creatives.models import Creative, CreativeStatus
from signage.organisations.models import Organisation
from signage.schedules.models import Schedule
from signage.schedules.service import creative_ids_of
from signage.screens.models import Screen
from signage.venues.models import Venue

_ORIENTATIONS: dict[str | None, timing.model.Orientation] = {
    "landscape": "landscape",
    "portrait": "portrait",
}


def timing_venue(venue: Venue) -> timing.Venue:
    return timing.Venue(
        id=venue.id,
        timezone=venue.timezone,
        nation=venue.nation,
        kind=venue.kind,
        force_id=venue.force_id,
        opening_hours=tuple(
            timing.parse_opening_period(p["day"], p["open"], p["close"])
            for p in venue.opening_hours
        ),
    )


# The bulk loaders read JSON columns as their text and parse each distinct text once: a fleet
# has few distinct tag sets and opening hours, and json.loads per row was most of the cost of
# reading 10,000 screens.
def _json_text(column: Any) -> ColumnElement[str]:
    return cast(column, Text)


@lru_cache(maxsize=8192)
def tags_of(raw: str | None) -> frozenset[str]:
    return frozenset(json.loads(raw)) if raw else frozenset()


@lru_cache(maxsize=8192)
def opening_hours_of(raw: str | None) -> tuple[timing.OpeningPeriod, ...]:
    periods = json.loads(raw) if raw else []
    return tuple(timing.parse_opening_period(p["day"], p["open"], p["close"]) for p in periods)


VenueColumns = tuple[str, str, str, str, str, str | None]


def venue_columns() -> Select[*VenueColumns]:
    """A venue's columns for ``timing_venue_row``, opening hours as JSON text."""
    return select_columns(
        col(Venue.id),
        col(Venue.timezone),
        col(Venue.nation),
        col(Venue.kind),
        col(Venue.force_id),
        _json_text(col(Venue.opening_hours)),
    )


def timing_venue_row(row: Row[*VenueColumns]) -> timing.Venue:
    venue_id, timezone, nation, kind, force_id, hours = row
    return timing.Venue(
        id=venue_id,
        timezone=timezone,
        nation=nation,
        kind=kind,
        force_id=force_id,
        opening_hours=opening_hours_of(hours),
    )


def screen_tags() -> ColumnElement[str]:
    """A screen's tags as JSON text, for ``tags_of``."""
    return _json_text(col(Screen.tags))


def timing_screen(
    screen_id: str, venue: timing.Venue, orientation: str | None, tags: Iterable[str]
) -> timing.Screen:
    return timing.Screen(
        id=screen_id,
        venue=venue,
        orientation=_ORIENTATIONS.get(orientation),
        tags=frozenset(tags),
    )


@lru_cache(maxsize=65536)
def _json_of(raw: str | None) -> Any:
    # Shared between the rows with the same text: callers only read what it returns.
    return json.loads(raw) if raw else None


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """A schedule's columns as ``timing_schedule`` reads them (a ``Schedule`` reads the
    same), its JSON parsed once per distinct text: after an edit, the 999 unchanged schedules
    of a thousand cost a dictionary lookup each, not three JSON parses."""

    id: str
    organisation_id: str
    name: str
    priority: int
    weight: int
    target: dict[str, Any]
    windows: list[dict[str, Any]]
    start_date: date | None
    end_date: date | None
    exclude_dates: list[str]


def schedule_rows(session: Session, *conditions: ColumnElement[bool]) -> list[ScheduleRow]:
    """The schedules matching ``conditions``, by name, as plain rows."""
    query = (
        select_columns(
            col(Schedule.id),
            col(Schedule.organisation_id),
            col(Schedule.name),
            col(Schedule.priority),
            col(Schedule.weight),
            _json_text(col(Schedule.target)),
            _json_text(col(Schedule.windows)),
            col(Schedule.start_date),
            col(Schedule.end_date),
            _json_text(col(Schedule.exclude_dates)),
        )
        .where(*conditions)
        .order_by(col(Schedule.name), col(Schedule.id))
    )
    return [
        ScheduleRow(
            sid,
            org,
            name,
            priority,
            weight,
            _json_of(target) or {},
            _json_of(windows) or [],
            start,
            end,
            _json_of(exclude) or [],
        )
        for sid, org, name, priority, weight, target, windows, start, end, exclude in (
            session.execute(query)
        )
    ]


@lru_cache(maxsize=4096)
def _stored_window(days: tuple[str, ...], start: str, end: str) -> timing.Window:
    """A stored window as the engine's value: checked when it was saved, and shared by the
    many schedules with the same nights (a Window is immutable)."""
    return timing.parse_window(days, start, end)


def timing_target(
    target: dict[str, Any], organisation_id: str, owner_kind: OrganisationKind
) -> timing.Target:
    """A schedule's stored target as the engine reads it."""
    force_ids = frozenset(target.get("force_ids", ()))
    if owner_kind is OrganisationKind.force:
        # A force's schedules reach only its own area, whatever else they target.
        force_ids = frozenset({organisation_id})
    return timing.Target(
        force_ids=force_ids,
        venue_kinds=frozenset(target.get("venue_kinds", ())),
        venue_ids=frozenset(target.get("venue_ids", ())),
        screen_ids=frozenset(target.get("screen_ids", ())),
        tags=frozenset(target.get("tags", ())),
    )


@lru_cache(maxsize=8192)
def stored_target(
    raw: str | None, organisation_id: str, owner_kind: OrganisationKind
) -> timing.Target:
    """`timing_target` of a target's JSON text, once per distinct text and owner."""
    return timing_target(_json_of(raw) or {}, organisation_id, owner_kind)


def json_text(column: Any) -> ColumnElement[str]:
    """A JSON column read as its text (for `stored_target` and the like)."""
    return _json_text(column)


def timing_schedule(
    schedule: Schedule | ScheduleRow, creative_ids: list[str], owner_kind: OrganisationKind
) -> timing.Schedule:
    return timing.Schedule(
        id=schedule.id,
        creative_ids=tuple(creative_ids),
        priority=schedule.priority,
        weight=schedule.weight,
        target=timing_target(schedule.target, schedule.organisation_id, owner_kind),
        windows=tuple(
            _stored_window(tuple(w["days"]), w["start"], w["end"]) for w in schedule.windows
        ),
        start_date=schedule.start_date,
        end_date=schedule.end_date,
        exclude_dates=frozenset(date.fromisoformat(d) for d in schedule.exclude_dates),
    )


def timing_creative(creative: Creative) -> timing.Creative:
    return timing.Creative(
        id=creative.id,
        duration_ms=creative.duration_ms,
        shape=timing.shape_from_size(creative.width, creative.height),
        approved=creative.status == CreativeStatus.approved,
        valid_from=creative.valid_from,
        valid_until=creative.valid_until,
    )


def media_entry(creative: Creative) -> dict[str, Any]:
    """A creative's file as the poll's `media` map lists it."""
    return {
        "url": f"/media/{creative.sha256}",
        "sha256": creative.sha256,
        "bytes": creative.bytes,
        "mime_type": creative.mime_type,
        "width": creative.width,
        "height": creative.height,
    }


def owner_kinds(session: Session) -> dict[str, OrganisationKind]:
    """The organisations that may own schedules (national and forces), by id."""
    return {
        o.id: OrganisationKind(o.kind)
        for o in session.exec(
            select(Organisation).where(col(Organisation.kind).in_(["national", "force"]))
        )
    }


def timing_schedules(
    session: Session, rows: Sequence[Schedule | ScheduleRow]
) -> list[timing.Schedule]:
    """The given schedules as the engine sees them, their creatives in order; a schedule
    whose owner may not own schedules (any more) is left out, as the poll leaves it out."""
    owners = owner_kinds(session)
    links = creative_ids_of(session, [s.id for s in rows])
    return [
        timing_schedule(s, links[s.id], owners[s.organisation_id])
        for s in rows
        if s.organisation_id in owners
    ]


def load_schedules(session: Session, ids: Collection[str] | None = None) -> list[timing.Schedule]:
    """Every schedule (or those of ``ids`` still there), as the poll's snapshot holds them."""
    if ids is None:
        return timing_schedules(session, schedule_rows(session))
    wanted = sorted(ids)
    rows: list[ScheduleRow] = []
    for start in range(0, len(wanted), _SLICE):
        rows += schedule_rows(session, col(Schedule.id).in_(wanted[start : start + _SLICE]))
    return timing_schedules(session, rows)


@dataclass(frozen=True)
class CreativeInputs:
    creatives: dict[str, timing.Creative]
    media: dict[str, dict[str, Any]]


def load_creatives(session: Session, ids: Iterable[str]) -> CreativeInputs:
    rows = list(session.exec(select(Creative).where(col(Creative.id).in_(set(ids)))))
    return CreativeInputs(
        creatives={c.id: timing_creative(c) for c in rows},
        media={c.id: media_entry(c) for c in rows},
    )


@dataclass(frozen=True, slots=True)
class LoadedScreen:
    id: str
    name: str
    venue_id: str
    token_hash: str | None
    timing: timing.Screen


def load_screens(
    session: Session,
    *,
    screen_id: str | None = None,
    screen_ids: Collection[str] | None = None,
    venue_ids: Collection[str] | None = None,
) -> list[LoadedScreen]:
    """Live screens (not revoked, in a venue not deleted), by id order: all of them, or only
    ``screen_id``, or those of ``screen_ids`` and of the venues ``venue_ids`` (what a refresh
    reads again after an edit). Screens of one venue share one `timing.Venue`, so their
    inputs compare equal cheaply."""
    if screen_id is not None:
        screen_ids = [screen_id]
    if screen_ids is None and venue_ids is None:
        return _load_screens(session, None, None)
    loaded: list[LoadedScreen] = []
    # In slices: a database takes only so many parameters in one statement.
    wanted_screens, wanted_venues = sorted(screen_ids or ()), sorted(venue_ids or ())
    for start in range(0, len(wanted_screens), _SLICE):
        loaded += _load_screens(session, wanted_screens[start : start + _SLICE], None)
    for start in range(0, len(wanted_venues), _SLICE):
        loaded += _load_screens(session, None, wanted_venues[start : start + _SLICE])
    unique = {s.id: s for s in loaded}
    return [unique[key] for key in sorted(unique)]


_SLICE = 2000


def _load_screens(
    session: Session, screen_ids: list[str] | None, venue_ids: list[str] | None
) -> list[LoadedScreen]:
    venue_query = venue_columns().where(col(Venue.deleted_at).is_(None))
    screen_query = (
        select_columns(
            col(Screen.id),
            col(Screen.name),
            col(Screen.venue_id),
            col(Screen.token_hash),
            col(Screen.orientation),
            screen_tags(),
        )
        .join(Venue, col(Venue.id) == col(Screen.venue_id))
        .where(col(Screen.revoked_at).is_(None), col(Venue.deleted_at).is_(None))
        .order_by(col(Screen.id))
    )
    if screen_ids is not None:
        screen_query = screen_query.where(col(Screen.id).in_(screen_ids))
        venue_query = venue_query.where(
            col(Venue.id).in_(select(col(Screen.venue_id)).where(col(Screen.id).in_(screen_ids)))
        )
    if venue_ids is not None:
        screen_query = screen_query.where(col(Screen.venue_id).in_(venue_ids))
        venue_query = venue_query.where(col(Venue.id).in_(venue_ids))
    venues = {row[0]: timing_venue_row(row) for row in session.execute(venue_query)}
    loaded: list[LoadedScreen] = []
    for sid, name, venue_id, token_hash, orientation, tags in session.execute(screen_query):
        venue = venues.get(venue_id)
        if venue is None:  # a venue added since the venues were read (PostgreSQL reads
            continue  # each statement afresh): its screens were not there a moment ago
        view = timing_screen(sid, venue, orientation, tags_of(tags))
        loaded.append(LoadedScreen(sid, name, venue_id, token_hash, view))
    return loaded
