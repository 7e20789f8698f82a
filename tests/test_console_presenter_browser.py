"""The console is a presenter view: where the room is and what comes next, with one big Next
that stays at the top however far the facilitator scrolls, on a laptop and at 1024 px (a
tablet) without sideways scrolling, whatever step is on screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, expect

from sessions.agenda import services
from tests.browser import shot
from tests.conftest import session_for
from tests.worst_cases import worst_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"1024": (1024, 768), "1366": (1366, 900)}


def signed_in_consoles(browser, server, facilitator) -> dict[str, BrowserContext]:
    """A browser context per console size, signed in as the facilitator."""
    contexts = {}
    for size, (width, height) in SIZES.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_cookies(
            [{"name": "sessionid", "value": session_for(facilitator), "url": server.url}]
        )
        contexts[size] = context
    return contexts


@pytest.mark.timeout(600)
def test_next_stays_in_reach_and_the_console_fits_its_screen(
    browser, server, workshop, facilitator
):
    steps = worst_cases(workshop)
    agenda = list(steps.values())
    contexts = signed_in_consoles(browser, server, facilitator)
    try:
        for name in ("ideas", "matrix", "dots"):
            step = steps[name]
            services.show_step(workshop=workshop, step=step)
            number = agenda.index(step) + 1
            following = agenda[number] if number < len(agenda) else None
            for size, (width, height) in SIZES.items():
                page = contexts[size].new_page()
                page.goto(f"{server.url}/console/workshops/{workshop.pk}/")
                bar = page.locator("#presenter")
                expect(bar).to_contain_text(f"Step {number} of {len(agenda)}: {step.title}")
                expect(bar.locator(".presenter-next")).to_have_text(
                    f"Next up: {following.title}" if following else "This is the last step."
                )
                assert page.evaluate("() => document.documentElement.scrollWidth") <= width
                page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
                page.wait_for_function("() => window.scrollY > 0")
                button = bar.get_by_role("button", name="Next →")
                expect(button).to_be_in_viewport()
                # A push may redraw the bar as it is measured: measure the button once drawn.
                box = None
                for _ in range(50):
                    box = button.bounding_box()
                    if box is not None:
                        break
                    page.wait_for_timeout(100)
                assert box is not None
                assert box["y"] >= 0
                assert box["y"] + box["height"] <= height
                assert box["height"] >= 48
                shot(page, f"console-presenter-{name}-{size}")
                page.close()

        # Next, pressed at the bottom of a long page, moves the room; the bar follows.
        page = contexts["1366"].new_page()
        page.goto(f"{server.url}/console/workshops/{workshop.pk}/")
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        page.locator("#presenter").get_by_role("button", name="Next →").click()
        after = agenda[agenda.index(steps["dots"]) + 1]
        expect(page.locator("#presenter")).to_contain_text(f": {after.title}")
        expect(page.locator("#step .now")).to_have_text(after.title)
    finally:
        for context in contexts.values():
            context.close()


def test_the_console_shows_the_room_view_in_miniature_live(browser, server, workshop, facilitator):
    """The console, opened before the first step, shows what the projector shows, scaled to
    its card, and follows the room as the facilitator moves it on."""
    first = services.add_step(workshop=workshop, title="Welcome to the workshop")
    services.add_step(workshop=workshop, title="Pick your challenge")
    contexts = signed_in_consoles(browser, server, facilitator)
    try:
        pages = {size: context.new_page() for size, context in contexts.items()}
        for size, page in pages.items():
            page.goto(f"{server.url}/console/workshops/{workshop.pk}/")
            room = page.frame_locator(".room-view iframe")
            expect(room.locator("#connection")).to_have_text("Live", timeout=10_000)
            expect(room.locator("#step")).to_contain_text("Join on your phone")
            frame = page.locator(".room-view-frame").bounding_box()
            card = page.locator(".room-view").bounding_box()
            assert frame is not None
            assert card is not None
            # The whole 16:9 picture, scaled to the card: nothing beyond it, no sideways scroll.
            assert frame["x"] + frame["width"] <= card["x"] + card["width"]
            assert abs(frame["width"] / frame["height"] - 16 / 9) < 0.02
            scale = page.evaluate(
                "() => getComputedStyle(document.querySelector('.room-view-frame'))"
                ".getPropertyValue('--miniature')"
            )
            assert float(scale) == pytest.approx(frame["width"] / 1280, rel=0.01)
            assert page.evaluate("() => document.documentElement.scrollWidth") <= SIZES[size][0]
        # The facilitator moves the room from the 1366 console; both miniatures follow.
        pages["1366"].locator("#presenter").get_by_role("button", name="Next →").click()
        for size, page in pages.items():
            room = page.frame_locator(".room-view iframe")
            expect(room.locator("#step")).to_contain_text(first.title)
            shot(page, f"console-miniature-{size}")
        pages["1366"].locator("#presenter").get_by_role("button", name="Next →").click()
        for page in pages.values():
            expect(page.frame_locator(".room-view iframe").locator("#step")).to_contain_text(
                "Pick your challenge"
            )
    finally:
        for context in contexts.values():
            context.close()
