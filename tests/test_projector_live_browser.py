"""The projector moves with the room: bars grow from where they were, the leading option is
marked, and the count of delegates here pops as people arrive; none of it moves for a
projector that asks for less motion. Phones vote in real browsers; the projector, open from
the start, follows over its socket."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import PROJECTOR, join_by_qr_link, live, open_console, shot
from tests.conftest import open_vote_on_screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPTIONS = ["Changeovers", "Training", "Data entry"]

# What the page animates, noted as it starts (the animations themselves end in 600 ms).
SPY = """() => {
  window.animated = [];
  const animate = Element.prototype.animate;
  Element.prototype.animate = function (frames, options) {
    window.animated.push(this.id || (this.closest('#presence') ? 'presence' : this.className));
    return animate.call(this, frames, options);
  };
}"""


def put_dot(phone, label: str) -> None:
    row = phone.locator(".ballot-option").filter(has_text=label)
    row.get_by_role("button", name=re.compile("^Put a dot")).click()


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_bars_grow_the_leader_is_marked_and_arrivals_pop(browser, server, workshop, motion):
    poll = open_vote_on_screen(workshop, OPTIONS, budget=3, per_option_max=2, show_live=True)
    ids = dict(poll.options.values_list("label", "pk"))

    context = browser.new_context(**PROJECTOR, reduced_motion=motion)
    projector = context.new_page()
    projector.goto(f"{server.url}/display/{workshop.display_token}/")
    live(projector)
    projector.evaluate(SPY)
    expect(projector.locator(".bar-row.leading")).to_have_count(0)  # nothing scored yet

    ana = join_by_qr_link(browser, server, workshop, "Ana")
    expect(projector.locator("#presence [data-count]")).to_have_attribute("data-count", "1")
    put_dot(ana, "Training")
    score = projector.locator(f'.bar-score[data-option="{ids["Training"]}"]')
    expect(score).to_have_attribute("data-score", "1")
    expect(projector.locator(".bar-row.leading")).to_have_count(1)
    expect(projector.locator(".bar-row.leading")).to_contain_text("Training")

    ben = join_by_qr_link(browser, server, workshop, "Ben")
    expect(projector.locator("#presence [data-count]")).to_have_attribute("data-count", "2")
    put_dot(ben, "Data entry")
    expect(ben.locator("#ballot .allowance")).to_contain_text("2 of 3 dots left")
    put_dot(ben, "Data entry")
    score = projector.locator(f'.bar-score[data-option="{ids["Data entry"]}"]')
    expect(score).to_have_attribute("data-score", "2")
    expect(projector.locator(".bar-row.leading")).to_have_count(1)
    expect(projector.locator(".bar-row.leading")).to_contain_text("Data entry")
    expect(projector.locator(".bar-row.leading .visually-hidden")).to_have_text("Leading: ")
    shot(projector, f"live-results-projector-1920-{motion}")

    animated = projector.evaluate("() => window.animated")
    if motion == "reduce":
        assert animated == []
    else:
        assert f"bar-{ids['Data entry']}" in animated
        assert f"bar-{ids['Training']}" in animated
        assert animated.count("presence") >= 2  # each arrival
    context.close()


def test_the_facilitator_brings_joining_back_full_size_and_shrinks_it_again(
    browser, server, workshop, facilitator
):
    open_vote_on_screen(workshop, OPTIONS)
    projector = browser.new_context(**PROJECTOR).new_page()
    projector.goto(f"{server.url}/display/{workshop.display_token}/")
    live(projector)
    qr = projector.locator("#join svg")
    assert qr.bounding_box()["height"] <= 1080 / 6  # a strip while the vote is on
    console = open_console(browser, server, workshop, facilitator)
    console.get_by_role("button", name="Show joining full size").click()
    expect(projector.locator("#join")).to_have_class(re.compile(r"\bjoin-large\b"))
    assert qr.bounding_box()["width"] >= 1920 / 4
    expect(projector.locator("#step .step-title")).to_have_text("Which challenge first?")
    shot(projector, "joining-full-size-projector-1920")
    console.get_by_role("button", name="Shrink joining to a strip").click()
    expect(projector.locator("#join")).not_to_have_class(re.compile(r"\bjoin-large\b"))
    assert qr.bounding_box()["height"] <= 1080 / 6
