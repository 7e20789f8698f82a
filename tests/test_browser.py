"""What people see, in a real Chromium against a real daphne server.

Screenshots at phone and projector sizes are written to screenshots/ for a person to look at.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sessions.agenda import services
from tests.browser import PHONE, PROJECTOR, join_by_qr_link, join_in, live, open_console, shot
from tests.servers import Daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agenda(workshop):
    return [
        services.add_step(workshop=workshop, title="Where we are", body="The room's profile."),
        services.add_step(workshop=workshop, title="Pick the challenge", body="Vote now."),
        services.add_step(workshop=workshop, title="Commit", body="One small experiment."),
    ]


def test_a_room_follows_the_facilitator_live(browser, server, workshop, facilitator, agenda):
    projector = browser.new_context(**PROJECTOR).new_page()
    projector.goto(f"{server.url}/display/{workshop.display_token}/")
    live(projector)
    expect(projector.locator("#presence strong")).to_have_text("0")
    expect(projector.locator("#join svg")).to_be_visible()
    expect(projector.locator(".join-code")).to_have_text(workshop.join_code)
    shot(projector, "projector-waiting")

    phones = [join_by_qr_link(browser, server, workshop, name) for name in ("Ali", "Bea")]
    expect(projector.locator("#presence strong")).to_have_text("2")
    shot(phones[0], "phone-waiting")

    console = open_console(browser, server, workshop, facilitator)
    expect(console.locator("#presence strong")).to_have_text("2")
    console.get_by_role("button", name="Next →").click()
    for page in (*phones, projector):
        expect(page.locator("#step")).to_contain_text("Where we are")
    shot(projector, "projector-step")
    shot(phones[1], "phone-step")
    shot(console, "console")

    # One phone loses its connection; the room moves on; it comes back to the current step.
    offline = phones[0]
    offline.context.set_offline(True)
    console.get_by_role("button", name="Next →").click()
    expect(phones[1].locator("#step")).to_contain_text("Pick the challenge")
    offline.context.set_offline(False)
    expect(offline.locator("#step")).to_contain_text("Pick the challenge", timeout=30_000)
    live(offline)

    # Closing a phone's tab takes the count down.
    phones[1].close()
    expect(projector.locator("#presence strong")).to_have_text("1")


def test_every_page_recovers_after_a_server_restart(browser, workshop, facilitator, agenda):
    server = Daphne().start()
    try:
        projector = browser.new_context(**PROJECTOR).new_page()
        projector.goto(f"{server.url}/display/{workshop.display_token}/")
        live(projector)
        phone = join_by_qr_link(browser, server, workshop, "Cal")
        server.stop()
        expect(phone.locator("#connection")).not_to_have_text("Live", timeout=10_000)
        # While the server is down the room moves on (directly in the database).
        services.show_step(workshop=workshop, step=agenda[2])
        server = Daphne(port=server.port).start()
        for page in (phone, projector):
            expect(page.locator("#step")).to_contain_text("Commit", timeout=30_000)
            live(page)
        expect(projector.locator("#presence strong")).to_have_text("1", timeout=15_000)
    finally:
        server.stop()


def test_a_revoked_projector_stops_and_says_so(browser, server, workshop, facilitator):
    projector = browser.new_context(**PROJECTOR).new_page()
    projector.goto(f"{server.url}/display/{workshop.display_token}/")
    live(projector)
    console = open_console(browser, server, workshop, facilitator)
    console.on("dialog", lambda dialog: dialog.accept())
    console.get_by_role("button", name="Revoke the projector link").click()
    expect(projector.locator("#connection")).to_have_text(
        re.compile("no longer valid"), timeout=10_000
    )
    expect(console.locator("#flash")).to_contain_text("Projector link revoked")
    projector.reload()
    expect(projector.get_by_text("display link is not valid")).to_be_visible()


def test_a_phone_whose_socket_floods_the_server_stops_and_says_so(browser, server, workshop):
    """Something on the phone (a stuck script, an add-on) sends far past the phone's pace:
    the server closes the socket with 4429, and the page says why instead of reconnecting."""
    context = browser.new_context(**PHONE)
    upstreams = []
    context.route_web_socket(
        re.compile(r"/ws/phone/"), lambda ws: upstreams.append(ws.connect_to_server())
    )
    phone = join_in(context, server, workshop, "Flo")
    live(phone)
    for _ in range(300):
        upstreams[-1].send('{"type": "ping"}')
    expect(phone.locator("#connection")).to_have_text(
        "Disconnected: this page sent too much at once. Reload the page to carry on.",
        timeout=10_000,
    )
    phone.reload()
    live(phone)


def test_pages_fall_back_to_polling_when_sockets_are_blocked(
    browser, server, workshop, facilitator, agenda
):
    context = browser.new_context(**PHONE)
    context.route_web_socket(re.compile(".*"), lambda ws: ws.close(code=1006))
    phone = context.new_page()
    phone.goto(f"{server.url}/j/{workshop.join_token}/")
    phone.get_by_role("button", name="Join the workshop").click()
    expect(phone.locator("#connection")).to_have_text(
        re.compile("updating every few seconds"), timeout=20_000
    )
    services.show_step(workshop=workshop, step=agenda[1])
    expect(phone.locator("#step")).to_contain_text("Pick the challenge", timeout=15_000)
