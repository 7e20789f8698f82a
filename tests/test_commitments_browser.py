"""Commitments in real browsers: delegates fill in cards on phones, the projector's wall fills,
the facilitator finishes the workshop, and a check-in link updates the organiser's dashboard."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from sessions.agenda import services
from sessions.commitments import followups
from sessions.commitments import services as commitments
from sessions.models import Commitment, Poll
from sessions.voting import services as voting
from sessions.voting.services import PollSettings
from tests.browser import LAPTOP, PHONE, PROJECTOR, join_by_qr_link, live, open_console, shot
from tests.conftest import session_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACTIONS = [
    "time every changeover on line 2 for two weeks",
    "run a 5S day in the stores by Friday",
    "more training for 3 operators by March",
]


@pytest.fixture
def commit_step(workshop):
    settings = PollSettings(kind=Poll.Kind.DOTS, options=["Changeovers", "Training", "Stock"])
    vote = voting.add_vote_step(workshop=workshop, title="Pick", body="", settings=settings)
    workshop.focus_options.set([vote.poll.options.get(label="Changeovers")])
    step = commitments.add_commit_step(workshop=workshop, title="Commit to one experiment")
    services.show_step(workshop=workshop, step=step)
    return step


def next_step(phone) -> None:
    shown = phone.locator(".commit-card .card-step:not([hidden])")
    shown.get_by_role("button", name="Next").click()


def fill_card(phone, action: str, email: str = "") -> None:
    """Walks the card step by step (with script, one step shows at a time)."""
    phone.get_by_label("I will …").fill(action)
    next_step(phone)
    phone.get_by_label("When …", exact=True).fill("When the Monday shift starts")
    phone.get_by_label("… then I will").fill("put a stopwatch by the press")
    next_step(phone)
    phone.get_by_label("I will know it worked when …").fill("changeovers take under 20 minutes")
    next_step(phone)
    next_step(phone)  # the optional extras, skipped
    if email:
        phone.get_by_label("Email address (optional)").fill(email)
        phone.get_by_label(re.compile("Follow me up")).check()
    phone.get_by_role("button", name="Commit").click()
    expect(phone.locator(".commitments-mine")).to_contain_text(f"I will {action}")


def test_phones_commit_the_wall_fills_and_a_check_in_reaches_the_dashboard(
    browser, server, workshop, facilitator, commit_step
):
    projector = browser.new_context(**PROJECTOR).new_page()
    projector.goto(f"{server.url}/display/{workshop.display_token}/")
    live(projector)
    console = open_console(browser, server, workshop, facilitator)
    phones = [join_by_qr_link(browser, server, workshop, name) for name in ("Ann", "Ben", "Cy")]

    # Hints while typing, before anything is sent.
    phones[2].get_by_label("I will …").fill("more training")
    expect(phones[2].locator(".hints")).to_contain_text("Start with what you will do")
    expect(phones[2].locator(".hints")).to_contain_text("When?")
    shot(phones[2], "commit-card-phone")

    fill_card(phones[0], ACTIONS[0], email="ann@example.com")
    fill_card(phones[1], ACTIONS[1])
    fill_card(phones[2], ACTIONS[2])
    for action in ACTIONS:
        expect(projector.locator("#commitments")).to_contain_text(f"I will {action}")
    expect(projector.locator(".commit-count")).to_have_text("3")
    expect(projector.locator("#commitments")).not_to_contain_text("Ann")
    expect(console.locator("#commitments")).to_contain_text("3 commitments")
    shot(projector, "commit-wall-projector")
    made = Commitment.objects.get(action=ACTIONS[0])
    assert made.challenge.label == "Changeovers"  # pre-selected from the focus
    assert made.followed_up

    # The facilitator finishes: every screen says so, and no more cards are taken.
    console.get_by_role("link", name="Finish the workshop…").click()
    console.once("dialog", lambda dialog: dialog.accept())
    console.get_by_role("button", name="Close now").click()
    for page in (projector, phones[0]):
        expect(page.locator("#status")).to_contain_text("finished", ignore_case=True)

    # The archive shows the same commitments.
    console.goto(f"{server.url}/console/workshops/{workshop.pk}/archive/")
    archived = console.locator(".archive-commitments li")
    expect(archived).to_have_count(3)
    for action in ACTIONS:
        expect(console.locator(".archive-commitments")).to_contain_text(f"I will {action}")
    expect(console.locator(".kind-commit")).to_contain_text("3 delegates committed")

    # A follow-up's link, opened on a phone, updates the organiser's dashboard.
    followups.send_due_followups(now=made.followups.get(kind="summary").due_at, base_url=server.url)
    link = re.search(r"http\S+/c/\d+/[\w-]+/", mail.outbox[-1].body).group(0)
    check_in = browser.new_context(**PHONE).new_page()
    check_in.goto(link)
    check_in.get_by_label("What happened?").fill(
        "Timed four changeovers; the forklift is the wait."
    )
    check_in.get_by_role("button", name="In progress").click()
    expect(check_in.get_by_role("status")).to_contain_text("saved")
    shot(check_in, "check-in-phone")
    organiser = browser.new_context(**LAPTOP)
    organiser.add_cookies(
        [{"name": "sessionid", "value": session_for(facilitator), "url": server.url}]
    )
    dashboard = organiser.new_page()
    dashboard.goto(f"{server.url}/console/events/{workshop.event_id}/dashboard/")
    row = dashboard.locator("tr", has_text=ACTIONS[0])
    expect(row.locator("[data-status]")).to_contain_text("In progress")
    expect(row).to_contain_text("the forklift is the wait")
    shot(dashboard, "dashboard-laptop")


def test_a_card_sent_incomplete_puts_the_focus_on_its_first_field_to_fix(
    browser, server, workshop, commit_step
):
    """Checked in the browser at the card's step (the server's refusals, which open the card
    at the step of the first error, are in test_commitment_card_browser.py)."""
    phone = join_by_qr_link(browser, server, workshop, "Dana")
    next_step(phone)
    action = phone.get_by_label("I will …")
    expect(action).to_have_attribute("aria-invalid", "true")
    expect(action).to_be_focused()
    # Its message is what it is described by.
    described = action.get_attribute("aria-describedby") or ""
    assert "id_action_error" in described.split()
    expect(phone.locator("#id_action_error")).to_be_visible()
    phone.context.close()
