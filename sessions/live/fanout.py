"""Delivery of pushes to this process's sockets: one subscription per group, one pass.

`sessions.live.broadcast` sends each push once to a group (a workshop's phones, its projectors or
its consoles). Were every socket subscribed on its own, the channel layer would queue the
push once per socket and wake one task per socket to send it: for a room of 1,000 phones,
1,000 queue operations and task switches per push, with the projector's frame waiting behind
all of them. Here each process subscribes once per group and writes the frame to its local
sockets of that group in one pass, in slices of `SLICE`, yielding to the event loop between
slices: the projector's and consoles' groups have their own passes, so their frames go out
between two slices of a phone pass instead of after it.

A group's subscription is made by its first local socket and dropped once its last one has
been gone for `IDLE_SECONDS` (so a reconnecting room does not resubscribe in a storm).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from channels.layers import BaseChannelLayer

from sessions.live.layer import channel_layer

log = logging.getLogger(__name__)

# Sockets written to per turn of the event loop. Each turn also runs everything else that is
# ready (the writes of the slice before, votes arriving, each step of the projector's push:
# its drawing's answer, its group send, its delivery), so a small slice keeps the turns short:
# with 5,000 phones, 100 a slice held the projector's frame 140 to 210 ms (p95, p99) between
# being drawn and being sent; 25 a slice, 35 to 50 ms.
SLICE = 25
IDLE_SECONDS = 30.0


class Member(Protocol):
    async def deliver(self, message: dict[str, Any]) -> None: ...


class Subscription:
    """One group's subscription in this process: its channel, reader task and members."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.members: dict[Member, None] = {}  # insertion-ordered set
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.reader: asyncio.Task[None] | None = None
        self.idle_timer: asyncio.TimerHandle | None = None
        self.delivered = 0

    def alive(self) -> bool:
        """Still reading, on the running loop (a test may run each case on a new loop)."""
        current = self.ready.get_loop() is asyncio.get_running_loop()
        return current and self.reader is not None and not self.reader.done()


class Fanout:
    def __init__(self) -> None:
        self.subscriptions: dict[str, Subscription] = {}
        # Told the group of every message this process receives and of every subscription
        # it drops (after which it hears nothing more of that group).
        self.watchers: list[Callable[[str], None]] = []

    def watch(self, watcher: Callable[[str], None]) -> None:
        self.watchers.append(watcher)

    def tell(self, group: str) -> None:
        for watcher in self.watchers:
            watcher(group)

    async def join(self, group: str, member: Member) -> None:
        """Add `member` to `group`; returns once this process receives the group's pushes."""
        subscription = self.subscriptions.get(group)
        if subscription is None or not subscription.alive():
            subscription = Subscription(group)
            self.subscriptions[group] = subscription
            subscription.reader = asyncio.get_running_loop().create_task(self.read(subscription))
        if subscription.idle_timer is not None:
            subscription.idle_timer.cancel()
            subscription.idle_timer = None
        subscription.members[member] = None
        await asyncio.shield(subscription.ready)

    def leave(self, group: str, member: Member) -> None:
        subscription = self.subscriptions.get(group)
        if subscription is None:
            return
        subscription.members.pop(member, None)
        if not subscription.members and subscription.idle_timer is None:
            loop = asyncio.get_running_loop()
            subscription.idle_timer = loop.call_later(IDLE_SECONDS, self.drop, subscription)

    def drop(self, subscription: Subscription) -> None:
        subscription.idle_timer = None
        if subscription.members or self.subscriptions.get(subscription.group) is not subscription:
            return
        del self.subscriptions[subscription.group]
        if subscription.reader is not None:
            subscription.reader.cancel()
        self.tell(subscription.group)

    async def read(self, subscription: Subscription) -> None:
        layer = channel_layer()
        channel = await layer.new_channel()
        try:
            await layer.group_add(subscription.group, channel)
            subscription.ready.set_result(None)
            while True:
                message = await layer.receive(channel)
                self.tell(subscription.group)
                await self.deliver(subscription, message)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.exception("subscription to %s failed", subscription.group)
            if not subscription.ready.done():
                subscription.ready.set_exception(error)
        finally:
            await self.unsubscribe(layer, subscription.group, channel)

    @staticmethod
    async def unsubscribe(layer: BaseChannelLayer, group: str, channel: str) -> None:
        try:
            await asyncio.shield(layer.group_discard(group, channel))
        except Exception:
            log.exception("leaving %s failed", group)

    @staticmethod
    async def deliver(subscription: Subscription, message: dict[str, Any]) -> None:
        """Hand `message` to every local member, yielding to the loop between slices."""
        members = list(subscription.members)
        for start in range(0, len(members), SLICE):
            if start:
                await asyncio.sleep(0)
            for member in members[start : start + SLICE]:
                try:
                    await member.deliver(message)
                except Exception:
                    log.exception("delivery to a socket of %s failed", subscription.group)
        subscription.delivered += 1

    def counts(self) -> dict[str, int]:
        """Local sockets per group (for diagnostics and tests)."""
        return {group: len(sub.members) for group, sub in self.subscriptions.items()}


fanout = Fanout()
