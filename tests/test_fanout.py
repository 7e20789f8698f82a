"""Per-process fan-out: one subscription per group, slices that let other groups through."""

from __future__ import annotations

import asyncio

from channels.layers import get_channel_layer

from sessions.live import fanout as fanout_module
from sessions.live.fanout import Fanout


class Recorder:
    """A stand-in socket that notes, in one shared list, when it was handed a message: its
    name, or "name:marker" for a message sent as a marker."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log = name, log

    async def deliver(self, message: dict) -> None:
        marker = message.get("marker")
        self.log.append(f"{self.name}:{marker}" if marker else self.name)


# Sent after the messages under test: a group's subscription hands messages to its members one
# at a time, in the order the layer delivers them, so once a member has the marker every
# earlier message has been handed to everyone it was going to reach.
MARKER = {"type": "region.push", "marker": "end"}


async def settle(until, within: float = 3.0) -> None:
    """Wait for deliveries through the channel layer (in memory, or Redis in CI) until
    `until()` holds; fail if it does not within `within` seconds."""
    for _ in range(int(within / 0.01)):
        if until():
            return
        await asyncio.sleep(0.01)
    assert until(), f"not settled within {within} s"


async def test_a_push_reaches_every_local_member_once_through_one_subscription():
    hub, log = Fanout(), []
    members = [Recorder(f"phone{i}", log) for i in range(5)]
    for member in members:
        await hub.join("workshop.1.delegate", member)
    assert len(hub.subscriptions) == 1
    layer = get_channel_layer()
    await layer.group_send("workshop.1.delegate", {"type": "region.push"})
    await layer.group_send("workshop.1.delegate", MARKER)
    await settle(lambda: sum(entry.endswith(":end") for entry in log) == 5)
    assert sorted(log) == sorted([m.name for m in members] + [f"{m.name}:end" for m in members])


async def test_a_projector_push_goes_out_between_slices_of_a_large_phone_push(monkeypatch):
    monkeypatch.setattr(fanout_module, "SLICE", 50)
    hub, log = Fanout(), []
    phones = 300
    for _ in range(phones):
        await hub.join("workshop.2.delegate", Recorder("phone", log))
    await hub.join("workshop.2.projector", Recorder("projector", log))
    phones_sub = hub.subscriptions["workshop.2.delegate"]
    projector_sub = hub.subscriptions["workshop.2.projector"]
    # Both pushes are in hand at once (as when the layer hands them over together).
    await asyncio.gather(
        hub.deliver(phones_sub, {"type": "region.push"}),
        hub.deliver(projector_sub, {"type": "region.push"}),
    )
    assert log.count("phone") == phones
    # Not after the whole phone pass: at most one slice of phones went before it.
    assert log.index("projector") <= 50


async def test_members_that_left_get_nothing_and_an_idle_group_is_unsubscribed(monkeypatch):
    monkeypatch.setattr(fanout_module, "IDLE_SECONDS", 0.05)
    hub, log = Fanout(), []
    staying, leaving = Recorder("staying", log), Recorder("leaving", log)
    await hub.join("workshop.3.delegate", staying)
    await hub.join("workshop.3.delegate", leaving)
    hub.leave("workshop.3.delegate", leaving)
    layer = get_channel_layer()
    await layer.group_send("workshop.3.delegate", {"type": "region.push"})
    await layer.group_send("workshop.3.delegate", MARKER)
    await settle(lambda: "staying:end" in log)
    assert log == ["staying", "staying:end"]
    hub.leave("workshop.3.delegate", staying)
    await settle(lambda: hub.subscriptions == {})
    # A new socket subscribes again and gets the next push.
    await hub.join("workshop.3.delegate", staying)
    await layer.group_send("workshop.3.delegate", {"type": "region.push"})
    await settle(lambda: len(log) >= 3)
    assert log == ["staying", "staying:end", "staying"]


async def test_one_failing_socket_does_not_stop_delivery_to_the_others():
    hub, log = Fanout(), []

    class Broken:
        async def deliver(self, message: dict) -> None:
            raise ConnectionError("gone")

    await hub.join("workshop.4.delegate", Broken())
    await hub.join("workshop.4.delegate", Recorder("phone", log))
    await get_channel_layer().group_send("workshop.4.delegate", {"type": "region.push"})
    await settle(lambda: len(log) >= 1)
    assert log == ["phone"]
