"""+1s on an ideas step in real browsers: the projector is opened before the step and five
phones are kept open while +1s arrive; the wall re-sorts live, and every page open from the
start shows exactly what a fresh load shows (the walk's rule, tests/test_walk_browser.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from sessions.ideas import services as ideas
from sessions.live.audiences import DELEGATE, FACILITATOR, PROJECTOR
from sessions.models import Idea
from tests.browser import LAPTOP, PHONE, live, scroll_to, shot
from tests.browser import PROJECTOR as PROJECTOR_VIEW
from tests.conftest import session_for
from tests.test_walk_browser import ACTION_MS, Room, Screen, act, button, send_posts_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = ("Ana", "Ben", "Cleo", "Dev", "Eve")
TEXTS = {
    "Ana": "Shadow boards at every cell",
    "Ben": "Skills matrix for operators",
    "Cleo": "Kanban cards for spares",
    "Dev": "Daily huddle at the board, ten minutes",
    "Eve": "SMED checklist on line 2",
}


def plus_one(page: Page, idea: Idea, pressed: bool = True) -> None:
    """Tap an idea's +1 on a phone and wait for the answer to show it (aria-pressed)."""
    toggle = page.locator(f"#react-{idea.pk} button")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        toggle.click()
    assert answer.value.status == 200, answer.value.text()[:300]
    expect(toggle).to_have_attribute("aria-pressed", "true" if pressed else "false")


def wall_texts(projector: Page) -> list[str]:
    return projector.locator("#ideas .idea .idea-text").all_inner_texts()


@pytest.mark.timeout(600)
def test_the_wall_re_sorts_live_as_plus_ones_arrive_and_open_pages_equal_fresh_ones(
    browser, server, workshop, facilitator
):
    ideas.add_ideas_step(
        workshop=workshop, title="Ideas", prompt="How might we cut changeover time?"
    )
    room = Room(server, server)

    console_context = browser.new_context(**LAPTOP)
    console_context.set_default_timeout(ACTION_MS)
    console_context.add_cookies(
        [{"name": "sessionid", "value": session_for(facilitator), "url": server.url}]
    )
    console = console_context.new_page()
    console_path = f"/console/workshops/{workshop.pk}/"
    console.goto(server.url + console_path)
    projector_context = browser.new_context(**PROJECTOR_VIEW)
    projector_context.set_default_timeout(ACTION_MS)
    projector = projector_context.new_page()
    display_path = f"/display/{workshop.display_token}/"
    projector.goto(server.url + display_path)  # before the step is on screen
    phones: dict[str, Page] = {}
    for name in NAMES:
        context = browser.new_context(**PHONE)
        context.set_default_timeout(ACTION_MS)
        phone = context.new_page()
        phone.goto(f"{server.url}/j/{workshop.join_token}/")
        phone.get_by_label("Your name (optional)").fill(name)
        phone.get_by_role("button", name="Join the workshop").click()
        expect(phone.get_by_text(f"Joined as {name}")).to_be_visible()
        phones[name] = phone
    for page in (console, projector, *phones.values()):
        live(page)
        send_posts_to(page.context, server, server)
    phone_path = f"/w/{workshop.pk}/"
    room.screens = [
        Screen("console", FACILITATOR, console_context, console_path),
        Screen("projector", PROJECTOR, projector_context, display_path),
        *(Screen(f"phone {n}", DELEGATE, p.context, phone_path) for n, p in phones.items()),
    ]
    for screen, page in zip(room.screens, (console, projector, *phones.values()), strict=True):
        screen.pages.append(page)
    room.check("five phones joined")

    # The room moves to the ideas step; the facilitator opens it and each phone sends one.
    act(console, button(console, "Next →"))
    expect(console.locator("#step .now")).to_have_text("Ideas")
    act(console, button(console, "Open ideas"))
    for name, phone in phones.items():
        phone.get_by_label("Your idea").fill(TEXTS[name])
        phone.get_by_role("button", name="Send idea").click()
        expect(phone.locator(".mine-list")).to_contain_text(TEXTS[name])
    expect(projector.locator("#ideas .idea")).to_have_count(5)
    room.check("five ideas sent")
    ids = {text: Idea.objects.get(text=text) for text in TEXTS.values()}

    # +1s on, with the default budget of three: every phone gets its +1 toggles.
    act(console, button(console, "Switch +1s on"))
    for phone in phones.values():
        expect(phone.get_by_text("You have 3 of 3 +1s left.")).to_be_visible()
        expect(phone.locator("#reactions button[aria-pressed=false]")).to_have_count(5)
    room.check("+1s switched on")
    scroll_to(console, ".plus-one-controls")
    shot(console, "reactions-console-switch")

    # +1s arrive: the wall re-sorts live, most first, counts shown.
    kanban, huddle, smed = TEXTS["Cleo"], TEXTS["Dev"], TEXTS["Eve"]
    for name in ("Ana", "Ben", "Dev"):
        plus_one(phones[name], ids[kanban])
    expect(projector.locator("#ideas .idea").first).to_contain_text(kanban)
    expect(projector.locator(f"#idea-{ids[kanban].pk} .plus-ones")).to_have_text("+3 (+1s)")
    for name in ("Ana", "Ben"):
        plus_one(phones[name], ids[huddle])
    plus_one(phones["Eve"], ids[smed])
    expect(phones["Ana"].get_by_text("You have 1 of 3 +1s left.")).to_be_visible()
    # The projector's push after the last +1 carries all six: wait for its count, then read
    # the order (the push before it may show the first five only).
    smed_count = projector.locator(f"#idea-{ids[smed].pk} .plus-ones")
    expect(smed_count).to_have_attribute("data-plus-ones", "1")
    expect(projector.locator(f"#idea-{ids[huddle].pk} .plus-ones")).to_have_attribute(
        "data-plus-ones", "2"
    )
    assert wall_texts(projector)[:3] == [kanban, huddle, smed]
    room.check("six +1s given")
    shot(phones["Ana"], "reactions-phone")

    # A +1 taken back moves an idea down; a budget spent is refused with its message.
    plus_one(phones["Ana"], ids[smed])
    expect(phones["Ana"].get_by_text("You have 0 of 3 +1s left.")).to_be_visible()
    spent = phones["Ana"].locator(f"#react-{ids[TEXTS['Ben']].pk} button")
    spent.click()
    expect(phones["Ana"].locator("#flash")).to_contain_text("You have given all your 3 +1s.")
    expect(spent).to_have_attribute("aria-pressed", "false")
    plus_one(phones["Ana"], ids[huddle], pressed=False)
    expect(projector.locator("#ideas .idea").nth(1)).to_contain_text(smed)
    room.check("a +1 taken back and one refused")

    # The facilitator hides the leading idea: it drops out, and its +1s go back to phones.
    console.locator(f"#idea-{ids[kanban].pk}").get_by_role("button", name="Hide").click()
    expect(projector.locator(f"#idea-{ids[kanban].pk}")).to_have_count(0)
    expect(phones["Ben"].get_by_text("You have 2 of 3 +1s left.")).to_be_visible()
    room.check("the leading idea hidden")

    # Two ideas in a cluster: the cluster counts its ideas' +1s and leads the wall.
    for idea in (ids[huddle], ids[smed]):
        console.locator(f"#tick-{idea.pk}").check()
    console.get_by_label("or a new cluster named").fill("Standard work")
    act(console, button(console, "Create cluster"))
    expect(projector.locator(".cluster h3")).to_contain_text("Standard work 2 +3")
    room.check("a cluster made")
    shot(projector, "reactions-projector")
    expect(phones["Ben"].locator("#reactions .reaction-cluster").first).to_have_text(
        "Standard work"
    )
    scroll_to(phones["Ben"], "#reactions")
    shot(phones["Ben"], "reactions-phone-clustered")
    shot(console, "reactions-console")

    # A projector 1280x720 shows the whole wall too (the console's room view size).
    small = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    small.goto(server.url + display_path)
    live(small)
    expect(small.locator("#ideas .idea")).to_have_count(4)
    shot(small, "reactions-projector-1280")
