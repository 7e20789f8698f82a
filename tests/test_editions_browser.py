"""Editions in Chromium: the organiser maps this edition's challenges and reads the
comparison with the last edition at a laptop's size (axe reads both pages); the facilitator
shows "Since last time" on projectors and a phone that were already open; a returning
delegate brings last time's commitment to the phone and closes it in one tap."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions.agenda import services as agenda
from sessions.models import ChallengeLink, Step
from tests.browser import LAPTOP, PHONE, PROJECTOR, join_in, live, open_console, shot
from tests.conftest import session_for
from tests.test_axe_browser import AXE, RUN
from tests.test_editions import (  # noqa: F401  (fixtures)
    firms_in_both,
    returning_delegate,
    seeded,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=AXE)
    return [f"{v['id']}: {n['html']}" for v in page.evaluate(RUN) for n in v["nodes"]]


def test_the_organiser_maps_a_renamed_challenge_and_compares_the_editions(
    contexts,
    server,
    facilitator,
    seeded,  # noqa: F811
):
    _first, second, energy, late = seeded
    ChallengeLink.objects.filter(event=second).delete()  # not yet confirmed
    context = contexts(**LAPTOP)
    context.add_cookies(
        [{"name": "sessionid", "value": session_for(facilitator), "url": server.url}]
    )
    page = context.new_page()
    page.goto(f"{server.url}/console/events/{second.pk}/series/")
    expect(page.get_by_role("heading", name="Editions: Makers 2026")).to_be_visible()
    renamed = page.get_by_label("Energy bills")
    expect(renamed).to_have_value("new")
    expect(page.get_by_label("Late deliveries!")).to_have_value(str(late.pk))  # suggested
    assert axe_violations(page) == []
    renamed.select_option(label="Energy costs")
    renamed.focus()
    shot(page, "editions-mapping-laptop")
    page.get_by_role("button", name="Confirm the mapping").click()
    expect(page.get_by_text("Confirmed.")).to_have_count(3)
    expect(page.get_by_label("Energy bills")).to_have_value(str(energy.pk))

    page.get_by_role("link", name="This edition and the last").click()
    expect(page.get_by_role("heading", name="This edition and the last")).to_be_visible()
    top = page.locator("#top tbody tr")
    expect(top.nth(0)).to_have_text("Energy costs67")
    expect(top.nth(1)).to_have_text("Late deliveries65")
    assert axe_violations(page) == []
    shot(page, "editions-compare-laptop")
    page.locator("#outcomes").scroll_into_view_if_needed()
    shot(page, "editions-compare-outcomes-laptop")


def test_the_organiser_reads_the_firms_in_both_editions(
    contexts,
    server,
    facilitator,
    firms_in_both,  # noqa: F811
):
    _first, second, _energy, _late, _scrap = firms_in_both
    context = contexts(**LAPTOP)
    context.add_cookies(
        [{"name": "sessionid", "value": session_for(facilitator), "url": server.url}]
    )
    page = context.new_page()
    page.goto(f"{server.url}/console/events/{second.pk}/editions/")
    section = page.get_by_role("region", name="Firms in both editions")
    expect(section.locator("#paired-top tbody tr")).to_have_text(
        ["Energy costs10 7", "Late deliveries6 under 5", "Scrap and reworkunder 5 5"]
    )
    assert axe_violations(page) == []
    section.scroll_into_view_if_needed()
    shot(page, "editions-firms-in-both-laptop")


def test_the_console_shows_since_last_time_on_the_open_projectors_and_phone(
    browser,
    contexts,
    server,
    facilitator,
    seeded,  # noqa: F811
):
    first, second, energy, _late = seeded
    room = agenda.create_workshop(event=second, title="Opening")
    agenda.add_step(workshop=room, title="Welcome back", body="Glad you came.")
    agenda.add_step(workshop=room, title="Since last time", kind=Step.Kind.SINCE)
    display = f"{server.url}/display/{room.display_token}/"
    projectors = []
    for size in (PROJECTOR, {"viewport": {"width": 1280, "height": 720}}):
        projector = contexts(**size).new_page()
        projector.goto(display)
        live(projector)
        projectors.append(projector)
    phone = join_in(contexts(**PHONE), server, room, "Dana")
    console = open_console(browser, server, room, facilitator)

    console.get_by_role("button", name="Show Since last time").click()
    for projector in projectors:
        region = projector.locator(f'.since[data-since="{first.pk}"]')
        expect(region).to_be_visible()
        expect(region.locator('[data-figure="made"] dd')).to_have_text("15")
        expect(region.locator('[data-figure="done"] dd')).to_have_text("5")
        expect(region.locator('[data-figure="changed"] dd')).to_have_text("under 5")
        expect(region.locator(f'tr[data-challenge="{energy.pk}"]')).to_have_text("Energy costs67")
    expect(phone.get_by_text("since the last edition is on the big screen")).to_be_visible()
    expect(console.locator(f'.since[data-since="{first.pk}"]')).to_be_visible()
    shot(projectors[0], "editions-since-projector-1920")
    shot(projectors[1], "editions-since-projector-1280")
    shot(phone, "editions-since-phone")
    for projector in projectors:  # the pushed screen is the one a fresh load draws
        pushed = projector.locator("#step").inner_html()
        fresh = contexts(**PROJECTOR).new_page()
        fresh.goto(display)
        live(fresh)
        assert fresh.locator("#step").inner_html() == pushed
    console.close()


def test_a_returning_delegate_closes_last_times_commitment_on_the_phone(
    contexts,
    server,
    returning_delegate,  # noqa: F811
):
    made, path, _client, room = returning_delegate
    phone = join_in(contexts(**PHONE), server, room, "Dana")
    phone.goto(f"{server.url}{path}")
    expect(phone.get_by_role("heading", name="At Makers 2026 today?")).to_be_visible()
    assert axe_violations(phone) == []
    shot(phone, "editions-bring-back-phone")
    phone.get_by_role("button", name="Show it on my phone there").click()
    card = phone.locator(".returned")
    expect(card.get_by_role("heading", name="Last time, at Makers 2025")).to_be_visible()
    expect(card).to_contain_text("I will try a thing")
    assert axe_violations(phone) == []
    shot(phone, "editions-returned-phone")
    for name in ("Done it", "Keep going: 30 more days"):
        box = card.get_by_role("button", name=name).bounding_box()
        assert box is not None
        assert box["height"] >= 48
    # The same phone's other tab, already open, loses the card as soon as it is answered.
    other_tab = phone.context.new_page()
    other_tab.goto(f"{server.url}/w/{room.pk}/")
    live(other_tab)
    expect(other_tab.locator(".returned")).to_have_count(1)
    card.get_by_role("button", name="Done it").click()
    expect(phone.locator(".returned")).to_have_count(0)
    # The answer's words stay in #flash whenever this phone's own socket redraws #returned.
    expect(phone.locator("#flash")).to_contain_text("Marked done. Well done.")
    expect(other_tab.locator(".returned")).to_have_count(0)
    made.refresh_from_db()
    assert made.status == "done"
