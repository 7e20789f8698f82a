"""One phone cannot slow the room: what a socket or a delegate sends past its pace is refused
with "slow down" and not carried out, and a socket that keeps going is closed.

The pace is PHONE_MESSAGE_BURST messages at once, then PHONE_MESSAGES_PER_SECOND; these tests
set no refill (0 a second) or stop the clock, so that exactly the burst is carried out.
"""

from __future__ import annotations

import re
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from sessions.live.consumers import FLOOD_MESSAGES, FLOODED
from sessions.models import Change, Idea
from tests.conftest import delegate_cookie_header, join
from tests.servers import free_port
from tests.test_consumers import receive_until, socket
from tests.test_voting import HTMX, make_poll, option_id, tap

SLOW_DOWN = "Slow down: this phone sent too much at once, so that was not done."
ACK = re.compile(r'data-ack="([^"]+)"')
REFUSED = re.compile(r'data-refused="([^"]+)"')


def changes(workshop) -> int:
    return Change.objects.filter(workshop=workshop).count()


def votes(poll, option: int, n: int) -> list[dict]:
    """n taps on one option, add and remove in turn (each one a change when carried out)."""
    return [
        {
            "type": "vote",
            "poll": poll.pk,
            "option": option,
            "action": "add" if i % 2 == 0 else "remove",
            "key": str(uuid.uuid4()),
        }
        for i in range(n)
    ]


@pytest.fixture
def tight_pace(settings):
    """A burst of 6 messages and nothing more: what is past it is easy to count."""
    settings.PHONE_MESSAGE_BURST = 6
    settings.PHONE_MESSAGES_PER_SECOND = 0


@pytest.fixture
def phone_setup(workshop):
    poll = make_poll(workshop)
    delegate = join(Client(), workshop, "Flo")
    return poll, option_id(poll, "Training"), (b"cookie", delegate_cookie_header(delegate))


# --- one socket -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_votes_past_a_socket_s_pace_are_refused_and_not_carried_out(
    workshop, phone_setup, tight_pace
):
    poll, option, cookie = phone_setup
    before = await sync_to_async(changes)(workshop)
    taps = votes(poll, option, 30)
    answers: dict[str, str] = {}
    async with socket(f"/ws/phone/{workshop.pk}/", cookie) as phone:
        await receive_until(phone, lambda f: 'id="ballot"' in f)
        for message in taps:  # written at once: none waits for an answer
            await phone.send_json_to(message)

        def answered(frame: str) -> bool:
            for found in (*ACK.findall(frame), *REFUSED.findall(frame)):
                assert found not in answers, "one answer per tap"
                answers[found] = frame
            return len(answers) == len(taps)

        await receive_until(phone, answered)
        # Past the pace, a ping still gets its pong: the page's heartbeat never fails.
        await phone.send_to(text_data='{"type": "ping"}')
        await receive_until(phone, lambda f: f == "pong")
    keys = [message["key"] for message in taps]
    assert [key for key in keys if f'data-ack="{key}"' in answers[key]] == keys[:6]
    for key in keys[6:]:
        assert f'data-refused="{key}"' in answers[key]
        assert SLOW_DOWN in answers[key]
    assert await sync_to_async(changes)(workshop) == before + 6


@pytest.mark.django_db(transaction=True)
async def test_a_socket_flooding_far_past_its_pace_is_closed_and_its_queue_dropped(
    workshop, phone_setup, tight_pace
):
    poll, option, cookie = phone_setup
    before = await sync_to_async(changes)(workshop)
    flood = votes(poll, option, 2_000)
    async with socket(f"/ws/phone/{workshop.pk}/", cookie) as phone:
        await receive_until(phone, lambda f: 'id="ballot"' in f)
        for message in flood:
            await phone.send_json_to(message)
        outputs = []
        while True:
            output = await phone.receive_output(timeout=10)
            outputs.append(output)
            if output["type"] == "websocket.close":
                break
    # Leaving the block disconnected the socket and waited for the consumer to finish, after
    # every message it had queued: none of them was carried out.
    assert outputs[-1] == {"type": "websocket.close", "code": FLOODED}
    frames = [output.get("text", "") for output in outputs]
    assert len([f for f in frames if ACK.search(f)]) == 6
    # Refused one by one until FLOOD_MESSAGES past the pace; the rest dropped unread.
    assert len([f for f in frames if SLOW_DOWN in f]) == FLOOD_MESSAGES + 1
    assert await sync_to_async(changes)(workshop) == before + 6


# --- one delegate over HTTP -----------------------------------------------------------------


@pytest.fixture
def frozen_clock(monkeypatch):
    """The HTTP pace's windows do not move unless the test moves them."""
    now = [1_000_000 * 600 + 0.1]
    monkeypatch.setattr("sessions.ratelimit.time.time", lambda: now[0])
    return now


@pytest.mark.django_db
def test_a_delegate_posting_past_the_pace_is_told_to_slow_down_and_nothing_changes(
    workshop, delegate_client, settings, frozen_clock
):
    settings.PHONE_MESSAGE_BURST = 5
    settings.PHONE_MESSAGES_PER_SECOND = 10
    poll = make_poll(workshop)
    before = changes(workshop)
    for action in ("add", "remove", "add", "remove", "add"):
        assert tap(delegate_client, poll, "Training", action).status_code == 200
    refused = tap(delegate_client, poll, "Training", "remove")
    assert refused.status_code == 429
    assert refused["HX-Reswap"] == "none"
    html = refused.content.decode()
    assert html.startswith('<div id="flash"')
    assert SLOW_DOWN in html
    # A plain form post gets a page saying so; an idea counts against the same pace.
    data = {"poll": poll.pk, "option": option_id(poll, "Training"), "action": "remove"}
    plain = delegate_client.post(f"/w/{workshop.pk}/vote/", data)
    assert plain.status_code == 429
    assert SLOW_DOWN in plain.content.decode()
    idea = delegate_client.post(
        f"/w/{workshop.pk}/ideas/send/", {"board": 1, "text": "More breaks"}, **HTMX
    )
    assert idea.status_code == 429
    assert SLOW_DOWN in idea.content.decode()
    assert changes(workshop) == before + 5
    assert Idea.objects.count() == 0
    # Another phone keeps its own pace; this one's comes back once the window has passed.
    neighbour = Client()
    join(neighbour, workshop, "Nia")
    assert tap(neighbour, poll, "Training", "add").status_code == 200
    frozen_clock[0] += 2 * settings.PHONE_MESSAGE_BURST / settings.PHONE_MESSAGES_PER_SECOND
    assert tap(delegate_client, poll, "Training", "remove").status_code == 200
    assert changes(workshop) == before + 7


@pytest.mark.django_db
def test_the_http_pace_lets_commands_through_when_the_cache_is_unreachable(
    workshop, delegate_client, settings, caplog, monkeypatch
):
    monkeypatch.setattr("sessions.ratelimit._pace_outage_logged", None)  # logged once a minute
    settings.PHONE_MESSAGE_BURST = 1
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    poll = make_poll(workshop)
    with caplog.at_level("WARNING", logger="sessions.ratelimit"):
        for action in ("add", "remove", "add"):
            assert tap(delegate_client, poll, "Training", action).status_code == 200
    assert "Phone pace over HTTP not checked: the cache is unreachable" in caplog.text
