"""Helpers for the browser tests: what a person does with a page."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from tests.conftest import session_for
from tests.servers import Daphne

SHOTS = Path(__file__).resolve().parent.parent / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}
LAPTOP = {"viewport": {"width": 1366, "height": 900}}


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=False)


def scroll_to(page: Page, selector: str) -> None:
    """Scroll the first element matching a CSS selector into view, found and scrolled in one
    step inside the page: a push redrawing it meanwhile cannot leave Playwright holding the
    element it replaced (as `scroll_into_view_if_needed` on a live region can)."""
    found = page.evaluate(
        """(selector) => {
          const element = document.querySelector(selector);
          if (element) element.scrollIntoView({block: "nearest"});
          return element !== null;
        }""",
        selector,
    )
    assert found, f"nothing matches {selector}"


def live(page: Page) -> None:
    expect(page.locator("#connection")).to_have_text("Live", timeout=10_000)


def open_console(browser, server: Daphne, workshop, facilitator) -> Page:
    context = browser.new_context(**LAPTOP)
    context.add_cookies(
        [{"name": "sessionid", "value": session_for(facilitator), "url": server.url}]
    )
    page = context.new_page()
    page.goto(f"{server.url}/console/workshops/{workshop.pk}/")
    live(page)
    return page


def join_by_qr_link(browser, server: Daphne, workshop, name: str) -> Page:
    page = join_in(browser.new_context(**PHONE), server, workshop, name)
    live(page)
    return page


def join_in(context: BrowserContext, server: Daphne, workshop, name: str) -> Page:
    """Join in a phone context of the test's own (routes set on it apply), not waiting for
    the page's socket."""
    page = context.new_page()
    page.goto(f"{server.url}/j/{workshop.join_token}/")
    page.get_by_label("Your name (optional)").fill(name)
    page.get_by_role("button", name="Join the workshop").click()
    expect(page.get_by_text(f"Joined as {name}")).to_be_visible()
    return page


def block_sockets(context: BrowserContext) -> None:
    """Every WebSocket of the context's pages is refused as it opens (a network that blocks
    them): the pages fall back to HTTP."""
    context.route_web_socket(re.compile(r"^wss?://"), lambda ws: ws.close(code=1011))
