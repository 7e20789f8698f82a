"""The take-home page in real browsers: a phone open since the start is pointed to its
take-home page the moment the facilitator finishes, opens it, and downloads a calendar
file that parses back; a phone opening later gets the same."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from icalendar import Calendar
from playwright.sync_api import expect

from sessions.commitments import services as commitments
from sessions.commitments.services import Card
from sessions.models import Delegate, SnapshotSetup
from sessions.snapshot import services as snapshots
from sessions.snapshot.bank import ITEMS
from tests.browser import PHONE, join_by_qr_link, live, open_console, shot
from tests.test_archive import run_workshop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def commit_for(workshop, delegate: Delegate) -> None:
    step = commitments.add_commit_step(workshop=workshop, title="Commit to one experiment")
    today = workshop.event.local_today()
    made = commitments.make_commitment(
        workshop_id=workshop.pk,
        delegate_id=delegate.pk,
        step_id=step.pk,
        card=Card(
            action="time every changeover on line 2 for a fortnight",
            first_step_when="the Monday shift starts",
            first_step_then="put a stopwatch by the press",
            first_step_on=today + datetime.timedelta(days=2),
            measure="changeovers under 20 minutes",
            done_by=today + datetime.timedelta(days=30),
            link=commitments.link_choices(workshop)[0][0],
        ),
    )
    assert made is not None


def snapshot_for(workshop, delegate: Delegate) -> None:
    setup, _ = SnapshotSetup.objects.update_or_create(
        event_id=workshop.event_id, defaults={"state": SnapshotSetup.State.OPEN}
    )
    response = snapshots.start(setup=setup, delegate_key=delegate.key)
    for number, item in enumerate(ITEMS):
        snapshots.answer(response=response, item=item.code, value=number % 5)
    snapshots.finish(response=response, picks=[], other="")


def test_an_open_phone_gets_its_take_home_page_when_the_facilitator_finishes(
    browser, server, workshop, facilitator
):
    console = open_console(browser, server, workshop, facilitator)
    phone = join_by_qr_link(browser, server, workshop, "Dana")
    dana = Delegate.objects.get(display_name="Dana", event_id=workshop.event_id)
    run_workshop(workshop)
    commit_for(workshop, dana)
    snapshot_for(workshop, dana)

    console.get_by_role("link", name="Finish the workshop…").click()
    console.get_by_role("button", name="Close now").click()
    go = phone.get_by_role("link", name="Open your take-home page")
    expect(go).to_be_visible()
    shot(phone, "take-home-pointer-phone")
    # The open phone's step region ends as a freshly loaded one draws it.
    fresh = phone.context.new_page()
    fresh.goto(f"{server.url}{reverse('workshops:phone', args=[workshop.pk])}")
    expect(fresh.get_by_role("link", name="Open your take-home page")).to_be_visible()
    assert phone.locator("#step").inner_html() == fresh.locator("#step").inner_html()
    fresh.close()

    go.click()
    expect(phone.get_by_role("heading", name="Your take-home page")).to_be_visible()
    expect(phone.locator(".take-home-card")).to_contain_text(
        "I will time every changeover on line 2 for a fortnight"
    )
    expect(phone.locator(".take-home-top").first).to_contain_text("Lean basics")
    shot(phone, "take-home-phone")
    calendar_link = phone.get_by_role("link", name="Add the first step to your calendar")
    calendar_link.scroll_into_view_if_needed()
    shot(phone, "take-home-calendar-phone")
    for target in (
        calendar_link,
        phone.get_by_role("link", name="Back to the workshop"),
        phone.get_by_role("link", name="Your data"),
        phone.get_by_role("link", name="See your full Snapshot results"),
    ):
        box = target.bounding_box()
        assert box is not None
        assert box["height"] >= 48, target
    phone.get_by_role("link", name="Your data").scroll_into_view_if_needed()
    shot(phone, "take-home-footer-phone")
    with phone.expect_download() as waiting:
        calendar_link.click()
    download = waiting.value
    assert download.suggested_filename.endswith("-first-step.ics")
    with open(download.path(), "rb") as file:
        (event,) = Calendar.from_ical(file.read()).events
    assert str(event["summary"]) == "First step: put a stopwatch by the press"
    assert event.decoded("dtstart").date() == workshop.event.local_today() + datetime.timedelta(
        days=2
    )
    assert str(event["dtstart"].params["TZID"]) == workshop.event.time_zone
    phone.get_by_role("heading", name="Your Productivity Snapshot").scroll_into_view_if_needed()
    expect(phone.locator(".suppressed")).to_contain_text("Not enough responses yet")
    shot(phone, "take-home-snapshot-phone")
    phone.get_by_role("heading", name="Come back later").scroll_into_view_if_needed()
    shot(phone, "take-home-back-link-phone")

    # The link on the page brings the delegate back on another device, without the cookie.
    back = phone.locator(".own-link-url a").get_attribute("href")
    assert back is not None
    elsewhere = browser.new_context(**PHONE).new_page()
    elsewhere.goto(back)
    expect(elsewhere.locator(".take-home-card")).to_contain_text("time every changeover")
    elsewhere.context.close()
    live(console)
