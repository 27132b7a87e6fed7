"""A fleet for reach: many screens in venues of a few configurations, under schedules that beat
one another on some screens and not others. Inserted straight into the database (no HTTP, no
password hashing), so a test or a benchmark seeds 2,000 screens in about a second.

The subject schedule targets every screen its national owner reaches; higher-priority schedules
target by tag, venue kind, force and orientation-bound creatives, one with an opening-hours
window and one with creatives whose validity starts and ends inside December 2026, so screens
with different inputs get different figures.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from signage.campaigns.models import Campaign
from signage.creatives.models import Creative, CreativeKind, CreativeStatus
from signage.schedules.models import Schedule, ScheduleCreative
from signage.screens.models import Orientation, Screen
from signage.venues.models import Nation, Venue, VenueKind

KINDS = ["pub", "bar", "nightclub", "fast_food", "takeaway"]
NATIONS = ["england", "wales", "scotland", "northern_ireland"]
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
PAIRED_TOKEN = "sgd_fleet_paired_screen_token"


@dataclass(frozen=True)
class Fleet:
    subject_id: str  # the schedule whose reach is asked for
    screen_ids: list[str]
    venue_ids: list[str]
    creative_ids: dict[str, str]  # role -> id ("landscape", "portrait", ...)
    paired_screen_id: str
    paired_token: str = PAIRED_TOKEN


def opening_hours(configuration: int) -> list[dict[str, str]]:
    """Distinct opening hours for each configuration number below 720: opening at 17:00 or
    18:00, closing between 00:00 and 05:59; odd numbers only open Thursday to Saturday."""
    close = f"{(configuration // 60) % 6:02d}:{configuration % 60:02d}"
    opens = "17:00" if configuration % 720 < 360 else "18:00"
    days = ALL_DAYS if configuration % 2 == 0 else ["thu", "fri", "sat"]
    return [{"day": d, "open": opens, "close": close} for d in days]


def _creative(
    campaign: Campaign, uploader: str, name: str, width: int, height: int, **extra: Any
) -> Creative:
    return Creative(
        campaign_id=campaign.id,
        organisation_id=campaign.organisation_id,
        name=name,
        kind=CreativeKind.image,
        sha256=hashlib.sha256(name.encode()).hexdigest(),
        mime_type="image/png",
        bytes=1000,
        width=width,
        height=height,
        duration_ms=10_000,
        status=extra.pop("status", CreativeStatus.approved),
        uploaded_by=uploader,
        **extra,
    )


def seed_fleet(
    engine: Engine,
    *,
    owner_id: str,
    editor_id: str,
    partner_id: str,
    force_ids: list[str],
    screens: int,
    venues: int,
    configurations: int,
    extra_schedules: int = 0,
) -> Fleet:
    """`screens` screens spread over `venues` venues with `configurations` distinct opening
    hours, each of them in each nation in turn (so up to four times as many places);
    schedules owned by `owner_id` (a national organisation). `extra_schedules`
    more run at priorities 20 to 54 (one in seven beats the subject), targeting everything, a
    force, a venue kind or a tag in turn: most nine hours every night, one in five the hour
    before closing, some only around bank holidays."""
    with Session(engine, expire_on_commit=False) as session:
        campaign = Campaign(organisation_id=owner_id, name="Walk Away", created_by=editor_id)
        session.add(campaign)
        session.flush()
        creatives = {
            "landscape": _creative(campaign, editor_id, "landscape", 1920, 1080),
            "portrait": _creative(campaign, editor_id, "portrait", 1080, 1920),
            "square": _creative(campaign, editor_id, "square", 1000, 1000),
            "pending": _creative(
                campaign, editor_id, "pending", 1920, 1080, status=CreativeStatus.pending
            ),
            "december": _creative(
                campaign,
                editor_id,
                "december",
                1920,
                1080,
                valid_from=datetime(2026, 12, 4, 22, 0, tzinfo=UTC),
                valid_until=datetime(2026, 12, 19, 1, 30, tzinfo=UTC),
            ),
        }
        session.add_all(creatives.values())
        venue_rows = [
            Venue(
                organisation_id=partner_id,
                force_id=force_ids[i % len(force_ids)],
                name=f"Venue {i}",
                kind=VenueKind(KINDS[i % len(KINDS)]),
                nation=Nation(NATIONS[(i // configurations) % len(NATIONS)]),
                timezone="Europe/London",
                opening_hours=opening_hours(i % configurations),
            )
            for i in range(venues)
        ]
        session.add_all(venue_rows)
        session.flush()
        screen_rows = [
            Screen(
                venue_id=venue_rows[i % venues].id,
                name=f"Screen {i}",
                orientation=(Orientation.landscape, Orientation.portrait, None)[i % 3],
                tags=["door"] if i % 4 == 0 else ["bar"],
                token_hash=hashlib.sha256(PAIRED_TOKEN.encode()).hexdigest() if i == 0 else None,
            )
            for i in range(screens)
        ]
        session.add_all(screen_rows)
        weekend = {"days": ["fri", "sat", "bank_holiday_eve"], "start": "20:00", "end": "04:00"}
        plans: list[tuple[int, dict[str, Any], list[dict[str, Any]], list[str]]] = [
            # The subject: weekend nights, and Sundays and Thursdays from two hours after
            # opening to closing (how long depends on the venue's hours).
            (
                50,
                {},
                [weekend, {"days": ["sun", "thu"], "start": "open+02:00", "end": "close"}],
                ["landscape", "portrait", "pending"],
            ),
            (
                90,
                {"tags": ["door"]},
                [{"days": ["sat"], "start": "22:00", "end": "02:00"}],
                ["square"],
            ),
            (
                70,
                {"venue_kinds": ["nightclub", "bar"]},
                [{"days": ["bank_holiday"], "start": "12:00", "end": "12:00"}],
                ["landscape"],
            ),
            (
                60,
                {"force_ids": force_ids[:1]},
                [{"days": ["fri"], "start": "23:00", "end": "01:00"}],
                ["portrait"],
            ),
            (
                80,
                {},
                [{"days": ["fri", "sat"], "start": "close-00:30", "end": "close+00:30"}],
                ["square"],
            ),
            (
                95,
                {},
                [{"days": ALL_DAYS, "start": "21:00", "end": "22:00"}],
                ["december", "portrait"],
            ),
            (10, {}, [{"days": ALL_DAYS, "start": "18:00", "end": "06:00"}], ["square"]),
        ]
        for i in range(extra_schedules):
            extra_target: dict[str, Any] = {}
            if i % 4 == 1:
                extra_target["force_ids"] = [force_ids[i % len(force_ids)]]
            elif i % 4 == 2:
                extra_target["venue_kinds"] = [KINDS[i % len(KINDS)]]
            elif i % 4 == 3:
                extra_target["tags"] = ["bar"]
            start = (i * 7) % 24
            extra_window: dict[str, Any] = {
                "days": ALL_DAYS,
                "start": f"{start:02d}:00",
                "end": f"{(start + 9) % 24:02d}:00",
            }
            if i % 5 == 4:  # the last hour before closing, every night the venue opens
                extra_window = {"days": ALL_DAYS, "start": "close-01:00", "end": "close"}
            elif i % 7 == 6:
                extra_window = {**extra_window, "days": ["bank_holiday", "bank_holiday_eve"]}
            plans.append(
                (
                    20 + i % 35,
                    extra_target,
                    [extra_window],
                    [("landscape", "square", "portrait")[i % 3]],
                )
            )
        schedule_rows: list[Schedule] = []
        for number, (priority, target, windows, roles) in enumerate(plans):
            schedule = Schedule(
                organisation_id=owner_id,
                name=f"Schedule {number}",
                priority=priority,
                target=target,
                windows=windows,
                created_by=editor_id,
            )
            session.add(schedule)
            session.flush()
            session.add_all(
                ScheduleCreative(
                    schedule_id=schedule.id, position=position, creative_id=creatives[role].id
                )
                for position, role in enumerate(roles)
            )
            schedule_rows.append(schedule)
        session.commit()
        return Fleet(
            subject_id=schedule_rows[0].id,
            screen_ids=[s.id for s in screen_rows],
            venue_ids=[v.id for v in venue_rows],
            creative_ids={role: c.id for role, c in creatives.items()},
            paired_screen_id=screen_rows[0].id,
        )
