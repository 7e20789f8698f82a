"""The one place that pushes to sockets (the only caller of `group_send`).

Services say what happened (`happened`, with the events of `sessions.live.events`) inside
their transaction; the regions that show it are pushed once it commits, never before. Pushes
are frames of whole regions, never deltas, so a lost message is healed by the next one. They
are coalesced per workshop and audience: at most one frame per
`PUSH_INTERVAL_SECONDS[audience]`, sent at once when the audience has been quiet, and always
a trailing one after the last change. The live count (#presence) goes at most once per
`PRESENCE_PUSH_SECONDS`, also with a trailing one: it moves with every socket while a hall
connects, and each of its frames reads and counts every entry; a change to another region
does not wait for it. Each frame is rendered once per audience and the same bytes go to every
socket in the group.

The coalescer lives on the server's event loop (recorded by `facilitate.asgi`). Where no
server loop runs (management commands, the sync test client) a change is pushed at once.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import math
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, Generic, TypeVar

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
# Regions pushed at most once per `settings.PRESENCE_PUSH_SECONDS` per audience.
SLOW_REGIONS = frozenset({"presence"})
_background: set[asyncio.Task[None]] = set()
# The regions noted by `gathered()` on this thread (a database thread runs one batch at a time).
_gathering = threading.local()
DISPLAY_REVOKED = "display.revoked"
REMOTE_REVOKED = "remote.revoked"
OWN_IDEAS = "own_ideas.changed"
OWN_RETURNS = "own_returns.changed"


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


def own_returns_changed(workshop_ids: list[int], delegate_id: int) -> None:
    """After commit, redraw the delegate's brought-back commitments (last edition's, on
    their phone at this one) on their phones at these workshops: personal, like their
    ideas, so each of their sockets renders its own."""
    message = {"type": OWN_RETURNS, "delegates": [delegate_id]}
    for workshop_id in workshop_ids:
        group = group_name(workshop_id, "delegate")
        transaction.on_commit(partial(_send_now, group, message))


def display_revoked(workshop_id: int, token: str) -> None:
    """After commit, close the projector sockets that were opened with `token`."""
    message = {"type": DISPLAY_REVOKED, "token": token}
    transaction.on_commit(partial(_send_now, group_name(workshop_id, "projector"), message))


def remote_revoked(workshop_id: int, token: str) -> None:
    """After commit, close the remote sockets that were opened with the remote link `token`
    (a facilitator's remote, opened by login, stays)."""
    message = {"type": REMOTE_REVOKED, "token": token}
    transaction.on_commit(partial(_send_now, group_name(workshop_id, "remote"), message))


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
        self.slow_sent: dict[tuple[int, str], float] = {}  # when SLOW_REGIONS last went
        self.due: dict[tuple[int, str], float] = {}  # when each timer's flush is set for
        self.timers: dict[tuple[int, str], asyncio.TimerHandle] = {}  # each flush set for later
        # Who holds a push slot this coalescer claimed (`PushSlots`): this process.
        self.holder = uuid.uuid4().hex
        # A workshop's flushes due in one turn claim their slots and draw their frames together.
        self.claiming: Together[str, float] = Together(self._claim)
        self.drawing: Together[tuple[str, tuple[str, ...], frozenset[int]], Frame] = Together(_draw)
        self.pushes_sent = 0

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.loop is not loop:
            self.loop = loop
            self._forget()

    def detach(self, loop: asyncio.AbstractEventLoop) -> None:
        """The loop is shutting down (its tasks are being cancelled): no flush is started on
        it any more, so none is left unstarted when it closes. A change that commits after
        this is pushed at once, as where no server loop runs."""
        if self.loop is loop:
            self.loop = None
            self._forget()

    def _forget(self) -> None:
        for timer in self.timers.values():
            timer.cancel()
        self.timers.clear()
        self.pending.clear()
        self.appended.clear()
        self.scheduled.clear()
        self.last_sent.clear()
        self.slow_sent.clear()
        self.due.clear()
        self.claiming.clear()
        self.drawing.clear()

    def mark_soon(
        self, workshop_id: int, regions: frozenset[str], appended: frozenset[int] = frozenset()
    ) -> None:
        """Note a change (on the loop's thread); schedules the flushes it needs."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        for audience, names in REGIONS.items():
            wanted = regions.intersection(names)
            appends = appended if APPENDABLE in names else frozenset()
            if not wanted and not appends:
                continue
            key = (workshop_id, audience)
            self.pending.setdefault(key, set()).update(wanted)
            if appends:
                self.appended.setdefault(key, set()).update(appends)
            due = self._due(key, now)
            if key in self.scheduled:
                # Set for later only for the live count: a change to another region goes
                # at its own interval (a flush under way takes it without a timer).
                timer = self.timers.get(key)
                if timer is not None and due < self.due[key]:
                    timer.cancel()
                    self._flush_at(loop, key, due)
                continue
            self.scheduled.add(key)
            self._flush_at(loop, key, due)

    def _due(self, key: tuple[int, str], now: float) -> float:
        """When what is pending for `key` may go: the audience's interval after its last
        push, and for the live count alone, `PRESENCE_PUSH_SECONDS` after it last went."""
        interval = settings.PUSH_INTERVAL_SECONDS[key[1]]
        due = max(now, self.last_sent.get(key, now - interval) + interval)
        if self.pending.get(key, set()) <= SLOW_REGIONS and not self.appended.get(key):
            due = max(due, self._slow_due(key))
        return due

    def _slow_due(self, key: tuple[int, str]) -> float:
        return self.slow_sent.get(key, -math.inf) + settings.PRESENCE_PUSH_SECONDS

    def _flush_at(self, loop: asyncio.AbstractEventLoop, key: tuple[int, str], due: float) -> None:
        # A fresh context: the change may come from a view's worker thread, whose context
        # marks it as inside sync_to_async; a flush must not inherit that.
        self.due[key] = due
        self.timers[key] = loop.call_at(
            due, self._start_flush, key, due, context=contextvars.Context()
        )

    async def _claim(self, workshop_id: int, audiences: list[str]) -> list[float]:
        return await slots.claim(workshop_id, audiences, self.holder)

    def _start_flush(self, key: tuple[int, str], due: float) -> None:
        self.timers.pop(key, None)
        loop = asyncio.get_running_loop()
        if loop is self.loop:
            task = loop.create_task(self.flush(key, due))
            _background.add(task)  # held until done (the loop keeps only a weak reference)
            task.add_done_callback(_background.discard)

    async def flush(self, key: tuple[int, str], due: float | None = None) -> None:
        """Push the audience's frame of what changed. `due` is the time the flush was set
        for; it counts as the time of the push, so the audiences that fall due together
        (the projector's and the consoles', after one change) stay due together, and their
        frames are drawn in one call (`Together`), not each alone a few microseconds apart."""
        workshop_id, audience = key
        loop = asyncio.get_running_loop()
        if not self.pending.get(key) and not self.appended.get(key):
            self.scheduled.discard(key)
            return
        # Another process may have pushed this audience's frame within the interval: then
        # this one waits for the interval to end (its frame will show both processes' news).
        wait = await self.claiming.ask(workshop_id, audience)
        if wait > 0:
            later = loop.time() + wait
            self._flush_at(loop, key, later)
            return
        self.scheduled.discard(key)
        wanted = self.pending.pop(key, set())
        appended = frozenset(self.appended.pop(key, ()))
        sent = loop.time() if due is None else due
        held = wanted & SLOW_REGIONS if sent < self._slow_due(key) else set()
        if held:  # the live count went too recently: it follows on its own time
            wanted -= held
            self.pending[key] = held
            self.scheduled.add(key)
            self._flush_at(loop, key, self._due(key, sent))
        if not wanted and not appended:
            return
        self.last_sent[key] = sent
        if wanted & SLOW_REGIONS:
            self.slow_sent[key] = sent
        names = tuple(name for name in REGIONS[audience] if name in wanted)
        try:
            frame = await self.drawing.ask(workshop_id, (audience, names, appended))
            await channel_layer().group_send(group_name(workshop_id, audience), push_message(frame))
            self.pushes_sent += 1
        except Exception:
            # A lost push is healed by the next one; never let one failure stop the loop.
            log.exception("push of %s to workshop %s failed", names, workshop_id)


Asked = TypeVar("Asked")
Answer = TypeVar("Answer")


class Together(Generic[Asked, Answer]):
    """What a workshop's flushes ask for in the same turn of the loop, asked in one call.

    The projector's, the consoles' and often the phones' flushes fall due together: their
    push slots are claimed in one round trip to Redis (`PushSlots.claim`), and their frames
    drawn in one call on the database thread (`render_frames`). The first flush of a turn
    waits for the turn to end, then asks for everything asked meanwhile; each flush gets
    its own answer (or the call's error).
    """

    def __init__(self, call: Callable[[int, list[Asked]], Awaitable[list[Answer]]]) -> None:
        self.call = call
        self.waiting: dict[int, list[tuple[Asked, asyncio.Future[Answer]]]] = {}

    def clear(self) -> None:
        self.waiting.clear()

    async def ask(self, workshop_id: int, asked: Asked) -> Answer:
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        waiting = self.waiting.setdefault(workshop_id, [])
        waiting.append((asked, future))
        if len(waiting) == 1:  # the first asks for them all
            try:
                await asyncio.sleep(0)  # the flushes due in this turn join
                if self.waiting.get(workshop_id) is waiting:
                    del self.waiting[workshop_id]
                answers = await self.call(workshop_id, [item for item, _ in waiting])
            except BaseException as error:  # each waiter hears of it, then so does this one
                if self.waiting.get(workshop_id) is waiting:
                    del self.waiting[workshop_id]
                failed = error if isinstance(error, Exception) else RuntimeError("not asked")
                for _item, waiter in waiting:
                    if waiter is not future and not waiter.done():
                        waiter.set_exception(failed)
                raise
            for (_item, waiter), answer in zip(waiting, answers, strict=True):
                waiter.set_result(answer)
        return await future


async def _draw(
    workshop_id: int, wanted: list[tuple[str, tuple[str, ...], frozenset[int]]]
) -> list[Frame]:
    return await database_sync_to_async(render_frames)(workshop_id, wanted)


coalescer = Coalescer()


class PushSlots:
    """One push per interval per workshop and audience across every server process.

    Each process coalesces the changes it commits; with several processes, each would push
    its own frame every interval, and every phone would get one push per process. Before a
    flush, a process claims the audience's slot in Redis (a key naming the process, expiring
    after the interval); if another process holds it, the flush waits until it expires and
    claims again. The frame drawn then shows every change committed so far, wherever it
    was. A slot the claiming process holds itself is claimed again at once: its own
    coalescer already spaces its pushes by the interval, and nobody else pushed since (a
    wait there only put the audiences' flushes, due together, a millisecond or two apart,
    and each drew its frame alone). Without Redis (one process) every claim succeeds; if
    Redis does not answer, the push goes out (a second push is better than none).
    """

    # Per key: claim the slot if free or already this holder's (0), else how many
    # milliseconds another holder keeps it for. ARGV: the holder, then each key's interval.
    CLAIM = """
    local answers = {}
    for i, key in ipairs(KEYS) do
      local holder = redis.call('GET', key)
      if holder == false or holder == ARGV[1] then
        redis.call('SET', key, ARGV[1], 'PX', ARGV[i + 1])
        answers[i] = 0
      else
        answers[i] = math.max(redis.call('PTTL', key), 0)
      end
    end
    return answers
    """

    def __init__(self, url: str | None = None) -> None:
        self.url = url  # default: settings.REDIS_URL
        self.scripts: dict[str, Any] = {}

    def _script(self, url: str) -> Any:
        # A blocking client (thread-safe, bound to no event loop), used from a worker thread.
        if url not in self.scripts:
            import redis  # channels-redis's client; only needed with REDIS_URL

            self.scripts[url] = redis.Redis.from_url(url).register_script(self.CLAIM)
        return self.scripts[url]

    async def claim(self, workshop_id: int, audiences: list[str], holder: str) -> list[float]:
        """Per audience, 0 once `holder` (a process's coalescer) holds its slot, else the
        seconds until it is free: one round trip for all of them."""
        url = self.url or settings.REDIS_URL
        if not url:
            return [0.0] * len(audiences)
        prefix = f"{settings.CHANNEL_LAYER_PREFIX}:push:{workshop_id}"
        names = [f"{prefix}:{audience}" for audience in audiences]
        intervals = [
            max(1, int(settings.PUSH_INTERVAL_SECONDS[audience] * 1000)) for audience in audiences
        ]
        try:
            script = self._script(url)
            left = await asyncio.to_thread(script, keys=names, args=[holder, *intervals])
        except Exception:
            log.warning("the push slots of %s could not be claimed; pushing", prefix, exc_info=True)
            return [0.0] * len(audiences)
        return [int(ms) / 1000 for ms in left]


slots = PushSlots()
