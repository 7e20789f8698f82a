"""An event's team in real browsers: a facilitator makes an invitation link, a new person
opens it on a phone, makes an account and is on the console; an organiser sees the
dashboard and the archive, and is told they cannot run a workshop."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from sessions.agenda import services
from sessions.models import Role
from sessions.team import services as team
from tests.browser import LAPTOP, PHONE, live, shot
from tests.conftest import session_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(contexts, server, user, size):
    context = contexts(**size)
    context.add_cookies([{"name": "sessionid", "value": session_for(user), "url": server.url}])
    return context.new_page()


def test_a_new_facilitator_joins_by_link_and_an_organiser_only_sees_results(
    contexts, server, workshop, facilitator
):
    services.add_step(workshop=workshop, title="Welcome", body="Small steps.")
    console = signed_in(contexts, server, facilitator, LAPTOP)
    console.goto(f"{server.url}/console/")
    console.get_by_role("link", name="Team").click()
    expect(console.get_by_role("heading", name="Team of Productivity Day")).to_be_visible()
    console.get_by_role("button", name="Make an invitation link").click()
    link = console.get_by_role("textbox", name="Invitation link")
    expect(link).to_have_value(re.compile(r"/team/[A-Za-z0-9_-]{43}/$"))
    shot(console, "team-invite-link-laptop")

    # A new person opens the link on a phone, signed out, and makes an account.
    phone = contexts(**PHONE).new_page()
    phone.goto(link.input_value())
    expect(phone.get_by_role("heading", name="Join the team of Productivity Day")).to_be_visible()
    expect(phone.get_by_role("link", name="Sign in to accept")).to_be_visible()
    shot(phone, "team-invitation-phone")
    phone.get_by_label("Username").fill("nia")
    phone.get_by_label("Your name").fill("Nia Okafor")
    phone.get_by_label("Email address").fill("nia@example.org")
    phone.get_by_label(re.compile(r"^Password:?$")).fill("2short")
    phone.get_by_label("Password confirmation").fill("2short")
    phone.get_by_role("button", name="Create account and join").click()
    expect(phone.get_by_text("This password is too short.")).to_be_visible()  # nothing made
    shot(phone, "team-invitation-refused-phone")
    phone.get_by_label(re.compile(r"^Password:?$")).fill("lean-steps-on-line-2")
    phone.get_by_label("Password confirmation").fill("lean-steps-on-line-2")
    phone.get_by_role("button", name="Create account and join").click()
    expect(
        phone.get_by_text("You are now on the team of Productivity Day as facilitator.")
    ).to_be_visible()
    phone.get_by_role("link", name="Small steps").click()
    live(phone)
    expect(phone.locator("#agenda")).to_contain_text("Welcome")
    shot(phone, "team-new-facilitator-console-phone")

    # The facilitator's team page now lists them (reloading the page that showed the link
    # would send its form again, which is refused: the link was shown once).
    console.goto(f"{server.url}/console/events/{workshop.event_id}/team/")
    expect(console.locator(".team-list").first).to_contain_text("Nia Okafor")

    # An organiser: the dashboard and archive, never a room's controls.
    organiser = User.objects.create_user(username="orla", first_name="Orla", password="x")
    team.add_member(event=workshop.event, user=organiser, role=Role.ORGANISER)
    desk = signed_in(contexts, server, organiser, LAPTOP)
    desk.goto(f"{server.url}/console/")
    expect(desk.get_by_text("Organiser", exact=True)).to_be_visible()
    expect(desk.get_by_role("link", name="Add a workshop")).to_have_count(0)
    shot(desk, "team-organiser-home-laptop")
    desk.get_by_role("link", name="Dashboard").click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("Productivity Day")
    desk.goto(f"{server.url}/console/")
    desk.get_by_role("link", name="Small steps").click()
    expect(desk.get_by_role("heading", name="Report and exports")).to_be_visible()
    expect(desk.get_by_role("heading", name="Share with delegates")).to_have_count(0)
    desk.goto(f"{server.url}/console/workshops/{workshop.pk}/")
    expect(
        desk.get_by_text("Organisers can see this event's results but cannot run its workshops.")
    ).to_be_visible()
    expect(desk.get_by_role("button", name="Show")).to_have_count(0)
    shot(desk, "team-organiser-refused-laptop")
    desk.goto(f"{server.url}/console/events/{workshop.event_id}/team/")
    expect(desk.get_by_text("You are an organiser of this event")).to_be_visible()
    expect(desk.get_by_role("button", name="Make an invitation link")).to_have_count(0)
    shot(desk, "team-organiser-team-laptop")
    small = signed_in(contexts, server, facilitator, PHONE)
    small.goto(f"{server.url}/console/events/{workshop.event_id}/team/")
    expect(small.get_by_role("heading", name="People")).to_be_visible()
    shot(small, "team-page-phone")
