"""Delegates suggest clusters from real phones: the console's tally grows live, the
facilitator accepts one, and the projector shows the idea in that cluster."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions.agenda import services
from sessions.ideas import services as ideas
from tests.browser import join_by_qr_link, open_console, shot
from tests.test_ideas_browser import HOSTILE, open_projector, send_idea

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def board(workshop):
    step = ideas.add_ideas_step(
        workshop=workshop, title="Ideas", prompt="How might we grow skills?", delegates_suggest=True
    )
    services.show_step(workshop=workshop, step=step)
    board = ideas.open_board(board=step.board)
    for name in ("Training", "Tooling"):
        ideas.create_cluster(board=board, name=name)
    return board


def suggest_on(phone, idea_text: str, theme: str) -> None:
    item = phone.locator(".suggest-idea").filter(has_text=idea_text)
    item.get_by_label("Theme for this idea").select_option(label=theme)
    item.get_by_role("button", name="Suggest").click()
    expect(phone.locator(".suggest-idea").filter(has_text=idea_text)).to_contain_text(
        f"You suggested {theme}"
    )


def test_phones_suggest_a_cluster_and_the_facilitator_accepts_it(
    browser, server, workshop, facilitator, board
):
    projector = open_projector(browser, server, workshop)
    console = open_console(browser, server, workshop, facilitator)
    phones = [join_by_qr_link(browser, server, workshop, f"P{i}") for i in range(3)]
    send_idea(phones[0], "Skills matrix for operators")
    send_idea(phones[1], "Shadow boards at each press")
    # The new ideas reach every phone's list by push, with the clusters to choose from.
    for phone in phones:
        expect(phone.locator(".suggest-idea")).to_have_count(2)
    # A phone keeps a half-made choice while another idea arrives.
    phones[2].locator(".suggest-idea").first.get_by_label("Theme for this idea").select_option(
        label="Tooling"
    )
    send_idea(phones[0], "Buddy system for new starters")
    expect(phones[2].locator(".suggest-idea")).to_have_count(3)
    expect(
        phones[2].locator(".suggest-idea").first.get_by_label("Theme for this idea")
    ).to_have_value(str(board.clusters.get(name="Tooling").pk))

    suggest_on(phones[0], "Skills matrix for operators", "Training")
    suggest_on(phones[1], "Skills matrix for operators", "Training")
    suggest_on(phones[2], "Skills matrix for operators", "Tooling")
    shot(phones[0], "suggest-phone")
    item = console.locator(".console-idea").filter(has_text="Skills matrix for operators")
    expect(item.locator(".suggested-themes")).to_contain_text("2 suggest Training")
    expect(item.locator(".suggested-themes")).to_contain_text("1 suggests Tooling")
    # A phone changes its mind: its suggestion is replaced, the tally follows live.
    suggest_on(phones[2], "Skills matrix for operators", "Training")
    expect(item.locator(".suggested-themes")).to_contain_text("3 suggest Training")
    expect(item.locator(".suggested-themes")).not_to_contain_text("Tooling")
    item.scroll_into_view_if_needed()
    shot(console, "suggest-console")

    item.get_by_role("button", name="Accept").click()
    expect(console.locator("#flash")).to_contain_text("Put the idea in “Training”.")
    training = projector.locator(".cluster").filter(has_text="Training")
    expect(training).to_contain_text("Skills matrix for operators")
    expect(projector.locator("body")).not_to_contain_text("suggest")
    # Placed, the idea leaves the phones' lists.
    for phone in phones:
        expect(phone.locator(".suggest-idea")).to_have_count(2)
    shot(projector, "suggest-projector")
    console.get_by_role("button", name="Undo").click()
    expect(console.locator("#flash")).to_contain_text("Undone")
    expect(training).not_to_contain_text("Skills matrix for operators")


def test_hostile_theme_names_show_as_plain_text_on_the_console(
    browser, server, workshop, facilitator, board
):
    console = open_console(browser, server, workshop, facilitator)
    phone = join_by_qr_link(browser, server, workshop, "Mallory")
    send_idea(phone, "An idea to theme")
    for text in HOSTILE:
        name = text[:80]
        item = phone.locator(".suggest-idea").filter(has_text="An idea to theme")
        field = item.get_by_label("New theme (up to 80 characters)")
        if not field.is_visible():  # the box opens once; it stays open after a new theme
            item.locator("summary").click()
        field.fill(name)
        item.get_by_role("button", name="Suggest").click()
        expect(item).to_contain_text(f"You suggested {name}")
        tally = console.locator(".suggested-themes")
        expect(tally.get_by_text(name, exact=True)).to_be_visible()
    for page in (console, phone):
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#step").count() == 1
        assert page.locator("[onerror], [onload], svg[onload], a[href^=javascript]").count() == 0
        assert page.locator("button[hx-post='/console/']").count() == 0
