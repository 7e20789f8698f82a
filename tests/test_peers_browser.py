"""Peers on a phone (390x844): the yes under the commitment card in the room, the promise
read before opting in, anonymous offers on both sides, one accept revealing nothing, and the
introduction once both accept; an open peers page following what the other side does
(offers, a decline, an introduction, an erasure) without a reload; axe-core finds nothing
on each state of the page. The server here asks for the offers every second, not 20."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from sessions.agenda import services
from sessions.commitments import services as commitments
from sessions.models import PeerOffer, PeerOptIn
from sessions.privacy import services as privacy
from tests.browser import LAPTOP, PHONE, join_by_qr_link, shot
from tests.conftest import open_vote_on_screen, session_for
from tests.servers import Daphne
from tests.test_axe_browser import Findings
from tests.test_commitments_browser import fill_card
from tests.test_peers import answer, committed
from tests.test_peers import opt_in as peers_opt_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    """One daphne process whose peers pages ask for their offers every second."""
    with Daphne(extra_env={"PEERS_POLL_SECONDS": "1"}) as running:
        yield running


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


def test_a_phone_says_yes_under_its_card_and_its_peers_page_follows_the_other_side(
    browser, server, workshop
):
    poll = open_vote_on_screen(workshop, ["Changeover time", "Scrap"])
    topic = poll.options.get(label="Changeover time")
    workshop.focus_options.set([topic])
    step = commitments.add_commit_step(workshop=workshop, title="Commit to one experiment")
    services.show_step(workshop=workshop, step=step)
    findings = Findings()
    ann = join_by_qr_link(browser, server, workshop, "Ann")
    fill_card(ann, "time every changeover on line 2", email="ann@example.com")

    offer_box = ann.locator(".peers-room")
    expect(
        offer_box.get_by_text("nobody learns anything about you until you both accept")
    ).to_be_visible()
    expect(offer_box.get_by_label("Your email address")).to_have_value("ann@example.com")
    offer_box.get_by_role("button", name="Suggest me peers").click()  # nothing filled in
    expect(offer_box.get_by_text("Tick the box to opt in.")).to_be_visible()
    offer_box.get_by_label("Your company").fill(ANN[1])
    offer_box.get_by_label("Yes: suggest me peers").check()
    shot(ann, "peers-yes-under-the-card-phone")
    findings.check(ann, "peers yes under the card")
    button = offer_box.get_by_role("button", name="Suggest me peers").bounding_box()
    assert button is not None
    assert button["height"] >= 48
    offer_box.get_by_role("button", name="Suggest me peers").click()
    expect(ann.get_by_role("status").filter(has_text="You said yes to peers.")).to_be_visible()
    expect(ann.locator(".peers-said-yes")).to_have_text("Peers from other companies: you said yes.")
    assert PeerOptIn.objects.get().company == ANN[1]

    ann.get_by_role("link", name="See your offers and answer them").click()
    expect(ann.get_by_text("No offers yet")).to_be_visible()
    # Ben, of another company, says yes: the offer appears on Ann's open page.
    _ben, ben_path = committed(workshop, "Ben", topic)
    peers_opt_in(ben_path, *BEN[:2])
    expect(ann.get_by_text(OFFER)).to_be_visible()
    hides(ann, BEN)
    ann.get_by_role("button", name="Accept").click()
    expect(ann.get_by_text("You accepted. If they accept too")).to_be_visible()

    # Cid says yes too, and declines: Ann's page says so, and names nobody.
    _cid, cid_path = committed(workshop, "Cid", topic)
    peers_opt_in(cid_path, "Cid Cole", "Cole Cans")
    expect(ann.locator(".peer-offer")).to_have_count(2)
    cid_offer = PeerOffer.objects.get(second__name="Cid Cole", first__company=ANN[1])
    answer(cid_path, cid_offer, "decline")
    expect(ann.locator(f"#offer-{cid_offer.pk}")).to_contain_text("No introduction this time")
    hides(ann, ("Cid Cole", "Cole Cans"))

    # Ben accepts: the introduction reaches Ann's open page.
    answer(ben_path, PeerOffer.objects.get(second__name=BEN[0], first__company=ANN[1]), "accept")
    expect(ann.get_by_text(f"{BEN[0]}, {BEN[1]}")).to_be_visible()
    shot(ann, "peers-introduced-live-phone")
    findings.check(ann, "peers introduced while open")

    # Ben erases his data: his offer leaves Ann's open page.
    privacy.erase_delegate(delegate=PeerOptIn.objects.get(name=BEN[0]).commitment.delegate)
    expect(ann.get_by_text(f"{BEN[0]}, {BEN[1]}")).to_have_count(0)
    expect(ann.locator(".peer-offer")).to_have_count(1)
    hides(ann, BEN)
    assert findings.found == [], "\n".join(findings.found)
