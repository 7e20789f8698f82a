"""A socket's connect gives back the database connection it used.

A connecting socket reads who it is and its first frame on a worker thread
(`sessions.live.consumers.connecting`). On PostgreSQL connections come from a bounded pool
(settings: `DB_POOL_SIZE`); a connect that kept its pooled connection checked out would,
after as many sockets as the pool holds, leave the next one waiting for the pool's timeout
and then failing. More sockets than the pool holds connect here one after another, each
getting its frame; on PostgreSQL the pool has no more connections checked out afterwards
than before (fewer is no leak: a thread an earlier test left may give its connection back
meanwhile, as one did under CI).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from tests.test_consumers import socket

pytestmark = pytest.mark.django_db(transaction=True)


def pool_size() -> int:
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    return int(pool["max_size"]) if isinstance(pool, dict) else 16


def checked_out() -> int | None:
    """Pooled connections in use (PostgreSQL), None without a pool (SQLite)."""
    if connection.vendor != "postgresql":
        return None
    stats = connection.pool.get_stats()
    return int(stats["pool_size"]) - int(stats["pool_available"])


async def test_more_sockets_than_the_pool_holds_connect_one_after_another(workshop):
    path = f"/ws/display/{workshop.display_token}/"
    before = checked_out()
    for _ in range(pool_size() + 4):
        async with socket(path) as projector:
            assert projector is not None
            frame = await projector.receive_from(timeout=5)
            assert 'id="step"' in frame
    after = checked_out()
    if before is None:
        assert after is None
    else:
        assert after is not None
        assert after <= before, f"{after} checked out, {before} before"
