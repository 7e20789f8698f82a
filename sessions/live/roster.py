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
"""

from __future__ import annotations

import threading
import time
import uuid
from functools import cache
from typing import Protocol, cast

from django.conf import settings

# Identifies this server process in its entries.
PROCESS_ID = uuid.uuid4().hex
POLLING = "poll"


class Store(Protocol):
    def put(self, workshop_id: int, entries: dict[str, float]) -> None: ...
    def remove(self, workshop_id: int, member: str) -> None: ...
    def score(self, workshop_id: int, member: str) -> float | None: ...
    def entries(self, workshop_id: int) -> dict[str, float]: ...
    def fresh(self, workshop_id: int, after: float) -> list[str]: ...
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

    def fresh(self, workshop_id: int, after: float) -> list[str]:
        with self.lock:
            return [m for m, seen in self.by_workshop.get(workshop_id, {}).items() if seen >= after]

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


class RedisStore:
    """The entries in Redis, shared by every server process."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis  # channels-redis's client; only needed with REDIS_URL

        self.redis = redis.Redis.from_url(url)
        self.prefix = f"{prefix}:presence"
        self.index = f"{self.prefix}:workshops"

    def key(self, workshop_id: int) -> str:
        return f"{self.prefix}:{workshop_id}"

    def put(self, workshop_id: int, entries: dict[str, float]) -> None:
        if not entries:
            return
        pipe = self.redis.pipeline(transaction=False)
        pipe.zadd(self.key(workshop_id), dict(entries))
        pipe.sadd(self.index, workshop_id)
        pipe.execute()

    def remove(self, workshop_id: int, member: str) -> None:
        self.redis.zrem(self.key(workshop_id), member)

    def score(self, workshop_id: int, member: str) -> float | None:
        seen = cast("float | None", self.redis.zscore(self.key(workshop_id), member))
        return None if seen is None else float(seen)

    def entries(self, workshop_id: int) -> dict[str, float]:
        pairs = cast(
            "list[tuple[bytes, float]]",
            self.redis.zrange(self.key(workshop_id), 0, -1, withscores=True),
        )
        return {member.decode(): float(seen) for member, seen in pairs}

    def fresh(self, workshop_id: int, after: float) -> list[str]:
        members = cast(
            "list[bytes]", self.redis.zrangebyscore(self.key(workshop_id), after, "+inf")
        )
        return [member.decode() for member in members]

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
            if not left:
                # A workshop whose entries come back is named again by the next `put`.
                self.redis.srem(self.index, workshop_id)
        return sorted(swept)

    def clear(self) -> None:
        keys = list(self.redis.scan_iter(match=f"{self.prefix}:*", count=1000))
        if keys:
            self.redis.delete(*keys)


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


def present_delegates(workshop_id: int) -> set[int]:
    """Distinct delegates with an open socket on a live process or a recent poll."""
    return {int(member.rsplit(":", 1)[1]) for member in store().fresh(workshop_id, fresh_after())}


def present_count(workshop_id: int) -> int:
    """How many distinct delegates `present_delegates` names, without reading their ids as
    numbers: drawn for every #presence push, 20 times a second while a hall connects."""
    members = store().fresh(workshop_id, fresh_after())
    return len({member.rpartition(":")[2] for member in members})
