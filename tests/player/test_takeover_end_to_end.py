"""A takeover end to end: a screen playing an ordinary schedule shows the takeover within 2 s
of its confirmation (pushed over the events stream, not found at the next 30 s poll), and goes
back to the schedule by itself at the takeover's end. In real Chromium with the web player,
and with the Python player's logging renderer."""

import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page

from signage.core.config import Settings
from tests.factories import World
from tests.live import LiveServer
from tests.player.python_player_helpers import PLAYER_SRC, wait_until
from tests.player.web_helpers import chromium, player_state
from tests.takeovers.helpers import Scene, instant, scene, takeover_body

sys.path.insert(0, str(PLAYER_SRC))

from signage_player.player import Player, PlayerOptions  # noqa: E402
from signage_player.renderers import LoggingRenderer  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Long enough to start both players and see the takeover; short enough to wait for its end.
TAKEOVER_SECONDS = 25
WITHIN = 2.0


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The contract's 30 s poll: a takeover seen within 2 s is the stream's doing.
    return settings.model_copy(update={"poll_after_seconds": 30})


@pytest.fixture
def here(client: TestClient, world: World) -> Scene:
    return scene(client, world)


def _take_over(client: TestClient, world: World, here: Scene) -> tuple[float, datetime]:
    """Create and confirm the takeover through the API; the monotonic instant of the
    confirmation's response, and when the takeover ends."""
    ends = datetime.now(UTC) + timedelta(seconds=TAKEOVER_SECONDS)
    created = client.post(
        "/v1/takeovers",
        json=takeover_body(here, ends_at=instant(ends)),
        headers=world.headers("force_a_editor"),
    )
    assert created.status_code == 201, created.text
    confirmed = client.post(
        f"/v1/takeovers/{created.json()['id']}/confirm", headers=world.headers("force_a_approver")
    )
    assert confirmed.status_code == 200, confirmed.text
    return time.monotonic(), ends


def _front_image(page: Page, creative_id: str, timeout_s: float) -> None:
    page.wait_for_function(
        """(id) => {
            const img = document.querySelector('.layer.front img');
            return !!img && img.dataset.creativeId === id && img.complete && img.naturalWidth > 0
                && getComputedStyle(img.parentElement).opacity === '1';
        }""",
        arg=creative_id,
        timeout=timeout_s * 1000,
    )


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_web_player_shows_a_takeover_within_2_s_and_returns_to_its_schedule(
    live_server: LiveServer, client: TestClient, world: World, here: Scene
) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 960, "height": 540})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{live_server.url}/player/?token={here.screen['device_token']}")
        _front_image(page, here.ordinary["id"], 20)
        page.wait_for_function(
            "() => window.signagePlayer.state().pushStatus === 'open'", timeout=10_000
        )
        polls_before = player_state(page)["polls"]

        confirmed_at, ends = _take_over(client, world, here)
        _front_image(page, here.urgent["id"], WITHIN + 1)
        shown_after = time.monotonic() - confirmed_at
        state: dict[str, Any] = player_state(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "web-player-takeover.png"))
        print(f"web player: takeover rendered {shown_after:.3f} s after the confirmation")
        assert shown_after < WITHIN, f"the takeover took {shown_after:.2f} s"
        assert state["polls"] == polls_before + 1  # one poll, the one the event asked for
        assert any(entry["what"] == "playlist" for entry in state["pushLog"])

        # Its end is in the playlist: back to the schedule on time, with no poll needed.
        remaining = (ends - datetime.now(UTC)).total_seconds()
        _front_image(page, here.ordinary["id"], remaining + 5)
        assert datetime.now(UTC) >= ends - timedelta(seconds=1)
        assert errors == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_python_player_shows_a_takeover_within_2_s_and_returns_to_its_schedule(
    live_server: LiveServer, client: TestClient, world: World, here: Scene, tmp_path: Path
) -> None:
    renderer = LoggingRenderer()
    player = Player(
        PlayerOptions(server=live_server.url, state_dir=tmp_path / "player"),
        renderer,
        token=here.screen["device_token"],
    )
    thread = threading.Thread(target=player.run, daemon=True)
    thread.start()
    try:
        wait_until(
            lambda: renderer.shown and renderer.shown[-1] == here.ordinary["id"],
            20,
            "the ordinary schedule on screen",
        )
        wait_until(lambda: player.push.status == "open", 10, "the events stream open")
        confirmed_at, ends = _take_over(client, world, here)
        wait_until(
            lambda: renderer.shown[-1] == here.urgent["id"], WITHIN + 1, "the takeover on screen"
        )
        shown_after = time.monotonic() - confirmed_at
        print(f"python player: takeover shown {shown_after:.3f} s after the confirmation")
        assert shown_after < WITHIN, f"the takeover took {shown_after:.2f} s"
        remaining = (ends - datetime.now(UTC)).total_seconds()
        wait_until(
            lambda: renderer.shown[-1] == here.ordinary["id"],
            remaining + 6,
            "the ordinary schedule back after the takeover's end",
        )
        back_at = next(at for at, c in reversed(renderer.shown_at) if c == here.ordinary["id"])
        assert back_at >= ends - timedelta(seconds=1)
    finally:
        player.stop()
        thread.join(timeout=30)
