"""One push per interval across server processes (`sessions.live.broadcast.PushSlots`).

Two coalescers on one loop stand for two server processes sharing Redis: each pushes the
changes it committed, and with the slot claimed in Redis the second waits for the first's
interval to end instead of pushing its own frame at once. Redis is the suite's (REDIS_URL, or
a redis-server of the tests' own on the embedded default).
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from sessions.live import broadcast
from sessions.live.broadcast import Coalescer
from sessions.models import Change
from sessions.voting import services as voting
from tests.test_vote_writer import setting_up

pytestmark = pytest.mark.django_db(transaction=True)

PHONES_EVERY = 1.0  # seconds between two pushes to the phones


@pytest.fixture
def shared_redis(redis_url, settings):
    settings.REDIS_URL = redis_url
    settings.CHANNEL_LAYER_PREFIX = uuid.uuid4().hex
    settings.PUSH_INTERVAL_SECONDS = {**settings.PUSH_INTERVAL_SECONDS, "delegate": PHONES_EVERY}
    return redis_url


async def test_a_second_process_waits_for_the_first_ones_push_interval(
    workshop, shared_redis, monkeypatch
):
    poll, options, (ann, bob) = await sync_to_async(setting_up)(workshop, 2)
    layer = get_channel_layer()
    phones = await layer.new_channel()
    group = broadcast.group_name(workshop.pk, "delegate")
    await layer.group_add(group, phones)
    loop = asyncio.get_running_loop()
    # This process's coalescer runs on the loop, as in the server (votes committed here mark
    # it); the other process's is a second one, marked by hand.
    monkeypatch.setattr(broadcast.coalescer, "loop", None)
    broadcast.coalescer.attach(loop)
    other = Coalescer()
    other.attach(loop)

    def vote(delegate: int) -> None:
        voting.cast(
            workshop_id=workshop.pk, delegate_id=delegate, poll_id=poll.pk,
            option_id=options[0], action="add", key=None,
        )  # fmt: skip

    await sync_to_async(vote)(ann)
    pushed = await asyncio.wait_for(layer.receive(phones), 5)
    at = loop.time()
    # A vote committed in the other process just after this one pushed.
    await sync_to_async(vote)(bob)
    other.mark_soon(workshop.pk, frozenset({"results"}))
    later = await asyncio.wait_for(layer.receive(phones), 5)
    waited = loop.time() - at
    assert waited >= PHONES_EVERY * 0.8, f"pushed again after {waited:.2f} s"
    # That frame shows both votes.
    version = await sync_to_async(Change.objects.version_of)(workshop.pk)
    assert later["version"] == version > pushed["version"]
    assert 'data-score="2"' in later["html"]["results"]
    await layer.group_discard(group, phones)


async def test_without_redis_answering_the_push_still_goes_out(workshop, monkeypatch):
    """A slot that cannot be claimed (Redis down) never holds a push back."""
    monkeypatch.setattr(broadcast, "slots", broadcast.PushSlots("redis://127.0.0.1:9/0"))
    await sync_to_async(setting_up)(workshop, 1)
    layer = get_channel_layer()
    phones = await layer.new_channel()
    group = broadcast.group_name(workshop.pk, "delegate")
    await layer.group_add(group, phones)
    process = Coalescer()
    process.attach(asyncio.get_running_loop())
    process.mark_soon(workshop.pk, frozenset({"results"}))
    pushed = await asyncio.wait_for(layer.receive(phones), 5)
    assert 'data-score="0"' in pushed["html"]["results"]
    await layer.group_discard(group, phones)


async def test_a_slot_is_claimed_again_at_once_by_its_holder_and_waited_for_by_another(
    shared_redis, settings
):
    settings.PUSH_INTERVAL_SECONDS = {"projector": 1.0, "facilitator": 1.0, "delegate": 1.0}
    slots = broadcast.PushSlots()
    audiences = ["projector", "facilitator"]
    assert await slots.claim(1, audiences, "this process") == [0.0, 0.0]
    # Its own coalescer spaces its pushes: the slot it holds is its own again at once.
    assert await slots.claim(1, audiences, "this process") == [0.0, 0.0]
    # Another process waits out what is left of the interval.
    waits = await slots.claim(1, audiences, "another process")
    assert all(0 < wait <= 1.0 for wait in waits), waits
    await asyncio.sleep(max(waits) + 0.01)
    assert await slots.claim(1, audiences, "another process") == [0.0, 0.0]
    assert all(wait > 0 for wait in await slots.claim(1, audiences, "this process"))


async def test_a_coalescer_detached_from_its_loop_starts_no_flush_on_it(workshop):
    """A loop shutting down (its tasks cancelled, the server's heartbeat first) stops the
    coalescer: the flushes it had set for later are cancelled, none is started unfinished."""
    process = Coalescer()
    loop = asyncio.get_running_loop()
    process.attach(loop)
    process.mark_soon(workshop.pk, frozenset({"results"}))
    assert process.timers  # set for now or later, one per audience
    started = len(asyncio.all_tasks())
    process.detach(loop)
    assert process.loop is None
    assert not process.timers
    await asyncio.sleep(0.1)  # past the projector's interval
    assert len(asyncio.all_tasks()) == started
