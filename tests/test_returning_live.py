"""A returning delegate's answer reaches the pages already open, over their sockets: the
delegate's own phones at this edition redraw their brought-back commitments, and the
projector and console showing "Since last time" redraw its figures."""

from __future__ import annotations

import re
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from sessions.agenda import services as agenda
from sessions.models import Return, Step
from tests.conftest import delegate_cookie_header, join
from tests.test_consumers import frames_until_quiet, receive_until, session_cookie, socket
from tests.test_editions import (  # noqa: F401  (fixtures)
    bring,
    commitment,
    returning_delegate,
)

pytestmark = pytest.mark.django_db(transaction=True)


def done_figure(frame: str) -> str | None:
    """What the "Since last time" step shows for "done" in `frame`, if it carries it."""
    match = re.search(r'data-figure="done"><dt>done</dt><dd>(.*?)</dd>', frame, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()) if match else None


def cookie(delegate) -> tuple[bytes, bytes]:
    return (b"cookie", delegate_cookie_header(delegate))


@pytest.fixture
def open_pages(returning_delegate, facilitator):  # noqa: F811
    """Dana brought last year's commitment to her phone; she has joined a second room too,
    which shows "Since last time" (4 of last year's 5 other commitments done: "under 5"
    until hers is). Eve, another delegate, is in that room. Returns (Dana's phone client,
    the url of her tap, the first room, the second room, Dana, Eve, a console client)."""
    made, path, phone, room = returning_delegate
    for n in range(5):
        commitment(made.step, None, status="done" if n < 4 else "dropped", verdict="adopt")
    assert bring(phone, path).status_code == 302
    returned = Return.objects.get()
    second = agenda.create_workshop(event=room.event, title="Looking back")
    step = agenda.add_step(workshop=second, title="Since last time", kind=Step.Kind.SINCE)
    agenda.show_step(workshop=second, step=step)
    join(phone, second, "Dana")
    eve = join(Client(), second, "Eve")
    console = Client()
    console.force_login(facilitator)
    url = f"/w/{room.pk}/returned/{returned.pk}/"
    return phone, url, room, second, returned.delegate, eve, console


async def test_an_answer_reaches_the_delegates_other_pages_the_projector_and_the_console(
    open_pages,
):
    phone, url, room, second, dana, eve, console = open_pages
    async with (
        socket(f"/ws/phone/{room.pk}/", cookie(dana)) as dana_here,
        socket(f"/ws/phone/{second.pk}/", cookie(dana)) as dana_there,
        socket(f"/ws/phone/{second.pk}/", cookie(eve)) as eve_there,
        socket(f"/ws/display/{second.display_token}/") as projector,
        socket(f"/ws/console/{second.pk}/", session_cookie(console)) as console_socket,
    ):
        for screen in (projector, console_socket):
            await receive_until(screen, lambda f: done_figure(f) == "under 5")
        for page in (dana_here, dana_there, eve_there):
            await receive_until(page, lambda f: 'id="status"' in f)  # its first frame
        answer = await sync_to_async(phone.post)(url, {"outcome": "done", "key": str(uuid.uuid4())})
        assert answer.status_code == 302
        # Her other pages lose the card (answered now), pushed alone and out of band.
        for page in (dana_here, dana_there):
            frame = await receive_until(page, lambda f: 'id="returned"' in f)
            assert 'hx-swap-oob="true"' in frame
            assert "Last time, at" not in frame
        # The room's screens count it: 5 of last year's commitments done.
        for screen in (projector, console_socket):
            await receive_until(screen, lambda f: done_figure(f) == "5")
        # Eve's phone redraws the step with the room, never Dana's card.
        seen: list[str] = []
        await receive_until(eve_there, lambda f: "on the big screen" in f, seen)
        seen += await frames_until_quiet(eve_there, quiet=0.5)
        assert not any('id="returned"' in f for f in seen)


async def test_a_renewal_is_pushed_to_the_delegates_other_page(open_pages):
    phone, url, _room, second, dana, _eve, _console = open_pages
    async with socket(f"/ws/phone/{second.pk}/", cookie(dana)) as dana_there:
        await receive_until(dana_there, lambda f: 'id="status"' in f)
        answer = await sync_to_async(phone.post)(
            url, {"outcome": "renewed", "key": str(uuid.uuid4())}, headers={"HX-Request": "true"}
        )
        assert answer.status_code == 200
        assert "Kept going" in answer.content.decode()
        frame = await receive_until(dana_there, lambda f: 'id="returned"' in f)
        assert "Last time, at" not in frame
