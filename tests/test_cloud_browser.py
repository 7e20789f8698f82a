"""The word cloud in real browsers: a projector open since before the first step and five
phones kept open while words arrive; a hostile word is shown as text, a held-back word waits
for the facilitator, and every long-open page shows what a fresh load shows. Phones without
scripts send and withdraw words too."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from sessions.agenda import services
from sessions.cloud import services as cloud_service
from sessions.live.audiences import DELEGATE, FACILITATOR, PROJECTOR
from tests.browser import PHONE, join_by_qr_link, join_in, live, open_console, shot
from tests.browser import PROJECTOR as PROJECTOR_VIEW
from tests.test_projector_fit_browser import problems_on
from tests.test_walk_browser import IDS, regions_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = "<script>alert(1)</script>"  # 25 characters: one word, as long as a word may be


def send_words(phone: Page, *words: str) -> None:
    for n, word in enumerate(words, start=1):
        phone.get_by_label(f"Word {n}", exact=True).fill(word)
    phone.get_by_role("button", name="Send").or_(
        phone.get_by_role("button", name="Change my words")
    ).click()


def same_as_fresh(page: Page, audience: str, within: float = 15) -> None:
    """The long-open `page` shows, region for region, what a fresh load of its address shows."""
    fresh = page.context.new_page()
    deadline = time.monotonic() + within
    while True:
        fresh.goto(page.url)
        live(fresh)
        fresh.wait_for_function("() => !document.querySelector('[aria-busy=true]')")
        want, got = regions_of(fresh, IDS[audience]), regions_of(page, IDS[audience])
        if want == got or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    fresh.close()
    differing = [name for name in want if want[name] != got[name]]
    assert not differing, (audience, differing, [(got[n], want[n]) for n in differing][:1])


@pytest.mark.timeout(300)
def test_words_grow_the_cloud_on_a_projector_open_from_the_start(
    browser, server, workshop, facilitator
):
    step = cloud_service.add_cloud_step(workshop=workshop, title="In one word")
    projector = browser.new_context(**PROJECTOR_VIEW).new_page()
    dialogs: list[str] = []
    projector.on("dialog", lambda dialog: dialogs.append(dialog.message))
    projector.goto(f"{server.url}/display/{workshop.display_token}/")
    live(projector)  # the waiting screen: no step yet
    console = open_console(browser, server, workshop, facilitator)
    phones = [join_by_qr_link(browser, server, workshop, name) for name in "ABCDE"]
    for phone in phones:
        phone.on("dialog", lambda dialog: dialogs.append(dialog.message))

    console.get_by_role("button", name="Next →").click()  # the room moves to the first step
    expect(projector.locator(".cloud-prompt")).to_have_text(step.word_cloud.prompt)
    console.get_by_role("button", name="Open words").click()
    for phone in phones:
        expect(phone.get_by_label("Word 1", exact=True)).to_be_visible()

    send_words(phones[0], "Training", "Lean")
    expect(phones[0].locator(".my-cloud-words")).to_contain_text("Training")
    send_words(phones[1], "trained!")
    send_words(phones[2], HOSTILE)
    send_words(phones[3], "shit", "Busy")
    send_words(phones[4], "Busy", "Tired")
    # Change a word, then withdraw another.
    expect(phones[4].locator(".my-cloud-words")).to_contain_text("Tired")
    send_words(phones[4], "Busy", "Hopeful")
    expect(phones[4].locator(".my-cloud-words")).to_contain_text("Hopeful")
    phones[4].get_by_role("button", name="Withdraw “Busy”").click()
    expect(phones[4].locator(".my-cloud-words li")).to_have_count(1)

    words = projector.locator(".cloud-words .cloud-word")
    # The projector's last push (the withdrawal) may come a moment after the phone's answer.
    # Until that push, "Busy" is given twice too: wait for one word given twice (a text
    # check on a locator matching two words fails at once rather than waiting).
    twice = projector.locator('.cloud-word[data-count="2"]')
    expect(twice).to_have_count(1, timeout=15_000)
    expect(twice).to_have_text("Training \u00d72")
    expect(words).to_have_count(5)  # Training, Lean, the script, Busy, Hopeful
    picture = projector.locator("svg.cloud-step-picture text")
    expect(picture.filter(has_text=HOSTILE)).to_have_count(1)  # as text
    expect(projector.locator(".cloud-words")).not_to_contain_text("shit")
    expect(console.locator('.cloud-term[data-state="held"]')).to_contain_text("shit")
    for page, audience in ((projector, PROJECTOR), (phones[0], DELEGATE), (console, FACILITATOR)):
        same_as_fresh(page, audience)

    console.get_by_role("button", name="Show “shit”").click()
    expect(projector.locator(".cloud-words")).to_contain_text("shit")
    expect(words).to_have_count(6)
    console.get_by_role("button", name="Hide “Lean”").click()
    expect(words).to_have_count(5)
    assert dialogs == []
    for page, audience in ((projector, PROJECTOR), (phones[3], DELEGATE), (console, FACILITATOR)):
        same_as_fresh(page, audience)
    assert not problems_on(projector, 32)
    shot(projector, "cloud-projector-1920")
    shot(phones[0], "cloud-phone-390")
    shot(phones[3], "cloud-phone-held-390")
    console.locator("#step").scroll_into_view_if_needed()
    console.evaluate("() => window.scrollTo(0, 0)")
    shot(console, "cloud-console-1366")
    small = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    small.goto(projector.url)
    live(small)
    assert not problems_on(small, 24)
    shot(small, "cloud-projector-1280")
    # Closed: the phones say so and refuse nothing silently.
    console.get_by_role("button", name="Close words").click()
    expect(phones[1].locator(".my-words .notice")).to_have_text("The word cloud is closed.")
    shot(phones[1], "cloud-phone-closed-390")


def test_a_phone_without_scripts_sends_changes_and_withdraws_words(browser, server, workshop):
    step = cloud_service.add_cloud_step(workshop=workshop, title="In one word")
    services.show_step(workshop=workshop, step=step)
    cloud_service.open_cloud(cloud=step.word_cloud)
    phone = join_in(browser.new_context(**PHONE, java_script_enabled=False), server, workshop, "Jo")
    phone.get_by_label("Word 1", exact=True).fill("Overloaded")
    phone.get_by_label("Word 2", exact=True).fill("far too many words")
    phone.get_by_role("button", name="Send").click()
    expect(phone.locator("#flash")).to_contain_text("at most 3 in one phrase")
    expect(phone.get_by_label("Word 1", exact=True)).to_have_value("Overloaded")
    shot(phone, "cloud-phone-refused-noscript-390")
    phone.get_by_label("Word 2", exact=True).fill("Stretched")
    phone.get_by_role("button", name="Send").click()
    expect(phone.locator(".my-cloud-words li")).to_have_count(2)
    phone.get_by_role("button", name="Withdraw “Stretched”").click()
    expect(phone.locator(".my-cloud-words li")).to_have_count(1)
    expect(phone.locator(".my-cloud-words")).to_contain_text("Overloaded")
