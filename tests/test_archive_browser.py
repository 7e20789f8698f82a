"""Finishing in real browsers: the pulse first (two phones answer), closing, every screen
says so, the archive shows the same results, a delegate opens the shared link on a phone,
and the printable report saves as a PDF of several pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sessions.agenda import services
from sessions.models import PulseAnswer, Workshop
from sessions.voting import services as voting
from tests.browser import PHONE, PROJECTOR, join_by_qr_link, live, open_console, shot
from tests.test_archive import run_workshop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_projector(browser, server, workshop):
    page = browser.new_context(**PROJECTOR).new_page()
    page.goto(f"{server.url}/display/{workshop.display_token}/")
    live(page)
    return page


def answer_pulse(phone, usefulness: str, word: str) -> None:
    phone.get_by_label(usefulness, exact=True).check()
    phone.get_by_label("One word for it").fill(word)
    phone.get_by_role("button", name="Send").click()
    expect(phone.locator(".my-pulse .sent")).to_contain_text(f"Your answer: {usefulness} of 5")


def test_the_facilitator_closes_with_the_pulse_and_the_archive_shows_the_same(
    browser, server, workshop, facilitator
):
    services.add_step(workshop=workshop, title="Welcome", body="Small steps.")
    vote = voting.add_vote_step(
        workshop=workshop,
        title="Pick the challenge",
        body="",
        settings=voting.PollSettings(kind="dots", options=["Lean basics", "Measuring"]),
    )
    projector = open_projector(browser, server, workshop)
    console = open_console(browser, server, workshop, facilitator)
    phones = [join_by_qr_link(browser, server, workshop, name) for name in ("Ana", "Ben")]

    # Finishing asks for the pulse first; one click adds it and puts it on every screen.
    console.get_by_role("link", name="Finish the workshop…").click()
    expect(console.get_by_role("heading", name="Ask the pulse first?")).to_be_visible()
    shot(console, "finish-laptop")
    console.get_by_role("button", name="Add the pulse and show it").click()
    live(console)
    expect(console.locator("#step")).to_contain_text("The pulse is open")
    expect(projector.locator("#step")).to_contain_text("Pulse")
    for phone in phones:
        expect(phone.get_by_text("How useful was this workshop for you?")).to_be_visible()
    shot(phones[0], "pulse-phone")

    # A refused word keeps the choice and says what is wrong.
    phones[0].get_by_label("4", exact=True).check()
    phones[0].get_by_label("One word for it").fill("two words")
    phones[0].get_by_role("button", name="Send").click()
    expect(phones[0].locator(".my-pulse")).to_contain_text("Please give just one word")
    expect(phones[0].get_by_label("4", exact=True)).to_be_checked()
    shot(phones[0], "pulse-phone-refused")
    answer_pulse(phones[0], "4", "Practical")
    answer_pulse(phones[1], "5", "<b>Energising</b>")
    expect(projector.locator("#results [data-answers]")).to_have_text("2")
    console.get_by_role("button", name="Reveal pulse results").click()
    expect(projector.locator('#results [data-point="5"]')).to_have_attribute("data-count", "1")
    expect(projector.locator(".pulse-words")).to_contain_text("<b>Energising</b>")
    assert projector.locator(".pulse-words b").count() == 0
    shot(projector, "pulse-projector")
    assert sorted(PulseAnswer.objects.values_list("usefulness", "word")) == [
        (4, "Practical"),
        (5, "<b>Energising</b>"),
    ]

    # Close now: every screen says so.
    console.get_by_role("link", name="Finish the workshop…").click()
    expect(console.get_by_text("has 2 answers")).to_be_visible()
    console.get_by_role("button", name="Close now").click()
    for page in (console, projector, *phones):
        expect(page.locator("#status")).to_contain_text("This workshop has finished")
    expect(phones[0].locator(".my-pulse")).to_have_count(0)
    shot(projector, "closed-projector")
    shot(phones[1], "closed-phone")

    # The archive shows the same results; sharing points the phones and projector to it.
    console.get_by_role("link", name="Open the archive").first.click()
    archive = console
    pulse_section = archive.locator(".archive-step.kind-pulse")
    expect(pulse_section.locator('[data-point="4"]')).to_have_attribute("data-count", "1")
    expect(pulse_section.locator('[data-point="5"]')).to_have_attribute("data-count", "1")
    expect(pulse_section).to_contain_text("2 answers · mean usefulness 4.5 of 5")
    expect(archive.locator(".archive-step.kind-vote")).to_contain_text("0 of 2 delegates voted")
    archive.get_by_role("button", name="Share with delegates").click()
    link = archive.locator(".share-link a").inner_text()
    assert re.fullmatch(rf"{re.escape(server.url)}/archive/[\w-]{{40,}}/", link)
    shot(archive, "archive-laptop")
    expect(projector.locator(".archive-pointer")).to_contain_text("/archive/")
    phones[0].get_by_role("link", name="See the workshop's results in the archive").click()
    expect(phones[0].locator("h1")).to_have_text(workshop.title)
    expect(phones[0].locator(".archive-step.kind-pulse")).to_contain_text("<b>Energising</b>")
    expect(phones[0].locator("form")).to_have_count(0)
    shot(phones[0], "archive-phone")
    assert vote.title in phones[0].content()

    # A delegate who never joined opens the link on a phone.
    stranger = browser.new_context(**PHONE).new_page()
    stranger.goto(link)
    expect(stranger.locator(".archive-step")).to_have_count(3)
    width = stranger.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing wider than the phone
    archive.get_by_role("button", name="Stop sharing").click()
    stranger.reload()
    expect(stranger.get_by_text("This archive link is not valid")).to_be_visible()
    assert Workshop.objects.get(pk=workshop.pk).archive_token is None


def test_the_printable_report_saves_as_a_pdf_of_several_pages(
    browser, server, workshop, facilitator
):
    run_workshop(workshop)
    services.close_workshop(workshop=workshop)
    page = open_console(browser, server, workshop, facilitator)
    page.goto(f"{server.url}/console/workshops/{workshop.pk}/archive/print/")
    expect(page.locator("svg.matrix-plot")).to_be_visible()
    shot(page, "report-screen-laptop")
    page.emulate_media(media="print")
    expect(page.get_by_text("Save as PDF")).to_be_hidden()
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path="screenshots/report-print.png", full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages > 1, pages
    assert pdf.startswith(b"%PDF")
    # The projector-sized archive (a laptop-sized one is above) for the screenshots.
    wide = browser.new_context(**PROJECTOR).new_page()
    wide.context.add_cookies(page.context.cookies())
    wide.goto(f"{server.url}/console/workshops/{workshop.pk}/archive/")
    shot(wide, "archive-projector")
