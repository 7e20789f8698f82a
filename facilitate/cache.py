"""The cache's Redis connections: one pool per process, whichever thread asks.

Django makes a cache object per thread, and each of those its own connection pool. Under
ASGI every HTTP request runs its sync code on a thread of its own, so each request opened
(and dropped) a Redis connection for the phone's pace check: a sixth of an HTTP vote's CPU
on a busy server. The cache's `pool_class` is this one, whose `from_url` gives every cache
object the process's pool for that address (redis-py's pools are thread-safe).
"""

from __future__ import annotations

import threading
from typing import Any

import redis


class SharedConnectionPool(redis.ConnectionPool):
    _shared: dict[tuple[str, str], redis.ConnectionPool] = {}
    _shared_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Any:
        key = (url, repr(sorted(kwargs.items())))
        with cls._shared_lock:
            pool = cls._shared.get(key)
            if pool is None:
                pool = cls._shared[key] = redis.ConnectionPool.from_url(url, **kwargs)
            return pool
