"""Q&A in a real room: a projector open before the first step and five phones kept open while
questions and upvotes arrive and the facilitator moves on; a hostile question shows as text;
every page open from the start shows what a fresh load shows; the projector's Q&A fits the
screen and reads from the back, beside the step and instead of it."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from sessions.agenda import services
from sessions.live.audiences import DELEGATE, FACILITATOR, PROJECTOR, REGIONS
from sessions.models import Question, Step
from sessions.questions import services as qa
from tests.browser import PROJECTOR as PROJECTOR_VIEW
from tests.browser import join_by_qr_link, live, open_console, shot
from tests.questions_cases import filled_questions
from tests.test_projector_fit_browser import SCREENS, problems_on
from tests.test_walk_browser import regions_of
from tests.worst_cases import LONG_OPTIONS, worst_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = '<script>window.hacked = 1</script><img src=x onerror="window.hacked = 2"> <b>bold</b>'
IDS = {
    PROJECTOR: REGIONS[PROJECTOR],
    FACILITATOR: REGIONS[FACILITATOR],
    DELEGATE: (*REGIONS[DELEGATE], "my-questions"),
}


def agree(page: Page, audience: str, within: float = 15.0) -> None:
    """The page open since the start shows what a fresh load of it (same identity) shows."""
    fresh = page.context.new_page()
    fresh.goto(page.url.split("#")[0].split("?")[0])
    live(fresh)
    ids = IDS[audience]
    deadline = time.monotonic() + within
    while True:
        want, got = regions_of(fresh, ids), regions_of(page, ids)
        if want == got:
            break
        if time.monotonic() > deadline:
            differing = {k: (want[k], got[k]) for k in want if want[k] != got[k]}
            raise AssertionError(f"{audience} open since the start differs: {differing}")
        time.sleep(0.2)
    fresh.close()


def next_step(console: Page, title: str) -> None:
    console.get_by_role("button", name="Next →").click()
    expect(console.locator("#presenter")).to_contain_text(title)


def question_item(page: Page, text: str):
    return page.locator("#questions li.qa-item").filter(has_text=text)


@pytest.mark.timeout(300)
def test_questions_reach_every_open_screen_while_the_room_moves_on(
    browser, server, workshop, facilitator
):
    services.add_step(workshop=workshop, title="Welcome")
    from sessions.voting import services as voting

    voting.add_vote_step(
        workshop=workshop,
        title="Which challenge first?",
        body="",
        settings=voting.PollSettings(kind="dots", options=LONG_OPTIONS[:4], show_live=True),
    )
    projector = browser.new_context(**PROJECTOR_VIEW).new_page()
    projector.goto(f"{server.url}/display/{workshop.display_token}/")
    live(projector)
    console = open_console(browser, server, workshop, facilitator)
    phones = [join_by_qr_link(browser, server, workshop, f"Phone {i}") for i in range(5)]

    console.get_by_role("button", name="Open questions").click()
    expect(console.locator("#flash")).to_contain_text("Questions are open")
    console.get_by_role("button", name="Beside the step").click()
    expect(console.locator("#questions")).to_contain_text("Close questions")
    for phone in phones:
        expect(phone.locator("#ask-tab")).to_contain_text("Questions are open")

    phones[0].get_by_label("Your question").fill(HOSTILE)
    phones[0].get_by_role("button", name="Ask", exact=True).click()
    expect(phones[0].locator("#flash")).to_contain_text("your question is on the list")
    expect(phones[0].get_by_label("Your question")).to_have_value("")
    phones[1].get_by_label("Your question").fill("How do we start on Monday?")
    phones[1].get_by_label("Show my name with this question").check()
    phones[1].get_by_role("button", name="Ask", exact=True).click()
    for phone in phones:
        expect(question_item(phone, "How do we start on Monday?")).to_contain_text("Phone 1")
    expect(question_item(phones[2], "<script>")).to_contain_text("Anonymous")

    next_step(console, "Welcome")  # the facilitator moves on
    for phone in phones[2:]:
        item = question_item(phone, "How do we start on Monday?")
        item.get_by_role("button", name="Upvote").click()
        expect(item.get_by_role("button", name="Upvote")).to_have_attribute("aria-pressed", "true")
    expect(
        question_item(phones[0], "How do we start on Monday?").locator(".qa-count")
    ).to_have_text("3")
    taken = question_item(phones[2], "How do we start on Monday?")
    taken.get_by_role("button", name="Upvote").click()
    expect(phones[2].locator("#flash")).to_contain_text("Upvote taken back")
    expect(taken.get_by_role("button", name="Upvote")).to_have_attribute("aria-pressed", "false")
    expect(
        question_item(phones[4], "How do we start on Monday?").locator(".qa-count")
    ).to_have_text("2")
    # Another push (a question from another phone) keeps each phone's own upvotes pressed.
    phones[3].get_by_label("Your question").fill("Will the slides be shared?")
    phones[3].get_by_role("button", name="Ask", exact=True).click()
    expect(question_item(phones[4], "Will the slides be shared?")).to_be_visible()
    mine = question_item(phones[4], "How do we start on Monday?").get_by_role(
        "button", name="Upvote"
    )
    expect(mine).to_have_attribute("aria-pressed", "true")

    next_step(console, "Which challenge first?")
    console.get_by_role("button", name="Open voting").click()
    expect(phones[0].locator("#ballot")).to_contain_text(LONG_OPTIONS[0])
    started = Question.objects.get(text="How do we start on Monday?")
    pin = console.locator(f'#questions li[data-question="{started.pk}"]')
    pin.get_by_role("button", name="Pin").click()
    expect(projector.locator("#questions .qa-pinned")).to_contain_text("How do we start on Monday?")
    expect(projector.locator("#questions .qa-pinned .qa-count")).to_contain_text("2")
    expect(projector.locator("#step")).to_contain_text("Which challenge first?")

    for page in [*phones, console]:
        expect(page.locator("#questions")).to_contain_text("<script>window.hacked = 1</script>")
        assert page.evaluate("() => window.hacked") is None

    # The pin reaches the phones at their own pace (a push a second): once it shows, the list
    # is scrolled to in the page itself, which a push redrawing it cannot cut in on.
    expect(phones[4].locator("#questions .qa-pinned-item")).to_contain_text(
        "How do we start on Monday?"
    )
    phones[4].evaluate("() => window.scrollTo(0, 0)")
    shot(phones[4], "questions-phone-390")
    phones[4].evaluate("() => document.getElementById('questions').scrollIntoView()")
    shot(phones[4], "questions-phone-390-list")
    shot(projector, "questions-projector-beside-1920")
    shot(console, "questions-console")
    for phone in phones:
        agree(phone, DELEGATE)
    agree(projector, PROJECTOR)
    agree(console, FACILITATOR)

    console.get_by_role("button", name="Instead of the step").click()
    expect(projector.locator("#questions")).to_have_class("projector-questions qa-instead")
    expect(projector.locator("#step")).to_be_hidden()
    hostile = projector.locator("#questions .qa-top li").filter(has_text="<script>")
    expect(hostile).to_contain_text('<img src=x onerror="window.hacked = 2"> <b>bold</b>')
    assert projector.evaluate("() => window.hacked") is None
    shot(projector, "questions-projector-instead-1920")
    console.get_by_role("button", name="Close questions").click()
    for phone in phones:
        expect(phone.locator("#ask-tab")).to_be_empty()
        expect(phone.get_by_label("Your question")).to_have_count(0)
    agree(phones[0], DELEGATE)
    agree(projector, PROJECTOR)


def test_the_newest_order_holds_across_pushes(browser, server, workshop, facilitator):
    qa.open_questions(workshop=workshop)
    phone = join_by_qr_link(browser, server, workshop, "Nia")
    other = join_by_qr_link(browser, server, workshop, "Omar")
    for text in ("First question", "Second question"):
        other.get_by_label("Your question").fill(text)
        other.get_by_role("button", name="Ask", exact=True).click()
        expect(other.locator("#flash")).to_contain_text("on the list")
    first = question_item(other, "First question").get_by_role("button", name="Upvote")
    first.click()
    expect(first).to_have_attribute("aria-pressed", "true")
    phone.get_by_role("link", name="Newest").click()
    live(phone)
    expect(phone.locator("#questions li.qa-item").first).to_contain_text("Second question")
    other.get_by_label("Your question").fill("Third question")
    other.get_by_role("button", name="Ask", exact=True).click()
    expect(phone.locator("#questions li.qa-item").first).to_contain_text("Third question")
    expect(phone.get_by_role("link", name="Newest")).to_have_attribute("aria-current", "true")
    items = phone.locator("#questions li.qa-item .qa-text").all_inner_texts()
    assert items == ["Third question", "Second question", "First question"]


@pytest.mark.timeout(300)
def test_the_projectors_questions_fit_and_read_from_the_back(browser, server, workshop):
    steps = worst_cases(workshop)
    filled_questions(workshop, count=30, projector="beside")
    contexts = {
        size: browser.new_context(viewport={"width": w, "height": h})
        for size, (w, h, _floor) in SCREENS.items()
    }
    failures: list[str] = []
    pinned = Question.objects.get(pinned=True)
    cases: list[tuple[str, Step | None, str, bool]] = [
        ("waiting", None, "instead", True),
        ("dots", steps["dots"], "beside", True),
        ("dots", steps["dots"], "beside", False),
        ("ideas", steps["ideas"], "beside", False),
        ("dots", steps["dots"], "instead", True),
        ("matrix", steps["matrix"], "instead", False),
    ]
    try:
        for name, step, mode, with_pin in cases:
            services.show_step(workshop=workshop, step=step)
            qa.set_question_settings(workshop=workshop, projector=mode)
            action = "pin" if with_pin else "unpin"
            qa.moderate_question(workshop=workshop, question_id=pinned.pk, action=action)
            label = f"{name}-{mode}{'-pinned' if with_pin else ''}"
            for size, (_w, _h, floor) in SCREENS.items():
                page = contexts[size].new_page()
                page.goto(f"{server.url}/display/{workshop.display_token}/")
                live(page)
                expect(page.locator("#questions .qa-title")).to_be_visible()
                shot(page, f"questions-fit-{label}-{size}")
                failures += [f"{label} at {size}: {p}" for p in problems_on(page, floor)]
                page.close()
    finally:
        for context in contexts.values():
            context.close()
    assert not failures, "\n".join(failures[:60])
