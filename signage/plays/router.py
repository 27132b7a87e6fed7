import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine

from signage.core.bounds import Instant
from signage.core.db import read_session
from signage.core.deps import CurrentCaller, EngineDep, SessionDep, SettingsDep
from signage.core.errors import Conflict
from signage.core.metrics import PLAYS
from signage.core.tenancy import Caller
from signage.core.types import utcnow
from signage.player.auth import CurrentScreen
from signage.plays import service
from signage.plays.csv_export import missing_space_ids, playout_lines
from signage.plays.models import PlayBatch, PlayBatchResult, ReportRow
from signage.plays.night_reports import night_range, night_reports
from signage.plays.nights import night_of
from signage.plays.records import MAX_PLAYS_PER_BATCH
from signage.plays.reports import GroupBy, play_report, report_range
from signage.screens.outages import OutagePublic, outages_for
from signage.screens.seen import SeenDep

player_router = APIRouter(prefix="/v1/player", tags=["player"])
reports_router = APIRouter(prefix="/v1/reports", tags=["reports"])

From = Annotated[Instant | None, Query(alias="from")]


@player_router.post(
    "/plays",
    response_model=PlayBatchResult,
    responses={
        413: {"description": f"more than {MAX_PLAYS_PER_BATCH} plays in one batch"},
        422: {"description": "not a batch"},
    },
)
def report_plays(
    data: PlayBatch,
    seen: SeenDep,
    screen: CurrentScreen,
    session: SessionDep,
    settings: SettingsDep,
) -> PlayBatchResult:
    """Report what the screen has shown: at most 1000 plays a batch, each with the player's own
    UUID as `id`. A play is counted once however often it is sent, so resend a batch whenever
    the answer was lost. Each record is answered on its own: `accepted`, `duplicates` (already
    stored) or `rejected` with a `reason` (and its `index` in the batch); a bad record never
    fails the batch. Drop every record named in the answer from the queue.

    Rejected: an id that is not a UUID; an unknown (or deleted) creative; a creative this
    screen could not have shown (not approved when it played, or in no schedule that targets
    this screen); `started_at` without a UTC offset, more than 5 minutes in the future, or older
    than the retention period; `duration_ms` not a whole number above 0 and up to 24 hours; a
    play that ends in the future.
    """
    now = utcnow()
    seen.saw(screen.id, now)  # a screen reporting plays is alive
    result = service.record_plays(
        session,
        screen=screen,
        plays=data.plays,
        now=now,
        retention_days=settings.play_retention_days,
    )
    for outcome, records in (
        ("accepted", result.accepted),
        ("duplicate", result.duplicates),
        ("rejected", result.rejected),
    ):
        if records:
            PLAYS.labels(outcome).inc(len(records))
    return result


_GROUP_FIELD = {
    "creative": "creative_id",
    "venue": "venue_id",
    "venue_kind": "venue_kind",
    "force": "force_id",
    "night": "night",
}


@reports_router.get("/plays", response_model=list[ReportRow], response_model_exclude_none=True)
def plays_report(
    session: SessionDep,
    caller: CurrentCaller,
    from_: From = None,
    to: Instant | None = None,
    group_by: GroupBy = GroupBy.creative,
) -> list[ReportRow]:
    """Rows of plays and on-screen seconds that started in [`from`, `to`) (default: the last 7 days;
    at most 366 days), grouped by `creative`, `venue`, `venue_kind`, `force` (the force whose
    area the venue is in) or `night`.

    A night is the date, in the venue's timezone, on which the night started; the day turns at
    06:00 local time, so a play at 02:00 on Saturday counts for Friday night.

    Police staff see the plays of their organisation's creatives (national staff: all plays);
    partners see the plays on the screens in their venues.
    """
    start, end = report_range(from_, to, now=utcnow())
    report = play_report(session, caller=caller, group_by=group_by, start=start, end=end)
    field = _GROUP_FIELD[report.group_by]
    return [row.model_copy(update={field: row.key}) for row in report.rows]


NightGroup = Literal["creative", "venue_kind", "force", "night"]


@reports_router.get("/nights", response_model=list[ReportRow], response_model_exclude_none=True)
def nights_report(
    session: SessionDep,
    caller: CurrentCaller,
    first: date | None = None,
    last: date | None = None,
    group_by: NightGroup = "creative",
) -> list[ReportRow]:
    """Rows of plays and on-screen seconds of whole nights, `first` to `last` inclusive
    (default: the 7 nights ending with the current one, UK time; at most 366), grouped by
    `creative`, `venue_kind`, `force` or `night`: the totals the console's Reports page shows.

    A night is each venue's own: from 06:00 local time on its date until 06:00 the next
    morning. These come from totals kept per night as plays are recorded, so they answer at
    once for any volume; kinds of venue and forces are the venues' when their plays were
    counted (`/v1/reports/plays` reads every play, with the venues as they are now).
    Scoped like `/v1/reports/plays`.
    """
    now = utcnow()
    first, last = night_range(first, last, today=night_of(now, "Europe/London"))
    start = datetime.combine(first, time(6), UTC)
    end = datetime.combine(last + timedelta(days=1), time(6), UTC)
    reports = night_reports(session, caller=caller, first=first, last=last, start=start, end=end)
    report = reports[GroupBy(group_by)]
    field = _GROUP_FIELD[report.group_by]
    return [row.model_copy(update={field: row.key}) for row in report.rows]


_csv_response: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "Outsmart Playout digital file (v1.7)"}
}


@reports_router.get("/plays.csv", response_class=StreamingResponse, responses=_csv_response)
def plays_csv(
    engine: EngineDep,
    caller: CurrentCaller,
    from_: From = None,
    to: Instant | None = None,
    header: bool = False,
    allow_incomplete: bool = False,
) -> StreamingResponse:
    """Every play you may see that started in [`from`, `to`) (default: the last 7 days), one
    line each, in the UK Outsmart Playout digital file format v1.7: UTF-8, no header row
    (`header=true` adds one, for people), LF after every record, 19 fields. `startdate` and
    `enddate` are UTC with milliseconds, each followed by the venue's UTC offset then (`Z` or
    `+01:00`); `orderid` is the campaign id, `playerref` the screen id and
    `mediaownerplayoutref` the play id. `frameid` is the screen's, `spacebuyerid`,
    `spaceagencyid` and `spacebrandid` the campaign's (PATCH them): while a screen in the file
    has no `frameid`, or a campaign no `spacebuyerid` or `spacebrandid` (the standard's
    mandatory fields), the answer is 409 with the list in `missing`, unless
    `allow_incomplete=true`. Plays not yet ended, and plays overlapping an earlier play on
    the same screen by more than 1.5 s, are left out, as the standard's validation would
    reject them. Outsmart rejects records that started more than 14 days before they are
    submitted: send each night's file within the fortnight. The file name is unique to each
    export."""
    start, end = report_range(from_, to, now=utcnow())
    return playout_download(
        engine,
        caller=caller,
        start=start,
        end=end,
        header=header,
        allow_incomplete=allow_incomplete,
    )


def playout_download(
    engine: Engine,
    *,
    caller: Caller,
    start: datetime,
    end: datetime,
    header: bool = False,
    allow_incomplete: bool = False,
) -> StreamingResponse:
    """The playout file as a download, streamed; the console's "Download CSV" sends this too."""
    now = utcnow()
    if not allow_incomplete:
        with read_session(engine) as session:
            missing = missing_space_ids(session, caller=caller, start=start, end=end)
        if missing:
            fields = sorted({m["field"] for m in missing})
            raise Conflict(
                f"the playout file needs the SPACE ids Outsmart requires: {len(missing)} "
                f"missing ({', '.join(fields)}). Set frameid on the screens "
                "(PATCH /v1/screens/{id}) and spacebuyerid and spacebrandid on the campaigns "
                "(PATCH /v1/campaigns/{id}), or ask with allow_incomplete=true",
                missing=missing,
            )
    lines = playout_lines(engine, caller=caller, start=start, end=end, now=now, header=header)
    # Unique per export, as the standard wants of every file a media owner sends.
    filename = (
        f"plays-{start:%Y%m%dT%H%M%SZ}-{end:%Y%m%dT%H%M%SZ}"
        f"-exported-{now:%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}.csv"
    )
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@reports_router.get("/screen-outages", response_model=list[OutagePublic])
def screen_outages(
    session: SessionDep,
    caller: CurrentCaller,
    from_: From = None,
    to: Instant | None = None,
) -> list[OutagePublic]:
    """When screens you can see were dark: each stretch in which a screen stopped polling for
    longer than the offline threshold, overlapping [`from`, `to`) (default: the last 7 days).
    `offline_since` is its last sighting before; `back_at` the sighting that ended it (found
    by a check that runs every minute), or null while it lasts."""
    start, end = report_range(from_, to, now=utcnow())
    return outages_for(session, caller=caller, start=start, end=end)
