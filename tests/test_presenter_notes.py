"""Presenter notes and planned minutes: given on the console's add-step and edit-step forms
(refusals tied to their fields, nothing saved), shown on the console (with the step on
screen, and compactly in the agenda with the total), and never on the projector or the
phones: not in their pages, their polled regions, nor their sockets' frames."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

from sessions.agenda import services
from sessions.live.audiences import DELEGATE, FACILITATOR, PROJECTOR
from sessions.live.regions import render_regions
from sessions.models import Change, Step, Workshop
from tests.conftest import delegate_cookie_header, join
from tests.test_consumers import frames_until_quiet, receive_until, session_cookie, socket

NOTES = "Ask who measured lead time last month"


def url(name: str, *args) -> str:
    return reverse(f"workshops:{name}", args=args)


def add(client: Client, workshop: Workshop, **fields) -> object:
    data = {"key": str(uuid.uuid4()), "kind": "message", "title": "Welcome", **fields}
    return client.post(url("step_add", workshop.pk), data)


@pytest.mark.django_db
class TestForms:
    def test_a_step_is_added_with_notes_and_planned_minutes(self, workshop, facilitator_client):
        response = add(
            facilitator_client, workshop, notes=f"  {NOTES}\r\nthen\r\n", planned_minutes="15"
        )
        assert response.status_code == 302
        step = Step.objects.get(workshop=workshop)
        assert (step.notes, step.planned_minutes) == (f"{NOTES}\nthen", 15)

    def test_a_step_is_added_without_them(self, workshop, facilitator_client):
        assert add(facilitator_client, workshop).status_code == 302
        step = Step.objects.get(workshop=workshop)
        assert (step.notes, step.planned_minutes) == ("", None)

    def test_a_replayed_add_plans_nothing_twice(self, workshop, facilitator_client):
        key = str(uuid.uuid4())
        for _ in range(2):
            assert (
                add(facilitator_client, workshop, key=key, planned_minutes="5").status_code == 302
            )
        assert Step.objects.filter(workshop=workshop).count() == 1

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"notes": "x" * 2001}, "notes", "Keep the notes to 2000 characters (they have 2001)."),
            ({"planned_minutes": "0"}, "planned_minutes", "from 1 to 240"),
            ({"planned_minutes": "241"}, "planned_minutes", "from 1 to 240"),
            ({"planned_minutes": "ten"}, "planned_minutes", "from 1 to 240"),
            ({"planned_minutes": "1.5"}, "planned_minutes", "from 1 to 240"),
            ({"planned_minutes": "-3"}, "planned_minutes", "from 1 to 240"),
        ],
    )
    def test_bad_notes_or_minutes_are_refused_by_their_field(
        self, workshop, facilitator_client, fields, field, message
    ):
        response = add(facilitator_client, workshop, **fields)
        body = response.content.decode()
        assert response.status_code == 400
        assert message in body
        assert f'id="id_{field}_error"' in body
        assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in body
        assert not Step.objects.filter(workshop=workshop).exists()

    def test_htmx_gets_the_form_again_with_the_refusal_by_its_field(
        self, workshop, facilitator_client
    ):
        response = add(facilitator_client, workshop, planned_minutes="500", HTTP_HX_REQUEST="true")
        assert response.status_code == 400
        assert 'id="id_planned_minutes_error"' in response.content.decode()
        assert not Step.objects.filter(workshop=workshop).exists()

    def test_notes_of_exactly_the_limit_with_line_breaks_are_taken(
        self, workshop, facilitator_client
    ):
        notes = ("x" * 99 + "\r\n") * 20  # 2,000 characters once each break is one
        assert add(facilitator_client, workshop, notes=notes).status_code == 302
        assert len(Step.objects.get(workshop=workshop).notes) == 1999  # the last break trimmed

    def test_the_edit_page_changes_notes_and_minutes(self, workshop, facilitator_client):
        step = services.add_step(workshop=workshop, title="Welcome")
        page = facilitator_client.get(url("step_edit", workshop.pk, step.pk))
        assert "Presenter notes (optional)" in page.content.decode()
        response = facilitator_client.post(
            url("step_edit", workshop.pk, step.pk),
            {"title": "Welcome", "body": "", "notes": NOTES, "planned_minutes": "8"},
        )
        assert response.status_code == 302
        step.refresh_from_db()
        assert (step.notes, step.planned_minutes) == (NOTES, 8)
        shown = facilitator_client.get(url("step_edit", workshop.pk, step.pk)).content.decode()
        assert NOTES in shown
        assert 'value="8"' in shown

    @pytest.mark.parametrize(
        ("fields", "field"),
        [({"notes": "y" * 2001}, "notes"), ({"planned_minutes": "0"}, "planned_minutes")],
    )
    def test_the_edit_page_refuses_by_the_field_and_changes_nothing(
        self, workshop, facilitator_client, fields, field
    ):
        step = services.add_step(workshop=workshop, title="Welcome")
        services.plan_step(step=step, notes=NOTES, planned_minutes=5)
        data = {"title": "Changed", "body": "", "notes": NOTES, "planned_minutes": "5", **fields}
        response = facilitator_client.post(url("step_edit", workshop.pk, step.pk), data)
        assert response.status_code == 400
        assert f'id="id_{field}_error"' in response.content.decode()
        step.refresh_from_db()
        assert (step.title, step.notes, step.planned_minutes) == ("Welcome", NOTES, 5)

    def test_an_outsider_cannot_plan_another_s_step(self, workshop, outsider_client):
        step = services.add_step(workshop=workshop, title="Welcome")
        response = outsider_client.post(
            url("step_edit", workshop.pk, step.pk),
            {"title": "Mine", "notes": "Hijacked", "planned_minutes": "5"},
        )
        assert response.status_code == 404
        step.refresh_from_db()
        assert (step.notes, step.planned_minutes) == ("", None)

    def test_planning_a_finished_workshop_s_step_is_refused(self, workshop, facilitator_client):
        step = services.add_step(workshop=workshop, title="Welcome")
        services.close_workshop(workshop=workshop)
        response = facilitator_client.post(
            url("step_edit", workshop.pk, step.pk),
            {"title": "Welcome", "notes": NOTES, "planned_minutes": "5"},
        )
        assert response.status_code == 409
        step.refresh_from_db()
        assert step.notes == ""


@pytest.fixture
def planned(workshop) -> list[Step]:
    steps = []
    for title, notes, minutes in (
        ("Welcome", NOTES, 10),
        ("Vote", "", 15),
        ("Close", "Thank the hosts", None),
    ):
        added = services.add_step(workshop=workshop, title=title)
        steps.append(services.plan_step(step=added, notes=notes, planned_minutes=minutes))
    return steps


@pytest.mark.django_db
class TestConsole:
    def test_the_console_shows_the_step_on_screen_s_notes(self, workshop, planned):
        services.show_step(workshop=workshop, step=planned[0])
        html = render_regions(workshop.pk, FACILITATOR, ("step",)).html["step"]
        assert "Your notes" in html
        assert NOTES in html

    def test_a_step_without_notes_shows_none(self, workshop, planned):
        services.show_step(workshop=workshop, step=planned[1])
        assert "Your notes" not in render_regions(workshop.pk, FACILITATOR, ("step",)).html["step"]

    def test_the_agenda_shows_each_plan_compactly_and_the_total(self, workshop, planned):
        html = render_regions(workshop.pk, FACILITATOR, ("agenda",)).html["agenda"]
        assert '<span class="tag plan">10 min</span>' in html
        assert '<span class="tag plan">15 min</span>' in html
        assert f"Notes: {NOTES}" in html
        assert "Notes: Thank the hosts" in html
        assert "Planned: 25 min in total (1 step without planned minutes)" in html

    def test_long_notes_are_cut_short_in_the_agenda(self, workshop, planned):
        services.plan_step(step=planned[1], notes="z" * 500, planned_minutes=15)
        html = render_regions(workshop.pk, FACILITATOR, ("agenda",)).html["agenda"]
        assert "z" * 79 + "…" in html
        assert "z" * 80 not in html


@pytest.mark.django_db
@pytest.mark.parametrize("shown", [0, 2, None])
def test_the_projector_and_the_phones_never_show_notes(
    workshop, planned, shown, facilitator_client
):
    services.show_step(workshop=workshop, step=None if shown is None else planned[shown])
    phone = Client()
    join(phone, workshop, "Pat")
    pages = [
        Client().get(url("display", workshop.display_token)),
        Client().get(url("display_live", workshop.display_token)),
        phone.get(url("phone", workshop.pk)),
        phone.get(url("phone_live", workshop.pk)),
    ]
    for response in pages:
        assert response.status_code == 200
        body = response.content.decode()
        assert NOTES not in body
        assert "Thank the hosts" not in body
        assert "min planned" not in body
    for audience in (PROJECTOR, DELEGATE):
        frame = render_regions(workshop.pk, audience).joined()
        assert NOTES not in frame
        assert "Thank the hosts" not in frame
    console = facilitator_client.get(url("console", workshop.pk)).content.decode()
    assert NOTES in console  # in the agenda at least


@pytest.mark.django_db(transaction=True)
async def test_socket_frames_carry_notes_to_the_console_only(workshop, facilitator):
    step = await sync_to_async(services.add_step)(workshop=workshop, title="Welcome")
    facilitator_client = Client()
    await sync_to_async(facilitator_client.force_login)(facilitator)
    delegate = await sync_to_async(join)(Client(), workshop, "Pat")
    cookie = (b"cookie", delegate_cookie_header(delegate))
    async with (
        socket(f"/ws/display/{workshop.display_token}/") as projector,
        socket(f"/ws/phone/{workshop.pk}/", cookie) as phone,
        socket(f"/ws/console/{workshop.pk}/", session_cookie(facilitator_client)) as console,
    ):
        seen: dict[str, list[str]] = {"projector": [], "phone": [], "console": []}
        await receive_until(projector, lambda f: 'id="join"' in f, seen["projector"])
        await receive_until(phone, lambda f: "Waiting for the facilitator" in f, seen["phone"])
        await receive_until(console, lambda f: 'id="agenda"' in f, seen["console"])
        response = await sync_to_async(facilitator_client.post)(
            url("show", workshop.pk), {"go": "step", "step": step.pk}
        )
        assert response.status_code == 302
        response = await sync_to_async(facilitator_client.post)(
            url("step_edit", workshop.pk, step.pk),
            {"title": "Welcome back", "notes": NOTES, "planned_minutes": "12"},
        )
        assert response.status_code == 302
        await receive_until(console, lambda f: NOTES in f and "Your notes" in f, seen["console"])
        await receive_until(projector, lambda f: "Welcome back" in f, seen["projector"])
        await receive_until(phone, lambda f: "Welcome back" in f, seen["phone"])
        # Whatever else the changes sent them, until they fall quiet.
        seen["projector"] += await frames_until_quiet(projector)
        seen["phone"] += await frames_until_quiet(phone)
        for frame in seen["projector"] + seen["phone"]:
            assert NOTES not in frame
            assert "planned" not in frame


@pytest.mark.django_db
def test_planning_a_step_as_it_is_changes_nothing(workshop, planned):
    before = Change.objects.version_of(workshop.pk)
    services.plan_step(step=planned[0], notes=NOTES, planned_minutes=10)
    assert Change.objects.version_of(workshop.pk) == before


@pytest.mark.django_db
def test_notes_are_shown_as_text(workshop, planned):
    services.plan_step(
        step=planned[0], notes="<script>alert(1)</script>\nline two", planned_minutes=10
    )
    services.show_step(workshop=workshop, step=planned[0])
    html = render_regions(workshop.pk, FACILITATOR, ("step", "agenda")).joined()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>line two" in html
