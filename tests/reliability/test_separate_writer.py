"""An edit made by another process that imports only the models still reaches the poll.

A script or the demo seeder run on its own writes through the package without importing the
poll's state module; playlist-change tracking is declared with the models, so it bumps the
version all the same.
"""

import subprocess
import sys
import textwrap
import time

import httpx
from sqlalchemy import Engine

from tests.factories import World, make_venue
from tests.live import LiveServer

WRITER = textwrap.dedent(
    """
    import sys
    from signage.core.db import create_db_engine, session_scope
    from signage.core.security import hash_secret
    from signage.screens.models import Screen

    engine = create_db_engine(sys.argv[1])
    for session in session_scope(engine):
        session.add(Screen(venue_id=sys.argv[2], name="Added by a script",
                           token_hash=hash_secret(sys.argv[3])))
    engine.dispose()
    # The point of the test: this process never loaded the poll's state module.
    assert "signage.player.state" not in sys.modules, "the writer imported the poll's state"
    """
)


def test_screen_added_by_a_separate_process_can_poll_within_a_second(
    client: object, world: World, engine: Engine, live_server: LiveServer
) -> None:
    venue = make_venue(client, world)  # type: ignore[arg-type]
    token = "script-made-device-token-0123456789abcdef"
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server.url, timeout=5) as http:
        assert http.get("/v1/player/playlist", headers=headers).status_code == 401
        subprocess.run(
            [
                sys.executable,
                "-c",
                WRITER,
                str(engine.url.render_as_string(False)),
                venue["id"],
                token,
            ],
            check=True,
            timeout=60,
        )
        written = time.monotonic()
        status = 401
        while time.monotonic() - written < 1.0:
            status = http.get("/v1/player/playlist", headers=headers).status_code
            if status == 200:
                break
            time.sleep(0.05)
        assert status == 200, "the running server never saw the screen written by the script"


def test_the_poll_still_answers_after_the_app_was_started_and_stopped_before(
    app: object, world: World
) -> None:
    # A test client and then a live server may each run the same app's lifespan; stopping the
    # first must not leave the poll unable to refresh (it once answered 500 after that).
    from fastapi.testclient import TestClient

    with TestClient(app) as first:  # type: ignore[arg-type]
        venue = make_venue(first, world)
        screen = first.post(
            "/v1/screens",
            json={"venue_id": venue["id"], "name": "Bar"},
            headers=world.headers("partner_1"),
        ).json()
    with TestClient(app) as second:  # type: ignore[arg-type]
        polled = second.get(
            "/v1/player/playlist", headers={"Authorization": f"Bearer {screen['device_token']}"}
        )
    assert polled.status_code == 200, polled.text
