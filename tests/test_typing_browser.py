"""What a facilitator is typing survives the room moving around it: a push that redraws the
region holding a half-filled field keeps the field's value, its focus and its caret, while
a field whose value was sent is drawn afresh from the server's answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions.agenda import services
from sessions.voting import services as voting
from tests.browser import open_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def vote_on_screen(workshop):
    settings = voting.PollSettings(kind="single", options=["Yes", "No"])
    step = voting.add_vote_step(workshop=workshop, title="Go?", body="", settings=settings)
    services.show_step(workshop=workshop, step=step)
    return step


def test_a_push_redrawing_the_controls_keeps_what_is_being_typed(
    browser, server, workshop, facilitator
):
    vote_on_screen(workshop)
    console = open_console(browser, server, workshop, facilitator)
    other = open_console(browser, server, workshop, facilitator)  # a co-facilitator's laptop
    countdown = console.get_by_label("with a countdown of (seconds, optional)")
    countdown.fill("90")

    # The co-facilitator reveals the results: the console's step region is redrawn.
    other.get_by_role("button", name="Reveal results").click()
    expect(console.get_by_role("button", name="Hide results")).to_be_visible()

    countdown = console.get_by_label("with a countdown of (seconds, optional)")
    expect(countdown).to_have_value("90")
    expect(countdown).to_be_focused()
    countdown.press("5")
    expect(countdown).to_have_value("905")


def test_what_was_sent_is_drawn_from_the_answer(browser, server, workshop, facilitator):
    vote_on_screen(workshop)
    console = open_console(browser, server, workshop, facilitator)
    console.get_by_label("Title", exact=True).fill("Coffee break")
    console.get_by_role("button", name="Add step").click()
    expect(console.locator("#agenda")).to_contain_text("Coffee break")
    # The form the answer drew is empty again: the title was used, not lost.
    expect(console.get_by_label("Title", exact=True)).to_have_value("")
