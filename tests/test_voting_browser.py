"""A room votes in real browsers: console, projector and a dozen phones at once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sessions.agenda import services
from sessions.models import Mark, Poll
from sessions.voting import services as voting
from sessions.voting.read import tally_poll
from tests.browser import (
    PHONE,
    PROJECTOR,
    block_sockets,
    join_by_qr_link,
    join_in,
    live,
    open_console,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPTIONS = ["Changeovers", "Training", "Data entry", "Maintenance", "Scheduling", "Quality"]
PHONES = 12


@pytest.fixture
def vote_step(workshop):
    step = voting.add_vote_step(
        workshop=workshop,
        title="Which challenge matters most?",
        body="Place your dots.",
        settings=voting.PollSettings(kind="dots", options=OPTIONS),
    )
    services.show_step(workshop=workshop, step=step)
    return step


def option_row(page, label: str):
    return page.locator(".ballot-option").filter(has_text=label)


def test_a_room_votes_and_the_projector_shows_the_database_tally(
    browser, server, workshop, facilitator, vote_step
):
    projector = browser.new_context(**PROJECTOR).new_page()
    projector.goto(f"{server.url}/display/{workshop.display_token}/")
    live(projector)
    phones = [join_by_qr_link(browser, server, workshop, f"P{i}") for i in range(PHONES)]
    console = open_console(browser, server, workshop, facilitator)

    for page in phones[:2]:
        expect(page.locator("#ballot")).to_contain_text("Voting opens soon")
    console.get_by_role("button", name="Open voting").click()
    for page in phones:
        expect(page.locator("#ballot .allowance")).to_contain_text("3 of 3 dots left")
    shot(phones[0], "phone-vote-open")

    # Everyone taps at once: each phone puts its dots on options of its own.
    for i, page in enumerate(phones):
        option_row(page, OPTIONS[i % 3]).get_by_role(
            "button", name=re.compile("^Put a dot")
        ).click()
    for i, page in enumerate(phones):
        option_row(page, OPTIONS[(i + 1) % 6]).get_by_role(
            "button", name=re.compile("^Put a dot")
        ).click()
    for page in phones:
        expect(page.locator("#ballot .allowance")).to_contain_text("1 of 3 dots left")
    # One moves a dot: takes it off, puts it elsewhere.
    option_row(phones[0], OPTIONS[0]).get_by_role("button", name=re.compile("^Take a dot")).click()
    expect(phones[0].locator("#ballot .allowance")).to_contain_text("2 of 3 dots left")
    option_row(phones[0], "Quality").get_by_role("button", name=re.compile("^Put a dot")).click()
    expect(phones[0].locator("#ballot .allowance")).to_contain_text("1 of 3 dots left")

    expect(projector.locator("[data-voted]")).to_have_text(str(PHONES))
    expect(projector.locator(".bar-row")).to_have_count(0)  # hidden until revealed
    shot(projector, "projector-vote-hidden")
    shot(console, "console-vote")

    console.get_by_role("button", name="Close voting").click()
    expect(phones[3].locator("#ballot")).to_contain_text("Your vote is in")
    console.get_by_role("button", name="Reveal results").click()
    expect(projector.locator(".bar-row")).to_have_count(len(OPTIONS))
    shot(projector, "projector-vote-results")
    shot(phones[3], "phone-vote-results")

    poll = Poll.objects.get(step=vote_step)
    stored = {r.option_id: r.score for r in tally_poll(poll).results}
    assert sum(stored.values()) == 2 * PHONES
    for option_id, score in stored.items():
        expect(projector.locator(f'[data-option="{option_id}"]')).to_have_attribute(
            "data-score", str(score)
        )
    # Ranked: the first bar is the top score.
    first = projector.locator(".bar-score").first
    expect(first).to_have_attribute("data-score", str(max(stored.values())))


def test_a_phone_that_loses_the_answer_and_retries_is_counted_once(
    browser, server, workshop, facilitator, vote_step
):
    voting.open_poll(poll=vote_step.poll)
    # Over HTTP: a phone whose network blocks WebSockets (the socket's own replay is in
    # tests/test_socket_vote_browser.py).
    context = browser.new_context(**PHONE)
    block_sockets(context)
    phone = join_in(context, server, workshop, "Dee")
    expect(phone.locator("#connection")).to_have_attribute("data-state", "polling")
    expect(phone.locator("#ballot .allowance")).to_contain_text("3 of 3 dots left")
    lost = {"count": 0}

    def lose_the_first_answer(route):
        if lost["count"] == 0:
            lost["count"] += 1
            route.fetch()  # the vote reaches the server and commits...
            route.abort("internetdisconnected")  # ...but the phone never hears back
        else:
            route.continue_()

    phone.route(re.compile(r".*/vote/$"), lose_the_first_answer)
    put = option_row(phone, "Training").get_by_role("button", name=re.compile("^Put a dot"))
    with phone.expect_event("requestfailed"):
        put.click()
    expect(phone.locator("#flash")).to_contain_text("Not sent")
    assert Mark.objects.filter(ballot__poll=vote_step.poll).count() == 1
    put.click()  # the same tap again: the same command key
    expect(phone.locator("#flash")).to_contain_text("Already counted")
    expect(phone.locator("#ballot .allowance")).to_contain_text("2 of 3 dots left")
    marks = Mark.objects.filter(ballot__poll=vote_step.poll)
    assert [(m.option.label, m.value) for m in marks] == [("Training", 1)]
    context.close()  # a polling page left open could hold a lock the flush waits for
