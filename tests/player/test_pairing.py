"""The pairing device flow (after RFC 8628): a screen shows a code, a partner claims it, the
screen collects its device token exactly once."""

import re
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from signage.core.config import Settings
from signage.player.models import PairingRequest
from tests.factories import World, assert_problem, make_screen, make_venue
from tests.live import LiveServer

USER_CODE = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")
LOOK_ALIKES = set("0O1I")


def assert_pairing_error(response: httpx.Response, error: str) -> None:
    """An RFC 8628 token-endpoint error: 400 with ``error``, as problem JSON with a message."""
    body = assert_problem(response, 400)
    assert body["error"] == error


def start(client: httpx.Client, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/player/pair", json=body or None)
    assert response.status_code == 201, response.text
    started: dict[str, Any] = response.json()
    return started


def poll(client: httpx.Client, device_code: str) -> httpx.Response:
    return client.post("/v1/player/pair/poll", json={"device_code": device_code})


def claim(
    client: httpx.Client,
    world: World,
    user_code: str,
    venue_id: str,
    persona: str = "partner_1",
    **extra: Any,
) -> httpx.Response:
    body = {"user_code": user_code, "venue_id": venue_id, "name": "Till screen", **extra}
    return client.post("/v1/screens/claim", json=body, headers=world.headers(persona))


def typed_sloppily(user_code: str) -> str:
    """How a person might type the code off the screen: lower case, no dash."""
    return user_code.replace("-", "").lower()


@pytest.fixture
def venue(client: TestClient, world: World) -> dict[str, Any]:
    return make_venue(client, world)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """The server's clock (datetime.now(UTC)) running from now; a test jumps it with .shift()."""
    with time_machine.travel(datetime.now(UTC), tick=True) as traveller:
        yield traveller


# --- the whole flow over real HTTP ----------------------------------------------------------


def test_pairing_flow_over_real_http(
    live_server: LiveServer, world: World, settings: Settings
) -> None:
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        venue = http.post(
            "/v1/venues",
            json={
                "name": "The Crown",
                "kind": "pub",
                "force_id": world.org_id("force_a"),
                "nation": "england",
            },
            headers=world.headers("partner_1"),
        )
        assert venue.status_code == 201, venue.text
        venue_id = venue.json()["id"]

        started = start(http, orientation="portrait", width=1080, height=1920, player="web/1")
        assert started["expires_in"] == settings.pairing_code_seconds
        assert started["interval"] == settings.pairing_poll_interval_seconds
        assert_pairing_error(poll(http, started["device_code"]), "authorization_pending")
        assert_pairing_error(poll(http, started["device_code"]), "slow_down")

        claimed = claim(http, world, typed_sloppily(started["user_code"]), venue_id)
        assert claimed.status_code == 201, claimed.text
        screen = claimed.json()
        assert screen["venue_id"] == venue_id
        assert screen["name"] == "Till screen"
        assert screen["orientation"] == "portrait"
        assert screen["status"] == "never_seen"
        assert "device_token" not in screen

        granted = poll(http, started["device_code"])
        assert granted.status_code == 200, granted.text
        assert granted.headers["content-type"] == "application/json"
        grant = granted.json()
        assert set(grant) == {"screen_id", "device_token"}
        assert grant["screen_id"] == screen["id"]
        assert_pairing_error(poll(http, started["device_code"]), "expired_token")

        device = {"Authorization": f"Bearer {grant['device_token']}"}
        status = http.post("/v1/player/status", json={"player": "web/1"}, headers=device)
        assert status.status_code == 204
        seen = http.get(f"/v1/screens/{screen['id']}", headers=world.headers("partner_1"))
        assert seen.json()["status"] == "online"


# --- starting a pairing ---------------------------------------------------------------------


def test_pair_with_empty_body_gives_codes(client: TestClient, settings: Settings) -> None:
    response = client.post("/v1/player/pair")
    assert response.status_code == 201, response.text
    started = response.json()
    assert set(started) == {"device_code", "user_code", "expires_in", "interval"}
    assert USER_CODE.match(started["user_code"])
    assert started["expires_in"] == settings.pairing_code_seconds
    assert started["interval"] == settings.pairing_poll_interval_seconds


def test_pair_with_empty_json_object_gives_codes(client: TestClient) -> None:
    response = client.post("/v1/player/pair", json={})
    assert response.status_code == 201, response.text
    assert USER_CODE.match(response.json()["user_code"])


def test_device_code_is_a_long_secret(client: TestClient) -> None:
    first, second = start(client), start(client)
    assert len(first["device_code"]) >= 32
    assert first["device_code"] != second["device_code"]
    assert first["user_code"] != second["user_code"]


def test_user_codes_are_unique_and_readable(client: TestClient, settings: Settings) -> None:
    settings.pairings_per_address = 1000
    codes = [start(client)["user_code"] for _ in range(200)]
    assert len(set(codes)) == 200
    for code in codes:
        assert USER_CODE.match(code), code
        assert not LOOK_ALIKES & set(code), code


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"orientation": "diagonal"}, "orientation", id="orientation"),
        pytest.param({"width": 0}, "width", id="zero-width"),
        pytest.param({"height": -5}, "height", id="negative-height"),
        pytest.param({"width": 10**9}, "width", id="huge-width"),
        pytest.param({"width": "wide"}, "width", id="width-not-number"),
        pytest.param({"player": "p" * 201}, "player", id="long-player"),
        pytest.param({"player": "web\x00"}, "player", id="nul-player"),
        pytest.param({"screen_id": "mine"}, "screen_id", id="extra-field"),
    ],
)
def test_bad_pair_request_is_422_naming_the_field(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    problem = assert_problem(client.post("/v1/player/pair", json=body), 422)
    assert problem["detail"].startswith(f"{field}:"), problem["detail"]


@pytest.mark.parametrize("raw", [b"{", b"[]", b'"pair"'], ids=["truncated", "array", "string"])
def test_garbage_pair_body_is_422(client: TestClient, raw: bytes) -> None:
    response = client.post(
        "/v1/player/pair", content=raw, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 422)


# --- polling --------------------------------------------------------------------------------


def test_poll_before_claim_is_pending(client: TestClient) -> None:
    started = start(client)
    assert_pairing_error(poll(client, started["device_code"]), "authorization_pending")


def test_polling_too_fast_is_slow_down(client: TestClient) -> None:
    started = start(client)
    # The clock stands still, so the second poll comes no time at all after the first.
    with time_machine.travel(datetime.now(UTC), tick=False):
        assert_pairing_error(poll(client, started["device_code"]), "authorization_pending")
        assert_pairing_error(poll(client, started["device_code"]), "slow_down")


def test_polling_at_the_interval_stays_pending(
    client: TestClient, settings: Settings, clock: time_machine.Traveller
) -> None:
    started = start(client)
    for _ in range(3):
        assert_pairing_error(poll(client, started["device_code"]), "authorization_pending")
        clock.shift(timedelta(seconds=settings.pairing_poll_interval_seconds + 0.1))


def test_unknown_device_code_is_expired_token(client: TestClient) -> None:
    assert_pairing_error(poll(client, "no-such-device-code"), "expired_token")


def test_user_code_is_not_a_device_code(client: TestClient) -> None:
    started = start(client)
    assert_pairing_error(poll(client, started["user_code"]), "expired_token")


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"{}", id="missing"),
        pytest.param(b'{"device_code": ""}', id="empty"),
        pytest.param(b'{"device_code": "' + b"x" * 129 + b'"}', id="too-long"),
        pytest.param(b'{"device_code": 42}', id="number"),
        pytest.param(b'{"device_code": "\\ud800"}', id="lone-surrogate"),
        pytest.param(b'{"device_code": "\\u0000"}', id="nul"),
    ],
)
def test_bad_poll_is_422(client: TestClient, raw: bytes) -> None:
    response = client.post(
        "/v1/player/pair/poll", content=raw, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 422, "device_code")


def test_poll_with_extra_field_is_422(client: TestClient) -> None:
    body = {"device_code": "abc", "user_code": "ABCD-EFGH"}
    assert_problem(client.post("/v1/player/pair/poll", json=body), 422, "user_code")


def test_expired_pairing_is_expired_token_and_cannot_be_claimed(
    client: TestClient,
    world: World,
    venue: dict[str, Any],
    settings: Settings,
    clock: time_machine.Traveller,
) -> None:
    started = start(client)
    clock.shift(timedelta(seconds=settings.pairing_code_seconds + 1))
    assert_pairing_error(poll(client, started["device_code"]), "expired_token")
    response = claim(client, world, started["user_code"], venue["id"])
    assert_problem(response, 404, "pairing code")
    assert client.get("/v1/screens", headers=world.headers("partner_1")).json() == []


def test_claim_just_before_expiry_gives_device_time_to_collect(
    client: TestClient,
    world: World,
    venue: dict[str, Any],
    settings: Settings,
    clock: time_machine.Traveller,
) -> None:
    started = start(client)
    clock.shift(timedelta(seconds=settings.pairing_code_seconds - 5))
    assert claim(client, world, started["user_code"], venue["id"]).status_code == 201
    clock.shift(timedelta(seconds=10))
    granted = poll(client, started["device_code"])
    assert granted.status_code == 200, granted.text


# --- claiming -------------------------------------------------------------------------------


def test_claim_with_sloppily_typed_code_makes_screen(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    started = start(client, orientation="portrait", width=1080, height=1920, player="web/1")
    response = claim(
        client, world, typed_sloppily(started["user_code"]), venue["id"], tags=["bar", "bar"]
    )
    assert response.status_code == 201, response.text
    screen = response.json()
    assert screen["venue_id"] == venue["id"]
    assert screen["name"] == "Till screen"
    assert screen["orientation"] == "portrait"
    assert screen["tags"] == ["bar"]
    assert screen["status"] == "never_seen"
    assert screen["player"] == "web/1"
    assert screen["width"] == 1080
    assert screen["height"] == 1920
    assert "device_token" not in screen
    listed = client.get("/v1/screens", headers=world.headers("partner_1")).json()
    assert [s["id"] for s in listed] == [screen["id"]]


def test_claimed_pairing_grants_token_exactly_once(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    started = start(client)
    screen = claim(client, world, started["user_code"], venue["id"]).json()
    granted = poll(client, started["device_code"])
    assert granted.status_code == 200, granted.text
    grant = granted.json()
    assert grant["screen_id"] == screen["id"]
    assert grant["device_token"]
    assert_pairing_error(poll(client, started["device_code"]), "expired_token")
    device = {"Authorization": f"Bearer {grant['device_token']}"}
    assert client.post("/v1/player/status", json={}, headers=device).status_code == 204


def test_claiming_a_claimed_code_again_is_409(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    started = start(client)
    assert claim(client, world, started["user_code"], venue["id"]).status_code == 201
    again = claim(client, world, started["user_code"], venue["id"], name="Second")
    assert_problem(again, 409, "already been claimed")
    assert len(client.get("/v1/screens", headers=world.headers("partner_1")).json()) == 1


def test_claiming_a_collected_code_again_is_409(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    started = start(client)
    assert claim(client, world, started["user_code"], venue["id"]).status_code == 201
    assert poll(client, started["device_code"]).status_code == 200
    again = claim(client, world, started["user_code"], venue["id"])
    assert_problem(again, 409, "already been claimed")


def test_claim_into_other_partners_venue_is_404(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    started = start(client)
    response = claim(client, world, started["user_code"], venue["id"], persona="partner_2")
    assert_problem(response, 404, "venue")
    assert_pairing_error(poll(client, started["device_code"]), "authorization_pending")


def test_claim_into_missing_venue_is_404(client: TestClient, world: World) -> None:
    started = start(client)
    response = claim(client, world, started["user_code"], "00000000-0000-4000-8000-000000000000")
    assert_problem(response, 404, "venue")


@pytest.mark.parametrize("persona", ["force_a_editor", "national_admin"])
def test_police_staff_cannot_claim(
    client: TestClient, world: World, venue: dict[str, Any], persona: str
) -> None:
    started = start(client)
    response = claim(client, world, started["user_code"], venue["id"], persona=persona)
    assert_problem(response, 403, "partner")


def test_claim_needs_a_staff_token(client: TestClient, venue: dict[str, Any]) -> None:
    started = start(client)
    body = {"user_code": started["user_code"], "venue_id": venue["id"], "name": "x"}
    response = client.post("/v1/screens/claim", json=body)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_wrong_code_is_404(client: TestClient, world: World, venue: dict[str, Any]) -> None:
    start(client)
    assert_problem(claim(client, world, "ZZZZ-ZZZZ", venue["id"]), 404, "pairing code")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"user_code": ""}, "user_code", id="empty-code"),
        pytest.param({"user_code": "A" * 33}, "user_code", id="long-code"),
        pytest.param({"name": ""}, "name", id="empty-name"),
        pytest.param({"tags": ["ok", "!bad"]}, "tags.1", id="bad-tag"),
        pytest.param({"orientation": "portrait"}, "orientation", id="extra-field"),
    ],
)
def test_bad_claim_is_422_naming_the_field(
    client: TestClient, world: World, venue: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    started = start(client)
    full = {"user_code": started["user_code"], "venue_id": venue["id"], "name": "x", **body}
    response = client.post("/v1/screens/claim", json=full, headers=world.headers("partner_1"))
    problem = assert_problem(response, 422)
    assert problem["detail"].startswith(f"{field}:"), problem["detail"]


def test_revoking_claimed_screen_before_collection_expires_pairing(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    started = start(client)
    screen = claim(client, world, started["user_code"], venue["id"]).json()
    revoked = client.delete(f"/v1/screens/{screen['id']}", headers=world.headers("partner_1"))
    assert revoked.status_code == 204
    assert_pairing_error(poll(client, started["device_code"]), "expired_token")


# --- guessing codes -------------------------------------------------------------------------


def fail_claims(client: TestClient, world: World, venue_id: str, times: int) -> None:
    for _ in range(times):
        assert_problem(claim(client, world, "ZZZZ-ZZZZ", venue_id), 404)


def test_too_many_wrong_codes_lock_the_user_out(
    client: TestClient, world: World, venue: dict[str, Any], settings: Settings
) -> None:
    started = start(client)
    fail_claims(client, world, venue["id"], settings.max_claim_failures)
    response = claim(client, world, started["user_code"], venue["id"])
    assert_problem(response, 429, "wrong pairing codes")
    assert 1 <= int(response.headers["retry-after"]) <= settings.claim_lockout_seconds
    assert client.get("/v1/screens", headers=world.headers("partner_1")).json() == []


def test_one_wrong_code_short_of_the_limit_still_claims(
    client: TestClient, world: World, venue: dict[str, Any], settings: Settings
) -> None:
    started = start(client)
    fail_claims(client, world, venue["id"], settings.max_claim_failures - 1)
    assert claim(client, world, started["user_code"], venue["id"]).status_code == 201


def test_lockout_is_per_user(
    client: TestClient, world: World, venue: dict[str, Any], settings: Settings
) -> None:
    started = start(client)
    fail_claims(client, world, venue["id"], settings.max_claim_failures)
    response = claim(client, world, started["user_code"], venue["id"], persona="partner_1_admin")
    assert response.status_code == 201, response.text


def test_lockout_ends_after_its_window(
    client: TestClient,
    world: World,
    venue: dict[str, Any],
    settings: Settings,
    clock: time_machine.Traveller,
) -> None:
    fail_claims(client, world, venue["id"], settings.max_claim_failures)
    clock.shift(timedelta(seconds=settings.claim_lockout_seconds + 1))
    started = start(client)
    assert claim(client, world, started["user_code"], venue["id"]).status_code == 201


def test_right_code_does_not_count_towards_the_lockout(
    client: TestClient, world: World, venue: dict[str, Any], settings: Settings
) -> None:
    fail_claims(client, world, venue["id"], settings.max_claim_failures - 1)
    assert claim(client, world, start(client)["user_code"], venue["id"]).status_code == 201
    assert_problem(claim(client, world, "ZZZZ-ZZZZ", venue["id"]), 404)
    assert_problem(claim(client, world, start(client)["user_code"], venue["id"]), 429)


def test_concurrent_wrong_codes_count_exactly_to_the_lockout(
    live_server: LiveServer, world: World, venue: dict[str, Any], settings: Settings
) -> None:
    def wrong_claim(_: int) -> int:
        with httpx.Client(base_url=live_server.url, timeout=30) as http:
            return claim(http, world, "ZZZZ-ZZZZ", venue["id"]).status_code

    with ThreadPoolExecutor(30) as pool:
        outcomes = Counter(pool.map(wrong_claim, range(30)))
    limit = settings.max_claim_failures
    assert outcomes == {404: limit, 429: 30 - limit}
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        started = start(http)
        assert_problem(claim(http, world, started["user_code"], venue["id"]), 429)


# --- flooding pairings ----------------------------------------------------------------------


def pairing_rows(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(PairingRequest)).one()


def pair_from(live_server: LiveServer, address: str, times: int) -> list[httpx.Response]:
    """POST /v1/player/pair ``times`` times from four parallel clients at ``address``."""

    def run(share: int) -> list[httpx.Response]:
        transport = httpx.HTTPTransport(local_address=address)
        with httpx.Client(base_url=live_server.url, transport=transport, timeout=30) as http:
            return [http.post("/v1/player/pair") for _ in range(share)]

    shares = [times // 4 + (1 if i < times % 4 else 0) for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        return [response for responses in pool.map(run, shares) for response in responses]


def test_pairing_flood_from_one_address_is_429_and_stores_nothing(
    live_server: LiveServer, settings: Settings, engine: Engine
) -> None:
    limit = settings.pairings_per_address
    responses = pair_from(live_server, "127.0.0.2", limit + 10)
    assert Counter(r.status_code for r in responses) == {201: limit, 429: 10}
    for response in responses:
        if response.status_code == 429:
            assert_problem(response, 429, "too many pairing requests")
            seconds = int(response.headers["retry-after"])
            assert 1 <= seconds <= settings.pairing_throttle_seconds
    assert pairing_rows(engine) == limit


def test_pairing_from_another_address_is_unaffected_by_a_flood(
    live_server: LiveServer, settings: Settings
) -> None:
    pair_from(live_server, "127.0.0.2", settings.pairings_per_address + 1)
    assert [r.status_code for r in pair_from(live_server, "127.0.0.3", 1)] == [201]


def test_pairing_limit_ends_after_its_window(
    client: TestClient, settings: Settings, clock: time_machine.Traveller
) -> None:
    for _ in range(settings.pairings_per_address):
        start(client)
    assert_problem(client.post("/v1/player/pair"), 429)
    clock.shift(timedelta(seconds=settings.pairing_throttle_seconds + 1))
    start(client)


# --- nothing with a secret in it is cached --------------------------------------------------


def assert_not_stored(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"


def test_pairing_and_token_responses_are_not_stored(
    live_server: LiveServer, client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        started = http.post("/v1/player/pair")
        assert started.status_code == 201
        assert_not_stored(started)
        device_code = started.json()["device_code"]
        pending = poll(http, device_code)
        assert_pairing_error(pending, "authorization_pending")
        assert_not_stored(pending)
        assert claim(http, world, started.json()["user_code"], venue["id"]).status_code == 201
        granted = poll(http, device_code)
        assert granted.status_code == 200
        assert_not_stored(granted)
        body = {"venue_id": venue["id"], "name": "Door screen"}
        created = http.post("/v1/screens", json=body, headers=world.headers("partner_1"))
        assert created.status_code == 201
        assert_not_stored(created)
        screen = make_screen(client, world, venue["id"])
        rotated = http.post(f"/v1/screens/{screen['id']}/token", headers=world.headers("partner_1"))
        assert rotated.status_code == 200
        assert_not_stored(rotated)
