"""A presenter runs the room from the keyboard or a clicker: Page Down and the right arrow
move on, Page Up and the left arrow go back, B shows the waiting screen, O opens and closes
the vote, R reveals its results. Each key presses the console's own button (the same form,
the same checks); keys typed into a field are text, not commands.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions.agenda import services
from sessions.models import Workshop
from sessions.voting import services as voting
from tests.browser import PROJECTOR, live, open_console, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agenda(workshop):
    services.add_step(workshop=workshop, title="Welcome to the room", body="Small steps.")
    voting.add_vote_step(
        workshop=workshop,
        title="Which challenge matters most?",
        body="",
        settings=voting.PollSettings(kind="dots", options=["Changeovers", "Training"]),
    )
    return workshop


def showing(workshop: Workshop) -> str | None:
    workshop.refresh_from_db()
    return workshop.current_step.title if workshop.current_step else None


def test_a_clicker_runs_the_room_from_the_console(browser, server, agenda, facilitator):
    workshop = agenda
    projector = browser.new_context(**PROJECTOR).new_page()
    projector.goto(f"{server.url}/display/{workshop.display_token}/")
    live(projector)
    console = open_console(browser, server, workshop, facilitator)
    expect(console.get_by_text("Page Down")).to_be_visible()  # the keys are listed
    now = console.locator("#step .now")

    console.keyboard.press("PageDown")
    expect(now).to_have_text("Welcome to the room")
    expect(projector.locator("#step")).to_contain_text("Welcome to the room")
    console.keyboard.press("ArrowRight")
    expect(now).to_have_text("Which challenge matters most?")
    expect(projector.locator("#step")).to_contain_text("Which challenge matters most?")
    assert showing(workshop) == "Which challenge matters most?"

    console.keyboard.press("o")
    expect(console.get_by_role("button", name="Close voting")).to_be_visible()
    console.keyboard.press("r")
    expect(console.get_by_role("button", name="Hide results")).to_be_visible()
    expect(projector.locator("#results")).to_contain_text("Changeovers")
    console.keyboard.press("o")
    expect(console.get_by_role("button", name="Reopen voting")).to_be_visible()
    shot(console, "console-keys-1366")

    # Typed into a field, a key is text: the room stays where it is.
    title = console.get_by_label("Title")
    title.fill("")
    title.press("b")
    title.press("ArrowLeft")
    expect(title).to_have_value("b")
    expect(now).to_have_text("Which challenge matters most?")
    assert showing(workshop) == "Which challenge matters most?"
    title.blur()

    console.keyboard.press("PageUp")
    expect(now).to_have_text("Welcome to the room")
    console.keyboard.press("b")
    expect(console.locator("#step")).to_contain_text("The waiting screen")
    expect(projector.locator("#join")).to_contain_text(workshop.join_code)
    assert showing(workshop) is None
