"""The facilitator's remote in real browsers, the way a room uses it: the projector and three
phones open before anything happens, a co-facilitator's phone drives the room with the remote
link (Next, a vote opened and closed, Previous), every open page ends as a fresh load shows
it, and once the link is revoked the open remote says so and its buttons change nothing."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from sessions.agenda import services
from sessions.ideas import services as ideas
from sessions.live.audiences import DELEGATE, PROJECTOR, REGIONS, REMOTE
from sessions.models import Step, Workshop
from sessions.remote import services as remote
from sessions.voting import services as voting
from tests.browser import PHONE, join_in, live, open_console, shot
from tests.browser import PROJECTOR as PROJECTOR_VIEW
from tests.conftest import session_for
from tests.test_walk_browser import IDS, regions_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTES = "Thank the hosts.\nAsk who has run a 5S audit this year: hands up."


def same_as_fresh(page: Page, ids: tuple[str, ...], within: float = 15) -> None:
    """The long-open `page` shows, region for region, what a fresh load of its address shows."""
    fresh = page.context.new_page()
    deadline = time.monotonic() + within
    while True:
        fresh.goto(page.url)
        live(fresh)
        fresh.wait_for_function("() => !document.querySelector('[aria-busy=true]')")
        want, got = regions_of(fresh, ids), regions_of(page, ids)
        if want == got or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    fresh.close()
    differing = [name for name in want if want[name] != got[name]]
    assert not differing, (differing, [(got[n], want[n]) for n in differing][:1])


def run_sheet(workshop: Workshop) -> tuple[Step, Step]:
    welcome = services.add_step(workshop=workshop, title="Welcome to Small steps")
    assert welcome is not None
    Step.objects.filter(pk=welcome.pk).update(notes=NOTES)
    vote = voting.add_vote_step(
        workshop=workshop,
        title="Pick the challenge",
        body="",
        settings=voting.PollSettings(kind="dots", options=["Flow", "Waste", "Data", "People"]),
    )
    ideas.add_ideas_step(
        workshop=workshop, title="How might we cut waiting time?", prompt="Ideas, please"
    )
    return welcome, vote


@pytest.mark.timeout(300)
def test_a_co_facilitator_drives_the_room_from_a_phone_then_the_link_is_revoked(
    browser, server, contexts, workshop, facilitator
):
    welcome, vote = run_sheet(workshop)
    token = remote.make_remote_link(workshop=workshop).remote_token
    projector = contexts(**PROJECTOR_VIEW).new_page()
    projector.goto(f"{server.url}/display/{workshop.display_token}/")
    live(projector)
    phones = [join_in(contexts(**PHONE), server, workshop, name) for name in ("Ana", "Ben", "Cy")]
    for phone in phones:
        live(phone)
    hand = contexts(**PHONE).new_page()
    hand.goto(f"{server.url}/remote/{token}/")
    live(hand)
    expect(hand.locator("#presence")).to_have_text("3 phones connected")
    expect(hand.get_by_role("heading", level=1)).to_have_text("The waiting screen")
    expect(hand.get_by_role("button", name="← Previous")).to_be_disabled()
    shot(hand, "remote-390-waiting")

    hand.get_by_role("button", name="Next →").click()
    expect(hand.get_by_role("heading", level=1)).to_have_text("Welcome to Small steps")
    expect(hand.locator(".remote-notes")).to_contain_text("Ask who has run a 5S audit")
    expect(hand.locator(".remote-next")).to_have_text("Next: Pick the challenge")
    expect(projector.locator("#step")).to_contain_text("Welcome to Small steps")
    for phone in phones:
        expect(phone.locator("#step")).to_contain_text("Welcome to Small steps")
    shot(hand, "remote-390-message-with-notes")

    hand.get_by_role("button", name="Next →").click()
    expect(hand.get_by_role("heading", level=1)).to_have_text("Pick the challenge")
    hand.get_by_role("button", name="Open voting").click()
    expect(hand.get_by_role("button", name="Close voting")).to_be_visible()
    expect(hand.locator(".remote-state")).to_have_text("Voting is open · results hidden")
    for phone in phones:
        expect(phone.locator(".dots").first).to_be_visible()
    shot(hand, "remote-390-vote-open")
    hand.get_by_role("button", name="Close voting").click()
    expect(hand.locator(".remote-state")).to_have_text("Voting is closed · results hidden")
    hand.get_by_role("button", name="Reveal results").click()
    expect(hand.get_by_role("button", name="Hide results")).to_be_visible()
    shot(hand, "remote-390-vote-closed-revealed")
    vote.poll.refresh_from_db()
    assert not vote.poll.is_open
    assert vote.poll.revealed

    hand.get_by_role("button", name="← Previous").click()
    expect(hand.get_by_role("heading", level=1)).to_have_text("Welcome to Small steps")
    expect(projector.locator("#step")).to_contain_text("Welcome to Small steps")
    workshop.refresh_from_db()
    assert workshop.current_step_id == welcome.pk

    # A 5-minute timer from the remote, a minute more: on the projector and every phone.
    expect(hand.locator(".clock")).to_contain_text("On this step")
    hand.get_by_role("button", name="Start a 5 minute timer").click()
    expect(hand.locator("#timer .timer-until")).to_contain_text("until")
    expect(projector.locator("#timer .timer-until")).to_contain_text("until")
    for phone in phones:
        expect(phone.locator("#timer .timer-until")).to_contain_text("until")
    hand.get_by_role("button", name="+1 minute").click()
    expect(hand.locator("#flash")).to_contain_text("A minute added.")
    shot(hand, "remote-390-timer-running")

    same_as_fresh(hand, REGIONS[REMOTE])
    same_as_fresh(projector, IDS[PROJECTOR])
    for phone in phones:
        same_as_fresh(phone, IDS[DELEGATE])
    for phone in phones:
        assert "5S audit" not in phone.content()
    assert "5S audit" not in projector.content()

    # The facilitator revokes the link on the console: the open remote says so at once,
    # and its buttons change nothing but show the refusal.
    console = open_console(browser, server, workshop, facilitator)
    try:
        section = console.locator(".remote-section")
        below_the_bar = "e => window.scrollTo(0, e.getBoundingClientRect().top + scrollY - 150)"
        section.evaluate(below_the_bar)
        expect(section.get_by_role("button", name="Revoke the remote link")).to_be_visible()
        shot(console, "remote-console-1366-link-made")
        section.get_by_role("button", name="Revoke the remote link").click()
        expect(console.locator(".remote-section")).to_contain_text("Make a remote link")
        console.locator(".remote-section").evaluate(below_the_bar)
        shot(console, "remote-console-1366-revoked")
    finally:
        console.context.close()
    expect(hand.locator("#connection")).to_contain_text("This remote link was revoked")
    hand.get_by_role("button", name="Next →").click()
    expect(hand.locator("#flash")).to_contain_text("This remote link was revoked")
    shot(hand, "remote-390-revoked")
    workshop.refresh_from_db()
    assert workshop.current_step_id == welcome.pk


@pytest.mark.timeout(120)
def test_the_facilitators_own_remote_opens_by_login(
    browser, server, contexts, workshop, facilitator
):
    _welcome, vote = run_sheet(workshop)
    services.show_step(workshop=workshop, step=vote)
    context = contexts(**PHONE)
    context.add_cookies(
        [{"name": "sessionid", "value": session_for(facilitator), "url": server.url}]
    )
    hand = context.new_page()
    hand.goto(f"{server.url}/console/workshops/{workshop.pk}/remote/")
    live(hand)
    expect(hand.get_by_role("heading", level=1)).to_have_text("Pick the challenge")
    hand.get_by_role("button", name="Next →").click()
    expect(hand.get_by_role("heading", level=1)).to_have_text("How might we cut waiting time?")
    expect(hand.get_by_role("button", name="Next →")).to_be_disabled()
    hand.get_by_role("button", name="Open ideas").click()
    expect(hand.locator(".remote-state")).to_have_text("Ideas are open")
    shot(hand, "remote-390-ideas-open-last-step")
