"""A long reach or calendar holds no transaction while it computes, and screens keep polling."""

import gc
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from signage.schedules import reach, router
from tests.factories import World, play_record, schedule_body
from tests.live import LiveServer
from tests.schedules.fleet import Fleet, seed_fleet

DECEMBER = {"from": "2026-12-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"}


def national_fleet(engine: Engine, world: World, **sizes: int) -> Fleet:
    return seed_fleet(
        engine,
        owner_id=world.org_id("national"),
        editor_id=world.users["national_editor"].id,
        partner_id=world.org_id("partner_1"),
        force_ids=[world.org_id("force_a"), world.org_id("force_b")],
        **sizes,
    )


def spy_on(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, engine: Engine) -> list[int]:
    """Wraps `owner.name` to record how many pooled connections the thread calling it holds
    then. The thread's own: the app's background work (a playlist refresh after the edit the
    test just made, a job, a flush) holds connections of its own on threads of its own."""
    checked_out: list[int] = []
    original: Callable[..., Any] = getattr(owner, name)
    held: dict[int, int] = {}

    def checkout(_dbapi: Any, record: Any, _proxy: Any) -> None:
        thread = threading.get_ident()
        record.info["spy_thread"] = thread
        held[thread] = held.get(thread, 0) + 1

    def checkin(_dbapi: Any, record: Any) -> None:
        thread = record.info.pop("spy_thread", None)
        if thread is not None:
            held[thread] -= 1

    event.listen(engine.pool, "checkout", checkout)
    event.listen(engine.pool, "checkin", checkin)

    def spy(*args: Any, **kwargs: Any) -> Any:
        checked_out.append(held.get(threading.get_ident(), 0))
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return checked_out


def test_reach_computes_with_no_connection_held(
    client: TestClient, world: World, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet = national_fleet(engine, world, screens=20, venues=5, configurations=3)
    checked_out = spy_on(monkeypatch, reach, "compute_reach", engine)
    response = client.get(
        f"/v1/schedules/{fleet.subject_id}/reach",
        params=DECEMBER,
        headers=world.headers("national_editor"),
    )
    assert response.status_code == 200, response.text
    assert checked_out == [0]


def test_calendar_is_written_with_no_connection_held(
    client: TestClient,
    world: World,
    engine: Engine,
    approved_creative: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    created = client.post(
        "/v1/schedules",
        json=schedule_body([approved_creative["id"]]),
        headers=world.headers("force_a_editor"),
    ).json()
    checked_out = spy_on(monkeypatch, router, "render_calendar", engine)
    for path in ("/v1/schedules.ics", f"/v1/schedules/{created['id']}.ics"):
        response = client.get(path, headers=world.headers("force_a_editor"))
        assert response.status_code == 200, response.text
    assert checked_out == [0, 0]


Probe = Callable[[httpx.Client, int], None]


def measure_during_reach(
    live_server: LiveServer, world: World, fleet: Fleet, probes: list[Probe]
) -> dict[str, list[float]]:
    """Runs a 31-day reach in another thread and, until it answers, the probes in turn; returns
    each probe's latencies (seconds) and checks the reach's own answer."""
    reached: list[httpx.Response] = []

    def run_reach() -> None:
        with httpx.Client(base_url=live_server.url, timeout=60) as http:
            reached.append(
                http.get(
                    f"/v1/schedules/{fleet.subject_id}/reach",
                    params=DECEMBER,
                    headers=world.headers("national_editor"),
                )
            )

    latencies: dict[str, list[float]] = {probe.__name__: [] for probe in probes}
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        _until_compiled(http, fleet)
        for probe in probes:  # warm: the first connection
            probe(http, 0)
        # Start from a collected heap: the fleet just built in this process would otherwise
        # bring a full collection (a pause of the whole process, whatever runs) at a moment
        # of its own choosing, and this measures what the reach does to other requests.
        gc.collect()
        worker = threading.Thread(target=run_reach)
        worker.start()
        number = 0
        while worker.is_alive():
            number += 1
            probe = probes[number % len(probes)]
            started = time.perf_counter()
            probe(http, number)
            latencies[probe.__name__].append(time.perf_counter() - started)
            time.sleep(0.01)
        worker.join()
    assert reached[0].status_code == 200, reached[0].text
    assert reached[0].json()["screens"] == 2000
    counts = {name: len(values) for name, values in latencies.items()}
    assert sum(counts.values()) >= 5, f"the reach ended too soon: {counts}"
    assert min(counts.values()) >= 1, f"the reach ended too soon: {counts}"
    return latencies


def _until_compiled(http: httpx.Client, fleet: Fleet) -> None:
    """Until the server's playlists include the fleet just seeded: compiling 3,200 distinct
    playlists takes seconds, and that is not what these tests measure. Meanwhile the fleet's
    screen is told 503 (not known here yet), as a player is, and retries."""
    device = {"Authorization": f"Bearer {fleet.paired_token}"}
    deadline = time.monotonic() + 60
    while (status := http.get("/v1/player/playlist", headers=device).status_code) != 200:
        assert status == 503, status
        assert time.monotonic() < deadline, "the fleet's playlists were never served"
        time.sleep(0.2)


@pytest.fixture
def big_fleet(engine: Engine, world: World) -> Fleet:
    # Every venue its own opening hours: the slowest case for a shared reach, so the requests
    # are measured while the reach is really computing. 800 of them: with 400 the reach (made
    # faster since) sometimes answered before five probes had run.
    return national_fleet(
        engine, world, screens=2000, venues=800, configurations=800, extra_schedules=100
    )


def test_poll_answers_within_200_ms_during_a_31_day_reach_of_2000_screens(
    live_server: LiveServer, world: World, big_fleet: Fleet
) -> None:
    device = {"Authorization": f"Bearer {big_fleet.paired_token}"}

    def poll(http: httpx.Client, number: int) -> None:
        response = http.get("/v1/player/playlist", headers=device)
        assert response.status_code == 200
        assert response.json()["screen_id"] == big_fleet.paired_screen_id

    latencies = measure_during_reach(live_server, world, big_fleet, [poll])
    # 200 ms is the bar for the typical poll; the slowest may pay for a CI machine running two
    # suites at once (the test client shares the server's process), never for the reach.
    assert statistics.median(latencies["poll"]) < 0.2, sorted(latencies["poll"])[-3:]
    assert max(latencies["poll"]) < 1.0, sorted(latencies["poll"])[-3:]


def test_edits_reads_and_plays_are_answered_during_a_31_day_reach_of_2000_screens(
    live_server: LiveServer, world: World, big_fleet: Fleet
) -> None:
    fleet = big_fleet
    device = {"Authorization": f"Bearer {fleet.paired_token}"}

    def rename_venue(http: httpx.Client, number: int) -> None:
        response = http.patch(
            f"/v1/venues/{fleet.venue_ids[1]}",
            json={"name": f"Renamed {number}"},
            headers=world.headers("partner_1"),
        )
        assert response.status_code == 200, response.text
        assert response.json()["name"] == f"Renamed {number}"

    def read_schedule(http: httpx.Client, number: int) -> None:
        response = http.get(
            f"/v1/schedules/{fleet.subject_id}", headers=world.headers("national_editor")
        )
        assert response.status_code == 200, response.text
        assert response.json()["priority"] == 50

    def post_play(http: httpx.Client, number: int) -> None:
        play = play_record(fleet.creative_ids["landscape"], "2026-11-27T21:00:00Z")
        response = http.post("/v1/player/plays", json={"plays": [play]}, headers=device)
        assert response.status_code == 200, response.text
        assert play["id"] in response.json()["accepted"]

    latencies = measure_during_reach(
        live_server, world, fleet, [rename_venue, read_schedule, post_play]
    )
    # Typically under 200 ms, as the benchmark (server and client in separate processes)
    # shows; here the client shares the server's interpreter (its GIL and its garbage
    # collector) on a busy machine, so the bound is looser: a request that waited for the
    # reach (a second or more) still fails it.
    slowest = {name: round(max(values), 3) for name, values in latencies.items()}
    assert max(slowest.values()) < 0.5, slowest
