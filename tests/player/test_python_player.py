"""The Python screen player (players/python): its pure parts on their own, then the player
against a real server that goes away and comes back, in process and as a subprocess that is
killed with SIGKILL at the worst moments.

The player never imports `signage`; it is put on the path here as a pip install would.
"""

import ast
import hashlib
import json
import os
import sys
import threading
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from signage.core.config import Settings
from tests.conftest import SECRET
from tests.factories import World, make_campaign, make_screen, make_venue
from tests.live import RestartableServer, restartable_server
from tests.player.python_player_helpers import (
    PLAYER_SRC,
    Throttle,
    add_schedule,
    approved_creative,
    as_utc,
    media_files,
    noise_png,
    poster,
    running_player,
    stored_plays,
    wait_until,
)

sys.path.insert(0, str(PLAYER_SRC))

from signage_player.client import Grant, PlayerClient, PlaysReply, retry_after_seconds  # noqa: E402
from signage_player.player import Player, PlayerOptions, backoff_delay  # noqa: E402
from signage_player.plays import PlaySpool, new_play  # noqa: E402
from signage_player.renderers import LoggingRenderer, viewer_command  # noqa: E402
from signage_player.schedule import next_change, parse_instant, slot_at  # noqa: E402
from signage_player.store import (  # noqa: E402
    MediaMismatch,
    StateLocked,
    Store,
    write_atomically,
)

T0 = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def body(*segments: tuple[datetime, datetime | None, list[tuple[str, int]]]) -> dict[str, Any]:
    return {
        "timeline": [
            {
                "starts_at": iso(start),
                "ends_at": iso(end) if end else None,
                "items": [{"creative_id": c, "duration_ms": d} for c, d in items],
            }
            for start, end, items in segments
        ]
    }


# A then B (10 s + 5 s loop) for 100 s, then nothing for 50 s, then C until further notice.
TIMELINE = body(
    (T0, at(100), [("A", 10_000), ("B", 5_000)]),
    (at(100), at(150), []),
    (at(150), None, [("C", 7_000)]),
)


# --- schedule.py ------------------------------------------------------------------------------


def test_loop_position_counts_from_the_segment_start() -> None:
    assert slot_at(TIMELINE, at(0)).creative_id == "A"  # type: ignore[union-attr]
    assert slot_at(TIMELINE, at(9.999)).creative_id == "A"  # type: ignore[union-attr]
    second = slot_at(TIMELINE, at(12))
    assert second is not None
    assert (second.creative_id, second.starts_at, second.ends_at) == ("B", at(10), at(15))
    third_round = slot_at(TIMELINE, at(31))  # 31 s = two loops of 15 s, then 1 s into A
    assert third_round is not None
    assert (third_round.creative_id, third_round.starts_at) == ("A", at(30))


def test_item_is_cut_short_at_the_segment_end() -> None:
    last = slot_at(TIMELINE, at(95))  # the loop at 90 s: A would run to 100 s anyway
    assert last is not None
    assert (last.creative_id, last.ends_at) == ("A", at(100))
    cut = body((T0, at(12), [("A", 10_000)]))
    tail = slot_at(cut, at(11))
    assert tail is not None
    assert (tail.starts_at, tail.ends_at, tail.duration_ms) == (at(10), at(12), 10_000)


def test_next_change_is_the_item_end_or_the_segment_end() -> None:
    assert next_change(TIMELINE, at(3)) == at(10)
    assert next_change(TIMELINE, at(97)) == at(100)
    assert next_change(TIMELINE, at(120)) == at(150)  # nothing on air: until C starts
    assert next_change(TIMELINE, at(150)) == at(157)


def test_empty_segment_and_open_end() -> None:
    assert slot_at(TIMELINE, at(100)) is None
    assert slot_at(TIMELINE, at(149.999)) is None
    far = slot_at(TIMELINE, at(150 + 7 * 1000 + 3))  # 1000 loops later, still C
    assert far is not None
    assert (far.creative_id, far.starts_at) == ("C", at(150 + 7000))


def test_instants_off_the_timeline() -> None:
    assert slot_at(TIMELINE, at(-1)) is None
    assert next_change(TIMELINE, at(-1)) == T0
    closed = body((T0, at(10), [("A", 10_000)]))
    assert slot_at(closed, at(10)) is None
    assert next_change(closed, at(10)) is None


def test_instants_with_offsets_are_compared_in_utc() -> None:
    shifted = {
        "timeline": [
            {
                "starts_at": "2026-11-27T21:00:00+01:00",
                "ends_at": None,
                "items": [{"creative_id": "A", "duration_ms": 1000}],
            }
        ]
    }
    assert parse_instant("2026-11-27T21:00:00+01:00") == T0
    slot = slot_at(shifted, at(0.5))
    assert slot is not None
    assert slot.starts_at == T0


# --- store.py ---------------------------------------------------------------------------------


def test_atomic_write_keeps_the_old_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "playlist.json"
    write_atomically(target, b"old")

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["playlist.json"]


def test_token_file_is_private(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.save_token("sgd_secret")
    assert store.load_token() == "sgd_secret"
    assert (tmp_path / "token").stat().st_mode & 0o777 == 0o600


def test_playlist_round_trip(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert store.load_playlist() == (None, None)
    store.save_playlist('"abc"', TIMELINE)
    assert Store(tmp_path).load_playlist() == ('"abc"', TIMELINE)


def test_verified_media_is_kept_under_its_hash(tmp_path: Path) -> None:
    store = Store(tmp_path)
    content = b"x" * 200_000
    sha = hashlib.sha256(content).hexdigest()
    chunks = (content[i : i + 65536] for i in range(0, len(content), 65536))
    path = store.install_media(sha, len(content), chunks)
    assert path == tmp_path / "media" / sha
    assert path.read_bytes() == content
    assert store.has_media(sha)


@pytest.mark.parametrize(
    ("content", "size"),
    [(b"corrupted in transit", 20), (b"right bytes", 99), (b"too long" * 10, 8)],
)
def test_a_download_that_does_not_match_is_rejected_and_not_kept(
    tmp_path: Path, content: bytes, size: int
) -> None:
    store = Store(tmp_path)
    expected = hashlib.sha256(b"the real file").hexdigest()
    if size == 99:  # right hash, wrong size
        expected = hashlib.sha256(content).hexdigest()
    with pytest.raises(MediaMismatch):
        store.install_media(expected, size, iter([content]))
    assert list((tmp_path / "media").iterdir()) == []


def test_leftovers_are_removed_and_unreferenced_media_pruned(tmp_path: Path) -> None:
    store = Store(tmp_path)
    keep, drop = b"keep", b"drop"
    for content in (keep, drop):
        store.install_media(hashlib.sha256(content).hexdigest(), None, [content])
    (tmp_path / "media" / f".{'0' * 64}.abc.part").write_bytes(b"half")
    (tmp_path / ".playlist.json.x.part").write_bytes(b"{")
    bad = tmp_path / "media" / ("f" * 64)
    bad.write_bytes(b"not what the name says")
    assert store.remove_temporaries() == 2
    assert store.verify_media() == ["f" * 64]
    removed = store.prune_media({hashlib.sha256(keep).hexdigest()})
    assert removed == [hashlib.sha256(drop).hexdigest()]
    assert [p.name for p in (tmp_path / "media").iterdir()] == [hashlib.sha256(keep).hexdigest()]


def test_media_names_must_be_hashes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a sha256"):
        Store(tmp_path).media_path("../token")


# --- plays.py ---------------------------------------------------------------------------------


class FakeSender:
    """Accepts the first id of each batch, calls the second a duplicate, rejects the third,
    and says nothing about the rest (as if the answer for them got lost)."""

    def __init__(self) -> None:
        self.batches: list[list[dict[str, Any]]] = []

    def post_plays(self, plays: list[dict[str, Any]]) -> PlaysReply:
        self.batches.append(plays)
        ids = [p["id"] for p in plays]
        return PlaysReply(
            accepted=ids[:1],
            duplicates=ids[1:2],
            rejected=[{"id": i, "reason": "unknown creative", "index": 2} for i in ids[2:3]],
        )


def test_spool_survives_a_restart_and_drops_only_answered_ids(tmp_path: Path) -> None:
    path = tmp_path / "plays.jsonl"
    plays = [new_play("A", at(i * 10), 10_000) for i in range(5)]
    spool = PlaySpool(path)
    for play in plays:
        spool.append(play)
    with path.open("ab") as handle:
        handle.write(b'{"id": "half a line')  # a crash in the middle of an append
    reopened = PlaySpool(path)  # a new process
    assert reopened.pending() == plays
    assert plays[0]["started_at"] == "2026-11-27T20:00:00.000Z"
    sender = FakeSender()
    result = reopened.upload(sender)
    assert (result.sent, result.settled) == (5, 3)
    assert [p["id"] for p in reopened.pending()] == [p["id"] for p in plays[3:]]
    assert len(result.rejected) == 1


def test_spool_uploads_in_batches_of_at_most_a_thousand(tmp_path: Path) -> None:
    spool = PlaySpool(tmp_path / "plays.jsonl")
    for i in range(2001):
        spool.append(new_play("A", at(i), 1000))
    sender = FakeSender()
    spool.upload(sender)
    assert [len(batch) for batch in sender.batches] == [1000, 1000, 1]


def test_duplicate_lines_in_the_spool_are_sent_once(tmp_path: Path) -> None:
    spool = PlaySpool(tmp_path / "plays.jsonl")
    play = new_play("A", T0, 1000)
    spool.append(play)
    spool.append(play)
    assert spool.pending() == [play]


# --- client.py, renderers.py, backoff ---------------------------------------------------------


def test_pairing_slows_down_and_starts_over_when_the_code_expires() -> None:
    answers = iter(
        ["authorization_pending", "slow_down", "expired_token", "authorization_pending", "ok"]
    )
    codes = iter(["AAAA-AAAA", "BBBB-BBBB"])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/player/pair":
            assert json.loads(request.content) == {"orientation": "portrait", "player": "p"}
            code = next(codes)
            body = {"device_code": code, "user_code": code, "expires_in": 900, "interval": 2}
            return httpx.Response(201, json=body)
        answer = next(answers)
        if answer == "ok":
            return httpx.Response(200, json={"screen_id": "s1", "device_token": "sgd_t"})
        return httpx.Response(400, json={"error": answer})

    client = PlayerClient("http://signage.test", transport=httpx.MockTransport(handler))
    waits: list[float] = []
    shown: list[str] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        return True

    grant = client.pair(
        wait=wait,
        on_code=lambda p: shown.append(p.user_code),
        orientation="portrait",
        player="p",
    )
    assert grant == Grant(screen_id="s1", device_token="sgd_t")
    assert shown == ["AAAA-AAAA", "BBBB-BBBB"]
    assert waits == [2, 2, 7, 2, 2]  # +5 s after slow_down; a new code starts afresh


def test_retry_after_takes_seconds_or_a_date() -> None:
    assert retry_after_seconds("120") == 120
    now = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
    assert retry_after_seconds("Fri, 27 Nov 2026 20:01:00 GMT", now=now) == 60
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_playlist_sends_if_none_match_and_understands_304() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer sgd_t"
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304, headers={"etag": '"v1"'})
        return httpx.Response(200, json={"timeline": []}, headers={"etag": '"v1"'})

    client = PlayerClient(
        "http://signage.test", token="sgd_t", transport=httpx.MockTransport(handler)
    )
    first = client.playlist()
    assert (first.status, first.etag, first.body) == (200, '"v1"', {"timeline": []})
    assert client.playlist('"v1"').status == 304


def test_backoff_grows_to_its_cap_with_jitter() -> None:
    delays = [backoff_delay(n, 2, 300) for n in range(1, 12)]
    assert 1 <= delays[0] <= 2
    assert all(150 <= d <= 300 for d in delays[-3:])


def test_external_renderer_picks_mpv_for_video_and_feh_for_images() -> None:
    path = Path("/m/abc")
    both = {"mpv": "/usr/bin/mpv", "feh": "/usr/bin/feh"}.get
    only_mpv = {"mpv": "/usr/bin/mpv"}.get
    video = viewer_command("video/mp4", path, both)
    assert video is not None
    assert video[0] == "/usr/bin/mpv"
    assert "--no-audio" in video
    image = viewer_command("image/png", path, both)
    assert image is not None
    assert image[0] == "/usr/bin/feh"
    image_with_mpv = viewer_command("image/png", path, only_mpv)
    assert image_with_mpv is not None
    assert image_with_mpv[0] == "/usr/bin/mpv"
    assert viewer_command("video/webm", path, {}.get) is None  # falls back to logging
    assert viewer_command("image/webp", path, {}.get) is None


def test_one_player_per_state_folder(tmp_path: Path) -> None:
    first = Store(tmp_path)
    first.lock()
    try:
        with pytest.raises(StateLocked):
            Store(tmp_path).lock()
    finally:
        first.unlock()
    Store(tmp_path).lock()  # free again once the first let go


def test_player_needs_only_httpx_and_the_standard_library() -> None:
    """players/ talk HTTP only (CONVENTIONS.md): no `signage`, nothing but httpx installed."""
    package = PLAYER_SRC / "signage_player"
    imported: set[str] = set()
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    outside = imported - set(sys.stdlib_module_names) - {"httpx", "signage_player"}
    assert outside == set()
    pyproject = tomllib.loads((PLAYER_SRC / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "signage-player"
    assert [d.split(">")[0] for d in pyproject["project"]["dependencies"]] == ["httpx"]
    assert pyproject["project"]["scripts"]["signage-player"] == "signage_player.cli:main"


# --- against a real server ----------------------------------------------------------------------


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """As the suite's, but the player polls every 5 s (the minimum) instead of 30 s."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=SECRET,
        pairing_poll_interval_seconds=1,
        poll_after_seconds=5,
    )


@pytest.fixture
def throttle(app: FastAPI) -> Throttle:
    return Throttle(app)


@pytest.fixture
def server(client: TestClient, throttle: Throttle) -> Iterator[RestartableServer]:
    # `client` first: its lifespan sets up the app's state, which uvicorn then shares.
    with restartable_server(throttle) as running:
        yield running


@pytest.fixture
def in_process_player(tmp_path: Path, server: RestartableServer) -> Iterator[Player]:
    options = PlayerOptions(
        server=server.url,
        state_dir=tmp_path / "player",
        orientation="landscape",
        min_backoff=0.5,
        max_backoff=1.5,
        status_every=1,
    )
    player = Player(options, LoggingRenderer())
    thread = threading.Thread(target=player.run, daemon=True)
    thread.start()
    yield player
    player.stop()
    thread.join(timeout=30)
    assert not thread.is_alive()


def rendered(player: Player) -> LoggingRenderer:
    renderer = player.renderer
    assert isinstance(renderer, LoggingRenderer)
    return renderer


# The scenario waits for a real schedule boundary (up to ~85 s), so it runs on SQLite only; the
# spool test below covers PostgreSQL.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_player_pairs_plays_offline_through_a_boundary_and_hands_in_plays_once(
    client: TestClient,
    world: World,
    engine: Engine,
    server: RestartableServer,
    in_process_player: Player,
) -> None:
    player = in_process_player
    venue = make_venue(client, world, timezone="UTC", opening_hours=[])
    campaign = make_campaign(client, world)
    walk_away = approved_creative(client, world, campaign["id"], poster((200, 30, 30)), 3000)
    get_home = approved_creative(client, world, campaign["id"], poster((30, 60, 200)), 3000)
    # A from this minute; B, at a higher priority, from the next whole minute that leaves
    # time to pair and cache first (window times are whole minutes).
    now = datetime.now(UTC)
    boundary = (now + timedelta(seconds=25)).replace(second=0, microsecond=0) + timedelta(minutes=1)
    minute = now.replace(second=0, microsecond=0)
    add_schedule(client, world, walk_away["id"], f"{minute:%H:%M}", f"{boundary:%H:%M}")
    later = boundary + timedelta(minutes=10)
    add_schedule(client, world, get_home["id"], f"{boundary:%H:%M}", f"{later:%H:%M}", priority=60)

    # 1. The player pairs: its code is read off its state folder and claimed by a partner.
    pairing = wait_until(player.store.load_pairing, 10, "a pairing code on screen")
    claimed = client.post(
        "/v1/screens/claim",
        json={"user_code": pairing["user_code"], "venue_id": venue["id"], "name": "Bar screen"},
        headers=world.headers("partner_1"),
    )
    assert claimed.status_code == 201, claimed.text
    screen = claimed.json()
    assert screen["orientation"] == "landscape"

    # 2. It caches both files and shows A; its status reaches the server.
    wait_until(lambda: walk_away["id"] in rendered(player).shown, 15, "A on screen")
    wait_until(
        lambda: player.store.has_media(get_home["sha256"]), 10, "B prefetched before its time"
    )
    assert player.store.load_pairing() is None
    assert player.store.load_token()

    def reported() -> bool:
        seen = client.get(f"/v1/screens/{screen['id']}", headers=world.headers("partner_1"))
        return seen.json().get("playing_creative_id") == walk_away["id"]

    wait_until(reported, 10, "the status report names A")

    # 3. The server goes away: A plays on, and at the boundary B takes over, offline.
    server.stop()
    wait_until(lambda: player.last_poll_status == "network-error", 15, "the player sees it")
    seconds_to_boundary = (boundary - datetime.now(UTC)).total_seconds()
    assert 0 < seconds_to_boundary < 90, seconds_to_boundary
    assert set(rendered(player).shown) == {walk_away["id"]}
    wait_until(
        lambda: get_home["id"] in rendered(player).shown,
        seconds_to_boundary + 10,
        "B on screen after the boundary",
    )
    switched_at = next(t for t, c in rendered(player).shown_at if c == get_home["id"])
    assert timedelta(0) <= switched_at - boundary < timedelta(seconds=1)
    wait_until(
        lambda: any(p["creative_id"] == get_home["id"] for p in player.spool.pending()),
        10,
        "B's first play spooled",
    )
    spooled = player.spool.pending()
    ids = {play["id"] for play in spooled}
    a_plays = [p for p in spooled if p["creative_id"] == walk_away["id"]]
    assert a_plays
    last_a = max(a_plays, key=lambda p: p["started_at"])
    last_a_end = parse_instant(last_a["started_at"]) + timedelta(milliseconds=last_a["duration_ms"])
    assert abs((last_a_end - boundary).total_seconds()) < 1  # cut by the boundary, not later

    # 4. Back on the same port: the spool empties, each play stored once.
    server.start()
    wait_until(lambda: not ids & {p["id"] for p in player.spool.pending()}, 20, "spool sent")
    rows = stored_plays(engine, screen["id"])
    assert ids <= {row.id for row in rows}
    assert len(rows) == len({row.id for row in rows})
    for before, after in zip(rows, rows[1:], strict=False):  # no showing counted twice
        before_end = as_utc(before.started_at) + timedelta(milliseconds=before.duration_ms)
        assert as_utc(after.started_at) >= before_end - timedelta(milliseconds=50)
    # The cache holds exactly the files the fresh playlist names (A comes back tomorrow, in
    # its 24 h, so it stays; pruning itself is covered above).
    _, fresh = player.store.load_playlist()
    assert fresh is not None
    wanted = {entry["sha256"] for entry in fresh["media"].values()}
    assert get_home["sha256"] in wanted
    cached = {p.name for p in media_files(player.store.root)}
    assert cached == wanted


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_revoked_token_sends_the_player_back_to_pairing(
    client: TestClient, world: World, tmp_path: Path, server: RestartableServer
) -> None:
    screen = make_screen(client, world, make_venue(client, world, timezone="UTC")["id"])
    options = PlayerOptions(server=server.url, state_dir=tmp_path / "p", max_backoff=1)
    player = Player(options, LoggingRenderer(), token=screen["device_token"])
    thread = threading.Thread(target=player.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: player.last_poll_status == 200, 10, "a first poll")
        player.spool.append(new_play("c", datetime.now(UTC), 1000))
        rotated = client.post(
            f"/v1/screens/{screen['id']}/token", headers=world.headers("partner_1")
        )
        assert rotated.status_code == 200, rotated.text
        pairing = wait_until(player.store.load_pairing, 15, "a pairing code after the 401")
        assert pairing["user_code"]
        assert player.store.load_token() is None
        assert player.spool.pending() == []  # set aside, not sent as another screen's plays
        assert list((tmp_path / "p").glob("plays-*.jsonl.unsent"))
    finally:
        player.stop()
        thread.join(timeout=30)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_kill_9_mid_download_leaves_no_corrupt_media_and_playback_resumes(
    client: TestClient,
    world: World,
    tmp_path: Path,
    server: RestartableServer,
    throttle: Throttle,
) -> None:
    screen = make_screen(client, world, make_venue(client, world, timezone="UTC")["id"])
    campaign = make_campaign(client, world)
    big = approved_creative(client, world, campaign["id"], noise_png(), 2000)
    assert big["bytes"] > 2_000_000
    add_schedule(client, world, big["id"], "00:00", "00:00")
    state = tmp_path / "state"
    throttle.on = True  # about 5 s for the whole file

    with running_player(server.url, state, "--token", screen["device_token"]) as first:
        part = wait_until(
            lambda: [p for p in media_files(state) if p.name.endswith(".part")], 20, "a .part"
        )[0]
        wait_until(lambda: part.exists() and part.stat().st_size > 300_000, 10, "bytes arriving")
        first.kill()
    assert first.process.returncode == -9
    assert part.exists()  # the half-written temporary is still there...
    assert not (state / "media" / big["sha256"]).exists()  # ...under its temporary name only
    assert f"showing {big['id']}" not in first.log()

    throttle.on = False
    with running_player(server.url, state) as second:  # the token was kept
        wait_until(lambda: f"showing {big['id']}" in second.log(), 20, "playback resumes")
        assert second.terminate() == 0
    assert "removed 1 temporary file(s)" in second.log()
    files = media_files(state)
    assert [p.name for p in files] == [big["sha256"]]
    assert hashlib.sha256(files[0].read_bytes()).hexdigest() == big["sha256"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_once_syncs_shows_and_exits(
    client: TestClient, world: World, tmp_path: Path, server: RestartableServer
) -> None:
    screen = make_screen(client, world, make_venue(client, world, timezone="UTC")["id"])
    campaign = make_campaign(client, world)
    creative = approved_creative(client, world, campaign["id"], poster((90, 90, 9)), 5000)
    add_schedule(client, world, creative["id"], "00:00", "00:00")
    state = tmp_path / "state"
    with running_player(server.url, state, "--token", screen["device_token"], "--once") as once:
        assert once.process.wait(timeout=20) == 0, once.log()
    assert f"showing {creative['id']}" in once.log()
    assert (state / "media" / creative["sha256"]).exists()
    assert (state / "token").read_text().strip() == screen["device_token"]
    server.stop()
    with running_player(server.url, state, "--once") as offline:
        assert offline.process.wait(timeout=20) == 1  # the server did not answer...
    assert f"showing {creative['id']}" in offline.log()  # ...but the cache still plays


def test_plays_spooled_while_offline_survive_a_kill_and_are_uploaded_once(
    client: TestClient, world: World, tmp_path: Path, engine: Engine, server: RestartableServer
) -> None:
    screen = make_screen(client, world, make_venue(client, world, timezone="UTC")["id"])
    campaign = make_campaign(client, world)
    creative = approved_creative(client, world, campaign["id"], poster((10, 200, 10)), 1000)
    add_schedule(client, world, creative["id"], "00:00", "00:00")
    state = tmp_path / "state"
    spool = PlaySpool(state / "plays.jsonl")

    with running_player(server.url, state, "--token", screen["device_token"]) as first:
        wait_until(lambda: f"showing {creative['id']}" in first.log(), 15, "playing")
        server.stop()
        wait_until(lambda: "server unreachable" in first.log(), 15, "offline")
        wait_until(lambda: len(spool.pending()) >= 3, 10, "plays spooled offline")
        first.kill()
    offline_ids = {play["id"] for play in spool.pending()}
    assert not offline_ids & {row.id for row in stored_plays(engine, screen["id"])}

    server.start()
    with running_player(server.url, state) as second:
        wait_until(
            lambda: not offline_ids & {p["id"] for p in spool.pending()}, 20, "spool handed in"
        )
        assert second.terminate() == 0  # SIGTERM: the play on screen is spooled, then sent
    rows = stored_plays(engine, screen["id"])
    stored_ids = [row.id for row in rows]
    assert offline_ids <= set(stored_ids)
    assert len(stored_ids) == len(set(stored_ids))
    assert spool.pending() == []  # the clean stop handed in its last play too
    report = client.get(
        "/v1/reports/plays",
        params={"from": iso(datetime.now(UTC) - timedelta(hours=1)), "group_by": "creative"},
        headers=world.headers("partner_1"),
    )
    assert report.status_code == 200, report.text
    answer = report.json()
    # The report's shape is still settling on the server side: a list of rows, or an object
    # with `rows` and `totals`. Either way the plays it counts are the rows stored.
    report_rows = answer if isinstance(answer, list) else answer["rows"]
    assert sum(row["plays"] for row in report_rows) == len(rows)
