"""The attempt counter behind sign-in, pairing and claim limits, on both databases."""

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from signage.core import throttle
from signage.core.db import session_scope
from signage.core.throttle import Limit, ThrottleCounter

unit_of_work = contextmanager(session_scope)

START = datetime(2026, 12, 2, 21, 0, tzinfo=UTC)
LIMIT = Limit(key="test:key", limit=3, window_seconds=60)


def count(engine: Engine, limit: Limit = LIMIT, now: datetime = START) -> throttle.Attempt:
    with unit_of_work(engine) as session:
        return throttle.count_attempts(session, [limit], now=now)[0]


def rows(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(ThrottleCounter)).one()


def test_attempts_are_numbered_within_a_window(engine: Engine) -> None:
    numbers = [count(engine, now=START + timedelta(seconds=i)).count for i in range(5)]
    assert numbers == [1, 2, 3, 4, 5]


def test_attempt_past_the_limit_is_over_it(engine: Engine) -> None:
    attempts = [count(engine) for _ in range(LIMIT.limit + 1)]
    assert [a.over_limit for a in attempts] == [False, False, False, True]


def test_window_ends_a_fixed_time_after_its_first_attempt(engine: Engine) -> None:
    count(engine)
    later = count(engine, now=START + timedelta(seconds=30))
    assert later.window_ends_at == START + timedelta(seconds=LIMIT.window_seconds)


def test_window_starts_again_after_it_ends(engine: Engine) -> None:
    for _ in range(LIMIT.limit + 2):
        count(engine)
    after = START + timedelta(seconds=LIMIT.window_seconds)
    fresh = count(engine, now=after)
    assert fresh.count == 1
    assert fresh.window_ends_at == after + timedelta(seconds=LIMIT.window_seconds)


def test_keys_are_counted_apart(engine: Engine) -> None:
    count(engine)
    other = count(engine, Limit(key="test:other", limit=3, window_seconds=60))
    assert other.count == 1


def test_several_keys_are_counted_in_one_call(engine: Engine) -> None:
    count(engine)
    second = Limit(key="test:other", limit=3, window_seconds=60)
    with unit_of_work(engine) as session:
        attempts = throttle.count_attempts(session, [LIMIT, second], now=START)
    assert [(a.key, a.count) for a in attempts] == [("test:key", 2), ("test:other", 1)]


def test_refund_gives_the_attempt_back(engine: Engine) -> None:
    first = count(engine)
    with unit_of_work(engine) as session:
        throttle.refund(session, first)
    assert count(engine).count == 1


def test_refund_leaves_a_window_that_started_again_alone(engine: Engine) -> None:
    old = count(engine)
    count(engine, now=START + timedelta(seconds=LIMIT.window_seconds))
    with unit_of_work(engine) as session:
        throttle.refund(session, old)
    assert count(engine, now=START + timedelta(seconds=LIMIT.window_seconds + 1)).count == 2


def test_attempt_rolled_back_is_not_counted(engine: Engine) -> None:
    count(engine)
    with Session(engine) as session:
        throttle.count_attempts(session, [LIMIT], now=START)
        session.rollback()
    assert count(engine).count == 2


def test_retry_after_is_whole_seconds_to_the_end_of_the_window(engine: Engine) -> None:
    attempt = count(engine)
    assert attempt.retry_after(START + timedelta(seconds=0.5)) == 60
    assert attempt.retry_after(START + timedelta(seconds=59.5)) == 1
    assert attempt.retry_after(START + timedelta(seconds=90)) == 1


def test_refusal_waits_for_the_last_window_that_is_over(engine: Engine) -> None:
    short = Limit(key="test:short", limit=1, window_seconds=60)
    long = Limit(key="test:long", limit=1, window_seconds=600)
    attempts = [count(engine, limit) for limit in (short, long, short, long)][2:]
    refusal = throttle.refuse("too many", attempts, now=START)
    assert refusal.status == 429
    assert refusal.headers is not None
    assert refusal.headers == {"Retry-After": "600"}


def test_concurrent_attempts_each_get_their_own_number(engine: Engine) -> None:
    limit = Limit(key="test:race", limit=10, window_seconds=600)

    def attempt(_: int) -> int:
        with unit_of_work(engine) as session:
            return throttle.count_attempts(session, [limit])[0].count

    with ThreadPoolExecutor(16) as pool:
        numbers = sorted(pool.map(attempt, range(40)))
    assert numbers == list(range(1, 41))


def test_ended_windows_are_purged_when_a_new_window_opens(engine: Engine) -> None:
    for i in range(5):
        count(engine, Limit(key=f"test:old:{i}", limit=3, window_seconds=60))
    assert rows(engine) == 5
    count(engine, Limit(key="test:new", limit=3, window_seconds=60), now=START + timedelta(hours=1))
    assert rows(engine) == 1


def test_short_printable_values_go_into_keys_as_they_are() -> None:
    assert throttle.key_part("someone@example.org") == "someone@example.org"
    assert throttle.key_part("2001:db8::1") == "2001:db8::1"


def test_long_or_unprintable_values_go_into_keys_as_digests() -> None:
    for value in ("x" * 500, "nul\x00here", "lone\ud800surrogate"):
        part = throttle.key_part(value)
        assert part.startswith("sha256:")
        assert len(part) == len("sha256:") + 64
    assert throttle.key_part("x" * 500) != throttle.key_part("x" * 501)
