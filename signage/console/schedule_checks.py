"""What the schedule form shows before a schedule is saved: its reach over the next 7 days
(screens, on-air hours, hours actually shown) from the API's own reach computation, and
warnings, in words, about a schedule that can never air.

The draft is a ``Schedule`` row that is never added to the session: ``reach.load_inputs``
converts it exactly as it converts a saved one, so the figures are those the API's
``GET /v1/schedules/{id}/reach`` gives once it is saved.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from signage import timing
from signage.console.i18n import CONSOLE_TIMEZONE, N_, Translator
from signage.core.tenancy import Caller, visible
from signage.creatives.models import Creative, CreativeStatus
from signage.schedules import reach
from signage.schedules.models import Schedule, ScheduleCreate, TargetIn
from signage.schedules.timing_inputs import (
    ScheduleRow,
    load_screens,
    owner_kinds,
    timing_schedule,
)

DAYS = 7
DRAFT_ID = "draft"


@dataclass(frozen=True)
class Reach:
    screens: int
    on_air_hours: float
    shown_hours: float
    warnings: tuple[str, ...]  # translated


def draft_schedule(caller: Caller, data: ScheduleCreate, schedule_id: str | None) -> Schedule:
    """The form's schedule as a row (never added to a session)."""
    return Schedule(
        id=schedule_id or DRAFT_ID,
        organisation_id=caller.organisation_id,
        name=data.name,
        priority=data.priority,
        weight=data.weight,
        target=data.target.model_dump(mode="json"),
        windows=[w.model_dump(mode="json") for w in data.windows],
        start_date=data.start_date,
        end_date=data.end_date,
        exclude_dates=sorted({d.isoformat() for d in data.exclude_dates}),
        created_by=caller.user_id,
    )


def screens_targeted(session: Session, caller: Caller, target: TargetIn) -> int:
    """How many live screens a schedule of the caller's with this targeting would match (the
    form's live count): the engine's own targeting over the screens as the poll loads them."""
    owner = owner_kinds(session).get(caller.organisation_id)
    if owner is None:
        return 0
    row = ScheduleRow(
        DRAFT_ID,
        caller.organisation_id,
        "",
        0,
        1,
        target.model_dump(mode="json"),
        [],
        None,
        None,
        [],
    )
    subject = timing_schedule(row, [], owner)
    return sum(1 for s in load_screens(session) if timing.targets(subject.target, s.timing))


@dataclass(frozen=True)
class Loaded:
    """What the figures are computed from, read in one short session."""

    data: ScheduleCreate
    inputs: reach.ReachInputs
    creatives: tuple[Creative, ...]


def load(
    session: Session, *, caller: Caller, data: ScheduleCreate, schedule_id: str | None
) -> Loaded:
    draft = draft_schedule(caller, data, schedule_id)
    inputs = reach.load_inputs(session, schedule=draft, creative_ids=data.creative_ids)
    rows = session.exec(
        select(Creative).where(visible(caller, Creative), col(Creative.id).in_(data.creative_ids))
    ).all()
    return Loaded(data, inputs, tuple(rows))


def _creative_warnings(
    creatives: Sequence[Creative], t: Translator, now: datetime
) -> tuple[list[str], bool]:
    """Warnings about the chosen creatives, and whether any of them can play at all."""
    warnings: list[str] = []
    playable = False
    for creative in creatives:
        if creative.status != CreativeStatus.approved:
            warnings.append(
                t.gettext(N_("%(name)s is not approved, so it will not play until it is."))
                % {"name": creative.name}
            )
        elif creative.valid_until is not None and creative.valid_until <= now:
            warnings.append(
                t.gettext(N_("%(name)s expired on %(date)s, so it will not play."))
                % {"name": creative.name, "date": t.date(creative.valid_until)}
            )
        else:
            playable = True
    if creatives and not playable:
        warnings.insert(0, t.gettext(N_("None of its creatives can play, so it cannot air.")))
    return warnings, playable


def figures(loaded: Loaded, *, t: Translator, now: datetime) -> Reach:
    """The draft's reach over the next 7 days, and what would stop it airing: pure, run
    with no session open."""
    data, inputs = loaded.data, loaded.inputs
    creative_warnings, playable = _creative_warnings(loaded.creatives, t, now)
    end = now + timedelta(days=DAYS)
    report = reach.compute_reach(inputs, start=now, end=end)
    warnings: list[str] = []
    today = now.astimezone(CONSOLE_TIMEZONE).date()
    ended = data.end_date is not None and data.end_date < today
    if data.end_date is not None and ended:
        warnings.append(
            t.gettext(N_("Its end date, %(date)s, has passed, so it will never air again."))
            % {"date": t.date(data.end_date)}
        )
    warnings.extend(creative_warnings)
    if report.screens == 0:
        warnings.append(
            t.gettext(N_("It reaches no screen: no live screen matches its targeting."))
        )
    elif report.on_air_hours == 0 and not ended:
        warnings.append(t.gettext(N_("It is not on air on any of its screens in the next 7 days.")))
    elif playable and report.shown_hours < report.on_air_hours:
        # Is it a higher priority that takes its hours, or do its creatives not fit?
        alone = reach.compute_reach(replace(inputs, higher=()), start=now, end=end)
        beaten = round(alone.shown_hours - report.shown_hours, 2)
        if beaten > 0 and report.shown_hours == 0:
            warnings.append(
                t.gettext(
                    N_(
                        "A schedule of higher priority is on air whenever this one is, "
                        "so it will not be shown in the next 7 days."
                    )
                )
            )
        elif beaten > 0:
            warnings.append(
                t.gettext(N_("Schedules of higher priority take %(hours)s of its on-air hours."))
                % {"hours": t.number(beaten, decimals=1)}
            )
        if alone.shown_hours < alone.on_air_hours:
            warnings.append(
                t.gettext(
                    N_(
                        "On some screens none of its creatives fits (a landscape creative on "
                        "a portrait screen, say) or is valid, so it is not shown there."
                    )
                )
            )
    return Reach(
        screens=report.screens,
        on_air_hours=report.on_air_hours,
        shown_hours=report.shown_hours,
        warnings=tuple(warnings),
    )
