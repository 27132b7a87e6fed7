"""The demo a newcomer runs first must actually play, and survive being run twice."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from signage.core.config import Settings
from signage.creatives.models import Creative
from signage.demo.artwork import walk_away
from signage.demo.seed import PASSWORD, seed_demo
from signage.plays.models import Play
from signage.schedules.models import Schedule
from signage.screens.models import Screen


def poll(client: TestClient, token: str) -> dict:  # type: ignore[type-arg]
    response = client.get("/v1/player/playlist", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_demo_screens_play_walk_away_straight_away(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    demo = seed_demo(engine, settings, today=datetime.now(UTC).date())
    landscape, portrait = demo.screens
    for screen, shape in ((landscape, "landscape"), (portrait, "portrait")):
        body = poll(client, screen.device_token)
        items = body["timeline"][0]["items"]
        assert items, "the demo screen has nothing to play"
        media = body["media"][items[0]["creative_id"]]
        assert (media["width"] > media["height"]) == (shape == "landscape")
        blob = client.get(media["url"])
        assert blob.status_code == 200
        assert blob.headers["content-type"] == "image/png"


def test_demo_logins_work(client: TestClient, engine: Engine, settings: Settings) -> None:
    demo = seed_demo(engine, settings, today=datetime.now(UTC).date())
    for login in demo.logins:
        response = client.post(
            "/v1/auth/token", data={"username": login.email, "password": demo.password}
        )
        assert response.status_code == 200, login.email


def test_demo_runs_twice_without_duplicates_and_rotates_tokens(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    first = seed_demo(engine, settings, today=datetime.now(UTC).date())
    second = seed_demo(engine, settings, today=datetime.now(UTC).date())
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Creative)).one() == 6
        assert session.exec(select(func.count()).select_from(Schedule)).one() == 2
        assert session.exec(select(func.count()).select_from(Screen)).one() == 3
    old = client.get(
        "/v1/player/playlist", headers={"Authorization": f"Bearer {first.screens[0].device_token}"}
    )
    assert old.status_code == 401
    poll(client, second.screens[0].device_token)


def test_artwork_is_bright_and_the_right_shape() -> None:
    import io

    image = Image.open(io.BytesIO(walk_away(1080, 1920, force="Leicestershire Police")))
    assert image.size == (1080, 1920)
    # The yellow field dominates: a bright poster, not a dark one.
    assert image.convert("RGB").getpixel((5, 5)) == (255, 214, 0)


def test_demo_fills_every_console_page(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    """A queue to approve, a rejection to fix, an offline screen and a week of plays that are
    what the engine says the screens showed (so Reports and Tonight are not empty)."""
    now = datetime.now(UTC)
    seed_demo(engine, settings, today=now.date(), now=now)
    with Session(engine) as session:
        statuses = {c.name: c.status for c in session.exec(select(Creative))}
        assert statuses["Walk Away (square, new crest)"] == "pending"
        assert statuses["Walk Away (old crest)"] == "rejected"
        counter = session.exec(select(Screen).where(Screen.name == "Counter screen")).one()
        assert counter.last_seen_at is not None
        seen = counter.last_seen_at.replace(tzinfo=UTC)
        assert now - seen > timedelta(seconds=settings.screen_offline_after_seconds)
        plays = session.exec(select(func.count()).select_from(Play)).one()
        latest = session.exec(
            select(func.max(Play.started_at)).where(Play.screen_id == counter.id)
        ).one()
    assert plays > 1000
    assert latest is None or latest.replace(tzinfo=UTC) < seen
    token = client.post(
        "/v1/auth/token", data={"username": "editor@leics.demo.signage", "password": PASSWORD}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    by_night = client.get("/v1/reports/plays?group_by=night", headers=headers).json()
    assert len(by_night) >= 6, by_night  # a week of nights, the pub shut on none
    by_creative = {
        r["creative_id"] for r in client.get("/v1/reports/plays", headers=headers).json()
    }
    assert len(by_creative) >= 2  # Walk Away all evening, Get home safe at closing time
    # Only approved creatives played.
    with Session(engine) as session:
        played = set(session.exec(select(Play.creative_name).distinct()).all())
    assert played.isdisjoint({"Walk Away (square, new crest)", "Walk Away (old crest)"})

    again = seed_demo(engine, settings, today=now.date(), now=now)
    assert again.logins
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Play)).one() == plays
