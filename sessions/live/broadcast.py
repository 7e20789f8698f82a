"""The one place that pushes to sockets (the only caller of `group_send`).

Services say what happened (`happened`, with the events of `sessions.live.events`) inside
their transaction; the regions that show it are pushed once it commits, never before. Pushes
are frames of whole regions, never deltas, so a lost message is healed by the next one. They
are coalesced per workshop and audience: at most one frame per
`PUSH_INTERVAL_SECONDS[audience]`, sent at once when the audience has been quiet, and always
a trailing one after the last change. Each frame is rendered once per audience and the
same bytes go to every socket in the group.

The coalescer lives on the server's event loop (recorded by `facilitate.asgi`). Where no
server loop runs (management commands, the sync test client) a change is pushed at once.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction

from sessions.live import events
from sessions.live.audiences import APPENDABLE, REGIONS, group_name
from sessions.live.layer import channel_layer
from sessions.live.regions import Frame, render_frames, render_regions

log = logging.getLogger(__name__)

PUSH = "region.push"
_background: set[asyncio.Task[None]] = set()
# The regions noted by `gathered()` on this thread (a database thread runs one batch at a time).
_gathering = threading.local()
DISPLAY_REVOKED = "display.revoked"
OWN_IDEAS = "own_ideas.changed"


def happened(workshop_id: int, *happened: str, delay: float = 0) -> None:
    """After the current transaction commits (and `delay` seconds more), push fresh frames of
    the regions that show what `happened` changed (`events.REDRAWS`)."""
    regions_changed(workshop_id, events.redraws(*happened), delay=delay)


def regions_changed(workshop_id: int, regions: set[str], *, delay: float = 0) -> None:
    """After the current transaction commits (and `delay` seconds more, where a server loop
    runs), push fresh frames of `regions`. Inside `gathered()` (and with no delay) the
    regions are only noted at commit, and pushed when it ends."""
    wanted = frozenset(regions)
    noted = getattr(_gathering, "noted", None)
    if noted is not None and not delay:
        transaction.on_commit(partial(_note, noted, workshop_id, wanted))
        return
    transaction.on_commit(partial(_publish, workshop_id, wanted, delay))


@contextmanager
def gathered() -> Iterator[None]:
    """Many commands' pushes as one: within, each change that commits notes its workshop's
    regions (one rolled back with its savepoint notes nothing, as `on_commit` drops it), and
    on leaving every workshop noted is pushed once with the union of its regions. A batch of
    N votes thus marks the coalescer once per workshop, not N times (and, where no server
    loop runs, renders and sends one frame per audience, not N)."""
    previous = getattr(_gathering, "noted", None)
    noted: dict[int, set[str]] = {}
    _gathering.noted = noted
    try:
        yield
    finally:
        _gathering.noted = previous
        for workshop_id, regions in noted.items():
            try:
                _publish(workshop_id, frozenset(regions))
            except Exception:
                # What committed stays committed; a lost push is healed by the next one.
                log.exception("push of %s to workshop %s failed", sorted(regions), workshop_id)


def _note(noted: dict[int, set[str]], workshop_id: int, regions: frozenset[str]) -> None:
    noted.setdefault(workshop_id, set()).update(regions)


def ideas_added(workshop_id: int, idea_ids: list[int]) -> None:
    """After commit, append these new ideas to the #ideas region of every screen showing it
    (coalesced like any push; a wall is never re-sent for a new idea)."""
    transaction.on_commit(partial(_publish, workshop_id, frozenset(), 0, frozenset(idea_ids)))


def own_ideas_changed(workshop_id: int, delegate_ids: set[int]) -> None:
    """After commit, redraw these delegates' own list of ideas on their phones: personal, so
    each of their sockets renders its own; nothing is rendered for anyone else."""
    message = {"type": OWN_IDEAS, "delegates": sorted(delegate_ids)}
    transaction.on_commit(partial(_send_now, group_name(workshop_id, "delegate"), message))


def display_revoked(workshop_id: int, token: str) -> None:
    """After commit, close the projector sockets that were opened with `token`."""
    message = {"type": DISPLAY_REVOKED, "token": token}
    transaction.on_commit(partial(_send_now, group_name(workshop_id, "projector"), message))


def _publish(
    workshop_id: int,
    regions: frozenset[str],
    delay: float = 0,
    appended: frozenset[int] = frozenset(),
) -> None:
    loop = coalescer.loop
    if loop is not None and loop.is_running():
        mark = partial(coalescer.mark_soon, workshop_id, regions, appended)
        loop.call_soon_threadsafe(loop.call_later, delay, mark, context=contextvars.Context())
        return
    for audience, names in REGIONS.items():
        wanted = tuple(name for name in names if name in regions)
        appends = appended if APPENDABLE in names else frozenset()
        if wanted or appends:
            frame = render_regions(workshop_id, audience, wanted, appended=appends)
            _send_now(group_name(workshop_id, audience), push_message(frame))


def _send_now(group: str, message: dict[str, Any]) -> None:
    loop = coalescer.loop
    if loop is not None and loop.is_running():
        asyncio.run_coroutine_threadsafe(channel_layer().group_send(group, message), loop)
        return
    try:
        current = asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(channel_layer().group_send)(group, message)
    else:  # called from code running on a loop that is not a server's: do not block it
        task = current.create_task(channel_layer().group_send(group, message))
        _background.add(task)
        task.add_done_callback(_background.discard)


def push_message(frame: Frame) -> dict[str, Any]:
    return {"type": PUSH, "version": frame.version, "html": frame.html}


class Coalescer:
    """Per-process scheduler of pushes: one timer per (workshop, audience) at most."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.pending: dict[tuple[int, str], set[str]] = {}
        self.appended: dict[tuple[int, str], set[int]] = {}
        self.scheduled: set[tuple[int, str]] = set()
        self.last_sent: dict[tuple[int, str], float] = {}
        # Per workshop, the frames asked for in this turn of the loop (`render`).
        self.drawing: dict[
            int, list[tuple[tuple[str, tuple[str, ...], frozenset[int]], asyncio.Future[Frame]]]
        ] = {}
        self.pushes_sent = 0

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.loop is not loop:
            self.loop = loop
            self.pending.clear()
            self.appended.clear()
            self.scheduled.clear()
            self.last_sent.clear()
            self.drawing.clear()

    def mark_soon(
        self, workshop_id: int, regions: frozenset[str], appended: frozenset[int] = frozenset()
    ) -> None:
        """Note a change (on the loop's thread); schedules the flushes it needs."""
        loop = asyncio.get_running_loop()
        for audience, names in REGIONS.items():
            wanted = regions.intersection(names)
            appends = appended if APPENDABLE in names else frozenset()
            if not wanted and not appends:
                continue
            key = (workshop_id, audience)
            self.pending.setdefault(key, set()).update(wanted)
            if appends:
                self.appended.setdefault(key, set()).update(appends)
            if key in self.scheduled:
                continue
            self.scheduled.add(key)
            interval = settings.PUSH_INTERVAL_SECONDS[audience]
            delay = max(0.0, self.last_sent.get(key, -interval) + interval - loop.time())
            # A fresh context: the change may come from a view's worker thread, whose context
            # marks it as inside sync_to_async; a flush must not inherit that.
            loop.call_later(delay, self._start_flush, key, context=contextvars.Context())

    def _start_flush(self, key: tuple[int, str]) -> None:
        asyncio.get_running_loop().create_task(self.flush(key))

    async def flush(self, key: tuple[int, str]) -> None:
        workshop_id, audience = key
        self.scheduled.discard(key)
        wanted = self.pending.pop(key, set())
        appended = frozenset(self.appended.pop(key, ()))
        if not wanted and not appended:
            return
        self.last_sent[key] = asyncio.get_running_loop().time()
        names = tuple(name for name in REGIONS[audience] if name in wanted)
        try:
            frame = await self.render(workshop_id, (audience, names, appended))
            await channel_layer().group_send(group_name(workshop_id, audience), push_message(frame))
            self.pushes_sent += 1
        except Exception:
            # A lost push is healed by the next one; never let one failure stop the loop.
            log.exception("push of %s to workshop %s failed", names, workshop_id)

    async def render(
        self, workshop_id: int, wanted: tuple[str, tuple[str, ...], frozenset[int]]
    ) -> Frame:
        """One audience's frame; the frames of a workshop asked for in the same turn of the
        loop (the projector's and the consoles' flushes fall due together) are drawn
        together, in one call on the database thread (`render_frames`)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Frame] = loop.create_future()
        waiting = self.drawing.setdefault(workshop_id, [])
        waiting.append((wanted, future))
        if len(waiting) == 1:  # the first asks for them all
            try:
                await asyncio.sleep(0)  # the flushes due in this turn join
                if self.drawing.get(workshop_id) is waiting:
                    del self.drawing[workshop_id]
                frames = await database_sync_to_async(render_frames)(
                    workshop_id, [asked for asked, _ in waiting]
                )
            except BaseException as error:  # each waiter hears of it, then so does this one
                if self.drawing.get(workshop_id) is waiting:
                    del self.drawing[workshop_id]
                failed = error if isinstance(error, Exception) else RuntimeError("not drawn")
                for _asked, waiter in waiting:
                    if waiter is not future and not waiter.done():
                        waiter.set_exception(failed)
                raise
            for (_asked, waiter), frame in zip(waiting, frames, strict=True):
                waiter.set_result(frame)
        return await future


coalescer = Coalescer()
