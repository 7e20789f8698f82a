"""Who is in the room now, without a database write per socket.

An entry says "this delegate is here" with the time it was last confirmed; present delegates
are the distinct delegates of a workshop's entries confirmed within `PRESENCE_STALE_SECONDS`.
A server process holds one entry per delegate with at least one open socket on it (member
`<process>:<delegate>`), keeps its own count of that delegate's sockets in memory and
confirms its entries on every presence heartbeat; a phone on the polling fallback has one
entry (`poll:<delegate>`) confirmed by each poll. A process that dies stops confirming, so
its entries go stale and stop counting, then any live process's sweep removes them.

With the in-memory channel layer (one process) the entries live in this process's memory;
with Redis (`REDIS_URL`, several processes) in one sorted set per workshop (member to the
time confirmed), shared by every process, and a set naming the workshops that have one.
Each workshop's entries also have a generation, drawn anew by every write that adds an entry
(or brings an aged one back) or removes one; a process keeps the fresh entries it last read
with their generation, and reads them again only once the generation has moved or the
oldest of them might have aged (so a frame drawn 20 times a second reads one short key, not
the 5,000 entries of a full hall).
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from functools import cache, cached_property
from typing import Protocol, cast

from django.conf import settings

from sessions.live import memo

# Identifies this server process in its entries.
PROCESS_ID = uuid.uuid4().hex
POLLING = "poll"


class Store(Protocol):
    def put(self, workshop_id: int, entries: dict[str, float]) -> None: ...
    def remove(self, workshop_id: int, member: str) -> None: ...
    def score(self, workshop_id: int, member: str) -> float | None: ...
    def entries(self, workshop_id: int) -> dict[str, float]: ...
    def present(self, workshop_id: int, after: float) -> Present: ...
    def sweep(self, before: float) -> list[int]: ...
    def clear(self) -> None: ...


class LocalStore:
    """The entries in this process's memory: the whole truth with one server process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_workshop: dict[int, dict[str, float]] = {}

    def put(self, workshop_id: int, entries: dict[str, float]) -> None:
        with self.lock:
            self.by_workshop.setdefault(workshop_id, {}).update(entries)

    def remove(self, workshop_id: int, member: str) -> None:
        with self.lock:
            self.by_workshop.get(workshop_id, {}).pop(member, None)

    def score(self, workshop_id: int, member: str) -> float | None:
        with self.lock:
            return self.by_workshop.get(workshop_id, {}).get(member)

    def entries(self, workshop_id: int) -> dict[str, float]:
        with self.lock:
            return dict(self.by_workshop.get(workshop_id, {}))

    def present(self, workshop_id: int, after: float) -> Present:
        with self.lock:
            entries = self.by_workshop.get(workshop_id, {})
            return Present([m.encode() for m, seen in entries.items() if seen >= after])

    def sweep(self, before: float) -> list[int]:
        swept = []
        with self.lock:
            for workshop_id, entries in list(self.by_workshop.items()):
                stale = [member for member, seen in entries.items() if seen < before]
                for member in stale:
                    del entries[member]
                if stale:
                    swept.append(workshop_id)
                if not entries:
                    del self.by_workshop[workshop_id]
        return sorted(swept)

    def clear(self) -> None:
        with self.lock:
            self.by_workshop.clear()


class Present:
    """The members of a workshop's fresh entries, and what is asked of them, each worked out
    once: how many distinct delegates (each #presence frame) and which (each tally)."""

    def __init__(self, members: list[bytes]) -> None:
        self.members = members

    @cached_property
    def delegates(self) -> frozenset[int]:
        return frozenset(int(member.rpartition(b":")[2]) for member in self.members)

    @cached_property
    def count(self) -> int:
        return len({member.rpartition(b":")[2] for member in self.members})


class Copy:
    """What a process read of a workshop's entries in Redis, at one generation: the
    entries confirmed since `after` (`present`), the oldest of them confirmed at `oldest`.
    It answers for any time from `after` until the oldest ages (`holds`)."""

    def __init__(self, generation: bytes, after: float, present: Present, oldest: float) -> None:
        self.generation = generation
        self.after = after
        self.present = present
        self.oldest = oldest

    def holds(self, generation: bytes, after: float) -> bool:
        """Whether this copy is what Redis holds as fresh since `after`. Past its oldest
        entry's time the copy may have aged an entry that was confirmed since (a
        confirmation of a fresh entry does not move the generation)."""
        return generation == self.generation and self.after <= after <= self.oldest


# Writes a workshop's entries; draws it a new generation when the number of fresh entries
# moved (one is new or had aged: a copy lacks it; or one was put back past the stale time).
# Confirmations only move an entry on in time, so a write that leaves the number of fresh
# entries as it was changed nothing a copy shows. KEYS: the entries, the index of
# workshops, the generation. ARGV: the workshop, the time before which an entry has aged,
# the new generation, its lifetime in seconds, then each entry's time and member.
PUT = """
local before = redis.call('ZCOUNT', KEYS[1], ARGV[2], '+inf')
for i = 5, #ARGV, 2000 do
    redis.call('ZADD', KEYS[1], unpack(ARGV, i, math.min(i + 1999, #ARGV)))
end
redis.call('SADD', KEYS[2], ARGV[1])
local moved = redis.call('ZCOUNT', KEYS[1], ARGV[2], '+inf') ~= before
if moved then redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[4]) end
return moved and 1 or 0
"""


class RedisStore:
    """The entries in Redis, shared by every server process."""

    # How long a workshop's generation outlives its last write (a fresh one is drawn at
    # random each time, so one that expired never comes back to match an old copy).
    GENERATION_SECONDS = 24 * 3600

    def __init__(self, url: str, prefix: str) -> None:
        import redis  # channels-redis's client; only needed with REDIS_URL

        self.redis = redis.Redis.from_url(url)
        self.prefix = f"{prefix}:presence"
        self.index = f"{self.prefix}:workshops"
        self.put_script = self.redis.register_script(PUT)
        # Per workshop: what `present` last read.
        self.copies: dict[int, Copy] = {}

    def key(self, workshop_id: int) -> str:
        return f"{self.prefix}:{workshop_id}"

    def generation_key(self, workshop_id: int) -> str:
        return f"{self.prefix}:generation:{workshop_id}"

    def new_generation(self) -> str:
        return uuid.uuid4().hex

    def put(self, workshop_id: int, entries: dict[str, float]) -> None:
        """Write the entries (a new generation as `PUT` says): confirming fresh ones (a
        heartbeat, a poll) leaves every process's copy as it is."""
        if not entries:
            return
        pairs = [value for member, seen in entries.items() for value in (repr(seen), member)]
        self.put_script(
            keys=[self.key(workshop_id), self.index, self.generation_key(workshop_id)],
            args=[
                workshop_id, fresh_after(), self.new_generation(), self.GENERATION_SECONDS,
                *pairs,
            ],
        )  # fmt: skip

    def remove(self, workshop_id: int, member: str) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.zrem(self.key(workshop_id), member)
        pipe.set(
            self.generation_key(workshop_id), self.new_generation(), ex=self.GENERATION_SECONDS
        )
        pipe.execute()

    def score(self, workshop_id: int, member: str) -> float | None:
        seen = cast("float | None", self.redis.zscore(self.key(workshop_id), member))
        return None if seen is None else float(seen)

    def entries(self, workshop_id: int) -> dict[str, float]:
        pairs = cast(
            "list[tuple[bytes, float]]",
            self.redis.zrange(self.key(workshop_id), 0, -1, withscores=True),
        )
        return {member.decode(): float(seen) for member, seen in pairs}

    def present(self, workshop_id: int, after: float) -> Present:
        """The members of the entries confirmed since `after`: from this process's copy
        while it holds (`Copy.holds`), else read again and kept.

        The generation is read before the entries, and every write that moves it draws the
        new one after changing them: a copy is never kept under a generation older than
        what it shows. A workshop without a generation (no entry written for a day) is
        read each time."""
        generation = cast("bytes | None", self.redis.get(self.generation_key(workshop_id)))
        copy = self.copies.get(workshop_id)
        if generation is not None and copy is not None and copy.holds(generation, after):
            return copy.present
        # The members (not their times: a hall's 5,000 are read 20 times a second while it
        # connects), and the oldest one's time, in one round trip.
        pipe = self.redis.pipeline(transaction=False)
        pipe.zrangebyscore(self.key(workshop_id), after, "+inf")
        pipe.zrangebyscore(self.key(workshop_id), after, "+inf", start=0, num=1, withscores=True)
        members, oldest = cast("tuple[list[bytes], list[tuple[bytes, float]]]", pipe.execute())
        present = Present(members)
        if generation is not None:
            first = float(oldest[0][1]) if oldest else math.inf
            self.copies[workshop_id] = Copy(generation, after, present, first)
        return present

    def sweep(self, before: float) -> list[int]:
        swept = []
        for raw in cast("set[bytes]", self.redis.smembers(self.index)):
            workshop_id = int(raw)
            key = self.key(workshop_id)
            pipe = self.redis.pipeline(transaction=False)
            pipe.zremrangebyscore(key, "-inf", f"({before}")
            pipe.zcard(key)
            removed, left = pipe.execute()
            if removed:
                swept.append(workshop_id)
                self.redis.set(
                    self.generation_key(workshop_id), self.new_generation(),
                    ex=self.GENERATION_SECONDS,
                )  # fmt: skip
            if not left:
                # A workshop whose entries come back is named again by the next `put`.
                self.redis.srem(self.index, workshop_id)
        return sorted(swept)

    def clear(self) -> None:
        keys = list(self.redis.scan_iter(match=f"{self.prefix}:*", count=1000))
        if keys:
            self.redis.delete(*keys)
        self.copies.clear()


@cache
def _store_for(url: str, prefix: str) -> Store:
    return RedisStore(url, prefix) if url else LocalStore()


def store() -> Store:
    return _store_for(settings.REDIS_URL, settings.CHANNEL_LAYER_PREFIX)


class Sockets:
    """This process's open delegate sockets: channel name to (workshop, delegate), and how
    many each delegate has per workshop."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.owners: dict[str, tuple[int, int]] = {}
        self.counts: dict[int, dict[int, int]] = {}

    def open(self, channel_name: str, workshop_id: int, delegate_id: int) -> bool:
        """Count a socket; True when it is its delegate's first here (a new entry)."""
        with self.lock:
            if channel_name in self.owners:
                return False
            self.owners[channel_name] = (workshop_id, delegate_id)
            counts = self.counts.setdefault(workshop_id, {})
            counts[delegate_id] = counts.get(delegate_id, 0) + 1
            return counts[delegate_id] == 1

    def close(self, channel_name: str) -> tuple[int, int, bool] | None:
        """Stop counting a socket: its workshop, delegate and whether it was their last."""
        with self.lock:
            owner = self.owners.pop(channel_name, None)
            if owner is None:
                return None
            workshop_id, delegate_id = owner
            counts = self.counts[workshop_id]
            counts[delegate_id] -= 1
            last = counts[delegate_id] == 0
            if last:
                del counts[delegate_id]
                if not counts:
                    del self.counts[workshop_id]
            return workshop_id, delegate_id, last

    def delegates(self) -> dict[int, list[int]]:
        with self.lock:
            return {workshop_id: list(counts) for workshop_id, counts in self.counts.items()}

    def clear(self) -> None:
        with self.lock:
            self.owners.clear()
            self.counts.clear()


sockets = Sockets()


def socket_member(delegate_id: int) -> str:
    return f"{PROCESS_ID}:{delegate_id}"


def poll_member(delegate_id: int) -> str:
    return f"{POLLING}:{delegate_id}"


def fresh_after() -> float:
    return time.time() - settings.PRESENCE_STALE_SECONDS


def present(workshop_id: int) -> Present:
    """The workshop's fresh entries, read once for the frames drawn together (the
    projector's and the consoles' #presence and tallies): while a hall connects, every
    socket moves the generation, so each frame would read and count them all again."""
    return memo.shared(
        ("present", workshop_id), lambda: store().present(workshop_id, fresh_after())
    )


def present_delegates(workshop_id: int) -> frozenset[int]:
    """Distinct delegates with an open socket on a live process or a recent poll."""
    return present(workshop_id).delegates


def present_count(workshop_id: int) -> int:
    """How many distinct delegates `present_delegates` names: drawn for every #presence
    push (at most once a second per audience, `PRESENCE_PUSH_SECONDS`)."""
    return present(workshop_id).count
