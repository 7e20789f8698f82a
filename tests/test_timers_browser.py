"""Timers end out loud in real browsers: phone, projector and console, all opened before the
stage or the vote's countdown starts, say "Time is up" at its end without a reload, and the
console offers the next stage."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions.agenda import services
from sessions.ideas import services as ideas
from sessions.models import Board
from sessions.voting import services as voting
from tests.browser import PROJECTOR, join_by_qr_link, live, open_console, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_projector(browser, server, workshop):
    page = browser.new_context(**PROJECTOR).new_page()
    page.goto(f"{server.url}/display/{workshop.display_token}/")
    live(page)
    return page


def test_a_short_stage_ends_with_time_is_up_everywhere_and_the_next_stage_offered(
    browser, server, workshop, facilitator
):
    step = ideas.add_ideas_step(workshop=workshop, title="Ideas", prompt="How?", staged=True)
    # Two seconds a stage: below the form's 10 s minimum, so set in the database directly.
    Board.objects.filter(step=step).update(stages=[2, 2, 2, 2])
    services.show_step(workshop=workshop, step=step)
    projector = open_projector(browser, server, workshop)
    phone = join_by_qr_link(browser, server, workshop, "Pat")
    console = open_console(browser, server, workshop, facilitator)
    next_stage = console.get_by_role("button", name="Next stage: stage 2 of 4")
    expect(next_stage).to_have_count(0)

    console.get_by_role("button", name="Start stage 1 (2 s)").click()
    for page in (projector, phone, console):
        expect(page.locator("#step .stage-name")).to_contain_text("Stage 1 of 4")
    expect(next_stage).to_be_hidden()
    for page in (projector, phone, console):
        expect(page.locator("#step .stage-name")).to_contain_text("Time is up", timeout=8_000)
        expect(page.locator("#step .stage-name")).not_to_contain_text("left")
    expect(next_stage).to_be_visible()
    shot(projector, "stage-time-up-projector")
    shot(console, "stage-time-up-console")

    next_stage.click()
    for page in (projector, phone, console):
        expect(page.locator("#step .stage-name")).to_contain_text("Stage 2 of 4")
    assert Board.objects.get(step=step).stage == 1


def test_a_vote_countdown_ends_with_time_is_up_everywhere(browser, server, workshop, facilitator):
    settings = voting.PollSettings(kind="single", options=["Yes", "No"])
    step = voting.add_vote_step(workshop=workshop, title="Go?", body="", settings=settings)
    services.show_step(workshop=workshop, step=step)
    projector = open_projector(browser, server, workshop)
    phone = join_by_qr_link(browser, server, workshop, "Pat")
    console = open_console(browser, server, workshop, facilitator)

    console.get_by_label("with a countdown of (seconds, optional)").fill("5")
    console.get_by_role("button", name="Open voting").click()
    for page in (projector, phone, console):
        expect(page.locator("#step .vote-state")).to_contain_text("left")
    for page in (projector, phone, console):
        expect(page.locator("#step .vote-state")).to_contain_text(
            "Time is up · voting is closed", timeout=10_000
        )
        expect(page.locator("#step .vote-state")).not_to_contain_text("left")
