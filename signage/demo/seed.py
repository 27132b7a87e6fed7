"""`signage demo`: a small, real world a newcomer can watch playing at once.

Seeds a national unit, a police force and a partner pub company with their users, a pub with
opening hours and two screens (landscape and portrait), Walk Away artwork drawn now, approved
by a second person (four eyes, as always), and two schedules running for a week already: Walk
Away around the clock, and "Get home safe" around closing time at a higher priority. So that
every console page has something on it there is also a late-night takeaway whose screen went
offline three hours ago, a poster waiting for approval, one rejected with its reason, and the
past week's plays (signage.demo.history). Running it again reuses what exists and gives the
screens fresh device tokens (tokens are stored only as hashes).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from signage.auth.callers import caller_for
from signage.campaigns import service as campaigns
from signage.campaigns.models import Campaign, CampaignCreate
from signage.core.config import Settings
from signage.core.db import session_scope
from signage.core.roles import OrganisationKind, Role
from signage.core.tenancy import Caller
from signage.core.types import utcnow
from signage.creatives import approval
from signage.creatives import service as creatives
from signage.creatives.models import Creative, CreativeFields, CreativeStatus
from signage.demo.artwork import get_home_safe, walk_away
from signage.demo.history import record_past_nights, went_offline
from signage.media import LocalMediaStore, ingest_staged
from signage.organisations import service as organisations
from signage.organisations.models import Organisation
from signage.schedules import service as schedules
from signage.schedules.models import Schedule, ScheduleCreate, WindowIn
from signage.screens import service as screens
from signage.screens.models import Orientation, Screen, ScreenCreate
from signage.users import service as users
from signage.users.models import User
from signage.venues import service as venues
from signage.venues.models import Nation, OpeningPeriod, Venue, VenueCreate, VenueKind

PASSWORD = "walk-away-demo"
FORCE = "Leicestershire Police"
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# The campaign has been on air this long, and Reports show these nights.
WEEK = 7
OFFLINE_FOR = timedelta(hours=3)
PENDING = "Walk Away (square, new crest)"
REJECTED = "Walk Away (old crest)"
REJECTION = "The force crest on this poster is the old one: use the 2026 crest."


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    organisation: str


@dataclass(frozen=True)
class DemoScreen:
    name: str
    orientation: str
    device_token: str


@dataclass(frozen=True)
class Demo:
    logins: list[DemoLogin]
    screens: list[DemoScreen]
    password: str = PASSWORD


def _organisation(session: Session, name: str, kind: OrganisationKind) -> Organisation:
    found = organisations.find_by_name(session, name)
    return found or organisations.create_organisation(session, name=name, kind=kind)


def _person(session: Session, email: str, role: Role, organisation: Organisation) -> Caller:
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        user = users.create_user(
            session, email=email, password=PASSWORD, role=role, organisation=organisation
        )
    return caller_for(user, organisation)


def _creative(
    session: Session,
    *,
    store: LocalMediaStore,
    settings: Settings,
    editor: Caller,
    approver: Caller,
    campaign: Campaign,
    name: str,
    png: bytes,
    decide: bool = True,
) -> Creative:
    found = session.exec(
        select(Creative).where(Creative.campaign_id == campaign.id, Creative.name == name)
    ).first()
    if found is not None:
        return found
    path = store.new_temp_path()
    path.write_bytes(png)
    media = ingest_staged(store, store.stage_file(path), max_pixels=settings.max_image_pixels)
    fields = CreativeFields(
        campaign_id=campaign.id, name=name, duration_ms=8000, alt_text=f"{name} poster"
    )
    creative = creatives.create_for(session, caller=editor, fields=fields, media=media)
    if decide and creative.status != CreativeStatus.approved:
        approval.approve_for(session, caller=approver, creative_id=creative.id)
    return creative


def _venue(session: Session, *, operator: Caller, force: Organisation, data: VenueCreate) -> Venue:
    found = session.exec(
        select(Venue).where(
            Venue.organisation_id == operator.organisation_id, Venue.name == data.name
        )
    ).first()
    return found or venues.create_for(
        session, caller=operator, data=data.model_copy(update={"force_id": force.id})
    )


def _screen(
    session: Session, *, operator: Caller, venue: Venue, name: str, orientation: Orientation
) -> tuple[Screen, str]:
    """The venue's live screen of that name (a fresh device token), or a new one."""
    screen = session.exec(
        select(Screen).where(
            Screen.venue_id == venue.id, Screen.name == name, col(Screen.revoked_at).is_(None)
        )
    ).first()
    if screen is None:
        return screens.create_for(
            session,
            caller=operator,
            data=ScreenCreate(venue_id=venue.id, name=name, orientation=orientation, tags=["demo"]),
        )
    token = screens.issue_token(screen)
    session.add(screen)
    return screen, token


def seed_demo(
    engine: Engine, settings: Settings, *, today: date, now: datetime | None = None
) -> Demo:
    now = now or utcnow()
    store = LocalMediaStore(settings.media_path)
    for session in session_scope(engine):
        national = _organisation(
            session, "National Night-Time Economy Unit", OrganisationKind.national
        )
        force = _organisation(session, FORCE, OrganisationKind.force)
        partner = _organisation(session, "Crown & Anchor Pubs", OrganisationKind.partner)
        _person(session, "admin@demo.signage", Role.admin, national)
        editor = _person(session, "editor@leics.demo.signage", Role.editor, force)
        approver = _person(session, "approver@leics.demo.signage", Role.approver, force)
        operator = _person(session, "manager@crown.demo.signage", Role.partner, partner)

        hours = [OpeningPeriod(day=d, open="11:00", close="00:00") for d in ALL_DAYS[:4]]
        hours += [OpeningPeriod(day=d, open="11:00", close="03:00") for d in ("fri", "sat")]
        hours += [OpeningPeriod(day="sun", open="12:00", close="23:00")]
        pub = _venue(
            session,
            operator=operator,
            force=force,
            data=VenueCreate(
                name="The Clock Tower",
                kind=VenueKind.pub,
                force_id=force.id,
                nation=Nation.england,
                postcode="LE1 5YA",
                opening_hours=hours,
            ),
        )
        late = [OpeningPeriod(day=d, open="17:00", close="01:00") for d in ALL_DAYS[:4]]
        late += [OpeningPeriod(day=d, open="17:00", close="04:00") for d in ("fri", "sat")]
        late += [OpeningPeriod(day="sun", open="17:00", close="00:00")]
        takeaway = _venue(
            session,
            operator=operator,
            force=force,
            data=VenueCreate(
                name="Late Bite",
                kind=VenueKind.takeaway,
                force_id=force.id,
                nation=Nation.england,
                postcode="LE1 6RL",
                opening_hours=late,
            ),
        )
        demo_screens: list[DemoScreen] = []
        for name, orientation in (
            ("Bar screen", Orientation.landscape),
            ("Door screen", Orientation.portrait),
        ):
            _, token = _screen(
                session, operator=operator, venue=pub, name=name, orientation=orientation
            )
            demo_screens.append(
                DemoScreen(name=name, orientation=orientation.value, device_token=token)
            )
        counter, _ = _screen(
            session,
            operator=operator,
            venue=takeaway,
            name="Counter screen",
            orientation=Orientation.landscape,
        )
        went_offline(session, screen=counter, at=now - OFFLINE_FOR)

        campaign = session.exec(
            select(Campaign).where(
                Campaign.organisation_id == force.id, Campaign.name == "Walk Away"
            )
        ).first()
        if campaign is None:
            campaign = campaigns.create_for(
                session,
                caller=editor,
                data=CampaignCreate(
                    name="Walk Away", description="Walk away before a heated moment turns violent."
                ),
            )
        art = {
            "Walk Away (landscape)": walk_away(1920, 1080, force=FORCE),
            "Walk Away (portrait)": walk_away(1080, 1920, force=FORCE),
            "Get home safe (landscape)": get_home_safe(1920, 1080, force=FORCE),
            "Get home safe (portrait)": get_home_safe(1080, 1920, force=FORCE),
        }
        made = {
            name: _creative(
                session,
                store=store,
                settings=settings,
                editor=editor,
                approver=approver,
                campaign=campaign,
                name=name,
                png=png,
            )
            for name, png in art.items()
        }
        wanted = {
            "Walk Away - every night": (
                40,
                [made["Walk Away (landscape)"].id, made["Walk Away (portrait)"].id],
                [WindowIn(days=ALL_DAYS, start="00:00", end="00:00")],
            ),
            "Get home safe - closing time": (
                60,
                [made["Get home safe (landscape)"].id, made["Get home safe (portrait)"].id],
                [WindowIn(days=ALL_DAYS, start="close-01:00", end="close+00:30")],
            ),
        }
        for name, (priority, creative_ids, windows) in wanted.items():
            exists = session.exec(
                select(Schedule).where(Schedule.organisation_id == force.id, Schedule.name == name)
            ).first()
            if exists is None:
                schedules.create_for(
                    session,
                    caller=editor,
                    data=ScheduleCreate(
                        name=name,
                        creative_ids=creative_ids,
                        priority=priority,
                        windows=windows,
                        start_date=today - timedelta(days=WEEK),
                    ),
                )
        _undecided(
            session,
            store=store,
            settings=settings,
            editor=editor,
            approver=approver,
            campaign=campaign,
        )
        session.flush()
        record_past_nights(
            session,
            venue_ids={pub.id, takeaway.id},
            nights=WEEK,
            now=now,
            last_seen={counter.id: now - OFFLINE_FOR},
        )
    logins = [
        DemoLogin("admin@demo.signage", "admin", "National Night-Time Economy Unit"),
        DemoLogin("editor@leics.demo.signage", "editor", FORCE),
        DemoLogin("approver@leics.demo.signage", "approver", FORCE),
        DemoLogin("manager@crown.demo.signage", "partner", "Crown & Anchor Pubs"),
    ]
    return Demo(logins=logins, screens=demo_screens)


def _undecided(
    session: Session,
    *,
    store: LocalMediaStore,
    settings: Settings,
    editor: Caller,
    approver: Caller,
    campaign: Campaign,
) -> None:
    """A poster in the approvers' queue, and one sent back with the reason (the editor's
    Campaigns page shows how to fix it)."""
    pending = walk_away(1080, 1080, force=FORCE)
    _creative(
        session,
        store=store,
        settings=settings,
        editor=editor,
        approver=approver,
        campaign=campaign,
        name=PENDING,
        png=pending,
        decide=False,
    )
    rejected = _creative(
        session,
        store=store,
        settings=settings,
        editor=editor,
        approver=approver,
        campaign=campaign,
        name=REJECTED,
        png=walk_away(1280, 720, force="Leicestershire Constabulary"),
        decide=False,
    )
    if rejected.status == CreativeStatus.pending:
        approval.reject_for(session, caller=approver, creative_id=rejected.id, reason=REJECTION)
