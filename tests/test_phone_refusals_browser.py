"""A phone's refusal stays in its flash area: the page and what was typed stay."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions.agenda import services
from sessions.ideas import services as ideas
from sessions.models import IDEA_MAX, Idea
from tests.browser import PHONE, join_by_qr_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def board(workshop):
    step = ideas.add_ideas_step(workshop=workshop, title="Ideas", prompt="How might we?")
    services.show_step(workshop=workshop, step=step)
    return ideas.open_board(board=step.board)


def test_a_refused_idea_leaves_the_page_and_the_typed_text(browser, server, workshop, board):
    phone = join_by_qr_link(browser, server, workshop, "Dana")
    field = phone.get_by_label("Your idea")
    for typed, message in (
        ("   \n  ", "Write your idea first."),
        ("x" * (IDEA_MAX + 5), f"at most {IDEA_MAX} characters"),
    ):
        # The field's maxlength stops typing past it; a phone's paste or autofill may not.
        field.evaluate("(el, text) => { el.removeAttribute('maxlength'); el.value = text; }", typed)
        phone.get_by_role("button", name="Send idea").click()
        expect(phone.locator("#flash")).to_contain_text(message)
        expect(phone.get_by_text("Joined as Dana")).to_be_visible()
        expect(field).to_have_value(typed)
        expect(phone.locator("#step")).to_contain_text("How might we?")
    assert not Idea.objects.exists()


def test_without_script_a_refused_idea_comes_back_on_the_phone_page(
    browser, server, workshop, board
):
    phone = browser.new_context(**PHONE, java_script_enabled=False).new_page()
    phone.goto(f"{server.url}/j/{workshop.join_token}/")
    phone.get_by_label("Your name (optional)").fill("Dana")
    phone.get_by_role("button", name="Join the workshop").click()
    expect(phone.get_by_text("Joined as Dana")).to_be_visible()
    typed = "x" * (IDEA_MAX + 5)
    phone.get_by_label("Your idea").evaluate(
        "(el, text) => { el.removeAttribute('maxlength'); el.value = text; }", typed
    )
    phone.get_by_role("button", name="Send idea").click()
    expect(phone.locator("#flash")).to_contain_text(f"at most {IDEA_MAX} characters")
    expect(phone.get_by_text("Joined as Dana")).to_be_visible()
    expect(phone.get_by_label("Your idea")).to_have_value(typed)
    assert not Idea.objects.exists()
