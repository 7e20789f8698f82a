"""The live socket, end to end through `facilitate.asgi.application`.

A POST by one client changes what another client's socket receives. Every test disconnects
its sockets.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from contextlib import asynccontextmanager

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from facilitate.asgi import application
from sessions.agenda import services
from sessions.live import broadcast
from sessions.live.consumers import WorkshopConsumer
from sessions.models import Workshop
from tests.conftest import delegate_cookie_header, join

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost")
HOST = (b"host", b"localhost")


@asynccontextmanager
async def socket(path: str, *headers: tuple[bytes, bytes], origin=ORIGIN, host=HOST):
    communicator = WebsocketCommunicator(application, path, headers=[origin, host, *headers])
    connected, _ = await communicator.connect(timeout=5)
    try:
        yield communicator if connected else None
    finally:
        await communicator.disconnect()


async def receive_until(communicator, predicate, seen=None, within: float = 5.0) -> str:
    """Frames until one satisfies `predicate`; fails with what arrived if none does. Every
    frame received, the matching one last, is appended to `seen` if given.

    Waits with receive_nothing: a receive timeout would cancel the consumer.
    """
    seen = [] if seen is None else seen
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if await communicator.receive_nothing(timeout=0.05):
            continue
        frame = await communicator.receive_from()
        seen.append(frame)
        if predicate(frame):
            return frame
    raise AssertionError(f"no matching frame; got {seen!r}")


async def frames_until_quiet(communicator, quiet: float = 1.0) -> list[str]:
    frames = []
    while not await communicator.receive_nothing(timeout=quiet):
        frames.append(await communicator.receive_from())
    return frames


def count_in(frame: str) -> int | None:
    match = re.search(r'data-count="(\d+)"', frame)
    return int(match.group(1)) if match else None


def version_in(frame: str) -> int | None:
    match = re.search(r'data-version="(\d+)"', frame)
    return int(match.group(1)) if match else None


def presence_version(frame: str) -> int:
    """The version #presence was drawn at in `frame` (-1 if it does not carry #presence)."""
    match = re.search(r'id="presence"[^>]*data-version="(\d+)"', frame)
    return int(match.group(1)) if match else -1


def presence_is(n: int):
    return lambda frame: count_in(frame) == n


def session_cookie(client: Client) -> tuple[bytes, bytes]:
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def test_projector_gets_a_full_snapshot_on_connect(workshop):
    async with socket(f"/ws/display/{workshop.display_token}/") as projector:
        frame = await projector.receive_from(timeout=5)
    for region in ("status", "presence", "step", "join"):
        assert f'id="{region}"' in frame
    assert workshop.join_code in frame
    assert count_in(frame) == 0


async def test_a_foreign_origin_is_refused(workshop):
    evil = (b"origin", b"http://evil.example")
    async with socket(f"/ws/display/{workshop.display_token}/", origin=evil) as projector:
        assert projector is None


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("http://localhost:8001", "localhost"),  # another port of an allowed host
        ("http://localhost", "localhost:8000"),
        ("http://localhost:8000", "localhost:8001"),
        ("http://evil.example", "evil.example"),  # the same, but not an allowed host
        ("null", "localhost"),
        ("http://localhost:notaport", "localhost"),
        ("http://localhost", None),  # no Host header at all
    ],
)
async def test_a_handshake_from_another_origin_than_the_page_s_own_is_refused(
    workshop, origin, host
):
    path = f"/ws/display/{workshop.display_token}/"
    host_header = (b"host", host.encode()) if host else (b"x-no-host", b"")
    async with socket(path, origin=(b"origin", origin.encode()), host=host_header) as projector:
        assert projector is None


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("http://localhost", "localhost"),
        ("http://localhost:80", "localhost"),
        ("http://localhost:8000", "localhost:8000"),
        ("https://localhost", "localhost"),  # a page served over TLS on the default port
        ("https://localhost", "localhost:443"),
        ("http://LOCALHOST:8000", "localhost:8000"),
        ("http://[::1]:8000", "[::1]:8000"),
    ],
)
async def test_the_page_s_own_origin_opens_its_socket(workshop, origin, host):
    path = f"/ws/display/{workshop.display_token}/"
    headers = {"origin": (b"origin", origin.encode()), "host": (b"host", host.encode())}
    async with socket(path, **headers) as projector:
        assert projector is not None
        await receive_until(projector, lambda f: 'id="join"' in f)


async def test_origins_the_settings_trust_open_sockets_others_do_not(workshop, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://phones.example.org", "https://*.venue.example"]
    settings.PUBLIC_URL = "http://192.168.1.20:8000"
    path = f"/ws/display/{workshop.display_token}/"
    trusted = [
        "https://phones.example.org",
        "https://hall-b.venue.example",
        "https://venue.example",
        "http://192.168.1.20:8000",
    ]
    refused = [
        "https://phones.example.org:8443",
        "http://phones.example.org",
        "https://other.example.org",
        "https://venue.example.evil",
        "http://192.168.1.20:8001",
        "https://192.168.1.20:8000",
    ]
    for origin in trusted + refused:
        async with socket(path, origin=(b"origin", origin.encode())) as projector:
            assert (projector is not None) == (origin in trusted), origin
    # Trusted origins still need the Host header to name an allowed host.
    evil_host = (b"host", b"evil.example")
    async with socket(path, origin=(b"origin", trusted[0].encode()), host=evil_host) as projector:
        assert projector is None


@pytest.mark.parametrize("kind", ["phone", "display", "console"])
async def test_a_socket_is_accepted_while_the_database_thread_is_busy(kind, workshop, facilitator):
    """A handshake never waits behind the room's database work: the accept comes while a
    long call holds the database thread, and the socket's first frame once it is free."""
    if kind == "phone":
        delegate = await sync_to_async(join)(Client(), workshop)
        path, credentials = (
            f"/ws/phone/{workshop.pk}/",
            (b"cookie", delegate_cookie_header(delegate)),
        )
    elif kind == "display":
        path, credentials = f"/ws/display/{workshop.display_token}/", (b"x-none", b"")
    else:
        client = Client()
        await sync_to_async(client.force_login)(facilitator)
        path, credentials = f"/ws/console/{workshop.pk}/", session_cookie(client)
    holding, release = threading.Event(), threading.Event()

    def hold_the_database_thread() -> None:
        holding.set()
        release.wait(timeout=30)

    busy = asyncio.ensure_future(database_sync_to_async(hold_the_database_thread)())
    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN, HOST, credentials])
    try:
        assert await asyncio.to_thread(holding.wait, 5)
        connected, _ = await communicator.connect(timeout=3)
        assert connected
        assert not busy.done()  # accepted while the database thread was still held
    finally:
        release.set()
        await busy
    try:
        await receive_until(communicator, lambda f: 'id="step"' in f)
    finally:
        await communicator.disconnect()


async def test_a_frame_nested_too_deep_to_read_is_not_understood(workshop):
    async with socket(f"/ws/display/{workshop.display_token}/") as projector:
        await receive_until(projector, lambda f: 'id="join"' in f)
        for deep in ("[" * 2000 + "]" * 2000, "[" * 4096):
            with pytest.raises(RecursionError):  # what the consumer must catch
                json.loads(deep)
            await projector.send_to(text_data=deep)
            frame = await projector.receive_from(timeout=5)
            assert "not understood" in frame
        await projector.send_to(text_data='{"type": "ping"}')
        assert await projector.receive_from(timeout=5) == "pong"


async def test_a_delegate_joining_raises_the_projector_count_and_leaving_lowers_it(workshop):
    async with socket(f"/ws/display/{workshop.display_token}/") as projector:
        await receive_until(projector, presence_is(0))
        phone_client = Client()
        delegate = await sync_to_async(join)(phone_client, workshop, "Dana")
        cookie = (b"cookie", delegate_cookie_header(delegate))
        async with socket(f"/ws/phone/{workshop.pk}/", cookie) as phone:
            assert phone is not None
            await receive_until(projector, presence_is(1))
            # A second tab of the same phone is still one delegate. Its first snapshot is
            # drawn after its socket was counted; the projector's #presence drawn at that
            # version or later must say 1, and nothing before it may have said otherwise.
            async with socket(f"/ws/phone/{workshop.pk}/", cookie) as second_tab:
                assert second_tab is not None
                counted = version_in(
                    await receive_until(second_tab, lambda f: version_in(f) is not None)
                )
                frame = await receive_until(
                    projector,
                    lambda f: count_in(f) not in (None, 1) or presence_version(f) >= counted,
                )
                assert count_in(frame) == 1, frame
        await receive_until(projector, presence_is(0))


async def test_moving_the_room_reaches_every_phone_and_the_projector(workshop, facilitator):
    step = await sync_to_async(services.add_step)(workshop=workshop, title="Pick the challenge")
    facilitator_client = Client()
    await sync_to_async(facilitator_client.force_login)(facilitator)
    phones = [Client(), Client()]
    delegates = [await sync_to_async(join)(phone, workshop) for phone in phones]
    cookies = [(b"cookie", delegate_cookie_header(d)) for d in delegates]
    async with (
        socket(f"/ws/display/{workshop.display_token}/") as projector,
        socket(f"/ws/phone/{workshop.pk}/", cookies[0]) as phone_a,
        socket(f"/ws/phone/{workshop.pk}/", cookies[1]) as phone_b,
    ):
        for phone in (phone_a, phone_b):
            await receive_until(phone, lambda f: "Waiting for the facilitator" in f)
        response = await sync_to_async(facilitator_client.post)(
            f"/console/workshops/{workshop.pk}/show/", {"go": "step", "step": step.pk}
        )
        assert response.status_code == 302
        for live in (phone_a, phone_b, projector):
            await receive_until(live, lambda f: "Pick the challenge" in f)


async def test_the_console_socket_sees_the_agenda_change(workshop, facilitator):
    client = Client()
    await sync_to_async(client.force_login)(facilitator)
    async with socket(f"/ws/console/{workshop.pk}/", session_cookie(client)) as console:
        assert console is not None
        await receive_until(console, lambda f: 'id="agenda"' in f)
        await sync_to_async(client.post)(
            f"/console/workshops/{workshop.pk}/steps/", {"kind": "message", "title": "Reframe"}
        )
        await receive_until(console, lambda f: "Reframe" in f)


async def test_an_outsider_cannot_open_the_console_socket(workshop, outsider):
    client = Client()
    await sync_to_async(client.force_login)(outsider)
    async with socket(f"/ws/console/{workshop.pk}/", session_cookie(client)) as console:
        closed = await console.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4403}


async def test_an_anonymous_visitor_cannot_open_the_console_socket(workshop):
    async with socket(f"/ws/console/{workshop.pk}/") as console:
        closed = await console.receive_output(timeout=5)
    assert closed["code"] == 4403


async def test_a_phone_that_has_not_joined_is_refused(workshop, other_workshop):
    # Joined another workshop of another event: its cookie does not open this one.
    delegate = await sync_to_async(join)(Client(), other_workshop)
    cookie = (b"cookie", delegate_cookie_header(delegate))
    async with socket(f"/ws/phone/{workshop.pk}/", cookie) as phone:
        closed = await phone.receive_output(timeout=5)
    assert closed["code"] == 4403
    async with socket(f"/ws/phone/{workshop.pk}/") as phone:
        closed = await phone.receive_output(timeout=5)
    assert closed["code"] == 4403


async def test_revoking_the_display_link_closes_its_socket(workshop, facilitator):
    client = Client()
    await sync_to_async(client.force_login)(facilitator)
    async with socket(f"/ws/display/{workshop.display_token}/") as projector:
        await receive_until(projector, lambda f: 'id="join"' in f)
        await sync_to_async(client.post)(f"/console/workshops/{workshop.pk}/display/revoke/")
        closed = await projector.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": 4403}
    async with socket(f"/ws/display/{workshop.display_token}/") as stale:
        assert (await stale.receive_output(timeout=5))["code"] == 4403


async def test_heartbeat_is_answered_and_bad_messages_change_nothing(workshop):
    async with socket(f"/ws/display/{workshop.display_token}/") as projector:
        await receive_until(projector, lambda f: 'id="join"' in f)
        await projector.send_to(text_data='{"type": "ping"}')
        assert await projector.receive_from(timeout=5) == "pong"
        for bad in ("not json", "[1, 2]", '{"type": "vote"}', "x" * 10_000):
            await projector.send_to(text_data=bad)
            frame = await projector.receive_from(timeout=5)
            assert "not understood" in frame
            assert 'role="alert"' in frame
        # Still connected and answering.
        await projector.send_to(text_data='{"type": "ping"}')
        assert await projector.receive_from(timeout=5) == "pong"


async def test_a_socket_never_receives_an_older_snapshot_than_it_has(workshop):
    group = broadcast.group_name(workshop.pk, "projector")
    layer = get_channel_layer()
    async with socket(f"/ws/display/{workshop.display_token}/") as projector:
        first = await projector.receive_from(timeout=5)
        version = int(re.search(r'data-version="(\d+)"', first).group(1))
        stale = {"type": broadcast.PUSH, "version": version - 1, "html": {"step": "OLD"}}
        newer = {"type": broadcast.PUSH, "version": version + 5, "html": {"step": "NEW"}}
        older_than_newer = {"type": broadcast.PUSH, "version": version + 4, "html": {"step": "X"}}
        # Sent last: once it arrives, anything sent before it has arrived or been dropped.
        marker = {"type": broadcast.PUSH, "version": version + 6, "html": {"step": "MARK"}}
        for message in (stale, newer, older_than_newer, marker):
            await layer.group_send(group, message)
        assert await projector.receive_from(timeout=5) == "NEW"
        assert await projector.receive_from(timeout=5) == "MARK"


async def test_a_burst_of_changes_is_coalesced_into_few_snapshots(workshop, settings):
    settings.PUSH_INTERVAL_SECONDS = {**settings.PUSH_INTERVAL_SECONDS, "projector": 0.2}
    steps = [
        await sync_to_async(services.add_step)(workshop=workshop, title=f"Step {i}")
        for i in range(30)
    ]
    afterwards = await sync_to_async(services.add_step)(workshop=workshop, title="Afterwards")
    async with socket(f"/ws/display/{workshop.display_token}/") as projector:
        await receive_until(projector, lambda f: 'id="join"' in f)
        loop = asyncio.get_running_loop()
        started = loop.time()
        for step in steps:
            await sync_to_async(services.show_step)(workshop=workshop, step=step)
        burst = loop.time() - started
        final = await sync_to_async(Workshop.objects.get)(pk=workshop.pk)
        assert final.current_step_id == steps[-1].pk
        seen: list[str] = []
        await receive_until(projector, lambda f: "Step 29" in f, seen)
        # One change after the burst: every snapshot of the burst comes before its frame.
        await sync_to_async(services.show_step)(workshop=workshop, step=afterwards)
        await receive_until(projector, lambda f: "Afterwards" in f, seen)
        frames = seen[:-1]
    # At most one snapshot per 0.2 s while the burst lasts, plus the leading and trailing ones.
    assert 1 <= len(frames) <= burst / 0.2 + 2, (len(frames), burst)
    assert len(frames) < len(steps)
    assert "Step 29" in frames[-1]  # the trailing snapshot shows the burst's final state


async def test_a_vote_over_the_socket_is_acknowledged_once_and_reaches_the_projector(workshop):
    from sessions.models import Mark
    from sessions.voting import services as voting

    step = await sync_to_async(voting.add_vote_step)(
        workshop=workshop,
        title="Pick",
        body="",
        settings=voting.PollSettings(kind="dots", options=["A", "B", "C"], show_live=True),
    )
    await sync_to_async(services.show_step)(workshop=workshop, step=step)
    poll = await sync_to_async(voting.open_poll)(poll=step.poll)
    option = await sync_to_async(lambda: poll.options.get(label="B").pk)()
    delegate = await sync_to_async(join)(Client(), workshop)
    cookie = (b"cookie", delegate_cookie_header(delegate))
    vote = {"type": "vote", "poll": poll.pk, "option": option, "action": "add", "key": ""}
    async with (
        socket(f"/ws/display/{workshop.display_token}/") as projector,
        socket(f"/ws/phone/{workshop.pk}/", cookie) as phone,
    ):
        await receive_until(phone, lambda f: 'id="ballot"' in f)
        key = "6f1c1c7e-6b0e-4a43-9d59-0f0f8a1b2c3d"
        for _delivery in range(2):  # a resend of the same command
            await phone.send_json_to({**vote, "key": key})
            ack = await receive_until(phone, lambda f: f'data-ack="{key}"' in f)
            assert "<strong>2</strong> of 3 dots left" in ack
        await receive_until(projector, lambda f: f'data-option="{option}" data-score="1"' in f)
        await phone.send_json_to({**vote, "action": "remove", "key": "not-a-uuid"})
        await receive_until(phone, lambda f: "not understood" in f)
        await sync_to_async(voting.close_poll)(poll=poll)
        late = "0a1b2c3d-0000-4000-8000-000000000001"
        await phone.send_json_to({**vote, "key": late})
        refused = await receive_until(phone, lambda f: f'data-refused="{late}"' in f)
        assert "This vote is closed" in refused
    marks = await sync_to_async(lambda: list(Mark.objects.values_list("option_id", "value")))()
    assert marks == [(option, 1)]


async def test_a_projector_cannot_vote(workshop):
    async with socket(f"/ws/display/{workshop.display_token}/") as projector:
        await receive_until(projector, lambda f: 'id="join"' in f)
        await projector.send_json_to({"type": "vote", "poll": 1, "action": "add"})
        assert "not understood" in await projector.receive_from(timeout=5)


async def test_a_frame_at_a_version_the_socket_has_is_not_sent_again_but_who_is_here_is():
    """Two processes may push frames of the same version: the second shows nothing new (a
    change committed after the version was read is pushed again at a higher one), so only
    the count of who is here (not counted by versions) goes out again."""
    socket = WorkshopConsumer()
    socket.sent_versions = {}
    sent: list[str] = []

    async def send(text_data: str) -> None:
        sent.append(text_data)

    socket.send = send  # type: ignore[method-assign]
    frame = {"type": "region.push", "version": 7, "html": {"step": "<s7>", "presence": "<p7>"}}
    await socket.region_push(frame)
    again = {"type": "region.push", "version": 7, "html": {"step": "<s7b>", "presence": "<p8>"}}
    await socket.region_push(again)
    older = {"type": "region.push", "version": 6, "html": {"step": "<s6>", "presence": "<p6>"}}
    await socket.region_push(older)
    newer = {"type": "region.push", "version": 8, "html": {"step": "<s8>"}}
    await socket.region_push(newer)
    assert sent == ["<s7><p7>", "<p8>", "<s8>"]


async def test_a_ping_is_answered_while_the_database_thread_is_busy(workshop):
    """The heartbeat costs no database work: with the process's database thread held (the
    votes' writer busy), a page's ping is still answered at once, so no page replaces a
    healthy socket because the room is voting."""
    holding, release = threading.Event(), threading.Event()

    def hold_the_database_thread() -> None:
        holding.set()
        release.wait(timeout=30)

    async with socket(f"/ws/display/{workshop.display_token}/") as projector:
        await receive_until(projector, lambda f: 'id="join"' in f)
        busy = asyncio.ensure_future(database_sync_to_async(hold_the_database_thread)())
        try:
            assert await asyncio.to_thread(holding.wait, 5)
            await projector.send_to(text_data='{"type": "ping"}')
            assert await projector.receive_from(timeout=3) == "pong"
            assert not busy.done()  # answered while the database thread was still held
        finally:
            release.set()
            await busy


async def test_the_presence_heartbeat_confirms_the_sockets_while_the_database_thread_is_busy(
    workshop,
):
    """A hall's presence entries are confirmed off the database thread: with it held (the
    votes' writer busy), this process's sockets are confirmed all the same."""
    from sessions.live import roster
    from sessions.live.consumers import presence_heartbeat

    delegate = await sync_to_async(join)(Client(), workshop)
    roster.sockets.open("socket.heartbeat", workshop.pk, delegate.pk)
    member = roster.socket_member(delegate.pk)
    roster.store().put(workshop.pk, {member: 1.0})  # confirmed long ago
    holding, release = threading.Event(), threading.Event()

    def hold_the_database_thread() -> None:
        holding.set()
        release.wait(timeout=30)

    busy = asyncio.ensure_future(database_sync_to_async(hold_the_database_thread)())
    heartbeat = None
    try:
        assert await asyncio.to_thread(holding.wait, 5)
        heartbeat = asyncio.ensure_future(presence_heartbeat())
        for _ in range(300):
            if (roster.store().score(workshop.pk, member) or 0) > roster.fresh_after():
                break
            await asyncio.sleep(0.01)
        assert (roster.store().score(workshop.pk, member) or 0) > roster.fresh_after()
        assert not busy.done()  # confirmed while the database thread was still held
    finally:
        release.set()
        await busy
        if heartbeat is not None:
            heartbeat.cancel()
        roster.sockets.close("socket.heartbeat")


async def test_phones_connect_in_turn_with_their_pings_answered_meanwhile(workshop, settings):
    """A reconnect storm: phones connect SOCKET_CONNECTS_AT_ONCE at a time. A phone waiting
    its turn is accepted and answers pings, but gets no frame and carries out no vote until
    its turn; the projector does not wait behind the phones. A phone that leaves while
    waiting leaves nothing behind."""
    from sessions.live import roster
    from sessions.live.consumers import admissions
    from sessions.models import Mark
    from sessions.voting import services as voting

    settings.SOCKET_CONNECTS_AT_ONCE = 1
    step = await sync_to_async(voting.add_vote_step)(
        workshop=workshop,
        title="Pick",
        body="",
        settings=voting.PollSettings(kind="dots", options=["A", "B"], show_live=True),
    )
    await sync_to_async(services.show_step)(workshop=workshop, step=step)
    poll = await sync_to_async(voting.open_poll)(poll=step.poll)
    option = await sync_to_async(lambda: poll.options.get(label="A").pk)()
    delegates = [await sync_to_async(join)(Client(), workshop) for _ in range(2)]
    cookies = [(b"cookie", delegate_cookie_header(d)) for d in delegates]
    key = "6f1c1c7e-6b0e-4a43-9d59-0f0f8a1b2c3e"
    vote = {"type": "vote", "poll": poll.pk, "option": option, "action": "add", "key": key}
    turn = admissions()
    await turn.acquire()  # the one connect at a time is taken: phones wait their turn
    released = False
    try:
        async with (
            socket(f"/ws/phone/{workshop.pk}/", cookies[0]) as waiting,
            socket(f"/ws/phone/{workshop.pk}/", cookies[1]) as leaving,
        ):
            assert waiting is not None  # accepted at once
            assert leaving is not None
            await waiting.send_to(text_data='{"type": "ping"}')
            assert await waiting.receive_from(timeout=3) == "pong"  # nothing came before it
            async with socket(f"/ws/display/{workshop.display_token}/") as projector:
                await receive_until(projector, lambda f: 'id="step"' in f)
            await leaving.disconnect()  # gone before its turn
            await waiting.send_json_to(vote)
            await waiting.send_to(text_data='{"type": "ping"}')
            turn.release()
            released = True
            frames: list[str] = []
            await receive_until(waiting, lambda f: f'data-ack="{key}"' in f, frames)
            assert 'id="ballot"' in frames[0]  # its first frame, then the vote's answer
            await receive_until(waiting, lambda f: f == "pong")  # then the ping sent after it
            assert await sync_to_async(Mark.objects.filter(option_id=option).count)() == 1
            assert roster.sockets.delegates() == {workshop.pk: [delegates[0].pk]}
    finally:
        if not released:
            turn.release()
    assert roster.sockets.delegates() == {}


async def test_turns_go_in_order_and_a_phone_gone_while_waiting_gives_its_place_up():
    from sessions.live.consumers import Turns

    turns, order = Turns(1), []

    async def connect(name: str) -> None:
        async with turns:
            order.append(name)
            await asyncio.sleep(0)

    await turns.acquire()
    waiting = [asyncio.create_task(connect(name)) for name in ("ana", "ben", "cy", "dee")]
    await asyncio.sleep(0)  # every one waits its turn
    assert len(turns.waiting) == 4
    waiting[1].cancel()  # ben's socket closes while he waits
    turns.release()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert order == ["ana", "cy", "dee"]
    assert isinstance(results[1], asyncio.CancelledError)
    assert turns.free == 1  # every turn given back
    assert not turns.waiting
