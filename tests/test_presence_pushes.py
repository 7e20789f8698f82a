"""The live count's pushes while a hall connects (`sessions.live.broadcast.SLOW_REGIONS`).

Every socket that opens moves #presence; the projector gets it at most once per
`PRESENCE_PUSH_SECONDS`, always with a trailing push showing the final count, and a vote
committed meanwhile is pushed at the projector's own interval, not held back with the count.
"""

from __future__ import annotations

import asyncio
import itertools
import re

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from sessions.live import broadcast, presence
from sessions.live.audiences import PROJECTOR
from sessions.voting import services as voting
from tests.test_vote_writer import setting_up

pytestmark = pytest.mark.django_db(transaction=True)

COUNT_EVERY = 0.5  # PRESENCE_PUSH_SECONDS for these tests


@pytest.fixture
def projector(workshop, settings, monkeypatch):
    """The projector's group, heard on a channel of the test's own, with this process's
    coalescer on the test's loop (as on a server's)."""
    settings.PRESENCE_PUSH_SECONDS = COUNT_EVERY

    async def listening():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(broadcast.group_name(workshop.pk, PROJECTOR), channel)
        monkeypatch.setattr(broadcast.coalescer, "loop", None)
        broadcast.coalescer.attach(asyncio.get_running_loop())
        return layer, channel

    return listening


def count_in(message: dict) -> int | None:
    html = message["html"].get("presence")
    if html is None:
        return None
    found = re.search(r'data-count="(\d+)"', html)
    assert found is not None, html
    return int(found.group(1))


async def connect(workshop, delegate_id: int) -> None:
    await sync_to_async(presence.connect_presence)(
        workshop_id=workshop.pk, delegate_id=delegate_id, channel_name=f"hall.phone!{delegate_id}"
    )


async def test_a_hall_connecting_moves_the_count_at_most_once_per_interval(workshop, projector):
    _poll, _options, delegates = await sync_to_async(setting_up)(workshop, 12)
    layer, channel = await projector()
    loop = asyncio.get_running_loop()
    counts: list[tuple[float, int]] = []  # when each count came, and the count

    async def hearing() -> None:
        while not counts or counts[-1][1] < len(delegates):
            count = count_in(await layer.receive(channel))
            if count is not None:
                counts.append((loop.time(), count))

    heard = asyncio.create_task(hearing())
    for delegate_id in delegates:  # twelve sockets over about 1.2 s
        await connect(workshop, delegate_id)
        await asyncio.sleep(0.1)
    await asyncio.wait_for(heard, 5)
    assert counts[-1][1] == len(delegates)  # the trailing push shows every socket
    # One push of the count per interval, not one per socket.
    assert len(counts) <= 4, counts
    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(counts)]
    # Timed as they arrive, so each carries its frame's drawing (the first draw is slower).
    assert all(gap >= COUNT_EVERY * 0.6 for gap in gaps), gaps


async def test_a_vote_is_not_held_back_with_the_count(workshop, projector, settings):
    poll, options, (ann, bob) = await sync_to_async(setting_up)(workshop, 2)
    layer, channel = await projector()
    settings.PRESENCE_PUSH_SECONDS = 3.0  # ample for the vote to commit within it
    await connect(workshop, ann)
    first = await asyncio.wait_for(layer.receive(channel), 5)
    assert count_in(first) == 1
    await connect(workshop, bob)  # its count waits for the interval to end

    def vote() -> None:
        voting.cast(
            workshop_id=workshop.pk, delegate_id=ann, poll_id=poll.pk,
            option_id=options[0], action="add", key=None,
        )  # fmt: skip

    await sync_to_async(vote)()
    # The vote's frame comes first, without the count; the count follows on its own time.
    voted = await asyncio.wait_for(layer.receive(channel), 5)
    assert count_in(voted) is None
    assert "results" in voted["html"] or "step" in voted["html"], sorted(voted["html"])
    later = await asyncio.wait_for(layer.receive(channel), 5)
    assert count_in(later) == 2
