"""The commitment card on a phone, one short step at a time.

With script, a delegate walks five steps (what, first step, measure and date, optional
extras, follow-up), each on one screen with its buttons, at 390x844 and at 320x640; Next
checks the step's required fields in the browser, Back keeps what was typed, a push keeps
the step and the text, and Commit records one commitment. A card the server sends back
opens at the step of its first error. Without script it is one form that posts as one.
The follow-up check-in puts its one-tap buttons on the first screen.
"""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from sessions.agenda import services
from sessions.commitments import followups
from sessions.commitments import services as commitments
from sessions.models import ACTION_MAX, AccessLink, CheckIn, Commitment, Delegate
from tests.browser import PHONE, join_in, live, open_console, shot
from tests.test_commitments_browser import fill_card

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {**PHONE, "viewport": {"width": 320, "height": 640}}
STEP_NAMES = [
    "What you will do",
    "Your first step",
    "How you will know",
    "Extras (optional)",
    "Follow-up (optional)",
]


@pytest.fixture
def commit_step(workshop):
    step = commitments.add_commit_step(workshop=workshop, title="Commit to one experiment")
    services.show_step(workshop=workshop, step=step)
    return step


def today_text(workshop) -> str:
    return workshop.event.local_today().isoformat()


def shown(phone: Page):
    return phone.locator(".commit-card .card-step:not([hidden])")


def next_step(phone: Page) -> None:
    shown(phone).get_by_role("button", name=re.compile("^Next")).click()


# Where the shown step's parts are on the screen, as the delegate sees it now.
MEASURE = """() => {
  const step = document.querySelector('.commit-card .card-step:not([hidden])');
  const parts = [...step.querySelectorAll(
    'legend, label, input:not([type=hidden]), select, textarea, button, summary')]
    .filter(e => e.getClientRects().length);
  const boxes = parts.map(e => e.getBoundingClientRect());
  return {
    height: step.getBoundingClientRect().height,
    top: Math.min(...boxes.map(b => b.top)),
    bottom: Math.max(...boxes.map(b => b.bottom)),
    sideways: document.documentElement.scrollWidth - innerWidth,
    tooSmall: [...step.querySelectorAll('button, summary, select, input:not([type=hidden])')]
      .filter(e => e.getClientRects().length && e.type !== 'checkbox' && e.type !== 'radio')
      .filter(e => e.getBoundingClientRect().height < 47.5).map(e => e.outerHTML.slice(0, 80)),
    viewport: innerHeight,
  };
}"""


def assert_fits(phone: Page, name: str) -> dict:
    box = phone.evaluate(MEASURE)
    assert box["sideways"] <= 0, (name, box)
    assert box["height"] <= box["viewport"], (name, box)
    assert box["top"] >= 0, (name, box)
    assert box["bottom"] <= box["viewport"], (name, box)
    assert not box["tooSmall"], (name, box)
    return box


@pytest.mark.parametrize("size", [PHONE, NARROW], ids=["390x844", "320x640"])
def test_a_delegate_walks_the_card_step_by_step(
    browser, server, workshop, facilitator, commit_step, size
):
    width, height = size["viewport"]["width"], size["viewport"]["height"]
    phone = join_in(browser.new_context(**size), server, workshop, "Ana")
    live(phone)
    card = phone.locator(".commit-card")
    expect(shown(phone)).to_have_count(1)
    expect(shown(phone).locator("> legend")).to_have_text(f"Step 1 of 5 {STEP_NAMES[0]}")
    expect(card.get_by_role("button", name="Commit")).to_be_hidden()
    heights = {}

    # Next with nothing typed: the message, tied to the field, and no moving on.
    next_step(phone)
    action = phone.get_by_label("I will …")
    expect(action).to_have_attribute("aria-invalid", "true")
    expect(action).to_be_focused()
    described = (action.get_attribute("aria-describedby") or "").split()
    assert "id_action_error" in described
    assert "id_action_helptext" in described
    expect(phone.locator("#id_action_error")).to_have_text("This field is required.")
    expect(shown(phone).locator("> legend")).to_contain_text("Step 1 of 5")

    action.fill("time every changeover on line 2 for two weeks")
    shown(phone).evaluate("step => step.scrollIntoView({block: 'start'})")
    heights[1] = assert_fits(phone, "step 1")["height"]
    shot(phone, f"card-step-1-{width}")
    next_step(phone)
    expect(phone.locator("#id_action_error")).to_have_count(0)
    expect(action).not_to_have_attribute("aria-invalid", "true")

    # Step 2: the legend takes the focus (a screen reader reads "Step 2 of 5 …").
    expect(shown(phone).locator("> legend")).to_have_text(f"Step 2 of 5 {STEP_NAMES[1]}")
    expect(shown(phone).locator("> legend")).to_be_focused()
    phone.get_by_label("When …", exact=True).fill("When the Monday shift starts")
    next_step(phone)  # the first step itself is still missing
    expect(phone.locator("#id_first_step_then_error")).to_have_text("This field is required.")
    expect(phone.get_by_label("… then I will")).to_be_focused()
    phone.get_by_label("… then I will").fill("put a stopwatch by the press")
    heights[2] = assert_fits(phone, "step 2")["height"]
    shot(phone, f"card-step-2-{width}")

    # Back keeps what was typed, both ways.
    shown(phone).get_by_role("button", name="Back").click()
    expect(shown(phone).locator("> legend")).to_contain_text("Step 1 of 5")
    expect(action).to_have_value("time every changeover on line 2 for two weeks")
    next_step(phone)
    expect(phone.get_by_label("When …", exact=True)).to_have_value("When the Monday shift starts")
    next_step(phone)

    # Step 3, half typed, when pushes arrive: the step shown and the text stay.
    expect(shown(phone).locator("> legend")).to_have_text(f"Step 3 of 5 {STEP_NAMES[2]}")
    phone.get_by_label("I will know it worked when …").fill("changeovers take under 20")
    # The facilitator shows names on the wall (the phones' step region is pushed again) and
    # another delegate commits (the walls are pushed).
    version = phone.locator("#step").get_attribute("data-version")
    console = open_console(browser, server, workshop, facilitator)
    console.get_by_role("button", name="Show names on the wall").click()
    phone.wait_for_function(
        "v => document.getElementById('step').dataset.version !== v", arg=version
    )
    other = join_in(browser.new_context(**PHONE), server, workshop, "Ben")
    live(other)
    fill_card(other, "run a 5S day in the stores")
    expect(console.locator("#commitments")).to_contain_text("1 commitment")
    other.context.close()
    console.context.close()
    expect(shown(phone).locator("> legend")).to_contain_text("Step 3 of 5")
    expect(phone.get_by_label("I will know it worked when …")).to_have_value(
        "changeovers take under 20"
    )
    phone.get_by_label("I will know it worked when …").fill("changeovers take under 20 minutes")
    heights[3] = assert_fits(phone, "step 3")["height"]
    shot(phone, f"card-step-3-{width}")
    next_step(phone)

    # Step 4: optional, visibly skippable.
    expect(shown(phone).locator("> legend")).to_have_text(f"Step 4 of 5 {STEP_NAMES[3]}")
    expect(shown(phone).get_by_role("button", name="Next (or skip)")).to_be_visible()
    phone.get_by_label("A mentor").check()
    heights[4] = assert_fits(phone, "step 4")["height"]
    shot(phone, f"card-step-4-{width}")
    next_step(phone)

    # Step 5: who sees what stays in sight; the detail is one tap away.
    last = shown(phone)
    expect(last.locator("> legend")).to_have_text(f"Step 5 of 5 {STEP_NAMES[4]}")
    expect(last).to_contain_text("The room will see your action on the screen")
    expect(last.get_by_text("on days 7, 30, 60 and 90")).to_be_hidden()
    phone.get_by_label("Email address (optional)").fill("ana@example.com")
    phone.get_by_label(re.compile("Follow me up")).check()
    shot(phone, f"card-step-5-{width}")
    heights[5] = assert_fits(phone, "step 5")["height"]
    last.get_by_text("What we send and who sees it").click()
    expect(last.get_by_text("on days 7, 30, 60 and 90")).to_be_visible()
    shot(phone, f"card-step-5-details-{width}")
    last.get_by_role("button", name="Commit").click()

    expect(phone.locator(".commitments-mine")).to_contain_text(
        "I will time every changeover on line 2 for two weeks"
    )
    made = Commitment.objects.get(delegate__display_name="Ana")
    assert made.action == "time every changeover on line 2 for two weeks"
    assert made.first_step_when == "When the Monday shift starts"
    assert made.first_step_action == "put a stopwatch by the press"
    assert made.measure == "changeovers take under 20 minutes"
    assert made.first_step_on == workshop.event.local_today()
    assert made.help_wanted == ["mentor"]
    assert made.email == "ana@example.com"
    assert made.consent
    assert made.followed_up
    assert not made.name_shown  # the card said the room would not see the name
    assert Commitment.objects.filter(step=commit_step).count() == 2  # Ben's and Ana's
    # A fresh card, at its first step.
    expect(shown(phone).locator("> legend")).to_contain_text("Step 1 of 5")
    print(f"card steps at {width}x{height}: {heights}")
    phone.context.close()


@pytest.mark.parametrize(
    ("where", "fill", "step_number", "message"),
    [
        ("action", "x" * (ACTION_MAX + 10), 1, "An action can be at most"),
        ("first_step_on", "past", 2, ""),
    ],
    ids=["over-long-action", "first-step-in-the-past"],
)
def test_a_card_the_server_refuses_opens_at_the_step_of_its_first_error(
    browser, server, workshop, commit_step, where, fill, step_number, message
):
    phone = join_in(browser.new_context(**PHONE), server, workshop, "Dana")
    live(phone)
    action = "x" * (ACTION_MAX + 10) if where == "action" else "time one changeover"
    phone.get_by_label("I will …").fill(action)
    next_step(phone)
    phone.get_by_label("When …", exact=True).fill("When the Monday shift starts")
    phone.get_by_label("… then I will").fill("put a stopwatch by the press")
    if where == "first_step_on":
        yesterday = workshop.event.local_today() - datetime.timedelta(days=3)
        phone.get_by_label("First step on").fill(yesterday.isoformat())
    next_step(phone)
    phone.get_by_label("I will know it worked when …").fill("changeovers take under 20 minutes")
    next_step(phone)
    next_step(phone)
    shown(phone).get_by_role("button", name="Commit").click()

    expect(phone.locator(".commit-card > .errorlist")).to_contain_text("Please check the card")
    expect(shown(phone).locator("> legend")).to_contain_text(f"Step {step_number} of 5")
    field = phone.locator(f"#id_{where}")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    assert f"id_{where}_error" in (field.get_attribute("aria-describedby") or "").split()
    expect(phone.locator(f"#id_{where}_error")).to_be_visible()
    if message:
        expect(phone.locator(f"#id_{where}_error")).to_contain_text(message)
    shot(phone, f"card-refused-{where}-390")
    assert not Commitment.objects.exists()

    # Fixed, the mark goes; the card goes on from that step and commits once.
    field.fill("time one changeover" if where == "action" else today_text(workshop))
    expect(field).not_to_have_attribute("aria-invalid", "true")
    expect(phone.locator(f"#id_{where}_error")).to_have_count(0)
    for _ in range(5 - step_number):
        next_step(phone)
    shown(phone).get_by_role("button", name="Commit").click()
    expect(phone.locator(".commitments-mine")).to_contain_text("I will time one changeover")
    assert Commitment.objects.count() == 1
    phone.context.close()


def test_without_script_the_whole_card_posts_as_one_form(browser, server, workshop, commit_step):
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = join_in(context, server, workshop, "Eve")
    page.goto(f"{server.url}/w/{workshop.pk}/commitments/")
    for name in STEP_NAMES:
        expect(page.locator("legend", has_text=name)).to_be_visible()
    expect(page.get_by_role("button", name="Next")).to_have_count(0)
    shot(page, "card-without-script-390")
    page.get_by_label("I will …").fill("time one changeover a day")
    page.get_by_label("When …", exact=True).fill("When the Monday shift starts")
    page.get_by_label("… then I will").fill("put a stopwatch by the press")
    page.get_by_label("I will know it worked when …").fill("changeovers take under 20 minutes")
    page.get_by_role("button", name="Commit").click()
    expect(page.get_by_text("Joined as Eve")).to_be_visible()
    assert Commitment.objects.get().action == "time one changeover a day"
    context.close()


@pytest.mark.parametrize("size", [PHONE, NARROW], ids=["390x844", "320x640"])
def test_the_check_in_buttons_are_on_the_first_screen_and_one_tap_saves(
    browser, server, workshop, commit_step, size
):
    width = size["viewport"]["width"]
    phone = join_in(browser.new_context(**size), server, workshop, "Flo")
    delegate = Delegate.objects.get(display_name="Flo")
    made = commitments.make_commitment(
        workshop_id=workshop.pk,
        delegate_id=delegate.pk,
        step_id=commit_step.pk,
        card=commitments.Card(
            action="time every changeover on line 2 for two weeks, and share the times "
            "with the team at the Friday huddle",
            first_step_when="When the Monday shift starts",
            first_step_then="put a stopwatch by the press",
            first_step_on=workshop.event.local_today(),
            measure="changeovers take under 20 minutes",
            done_by=workshop.event.local_today() + datetime.timedelta(days=30),
            link="",
            buddy_id=None,
            help_wanted=(),
            email="flo@example.com",
            consent=True,
            name_shown=False,
        ),
    )
    token = followups.issue_link(purpose=AccessLink.Purpose.CHECK_IN, commitment=made)
    phone.goto(server.url + followups.check_in_path(made, token))
    buttons = phone.locator(".status-buttons button")
    expect(buttons).to_have_count(5)
    boxes = [buttons.nth(i).bounding_box() for i in range(5)]
    limit = size["viewport"]["height"]
    print(f"check-in buttons at {width}: {[round(b['y']) for b in boxes]}")
    if width == 390:
        assert all(b["y"] + b["height"] < limit for b in boxes), boxes
    assert boxes[0]["y"] + boxes[0]["height"] < limit, boxes
    assert all(b["height"] >= 48 for b in boxes), boxes
    assert phone.evaluate("() => document.documentElement.scrollWidth - innerWidth") <= 0
    shot(phone, f"check-in-{width}")
    buttons.nth(1).click()
    expect(phone.get_by_role("status")).to_contain_text("saved")
    made.refresh_from_db()
    assert CheckIn.objects.filter(commitment=made).count() == 1
    assert made.status
    phone.context.close()
