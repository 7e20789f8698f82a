"""A delegate's phone shows one thing at a time, and nothing scrolls sideways.

Every step kind, filled as a big room fills it, on the narrowest phone (320 px) and a common
one (390 px): no page is wider than the screen, the workshop's title takes one line. A vote,
once closed, folds into "Your vote is in" with the delegate's own choices; revealed, its
results come first. A step with nothing to do on the phone says to look at the screen.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from sessions.agenda import services
from sessions.archive.services import share_archive
from tests.browser import PHONE, block_sockets, join_in, live, open_console, shot
from tests.conftest import open_vote_on_screen
from tests.worst_cases import worst_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {**PHONE, "viewport": {"width": 320, "height": 640}}
VOTE_PATH = re.compile(r"/w/\d+/vote/$")


def sideways(page: Page) -> int:
    """How far the page scrolls sideways, in px (0 when it fits)."""
    return page.evaluate("() => document.documentElement.scrollWidth - innerWidth")


def title_lines(page: Page) -> float:
    return page.evaluate(
        """() => {
          const h1 = document.querySelector('main h1');
          return h1.getBoundingClientRect().height / parseFloat(getComputedStyle(h1).lineHeight);
        }"""
    )


@pytest.mark.timeout(600)
def test_no_phone_page_scrolls_sideways_and_the_title_takes_one_line(browser, server, workshop):
    workshop.title = "Small steps across the supply chain: our next productivity experiment"
    workshop.save(update_fields=["title"])
    steps = worst_cases(workshop)
    phones = {
        "320": join_in(browser.new_context(**NARROW), server, workshop, "Narrow"),
        "390": join_in(browser.new_context(**PHONE), server, workshop, "Common"),
    }
    wide: list[str] = []
    for name in [*steps, "waiting", "finished"]:
        if name == "finished":
            services.close_workshop(workshop=workshop)
        else:
            services.show_step(workshop=workshop, step=steps.get(name))
        for size, phone in phones.items():
            phone.reload()
            if name == "finished":
                expect(phone.locator("#status")).to_contain_text("finished")
            else:
                live(phone)
            shot(phone, f"phone-{name}-{size}")
            if sideways(phone) > 0:
                wide.append(f"{name} at {size}: {sideways(phone)} px sideways")
            assert title_lines(phone) < 1.5, name
            if name in ("message", "waiting"):
                expect(phone.locator(".look-up")).to_be_visible()
            if name in ("dots", "matrix"):  # closed and revealed: the results first
                expect(phone.locator("#ballot")).to_have_text("You did not vote this time.")
                results, step = (
                    phone.locator(n).bounding_box()["y"] for n in ("#results", "#step")
                )
                assert results < step, name
    workshop.refresh_from_db()
    workshop = share_archive(workshop=workshop)
    for size, phone in phones.items():
        phone.goto(f"{server.url}/archive/{workshop.archive_token}/")
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        shot(phone, f"archive-shared-{size}")
        if sideways(phone) > 0:
            wide.append(f"the shared archive at {size}: {sideways(phone)} px sideways")
    assert not wide, "\n".join(wide)


def test_a_closed_vote_folds_into_your_vote_and_revealed_results_come_first(
    browser, server, workshop, facilitator
):
    open_vote_on_screen(workshop, ["Changeovers", "Training", "Data"])
    phone = join_in(browser.new_context(**PHONE), server, workshop, "Ana")
    live(phone)
    for label in ("Training", "Training", "Data"):
        row = phone.locator(".ballot-option").filter(has_text=label)
        before = phone.locator("#ballot .allowance").inner_text()
        row.get_by_role("button", name=re.compile("^Put a dot")).click()
        expect(phone.locator("#ballot .allowance")).not_to_have_text(before)

    console = open_console(browser, server, workshop, facilitator)
    console.get_by_role("button", name="Close voting").click()  # pushed to the open phone
    ballot = phone.locator("#ballot")
    expect(ballot).to_contain_text("Your vote is in")
    expect(ballot.locator(".my-choices li")).to_have_text(
        [re.compile(r"^Training\s*●●$"), re.compile(r"^Data\s*●$")]
    )
    expect(ballot.get_by_role("button")).to_have_count(0)
    expect(phone.locator("main")).not_to_contain_text("Voting is closed. ")
    shot(phone, "phone-vote-closed-390")

    console.get_by_role("button", name="Reveal results").click()
    expect(phone.locator("#results .bar-row")).to_have_count(3)
    # The results come first once the ballot says the vote is in (it may be redrawn by a
    # push of its own, a moment after the results').
    phone.wait_for_function(
        """() => document.getElementById('results').getBoundingClientRect().top
                 < document.getElementById('ballot').getBoundingClientRect().top""",
        timeout=10_000,
    )
    results_top = phone.evaluate(
        "() => document.getElementById('results').getBoundingClientRect().top"
    )
    assert results_top < 844  # on the first screen
    shot(phone, "phone-vote-revealed-390")


# What the page animates, noted as it starts: the option of an animated ballot row.
SPY = """() => {
  window.animated = [];
  const animate = Element.prototype.animate;
  Element.prototype.animate = function (frames, options) {
    const label = this.querySelector && this.querySelector('.option-label');
    if (label) window.animated.push(label.textContent.trim());
    return animate.call(this, frames, options);
  };
}"""


@pytest.mark.parametrize(
    ("path", "motion"),
    [("socket", "no-preference"), ("socket", "reduce"), ("http", "no-preference")],
)
def test_a_counted_tap_flashes_its_option_once(browser, server, workshop, path, motion):
    open_vote_on_screen(workshop, ["Changeovers", "Training", "Data"])
    context = browser.new_context(**PHONE, reduced_motion=motion)
    if path == "http":
        block_sockets(context)
    phone = join_in(context, server, workshop, "Ana")
    if path == "socket":
        live(phone)
    else:
        # Polling from here on: a poll may redraw the ballot (without the tap's key) right
        # after the tap's answer, so the answer itself is read for the key.
        expect(phone.locator("#connection")).to_have_attribute("data-state", "polling")
    phone.evaluate(SPY)
    row = phone.locator(".ballot-option").filter(has_text="Training")
    put_dot = row.get_by_role("button", name=re.compile("^Put a dot"))
    if path == "socket":
        put_dot.click()
        expect(phone.locator("#ballot")).to_have_attribute("data-ack", re.compile(r".+"))
    else:
        with phone.expect_response(lambda r: bool(VOTE_PATH.search(r.url))) as answer:
            put_dot.click()
        assert answer.value.status == 200
        assert re.search(r'<section id="ballot"[^>]* data-ack="[^"]+"', answer.value.text())
    expect(phone.locator("#ballot .allowance")).to_contain_text("2 of")
    expect(phone.locator("#ballot .ballot-option.marked")).to_have_count(1)
    if motion != "reduce":
        # An answer over HTTP flashes once htmx has settled it, a moment after its swap.
        phone.wait_for_function("() => window.animated.length > 0")
    assert phone.evaluate("() => window.animated") == ([] if motion == "reduce" else ["Training"])
    context.close()
