"""Presence in Redis, as two server processes see it: each keeps a copy of a workshop's fresh
entries and reads them again only once another write has moved the workshop's generation.
A copy must never show less or more than Redis does: a phone that connects or leaves on the
other process, a crashed process's entries swept or aged out, all show at once."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from sessions.live.roster import RedisStore

WORKSHOP = 7


@pytest.fixture
def processes(redis_url):
    """Two processes' stores on the same Redis (their own prefix, so nothing else's)."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    first, second = RedisStore(redis_url, prefix), RedisStore(redis_url, prefix)
    yield first, second
    first.clear()


def reads_of_entries(client: redis.Redis) -> int:
    """How many times Redis has been asked for a sorted set's entries by score."""
    stats = client.info("commandstats")
    return int(stats.get("cmdstat_zrangebyscore", {}).get("calls", 0))


def fresh_after() -> float:
    return time.time() - 30


def test_a_copy_is_read_once_and_kept_while_nothing_is_written(processes):
    first, _second = processes
    first.put(WORKSHOP, {"a:1": time.time(), "a:2": time.time(), "poll:3": time.time()})
    assert first.present(WORKSHOP, fresh_after()).delegates == {1, 2, 3}
    before = reads_of_entries(first.redis)
    for _ in range(5):
        assert first.present(WORKSHOP, fresh_after()).delegates == {1, 2, 3}
    assert reads_of_entries(first.redis) == before


def test_a_phone_connecting_or_leaving_on_another_process_shows_at_once(processes):
    first, second = processes
    first.put(WORKSHOP, {"a:1": time.time()})
    assert first.present(WORKSHOP, fresh_after()).delegates == {1}
    second.put(WORKSHOP, {"b:2": time.time()})
    assert first.present(WORKSHOP, fresh_after()).delegates == {1, 2}
    second.remove(WORKSHOP, "b:2")
    assert first.present(WORKSHOP, fresh_after()).delegates == {1}
    assert second.present(WORKSHOP, fresh_after()).delegates == {1}


def test_a_crashed_process_s_entries_age_out_of_the_copy_then_the_sweep_removes_them(processes):
    first, second = processes
    now = time.time()
    first.put(WORKSHOP, {"a:1": now})
    second.put(WORKSHOP, {"dead:2": now - 25})  # its process stopped confirming 25 s ago
    assert first.present(WORKSHOP, now - 30).delegates == {1, 2}
    assert first.present(WORKSHOP, now - 20).delegates == {1}  # five seconds on, without a write
    assert first.present(WORKSHOP, now - 30).delegates == {1, 2}  # asked from earlier: read again
    assert second.sweep(now - 20) == [WORKSHOP]
    assert first.present(WORKSHOP, now - 30).delegates == {1}


def test_confirming_fresh_entries_keeps_every_copy_until_its_oldest_would_age(processes):
    """A heartbeat or a poll confirms entries already fresh: nobody's copy is read again
    for it, and a copy whose oldest entry would have aged (had it not been confirmed since)
    is read again rather than dropping it."""
    first, second = processes
    now = time.time()
    second.put(WORKSHOP, {"poll:3": now - 20, "b:4": now - 5})
    assert first.present(WORKSHOP, now - 30).delegates == {3, 4}
    before = reads_of_entries(first.redis)
    second.put(WORKSHOP, {"poll:3": now, "b:4": now})  # the poll and the heartbeat
    assert first.present(WORKSHOP, now - 30).delegates == {3, 4}
    assert first.present(WORKSHOP, now - 21).delegates == {3, 4}
    assert reads_of_entries(first.redis) == before
    assert first.present(WORKSHOP, now - 19).delegates == {3, 4}  # 11 s on: poll:3 was confirmed
    assert reads_of_entries(first.redis) > before  # read again


def test_an_entry_put_back_past_the_stale_time_ages_in_every_copy(processes):
    first, second = processes
    now = time.time()
    second.put(WORKSHOP, {"poll:3": now, "b:4": now})
    assert first.present(WORKSHOP, now - 30).delegates == {3, 4}
    second.put(WORKSHOP, {"poll:3": now - 40})
    assert first.present(WORKSHOP, now - 30).delegates == {4}


def test_an_aged_entry_confirmed_again_counts_again(processes):
    first, second = processes
    now = time.time()
    second.put(WORKSHOP, {"b:2": now - 40})
    assert first.present(WORKSHOP, now - 30).delegates == frozenset()
    second.put(WORKSHOP, {"b:2": now})  # the same member, confirmed
    assert first.present(WORKSHOP, now - 30).delegates == {2}


def test_the_same_delegate_on_two_processes_and_polling_counts_once(processes):
    first, second = processes
    first.put(WORKSHOP, {"a:5": time.time()})
    second.put(WORKSHOP, {"b:5": time.time(), "poll:5": time.time(), "b:6": time.time()})
    assert first.present(WORKSHOP, fresh_after()).delegates == {5, 6}
    assert first.present(WORKSHOP, fresh_after()).count == 2


def test_an_expired_generation_starts_afresh_and_matches_no_old_copy(processes):
    first, second = processes
    first.put(WORKSHOP, {"a:1": time.time()})
    assert first.present(WORKSHOP, fresh_after()).delegates == {1}
    first.redis.delete(first.generation_key(WORKSHOP))  # expired, as after a day unwritten
    second.put(WORKSHOP, {"b:2": time.time()})
    assert first.present(WORKSHOP, fresh_after()).delegates == {1, 2}
