"""The outcome report in Chromium: read on a laptop and a phone, and printed to an A4 PDF
with no navigation, the event's name and dates, and the method note."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from sessions.agenda import services
from tests.browser import LAPTOP, PHONE, SHOTS, shot
from tests.conftest import session_for
from tests.report_cases import commit, firms, seeded, sent, vote_step
from tests.test_axe_browser import Findings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_report_prints_to_an_a4_pdf_without_navigation(contexts, server, workshop, facilitator):
    seeded(workshop)
    firms(workshop, first=10, retakes=5)
    cookie = {"name": "sessionid", "value": session_for(facilitator), "url": server.url}
    laptop = contexts(**LAPTOP)
    laptop.add_cookies([cookie])
    page = laptop.new_page()
    page.goto(f"{server.url}/console/events/{workshop.event_id}/report/")
    expect(page.get_by_role("heading", name="Productivity Day")).to_be_visible()
    expect(page.get_by_text("21 November 2026, Hall")).to_be_visible()
    expect(page.get_by_role("link", name="Download figures and stories")).to_be_visible()
    shot(page, "report-event-laptop")

    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="Download figures and stories")).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("heading", name="How these figures were made")).to_be_visible()
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path=SHOTS / "report-event-print.png", full_page=True)
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    (SHOTS / "report-event.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    sizes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert sizes
    assert {(round(float(w)), round(float(h))) for w, h in sizes} == {(595, 842)}  # A4 in points
    # The figures, then the stories from a new page: at least 2.
    assert len(sizes) >= 2, len(sizes)

    phone = contexts(**PHONE)
    phone.add_cookies([cookie])
    small = phone.new_page()
    small.goto(f"{server.url}/console/events/{workshop.event_id}/report/")
    expect(small.get_by_role("heading", name="Reach")).to_be_visible()
    assert small.evaluate("document.documentElement.scrollWidth") <= 390
    shot(small, "report-event-phone")


def test_the_report_has_no_accessibility_violation(contexts, server, workshop, facilitator):
    """axe-core on the report, full and with every figure withheld (a room of 4)."""
    laptop = contexts(**LAPTOP)
    laptop.add_cookies(
        [{"name": "sessionid", "value": session_for(facilitator), "url": server.url}]
    )
    page = laptop.new_page()
    findings = Findings()
    vote_step(workshop)
    for i in range(4):
        sent(commit(workshop, f"Person {i} Lee", "Skills"))
    page.goto(f"{server.url}/console/events/{workshop.event_id}/report/")
    expect(page.get_by_text("Fewer than 5: not shown").first).to_be_visible()
    findings.check(page, "report, all withheld")
    firms(workshop, first=10, retakes=5)
    # Skills 4 and Scheduling 5 are pooled (a pool of 4 would show a group under 5).
    for i in range(4, 17):
        sent(commit(workshop, f"Person {i} Lee", "Energy costs" if i < 12 else "Scheduling"))
    page.reload()
    expect(page.get_by_role("rowheader", name="Energy costs")).to_be_visible()
    findings.check(page, "report, shown")
    assert findings.loads == ["report, all withheld", "report, shown"]
    assert not findings.found, "\n".join(findings.found)


def test_the_series_report_prints_its_editions_side_by_side_on_a4(
    contexts, server, event, workshop, facilitator
):
    """Two editions: a table per figure with a column for each and one for the series, on
    A4 pages in print, on a phone without the page itself scrolling sideways."""
    from sessions.editions import services as editions
    from tests.test_report_series import first_edition, second_edition

    last_year = services.create_event(
        user=facilitator, name="Productivity Day 2025", date=datetime.date(2025, 11, 20)
    )
    series = editions.follow_edition(event=event, previous=last_year, name="Productivity Days")
    first_edition(last_year)
    second_edition(workshop)
    cookie = {"name": "sessionid", "value": session_for(facilitator), "url": server.url}
    laptop = contexts(**LAPTOP)
    laptop.add_cookies([cookie])
    page = laptop.new_page()
    page.goto(f"{server.url}/console/events/{event.pk}/report/")
    page.get_by_role("link", name="The report over the series “Productivity Days”").click()
    expect(page.get_by_role("heading", name="Productivity Days")).to_be_visible()
    reach = page.get_by_role("table", name="Who took part, by edition")
    expect(reach.get_by_role("columnheader")).to_have_text(
        ["Figure", "Edition 1 2025", "Edition 2 2026", "All editions"]
    )
    expect(reach.get_by_role("row", name=re.compile("^Delegates"))).to_have_text(
        re.compile(r"Delegates\s*25\s*12\s*37")
    )
    shot(page, "report-series-laptop")
    findings = Findings()
    findings.check(page, "series report")

    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="Download figures and stories")).to_be_hidden()
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    for table in page.locator("table.series-table").all():
        # Every column fits the printed page: nothing is cut off at its right edge.
        assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth + 1")
    page.screenshot(path=SHOTS / "report-series-print.png", full_page=True)
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    (SHOTS / "report-series.pdf").write_bytes(pdf)
    sizes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert {(round(float(w)), round(float(h))) for w, h in sizes} == {(595, 842)}
    assert len(sizes) >= 2, len(sizes)

    phone = contexts(**PHONE)
    phone.add_cookies([cookie])
    small = phone.new_page()
    small.goto(f"{server.url}/console/series/{series.pk}/report/")
    expect(small.get_by_role("heading", name="Reach")).to_be_visible()
    assert small.evaluate("document.documentElement.scrollWidth") <= 390
    shot(small, "report-series-phone")
    findings.check(small, "series report, phone")
    assert not findings.found, "\n".join(findings.found)
