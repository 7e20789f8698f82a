"""The facilitator's timer and clock in real browsers, the way a room uses them: two
projectors (full HD and 720 lines) and three phones open before the facilitator starts a
timer, kept open while it starts, gets a minute more, the room moves to the next step and it
stops; each open page ends equal to a fresh load. The timer is large and never cut off on
the projector; presenter notes stay on the console; the clock ticks in the page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from sessions.agenda import services
from sessions.live.audiences import DELEGATE, FACILITATOR, PROJECTOR
from sessions.models import Step, Timer
from tests.browser import join_by_qr_link, live, open_console, shot
from tests.test_cloud_browser import same_as_fresh
from tests.test_projector_fit_browser import SCREENS, problems_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTES = "Ask who measured lead time last month"
LABEL = "5 minutes to fill your card"


def open_projector(browser, server, workshop, size: str) -> Page:
    width, height, _floor = SCREENS[size]
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.goto(f"{server.url}/display/{workshop.display_token}/")
    live(page)
    return page


def until(timer: Timer, workshop) -> str:
    return f"{timezone.localtime(timer.ends_at, workshop.event.zone):%H:%M}"


def current(workshop) -> Timer:
    return Timer.objects.get(workshop=workshop, stopped_at=None)


def plan(workshop, title: str, minutes: int, notes: str = "") -> Step:
    step = services.add_step(workshop=workshop, title=title)
    return services.plan_step(step=step, notes=notes, planned_minutes=minutes)


@pytest.mark.timeout(300)
def test_a_timer_through_a_room_s_screens(browser, server, workshop, facilitator):
    first = plan(workshop, "Fill in your card", 10, NOTES)
    plan(workshop, "Share with your table", 5)
    services.show_step(workshop=workshop, step=first)
    projectors = {size: open_projector(browser, server, workshop, size) for size in SCREENS}
    phones = [join_by_qr_link(browser, server, workshop, name) for name in ("Ana", "Ben", "Cy")]
    console = open_console(browser, server, workshop, facilitator)
    room = [*projectors.values(), *phones]

    # The console: the notes with the step on screen, the plan, the clock ticking.
    expect(console.locator("#step .presenter-notes")).to_contain_text(NOTES)
    expect(console.locator("#presenter .clock-step")).to_contain_text("of 10 min planned")
    ticking = console.locator("#presenter [data-count-up]")
    shown = ticking.inner_text()
    expect(ticking).not_to_have_text(shown, timeout=5_000)  # it counts up by itself
    expect(console.locator("#presenter .lag")).to_have_text("on time")

    console.get_by_label("Label (optional)").fill(LABEL)
    console.get_by_role("button", name="5 min", exact=True).click()
    for page in [*room, console]:
        expect(page.locator("#timer .timer-label")).to_have_text(LABEL)
        expect(page.locator("#timer .timer-time")).to_contain_text(re.compile(r"^[45]:\d\d left"))
    timer = current(workshop)
    for page in [*room, console]:
        expect(page.locator("#timer .timer-until")).to_have_text(f"until {until(timer, workshop)}")

    console.get_by_role("button", name="+1 minute").click()
    expect(console.locator("#flash")).to_contain_text("A minute added.")  # committed
    longer = current(workshop)
    assert longer.pk == timer.pk
    assert longer.ends_at == timer.ends_at + timedelta(minutes=1)
    for page in [*room, console]:
        expect(page.locator("#timer .timer-until")).to_have_text(f"until {until(longer, workshop)}")
        expect(page.locator("#timer .timer-time")).to_contain_text(re.compile(r"^[56]:\d\d left"))

    for size, page in projectors.items():
        box = page.locator("#timer .timer-time").bounding_box()
        assert box is not None
        assert box["height"] >= 0.08 * SCREENS[size][1]  # large
        assert problems_on(page, SCREENS[size][2]) == []
        shot(page, f"timer-projector-{size}")
    shot(phones[0], "timer-phone")
    shot(console, "timer-console")
    console.evaluate("window.scrollTo(0, 0)")
    shot(console, "timer-console-top")

    console.get_by_role("button", name="Next →").click()  # the timer stays with the room
    for page in room:
        expect(page.locator("#step")).to_contain_text("Share with your table")
        expect(page.locator("#timer .timer-label")).to_have_text(LABEL)
    expect(console.locator("#presenter .clock-step")).to_contain_text("of 5 min planned")
    expect(console.locator("#step .presenter-notes")).to_have_count(0)

    console.get_by_role("button", name="Stop the timer").click()
    for page in [*room, console]:
        expect(page.locator("#timer .timer")).to_have_count(0)
    assert not Timer.objects.filter(workshop=workshop, stopped_at=None).exists()

    for page in projectors.values():
        same_as_fresh(page, PROJECTOR)
    for page in phones:
        same_as_fresh(page, DELEGATE)
    same_as_fresh(console, FACILITATOR)
    for page in room:
        assert NOTES not in page.content()


@pytest.mark.timeout(120)
def test_a_timer_says_time_is_up_at_its_end_without_a_reload(browser, server, workshop):
    step = plan(workshop, "Fill in your card", 10)
    services.show_step(workshop=workshop, step=step)
    # A few seconds left: shorter than any the console starts, so set in the database.
    now = timezone.now()
    Timer.objects.create(
        workshop=workshop, label=LABEL, started_at=now, ends_at=now + timedelta(seconds=4)
    )
    projector = open_projector(browser, server, workshop, "1920")
    phone = join_by_qr_link(browser, server, workshop, "Ana")
    for page in (projector, phone):
        expect(page.locator("#timer .timer-time")).to_have_text("Time is up", timeout=10_000)
    shot(projector, "timer-time-up-projector")
    fresh = projector.context.new_page()
    fresh.goto(projector.url)
    expect(fresh.locator("#timer .time-up")).to_have_text("Time is up")


@pytest.mark.timeout(300)
def test_the_timer_fits_over_the_longest_step_text_on_both_projectors(browser, server, workshop):
    body = ("Each table picks one waste it sees every week and names its owner. " * 15)[:1000]
    step = services.add_step(workshop=workshop, title="T" * 120, body=body)
    services.show_step(workshop=workshop, step=step)
    now = timezone.now()
    Timer.objects.create(
        workshop=workshop, label="x" * 80, started_at=now, ends_at=now + timedelta(minutes=90)
    )
    for size in SCREENS:
        page = open_projector(browser, server, workshop, size)
        expect(page.locator("#timer .timer-time")).to_contain_text(re.compile(r"^8\d:\d\d left"))
        assert problems_on(page, SCREENS[size][2]) == []
        shot(page, f"timer-long-step-projector-{size}")
