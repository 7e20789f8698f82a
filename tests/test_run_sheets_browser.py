"""Run sheets in a real browser: the facilitator saves a workshop as a run sheet, starts a
new workshop from a built-in one, exports a run sheet file and imports it again, and imports
steps into a workshop whose console stays open in another tab (its agenda follows)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from sessions.agenda import services
from sessions.models import RunSheet, Workshop
from tests.browser import LAPTOP, PHONE, live, shot
from tests.conftest import session_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(contexts, server, facilitator, **options):
    context = contexts(**options)
    context.add_cookies(
        [{"name": "sessionid", "value": session_for(facilitator), "url": server.url}]
    )
    return context.new_page()


def test_a_facilitator_saves_starts_from_exports_and_imports_run_sheets(
    contexts, server, facilitator, workshop, event, tmp_path
):
    services.add_step(workshop=workshop, title="Welcome", body="Join on your phone")
    services.add_step(workshop=workshop, title="Thanks", body="See you next year")
    page = signed_in(contexts, server, facilitator, **LAPTOP)
    page.goto(f"{server.url}/console/workshops/{workshop.pk}/")
    live(page)
    card = page.get_by_role("region", name="Run sheet", exact=True)
    card.scroll_into_view_if_needed()
    expect(card.get_by_role("link", name="Export run sheet (.json)")).to_be_visible()
    shot(page, "run-sheets-console-card")
    page.get_by_role("link", name="Save as run sheet, export, duplicate, import steps…").click()
    expect(page.get_by_role("heading", name="Run sheet and copies")).to_be_visible()
    shot(page, "run-sheets-workshop-console")
    page.get_by_label("Run sheet title").fill("Our opener")
    page.get_by_role("button", name="Save as run sheet").click()
    saved = page.get_by_role("article", name="Our opener")
    expect(saved).to_contain_text("2 steps.")
    assert RunSheet.objects.get().owner == facilitator

    # A new workshop from the built-in 90-minute flow.
    page.goto(f"{server.url}/console/events/{event.pk}/workshops/new/")
    page.get_by_label("Title").fill("Afternoon room")
    page.get_by_label("Start from").select_option(label="Challenge to commitment (90 minutes)")
    shot(page, "run-sheets-new-workshop")
    page.get_by_role("button", name="Create workshop").click()
    live(page)
    agenda = page.locator("#agenda")
    expect(agenda).to_contain_text("Prioritise")
    expect(agenda).to_contain_text("Pulse")
    afternoon = Workshop.objects.get(title="Afternoon room")
    assert afternoon.steps.count() == 8

    # Export a workshop's run sheet as a file, then import the file as a run sheet.
    page.goto(f"{server.url}/console/workshops/{afternoon.pk}/run-sheet/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export run sheet (.json)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert json.loads(path.read_text("utf-8"))["title"] == "Afternoon room"
    page.goto(f"{server.url}/console/run-sheets/")
    page.get_by_label("Run sheet file (.json)").set_input_files(path)
    page.get_by_role("button", name="Import", exact=True).click()
    imported = page.get_by_role("article", name="Afternoon room")
    expect(imported).to_contain_text("8 steps, 90 minutes planned.")
    shot(page, "run-sheets-page")

    # A file that is not a run sheet is refused in the page, naming the problem.
    bad = tmp_path / "notes.json"
    bad.write_text('{"format": "something else"}', "utf-8")
    page.get_by_label("Run sheet file (.json)").set_input_files(bad)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Not a facilitate run sheet.")).to_be_visible()
    shot(page, "run-sheets-file-refused")
    assert RunSheet.objects.count() == 2

    phone = signed_in(contexts, server, facilitator, **PHONE)
    phone.goto(f"{server.url}/console/run-sheets/")
    expect(phone.get_by_role("heading", name="Built-in library")).to_be_visible()
    shot(phone, "run-sheets-page-phone")
    phone.goto(f"{server.url}/console/workshops/{workshop.pk}/run-sheet/")
    expect(phone.get_by_role("heading", name="Duplicate this workshop")).to_be_visible()
    shot(phone, "run-sheets-workshop-phone")


def test_imported_steps_reach_a_console_left_open_in_another_tab(
    contexts, server, facilitator, workshop, event
):
    source = services.create_workshop(event=event, title="Last year's room")
    services.add_step(workshop=source, title="Where we were")
    services.add_step(workshop=source, title="What we tried")
    services.add_step(workshop=workshop, title="Welcome")
    watching = signed_in(contexts, server, facilitator, **LAPTOP)
    watching.goto(f"{server.url}/console/workshops/{workshop.pk}/")
    live(watching)
    expect(watching.locator("#agenda")).to_contain_text("Welcome")

    acting = signed_in(contexts, server, facilitator, **LAPTOP)
    acting.goto(f"{server.url}/console/workshops/{workshop.pk}/run-sheet/")
    acting.get_by_label("Steps of the workshop").select_option(
        label=f"Last year's room ({event.name})"
    )
    acting.get_by_role("button", name="Import steps").click()
    expect(acting.locator("#agenda")).to_contain_text("What we tried")

    expect(watching.locator("#agenda")).to_contain_text("What we tried")
    titles = watching.locator("#agenda").inner_text()
    assert titles.index("Welcome") < titles.index("Where we were") < titles.index("What we tried")
    fresh = signed_in(contexts, server, facilitator, **LAPTOP)
    fresh.goto(f"{server.url}/console/workshops/{workshop.pk}/")
    live(fresh)
    assert watching.locator("#agenda").inner_text() == fresh.locator("#agenda").inner_text()
