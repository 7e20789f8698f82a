"""The Snapshot in real browsers: a delegate answers on a phone, reloads mid-way and carries
on, and sees their results; the projector's "Where we are" step shows the room's profile."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions.agenda import services as workshop_services
from sessions.models import SnapshotAnswer, SnapshotResponse, Step
from sessions.snapshot import services
from sessions.snapshot.demo import DEMO_CHALLENGES, seed_snapshots
from tests.browser import PHONE, PROJECTOR, live, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tap(page, answer: str, then: str) -> None:
    page.get_by_role("button", name=answer, exact=True).click()
    expect(page.locator("#snapshot-card .progress-label")).to_contain_text(then)


def test_a_delegate_completes_the_snapshot_on_a_phone_resuming_after_a_reload(
    browser, server, event
):
    setup = services.configure(
        setup=services.setup_for(event), state="open", challenges=DEMO_CHALLENGES, wording={}
    )
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{server.url}/s/{setup.invite_token}/")
    page.get_by_role("button", name="Start the Snapshot").click()
    expect(page.get_by_text("Question 1 of 18")).to_be_visible()
    shot(page, "snapshot-phone-question")
    for number in range(1, 8):
        tap(page, "Standard practice", f"Question {number + 1} of 18")
    tap(page, "Not sure", "Question 9 of 18")
    assert page.url.endswith("/q/9/")  # each screen has its own address
    response = SnapshotResponse.objects.get()
    assert SnapshotAnswer.objects.filter(response=response).count() == 8
    page.reload()  # a flaky connection, a closed tab: the answers stay
    expect(page.get_by_text("Question 9 of 18")).to_be_visible()
    page.get_by_role("link", name="← Back").click()
    expect(page.get_by_role("button", name="Not sure")).to_have_attribute("aria-pressed", "true")
    page.goto(f"{server.url}/snapshot/{response.token}/")  # the own link resumes
    expect(page.get_by_text("Question 9 of 18")).to_be_visible()
    for number in range(9, 18):
        tap(page, "In some areas of the business", f"Question {number + 1} of 18")
    page.get_by_role("button", name="In some areas of the business").click()
    expect(page.get_by_role("heading", name="About your business")).to_be_visible()
    page.get_by_label("Sector").select_option(label="Food and drink")
    page.get_by_label("Employees").select_option(label="10-19")
    page.get_by_label("Your role").select_option(label="Owner or director")
    page.get_by_label("include my answers").check()
    shot(page, "snapshot-phone-about")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Your top 3 productivity challenges")).to_be_visible()
    page.get_by_label("Energy costs").check()
    page.get_by_label("Scrap and rework").check()
    page.get_by_role("button", name="Finish and see my results").click()
    expect(page.get_by_role("heading", name="Your Productivity Snapshot")).to_be_visible()
    # 75, 75, 63 (3, not sure, 2), 50, 50, 50: a mean of 60.5, half up
    expect(page.locator(".big-score strong")).to_have_text("61")
    expect(page.get_by_text("Comparison with the group: Not enough responses yet")).to_be_visible()
    shot(page, "snapshot-phone-results-alone")
    response.refresh_from_db()
    assert response.is_complete
    assert response.challenges == ["Energy costs", "Scrap and rework"]
    seed_snapshots(event)  # the rest of the cohort finishes
    page.reload()
    expect(page.locator(".standing-row").first).to_contain_text("The middle half of the group")
    expect(page.locator(".standing-svg .band")).to_have_count(6)
    shot(page, "snapshot-phone-results")
    page.locator(".focus-areas").scroll_into_view_if_needed()
    shot(page, "snapshot-phone-results-focus")


def test_the_projector_shows_where_we_are_for_a_seeded_cohort(browser, server, event, workshop):
    seed_snapshots(event)
    step = workshop_services.add_step(
        workshop=workshop, title="Where we are", kind=Step.Kind.BENCHMARK
    )
    workshop_services.show_step(workshop=workshop, step=step)
    page = browser.new_context(**PROJECTOR).new_page()
    page.goto(f"{server.url}/display/{workshop.display_token}/")
    live(page)
    expect(page.locator(".room-firms")).to_contain_text("14 firms took the Snapshot")
    expect(page.locator(".room-table tbody tr")).to_have_count(6)
    expect(page.locator(".room-challenges li").first).to_contain_text(DEMO_CHALLENGES[1])
    shot(page, "snapshot-projector-where-we-are")
