"""The demo a newcomer runs first must actually play, and survive being run twice."""

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from signage.core.config import Settings
from signage.creatives.models import Creative
from signage.demo.artwork import walk_away
from signage.demo.seed import seed_demo
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
        assert session.exec(select(func.count()).select_from(Creative)).one() == 4
        assert session.exec(select(func.count()).select_from(Schedule)).one() == 2
        assert session.exec(select(func.count()).select_from(Screen)).one() == 2
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
