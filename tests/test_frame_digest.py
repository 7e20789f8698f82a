"""A page that already shows the frame its socket would get is not sent it again.

The phone page carries the digest of its socket's first frame (`data-frame`); the page's
socket gives it back (`?frame=`), and gets only the frame's mark when nothing changed since,
or the whole frame, ending with its new mark, when anything did. What a phone shows after
either is exactly what a page loaded fresh shows.
"""

from __future__ import annotations

import re

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from sessions.agenda import services
from sessions.live.regions import frame_mark
from sessions.voting import services as voting
from tests.conftest import delegate_cookie_header, join
from tests.test_consumers import receive_until, socket

pytestmark = pytest.mark.django_db(transaction=True)

MARK = re.compile(r"<!--frame:([0-9a-f]{24})-->$")


def page_digest(client: Client, workshop) -> str | None:
    response = client.get(f"/w/{workshop.pk}/")
    assert response.status_code == 200
    found = re.search(r'data-frame="([0-9a-f]+)"', response.content.decode())
    return found.group(1) if found else None


@pytest.fixture
def phone(workshop):
    client = Client()
    delegate = join(client, workshop, "Dana")
    return client, (b"cookie", delegate_cookie_header(delegate))


async def test_a_page_just_loaded_gets_only_the_mark_then_every_change(workshop, phone):
    client, cookie = phone
    step = await sync_to_async(services.add_step)(workshop=workshop, title="Pick the challenge")
    digest = await sync_to_async(page_digest)(client, workshop)
    assert digest is not None
    async with socket(f"/ws/phone/{workshop.pk}/?frame={digest}", cookie) as live:
        assert await live.receive_from(timeout=5) == frame_mark(digest)
        # The socket is live: the room moving on reaches it.
        await sync_to_async(services.show_step)(workshop=workshop, step=step)
        frame = await receive_until(live, lambda f: "Pick the challenge" in f)
    assert MARK.search(frame) is None  # a push carries no mark: the page's digest is gone


async def test_a_change_before_the_socket_connects_sends_the_whole_frame(workshop, phone):
    client, cookie = phone
    step = await sync_to_async(services.add_step)(workshop=workshop, title="Pick the challenge")
    digest = await sync_to_async(page_digest)(client, workshop)
    await sync_to_async(services.show_step)(workshop=workshop, step=step)
    async with socket(f"/ws/phone/{workshop.pk}/?frame={digest}", cookie) as live:
        frame = await live.receive_from(timeout=5)
    assert "Pick the challenge" in frame
    mark = MARK.search(frame)
    assert mark is not None
    assert mark.group(1) != digest
    # The new mark is what a page loaded now has.
    assert mark.group(1) == await sync_to_async(page_digest)(client, workshop)


async def test_a_phone_s_own_vote_changes_its_frame(workshop, phone):
    client, cookie = phone
    step = await sync_to_async(voting.add_vote_step)(
        workshop=workshop,
        title="Which costs most?",
        body="",
        settings=voting.PollSettings(kind="dots", options=["Changeovers", "Training"], budget=3),
    )
    await sync_to_async(services.show_step)(workshop=workshop, step=step)
    poll = await sync_to_async(voting.open_poll)(poll=step.poll)
    digest = await sync_to_async(page_digest)(client, workshop)
    option = await sync_to_async(lambda: poll.options.all()[0].pk)()
    # The vote view waits on the database thread: posted from another thread.
    response = await sync_to_async(client.post, thread_sensitive=False)(
        f"/w/{workshop.pk}/vote/",
        {"poll": poll.pk, "option": option, "action": "add"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    async with socket(f"/ws/phone/{workshop.pk}/?frame={digest}", cookie) as live:
        frame = await live.receive_from(timeout=5)
    assert 'id="ballot' in frame
    assert MARK.search(frame).group(1) == await sync_to_async(page_digest)(client, workshop)


@pytest.mark.parametrize("given", ["", "nothex", "0" * 24, "a" * 200, "%00"])
async def test_a_socket_naming_no_frame_or_another_gets_the_whole_frame(workshop, phone, given):
    client, cookie = phone
    digest = await sync_to_async(page_digest)(client, workshop)
    async with socket(f"/ws/phone/{workshop.pk}/?frame={given}", cookie) as live:
        frame = await live.receive_from(timeout=5)
    assert 'id="step"' in frame
    assert frame.endswith(frame_mark(digest))


async def test_a_page_drawn_with_a_refusal_names_no_frame(workshop, phone):
    client, _ = phone
    # The vote view waits on the database thread: posted from another thread.
    response = await sync_to_async(client.post, thread_sensitive=False)(
        f"/w/{workshop.pk}/vote/", {"poll": "999999", "option": "1", "action": "add"}
    )
    assert response.status_code in (400, 404, 409)
    assert "data-frame=" not in response.content.decode()
