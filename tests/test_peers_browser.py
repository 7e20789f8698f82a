"""Peers on a phone (390x844): the promise read before opting in, anonymous offers on both
sides, one accept revealing nothing, and the introduction once both accept; axe-core finds
nothing on each state of the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from sessions.models import PeerOffer
from tests.browser import LAPTOP, PHONE, shot
from tests.conftest import open_vote_on_screen, session_for
from tests.test_axe_browser import Findings
from tests.test_peers import committed
from tests.test_peers import opt_in as peers_opt_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANN = ("Ann Archer", "Acme Pressings", "ann@peer.example")
BEN = ("Ben Brook", "Brill Foods", "ben@peer.example")
OFFER = "Someone from another company also working on “Changeover time”."


def opt_in(page: Page, who: tuple[str, str, str]) -> None:
    expect(page.get_by_text("Then, and only then")).to_be_visible()
    page.get_by_label("Your name").fill(who[0])
    page.get_by_label("Your company").fill(who[1])
    page.get_by_label("Your email address").fill(who[2])
    page.get_by_label("Yes: offer me peers").check()
    page.get_by_role("button", name="Offer me peers").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")


def hides(page: Page, who: tuple[str, str, str]) -> None:
    text = page.locator("main").inner_text()
    assert not any(part in text for part in who), text


def test_two_delegates_are_introduced_only_when_both_accept(server, contexts, workshop):
    options = open_vote_on_screen(workshop, ["Changeover time", "Scrap"]).options
    topic = options.get(label="Changeover time")
    _ann, ann_path = committed(workshop, "Ann", topic)
    _ben, ben_path = committed(workshop, "Ben", topic)
    findings = Findings()
    ann = contexts(**PHONE).new_page()
    ben = contexts(**PHONE).new_page()

    ann.goto(f"{server.url}{ann_path}")
    ann.get_by_role("link", name="See how it works").click()
    expect(ann.get_by_role("heading", name="Meet peers from other companies")).to_be_visible()
    shot(ann, "peers-opt-in-phone")
    findings.check(ann, "peers opt-in")
    ann.get_by_role("button", name="Offer me peers").click()  # the box left unticked
    expect(ann.locator(".errorlist").first).to_be_visible()
    shot(ann, "peers-opt-in-refused-phone")
    findings.check(ann, "peers opt-in refused")
    opt_in(ann, ANN)
    expect(ann.get_by_text("No offers yet")).to_be_visible()

    ben.goto(f"{server.url}{ben_path}peers/")
    opt_in(ben, BEN)
    expect(ben.get_by_text(OFFER)).to_be_visible()
    ann.reload()
    expect(ann.get_by_text(OFFER)).to_be_visible()
    shot(ann, "peers-offer-phone")
    findings.check(ann, "peers offer")
    hides(ann, BEN)
    hides(ben, ANN)

    ann.get_by_role("button", name="Accept").click()
    expect(ann.get_by_text("You accepted. If they accept too")).to_be_visible()
    shot(ann, "peers-waiting-phone")
    ben.reload()
    expect(ben.get_by_role("button", name="Accept")).to_be_visible()
    hides(ben, ANN)
    hides(ann, BEN)

    ben.get_by_role("button", name="Accept").click()
    expect(ben.get_by_text("Introduced: see below and your email.")).to_be_visible()
    expect(ben.get_by_role("link", name=ANN[2])).to_be_visible()
    ann.reload()
    expect(ann.get_by_text(f"{BEN[0]}, {BEN[1]}")).to_be_visible()
    shot(ann, "peers-introduced-phone")
    findings.check(ann, "peers introduced")
    assert PeerOffer.objects.get().introduced_at is not None
    for page in (ann, ben):
        for button in page.get_by_role("button").all():
            box = button.bounding_box()
            assert box is not None
            assert box["height"] >= 48, button.inner_text()
    assert findings.found == [], "\n".join(findings.found)


def test_the_dashboard_shows_counts_and_never_who(server, contexts, workshop, facilitator):
    poll = open_vote_on_screen(workshop, ["Changeover time", "Scrap", "Stock"])
    options = list(poll.options.order_by("id"))
    n = 0
    for option, size in zip(options, (3, 2, 2), strict=True):  # 3 + 1 + 1 offers
        for _ in range(size):
            n += 1
            _made, path = committed(workshop, f"P{n}", option)
            peers_opt_in(path, f"Person {n}", f"Company {n}")
    assert PeerOffer.objects.count() == 5
    context = contexts(**LAPTOP)
    context.add_cookies(
        [{"name": "sessionid", "value": session_for(facilitator), "url": server.url}]
    )
    page = context.new_page()
    page.goto(f"{server.url}/console/events/{workshop.event_id}/dashboard/")
    counts = page.locator(".peer-counts")
    expect(counts.locator('[data-peer-count="offered"]')).to_have_text("5")
    expect(counts.locator('[data-peer-count="introduced"]')).to_have_text("fewer than 5")
    counts.scroll_into_view_if_needed()
    shot(page, "peers-dashboard-counts-laptop")
    assert "Company 1" not in page.locator("main").inner_text()
