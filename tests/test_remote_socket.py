"""The remote's socket: the room's changes reach it live (the console moving on, a vote
opened, phones connecting), its notes never reach the projector or phones, and revoking the
remote link closes the sockets opened with it at once."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from sessions.agenda import services
from sessions.models import Step, Workshop
from sessions.remote import services as remote
from sessions.voting import services as voting
from tests.conftest import delegate_cookie_header, join
from tests.test_consumers import receive_until, session_cookie, socket

pytestmark = pytest.mark.django_db(transaction=True)

NOTES = "Ask the room for a show of hands first."


def two_steps(workshop: Workshop) -> tuple[Step, Step]:
    welcome = services.add_step(workshop=workshop, title="Welcome")
    assert welcome is not None
    Step.objects.filter(pk=welcome.pk).update(notes=NOTES)
    vote = voting.add_vote_step(
        workshop=workshop,
        title="Pick the challenge",
        body="",
        settings=voting.PollSettings(kind="dots", options=["Flow", "Waste"]),
    )
    return welcome, vote


def remote_token(workshop: Workshop) -> str:
    return remote.make_remote_link(workshop=workshop).remote_token or ""


async def test_the_remote_sees_the_console_move_the_room_and_open_a_vote(workshop, facilitator):
    welcome, vote = await sync_to_async(two_steps)(workshop)
    token = await sync_to_async(remote_token)(workshop)
    console = Client()
    await sync_to_async(console.force_login)(facilitator)
    async with (
        socket(f"/ws/remote/{token}/") as by_link,
        socket(f"/ws/console/{workshop.pk}/remote/", session_cookie(console)) as by_login,
    ):
        for live in (by_link, by_login):
            first = await receive_until(live, lambda f: 'id="remote"' in f)
            assert "The waiting screen" in first
            assert 'id="presence"' in first
        shown = await sync_to_async(console.post)(
            f"/console/workshops/{workshop.pk}/show/", {"go": "step", "step": welcome.pk}
        )
        assert shown.status_code == 302
        for live in (by_link, by_login):
            frame = await receive_until(live, lambda f: "Welcome" in f and 'id="remote"' in f)
            assert NOTES in frame
            assert "Next: <strong>Pick the challenge</strong>" in frame
        await sync_to_async(services.show_step)(workshop=workshop, step=vote)
        await receive_until(by_link, lambda f: "Open voting" in f)
        await sync_to_async(voting.open_poll)(poll=vote.poll)
        frame = await receive_until(by_link, lambda f: "Close voting" in f)
        assert "Voting is open" in frame


async def test_the_remote_counts_the_phones_as_they_connect(workshop):
    token = await sync_to_async(remote_token)(workshop)
    phone = Client()
    delegate = await sync_to_async(join)(phone, workshop)
    async with socket(f"/ws/remote/{token}/") as live:
        await receive_until(live, lambda f: 'data-count="0"' in f)
        cookie = (b"cookie", delegate_cookie_header(delegate))
        async with socket(f"/ws/phone/{workshop.pk}/", cookie):
            await receive_until(live, lambda f: 'data-count="1"' in f and 'id="presence"' in f)


async def test_revoking_the_remote_link_closes_its_sockets_at_once(workshop, facilitator):
    token = await sync_to_async(remote_token)(workshop)
    console = Client()
    await sync_to_async(console.force_login)(facilitator)
    async with (
        socket(f"/ws/remote/{token}/") as by_link,
        socket(f"/ws/console/{workshop.pk}/remote/", session_cookie(console)) as by_login,
    ):
        await receive_until(by_link, lambda f: 'id="remote"' in f)
        await receive_until(by_login, lambda f: 'id="remote"' in f)
        revoked = await sync_to_async(console.post)(
            f"/console/workshops/{workshop.pk}/remote-link/revoke/"
        )
        assert revoked.status_code == 302
        closed = await by_link.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": 4403}
        # The facilitator's own remote (by login) stays live.
        await by_login.send_to(text_data='{"type": "ping"}')
        assert await by_login.receive_from(timeout=5) == "pong"
    async with socket(f"/ws/remote/{token}/") as again:
        assert (await again.receive_output(timeout=5))["code"] == 4403


async def test_a_forged_link_or_an_outsider_cannot_open_a_remote_socket(workshop, outsider):
    await sync_to_async(remote_token)(workshop)
    async with socket("/ws/remote/" + "x" * 43 + "/") as forged:
        assert (await forged.receive_output(timeout=5))["code"] == 4403
    client = Client()
    await sync_to_async(client.force_login)(outsider)
    async with socket(f"/ws/console/{workshop.pk}/remote/", session_cookie(client)) as theirs:
        assert (await theirs.receive_output(timeout=5))["code"] == 4403
    async with socket(f"/ws/console/{workshop.pk}/remote/") as nobody:
        assert (await nobody.receive_output(timeout=5))["code"] == 4403


async def test_the_notes_never_reach_the_projector_or_phones(workshop):
    welcome, _vote = await sync_to_async(two_steps)(workshop)
    phone = Client()
    delegate = await sync_to_async(join)(phone, workshop)
    cookie = (b"cookie", delegate_cookie_header(delegate))
    token = await sync_to_async(remote_token)(workshop)
    seen_by_room: list[str] = []
    async with (
        socket(f"/ws/display/{workshop.display_token}/") as projector,
        socket(f"/ws/phone/{workshop.pk}/", cookie) as phone_socket,
        socket(f"/ws/remote/{token}/") as live,
    ):
        await receive_until(live, lambda f: 'id="remote"' in f)
        await sync_to_async(services.show_step)(workshop=workshop, step=welcome)
        await receive_until(live, lambda f: NOTES in f)
        await receive_until(projector, lambda f: "Welcome" in f, seen=seen_by_room)
        await receive_until(phone_socket, lambda f: "Welcome" in f, seen=seen_by_room)
    assert not any(NOTES in frame for frame in seen_by_room)
