"""Sign-in throttling per account and per client address, over real HTTP from parallel clients.

Each client binds its own loopback source address (127.0.0.x), which the server sees as the
client's address, so one test can play several machines.
"""

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from signage.core import security
from signage.core.config import Settings
from tests.factories import (
    PASSWORD,
    World,
    assert_problem,
    device_headers,
    make_screen,
    make_venue,
)
from tests.live import LiveServer

CLIENTS = 4


@contextmanager
def client_from(live_server: LiveServer, address: str) -> Iterator[httpx.Client]:
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(base_url=live_server.url, transport=transport, timeout=30) as http:
        yield http


def login(http: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    return http.post("/v1/auth/token", data={"username": email, "password": password})


def guess_in_parallel(
    live_server: LiveServer, address: str, attempts: list[tuple[str, str]]
) -> list[httpx.Response]:
    """Every (email, password) attempt, shared out among CLIENTS parallel clients."""

    def run(share: list[tuple[str, str]]) -> list[httpx.Response]:
        with client_from(live_server, address) as http:
            return [login(http, email, password) for email, password in share]

    shares = [attempts[i::CLIENTS] for i in range(CLIENTS)]
    with ThreadPoolExecutor(CLIENTS) as pool:
        return [response for responses in pool.map(run, shares) for response in responses]


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(response.status_code for response in responses)


def assert_throttled(response: httpx.Response, window_seconds: int) -> None:
    assert_problem(response, 429, "too many failed sign-ins")
    assert 1 <= int(response.headers["retry-after"]) <= window_seconds


def lock_account(live_server: LiveServer, settings: Settings, email: str, address: str) -> None:
    wrong = [(email, f"wrong password {i}") for i in range(settings.login_failures_per_account)]
    assert statuses(guess_in_parallel(live_server, address, wrong)) == {401: len(wrong)}


def test_parallel_wrong_passwords_lock_the_account_after_the_limit(
    live_server: LiveServer, world: World, settings: Settings
) -> None:
    limit = settings.login_failures_per_account
    email = world.users["partner_1"].email
    attempts = [(email, f"guess {i}") for i in range(limit + 10)]
    responses = guess_in_parallel(live_server, "127.0.0.2", attempts)
    assert statuses(responses) == {401: limit, 429: 10}
    for response in responses:
        if response.status_code == 429:
            assert_throttled(response, settings.login_throttle_seconds)


def test_locked_account_refuses_the_right_password(
    live_server: LiveServer, world: World, settings: Settings
) -> None:
    email = world.users["partner_1"].email
    lock_account(live_server, settings, email, "127.0.0.2")
    with client_from(live_server, "127.0.0.2") as http:
        assert_throttled(login(http, email), settings.login_throttle_seconds)


def test_account_lock_holds_from_every_address(
    live_server: LiveServer, world: World, settings: Settings
) -> None:
    email = world.users["partner_1"].email
    lock_account(live_server, settings, email, "127.0.0.2")
    with client_from(live_server, "127.0.0.3") as http:
        assert_throttled(login(http, email), settings.login_throttle_seconds)


def test_another_account_from_another_address_is_unaffected(
    live_server: LiveServer, world: World, settings: Settings
) -> None:
    lock_account(live_server, settings, world.users["partner_1"].email, "127.0.0.2")
    with client_from(live_server, "127.0.0.3") as http:
        response = login(http, world.users["force_a_editor"].email)
    assert response.status_code == 200, response.text


def test_address_limit_holds_across_accounts(
    live_server: LiveServer, world: World, settings: Settings
) -> None:
    limit = settings.login_failures_per_address
    emails = [user.email for user in world.users.values()]
    # Spread so that no single account comes near its own limit.
    per_account = (limit + 10) // len(emails) + 1
    assert per_account < settings.login_failures_per_account
    attempts = [(e, f"guess {i}") for i in range(per_account) for e in emails][: limit + 10]
    responses = guess_in_parallel(live_server, "127.0.0.4", attempts)
    assert statuses(responses) == {401: limit, 429: 10}
    fresh = world.users["national_editor"].email
    with client_from(live_server, "127.0.0.4") as http:
        assert_throttled(login(http, fresh), settings.login_throttle_seconds)
    with client_from(live_server, "127.0.0.5") as http:
        assert login(http, fresh).status_code == 200


def test_a_successful_sign_in_is_not_counted_as_a_failure(
    client: TestClient, world: World, settings: Settings
) -> None:
    email = world.users["partner_1"].email
    for _ in range(settings.login_failures_per_account + 2):
        assert login(client, email).status_code == 200


def test_unknown_accounts_are_throttled_like_known_ones(
    client: TestClient, settings: Settings
) -> None:
    email = "nobody@example.org"
    for _ in range(settings.login_failures_per_account):
        assert login(client, email).status_code == 401
    assert_throttled(login(client, email), settings.login_throttle_seconds)


def test_reads_and_polls_answer_while_wrong_passwords_are_tried(
    live_server: LiveServer, client: TestClient, world: World, settings: Settings
) -> None:
    # No throttling here: the point is argon2 running while other requests are served.
    settings.login_failures_per_account = 10_000
    settings.login_failures_per_address = 10_000
    venue = make_venue(client, world)
    screen = make_screen(client, world, venue["id"])
    email = world.users["partner_1"].email
    stop = threading.Event()
    logins: list[int] = []

    def guess() -> None:
        with client_from(live_server, "127.0.0.2") as http:
            while not stop.is_set():
                logins.append(login(http, email, "wrong password").status_code)

    reads: list[int] = []
    guessers = [threading.Thread(target=guess) for _ in range(CLIENTS)]
    for thread in guessers:
        thread.start()
    try:
        with httpx.Client(base_url=live_server.url, timeout=30) as http:
            deadline = time.monotonic() + 4
            while time.monotonic() < deadline:
                partner = world.headers("partner_1")
                venue_read = http.get(f"/v1/venues/{venue['id']}", headers=partner)
                poll = http.get("/v1/player/playlist", headers=device_headers(screen))
                edit = http.patch(
                    f"/v1/venues/{venue['id']}", json={"name": "The Anchor"}, headers=partner
                )
                reads += [venue_read.status_code, poll.status_code, edit.status_code]
                time.sleep(0.05)
    finally:
        stop.set()
        for thread in guessers:
            thread.join()
    assert reads
    assert set(reads) == {200}
    assert len(logins) >= CLIENTS
    assert set(logins) == {401}


def open_transactions(database_url: str) -> str | None:
    """What another connection sees of open transactions now: None when there are none."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        probe = sqlite3.connect(str(url.database), timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
        except sqlite3.OperationalError as error:
            return str(error)
        finally:
            probe.close()
        return None
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as probe:
        row = probe.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
        ).fetchone()
    assert row is not None
    return f"{row[0]} idle in transaction" if row[0] else None


def test_no_transaction_is_open_while_a_password_is_verified(
    live_server: LiveServer, world: World, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str | None] = []
    verify = security._passwords.verify

    def observed_verify(password: str, password_hash: str | bytes) -> bool:
        seen.append(open_transactions(database_url))
        return verify(password, password_hash)

    monkeypatch.setattr(security._passwords, "verify", observed_verify)
    with client_from(live_server, "127.0.0.2") as http:
        assert login(http, world.users["partner_1"].email).status_code == 200
        assert login(http, world.users["partner_1"].email, "wrong password").status_code == 401
        assert login(http, "nobody@example.org").status_code == 401
    assert seen == [None, None, None]


def test_no_transaction_is_open_while_a_password_is_hashed(
    live_server: LiveServer, world: World, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str | None] = []
    hash_password = security._passwords.hash

    def observed_hash(password: str | bytes, *, salt: bytes | None = None) -> str:
        seen.append(open_transactions(database_url))
        return hash_password(password, salt=salt)

    monkeypatch.setattr(security._passwords, "hash", observed_hash)
    admin = world.headers("force_a_admin")
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        body = {
            "email": "new.editor@example.org",
            "password": "a long enough password",
            "role": "editor",
            "organisation_id": world.org_id("force_a"),
        }
        created = http.post("/v1/users", json=body, headers=admin)
        assert created.status_code == 201, created.text
        user_url = f"/v1/users/{created.json()['id']}"
        changed = http.patch(user_url, json={"password": "another long one"}, headers=admin)
        assert changed.status_code == 200, changed.text
    assert seen == [None, None]
