"""The facilitator console over HTTP: access, the agenda, the room's controls, finishing."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions.access import NOT_FOUND
from sessions.agenda import services
from sessions.models import Event, Step, Workshop

pytestmark = pytest.mark.django_db

MISSING_ID = 999_999
STEP_NOT_FOUND = "That step is not part of this workshop."
EVENT_NOT_FOUND = "That event does not exist, or you are not on its team."
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, *args) -> str:
    return reverse(f"workshops:{name}", args=args)


def html(response) -> str:
    return response.content.decode()


def add_steps(workshop: Workshop, *titles: str) -> list[Step]:
    return [services.add_step(workshop=workshop, title=title) for title in titles]


def fresh(workshop: Workshop) -> Workshop:
    return Workshop.objects.get(pk=workshop.pk)


def state(workshop: Workshop) -> tuple:
    """Everything a facilitator endpoint could change, read from the database."""
    row = fresh(workshop)
    steps = [
        (s.pk, s.position, s.title, s.body) for s in Step.objects.filter(workshop_id=workshop.pk)
    ]
    return (
        row.title,
        row.version,
        row.join_code,
        row.join_code_expires_at,
        row.display_token,
        row.current_step_id,
        row.joining_shown,
        row.closed_at,
        steps,
    )


def ordered_titles(workshop: Workshop) -> list[str]:
    return list(Step.objects.filter(workshop=workshop).values_list("title", flat=True))


def positions(workshop: Workshop) -> list[int]:
    return list(Step.objects.filter(workshop=workshop).values_list("position", flat=True))


# Every endpoint that names a workshop, as (method, url name, takes a step, valid data).
WORKSHOP_ENDPOINTS = {
    "console": ("get", "console", False, None),
    "console_live": ("get", "console_live", False, None),
    "step_add": ("post", "step_add", False, {"kind": "message", "title": "Sneaky"}),
    "step_edit": ("get", "step_edit", True, None),
    "step_edit_post": ("post", "step_edit", True, {"title": "Hacked", "body": "x"}),
    "step_delete": ("post", "step_delete", True, {}),
    "step_move": ("post", "step_move", True, {"direction": "down"}),
    "show": ("post", "show", False, {"go": "next"}),
    "join_code_renew": ("post", "join_code_renew", False, {}),
    "display_revoke": ("post", "display_revoke", False, {}),
    "joining_shown": ("post", "joining_shown", False, {"shown": "full"}),
    "close": ("post", "close", False, {}),
}


def call(client: Client, endpoint: str, workshop_id: int, step_id: int, **extra):
    method, name, takes_step, data = WORKSHOP_ENDPOINTS[endpoint]
    args = (workshop_id, step_id) if takes_step else (workshop_id,)
    return getattr(client, method)(url(name, *args), data or {}, **extra)


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", sorted(WORKSHOP_ENDPOINTS))
def test_anonymous_is_sent_to_sign_in_and_changes_nothing(endpoint, workshop):
    (step,) = add_steps(workshop, "Welcome")
    before = state(workshop)
    response = call(Client(), endpoint, workshop.pk, step.pk)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert state(workshop) == before


@pytest.mark.parametrize(
    "path",
    [lambda event: url("console_home"), lambda event: url("workshop_new", event.pk)],
    ids=["console_home", "workshop_new"],
)
def test_anonymous_cannot_open_the_event_pages(path, event):
    response = Client().get(path(event))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_anonymous_cannot_create_an_event():
    response = Client().post(url("console_home"), {"name": "Mine", "date": "2026-12-01"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Event.objects.count() == 0


@pytest.mark.parametrize("endpoint", sorted(WORKSHOP_ENDPOINTS))
def test_outsider_gets_the_same_not_found_as_for_a_missing_workshop(
    endpoint, workshop, outsider_client
):
    (step,) = add_steps(workshop, "Welcome")
    before = state(workshop)
    theirs = call(outsider_client, endpoint, workshop.pk, step.pk)
    missing = call(outsider_client, endpoint, MISSING_ID, step.pk)
    assert theirs.status_code == missing.status_code == 404
    assert str(NOT_FOUND) in html(theirs)
    assert str(NOT_FOUND) in html(missing)
    assert workshop.title not in html(theirs)
    assert workshop.join_code not in html(theirs)
    assert state(workshop) == before


def test_outsider_cannot_see_the_console(workshop, outsider_client):
    response = outsider_client.get(url("console", workshop.pk))
    assert response.status_code == 404
    assert str(NOT_FOUND) in html(response)
    assert workshop.display_token not in html(response)


def test_outsider_cannot_add_a_workshop_to_the_event(event, outsider_client):
    theirs = outsider_client.post(url("workshop_new", event.pk), {"title": "Mine"})
    missing = outsider_client.post(url("workshop_new", MISSING_ID), {"title": "Mine"})
    assert theirs.status_code == missing.status_code == 404
    assert EVENT_NOT_FOUND in html(theirs)
    assert EVENT_NOT_FOUND in html(missing)
    assert not Workshop.objects.filter(title="Mine").exists()
    assert outsider_client.get(url("workshop_new", event.pk)).status_code == 404


def test_outsider_sees_only_their_own_events(workshop, outsider_client):
    response = outsider_client.get(url("console_home"))
    assert response.status_code == 200
    assert "Other event" in html(response)
    assert "Productivity Day" not in html(response)
    assert workshop.title not in html(response)


def test_facilitator_sees_their_events_and_workshops(workshop, facilitator_client):
    response = facilitator_client.get(url("console_home"))
    assert "Productivity Day" in html(response)
    assert url("console", workshop.pk) in html(response)
    assert "Other event" not in html(response)


@pytest.mark.parametrize(
    ("endpoint", "data"),
    [
        ("step_edit", None),
        ("step_edit_post", {"title": "Hacked", "body": ""}),
        ("step_delete", {}),
        ("step_move", {"direction": "up"}),
    ],
)
def test_a_step_of_another_workshop_is_not_found_and_nothing_changes(
    endpoint, data, workshop, other_workshop, facilitator_client
):
    add_steps(workshop, "Mine 1", "Mine 2")
    theirs = add_steps(other_workshop, "Theirs 1", "Theirs 2")
    before, before_other = state(workshop), state(other_workshop)
    method, name, _, _ = WORKSHOP_ENDPOINTS[endpoint]
    forged = url(name, workshop.pk, theirs[1].pk)
    response = getattr(facilitator_client, method)(forged, data or {})
    assert response.status_code == 404
    assert STEP_NOT_FOUND in html(response)
    assert "Theirs 2" not in html(response)
    assert state(workshop) == before
    assert state(other_workshop) == before_other


def test_showing_a_step_of_another_workshop_is_not_found(
    workshop, other_workshop, facilitator_client
):
    add_steps(workshop, "Mine")
    (theirs,) = add_steps(other_workshop, "Theirs")
    before = state(workshop)
    response = facilitator_client.post(url("show", workshop.pk), {"go": "step", "step": theirs.pk})
    assert response.status_code == 404
    assert STEP_NOT_FOUND in html(response)
    assert state(workshop) == before


# --- events and workshops ------------------------------------------------------------------


def test_creating_an_event_makes_the_creator_its_facilitator(facilitator, facilitator_client):
    response = facilitator_client.post(
        url("console_home"), {"name": "Second day", "date": "2026-12-02", "venue": "Annex"}
    )
    event = Event.objects.get(name="Second day")
    assert response.status_code == 302
    assert response["Location"] == url("workshop_new", event.pk)
    assert list(event.facilitators.all()) == [facilitator]
    assert event.venue == "Annex"
    assert str(event.date) == "2026-12-02"


def test_creating_a_workshop_opens_its_console(event, facilitator_client, outsider_client):
    response = facilitator_client.post(
        url("workshop_new", event.pk), {"title": "Lean basics", "description": "Intro"}
    )
    workshop = Workshop.objects.get(title="Lean basics")
    assert response.status_code == 302
    assert response["Location"] == url("console", workshop.pk)
    assert workshop.event == event
    assert workshop.description == "Intro"
    page = facilitator_client.get(response["Location"])
    assert "Lean basics" in html(page)
    assert "No steps yet" in html(page)
    assert outsider_client.get(response["Location"]).status_code == 404


def test_an_event_has_a_time_zone_and_a_retention_period(facilitator_client):
    data = {"name": "Day", "date": "2026-12-02", "time_zone": "America/New_York"}
    facilitator_client.post(url("console_home"), {**data, "retention_days": "30"})
    event = Event.objects.get(name="Day")
    assert event.time_zone == "America/New_York"
    assert event.retention_days == 30


def test_an_event_holds_back_its_own_words_in_clouds_and_questions(facilitator_client):
    from sessions.moderation import held_back

    data = {"name": "Day", "date": "2026-12-02", "held_words": " Arse\r\n\r\nwanker \r\narse"}
    response = facilitator_client.post(url("console_home"), data)
    assert response.status_code == 302
    event = Event.objects.get(name="Day")
    assert event.held_words == "arse\nwanker"
    assert held_back("what an arse", event.extra_held_words)


def test_an_over_long_list_of_held_words_is_refused_with_a_message(facilitator_client):
    data = {"name": "Day", "date": "2026-12-02", "held_words": "x" * 4001}
    response = facilitator_client.post(url("console_home"), data)
    assert response.status_code == 400
    assert "Keep the list under 4000 characters." in html(response)
    assert 'aria-invalid="true"' in html(response)
    assert not Event.objects.filter(name="Day").exists()


def test_an_unknown_time_zone_is_refused_with_a_message(facilitator_client):
    data = {"name": "Day", "date": "2026-12-02", "time_zone": "Mars/Olympus"}
    response = facilitator_client.post(url("console_home"), data)
    assert response.status_code == 400
    assert "Give a time zone such as Europe/London." in html(response)
    assert Event.objects.count() == 0


def test_event_without_a_name_is_refused_with_a_message(facilitator_client):
    response = facilitator_client.post(url("console_home"), {"name": "", "date": "2026-12-02"})
    assert response.status_code == 400
    assert "This field is required." in html(response)
    assert Event.objects.count() == 0


def test_over_long_workshop_title_is_refused_with_a_message(event, facilitator_client):
    response = facilitator_client.post(url("workshop_new", event.pk), {"title": "x" * 121})
    assert response.status_code == 400
    assert "at most 120 characters" in html(response)
    assert not event.workshops.exists()


# --- adding steps --------------------------------------------------------------------------


def test_adding_a_step_returns_to_the_console(workshop, facilitator_client):
    response = facilitator_client.post(
        url("step_add", workshop.pk), {"kind": "message", "title": "Welcome", "body": "Hello"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("console", workshop.pk)
    step = Step.objects.get(workshop=workshop)
    assert (step.title, step.body, step.position, step.kind) == ("Welcome", "Hello", 0, "message")
    page = facilitator_client.get(response["Location"])
    assert "1. Welcome" in html(page)


def test_adding_a_step_with_htmx_answers_the_agenda_and_a_fresh_form(workshop, facilitator_client):
    key = str(uuid.uuid4())
    response = facilitator_client.post(
        url("step_add", workshop.pk),
        {"kind": "message", "title": "Welcome", "key": key},
        **HTMX,
    )
    body = html(response)
    assert response.status_code == 200
    assert '<div id="agenda" hx-swap-oob="true"' in body
    assert "1. Welcome" in body
    assert '<form id="add-step" hx-swap-oob="true"' in body
    assert "Step added." in body
    assert "<html" not in body
    fresh_key = re.search(r'name="key" value="([^"]+)"', body).group(1)
    assert uuid.UUID(fresh_key)
    assert fresh_key != key
    assert Step.objects.filter(workshop=workshop).count() == 1


def test_steps_are_appended_in_order(workshop, facilitator_client):
    for title in ["One", "Two", "Three"]:
        facilitator_client.post(url("step_add", workshop.pk), {"kind": "message", "title": title})
    assert ordered_titles(workshop) == ["One", "Two", "Three"]
    assert positions(workshop) == [0, 1, 2]


@pytest.mark.parametrize(
    ("title", "message"),
    [("", "This field is required."), ("x" * 121, "at most 120 characters")],
    ids=["empty", "too-long"],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_bad_step_title_is_refused_with_a_message(
    title, message, htmx, workshop, facilitator_client
):
    before = state(workshop)
    response = facilitator_client.post(
        url("step_add", workshop.pk),
        {"kind": "message", "title": title},
        **(HTMX if htmx else {}),
    )
    assert response.status_code == 400
    assert message in html(response)
    assert 'name="key" value="again"' not in html(response)  # a fresh key to resubmit with
    assert 'id="add-step"' in html(response)
    assert state(workshop) == before


def test_an_over_long_step_text_is_refused(workshop, facilitator_client):
    response = facilitator_client.post(
        url("step_add", workshop.pk), {"kind": "message", "title": "Ok", "body": "x" * 1001}
    )
    assert response.status_code == 400
    assert "at most 1000 characters" in html(response)
    assert not Step.objects.exists()


def test_replaying_the_same_key_adds_one_step(workshop, facilitator_client):
    page = facilitator_client.get(url("console", workshop.pk))
    key = re.search(r'name="key" value="([^"]+)"', html(page)).group(1)
    data = {"kind": "message", "title": "Welcome", "key": key}
    first = facilitator_client.post(url("step_add", workshop.pk), data)
    version = fresh(workshop).version
    again = facilitator_client.post(url("step_add", workshop.pk), data, **HTMX)
    assert first.status_code == 302
    assert again.status_code == 200
    assert Step.objects.filter(workshop=workshop).count() == 1
    assert fresh(workshop).version == version


def test_a_key_that_is_not_a_uuid_is_refused(workshop, facilitator_client):
    response = facilitator_client.post(
        url("step_add", workshop.pk), {"kind": "message", "title": "Welcome", "key": "again"}
    )
    assert response.status_code == 400
    assert not Step.objects.exists()


def test_an_unknown_step_kind_is_refused(workshop, facilitator_client):
    response = facilitator_client.post(
        url("step_add", workshop.pk), {"kind": "poll", "title": "Welcome"}
    )
    assert response.status_code == 400
    assert not Step.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("key", "again", "This form had expired"), ("kind", "poll", "Select a valid choice.")],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_refused_key_or_kind_is_explained(
    field, value, message, htmx, workshop, facilitator_client
):
    data = {"kind": "message", "title": "Welcome", field: value}
    response = facilitator_client.post(url("step_add", workshop.pk), data, **(HTMX if htmx else {}))
    assert response.status_code == 400
    assert message in html(response)


# --- editing, deleting, moving -------------------------------------------------------------


def test_edit_page_shows_the_step(workshop, facilitator_client):
    (step,) = add_steps(workshop, "Welcome")
    response = facilitator_client.get(url("step_edit", workshop.pk, step.pk))
    assert response.status_code == 200
    assert 'value="Welcome"' in html(response)


def test_editing_a_step_changes_its_text(workshop, facilitator_client):
    (step,) = add_steps(workshop, "Welcome")
    version = fresh(workshop).version
    response = facilitator_client.post(
        url("step_edit", workshop.pk, step.pk), {"title": "Hello all", "body": "Sit down"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("console", workshop.pk)
    step.refresh_from_db()
    assert (step.title, step.body, step.position) == ("Hello all", "Sit down", 0)
    assert fresh(workshop).version > version


def test_editing_with_an_empty_title_is_refused(workshop, facilitator_client):
    (step,) = add_steps(workshop, "Welcome")
    response = facilitator_client.post(url("step_edit", workshop.pk, step.pk), {"title": ""})
    assert response.status_code == 400
    assert "This field is required." in html(response)
    step.refresh_from_db()
    assert step.title == "Welcome"


def test_deleting_a_step_renumbers_the_agenda(workshop, facilitator_client):
    steps = add_steps(workshop, "One", "Two", "Three")
    response = facilitator_client.post(url("step_delete", workshop.pk, steps[1].pk))
    assert response.status_code == 302
    assert response["Location"] == url("console", workshop.pk)
    assert ordered_titles(workshop) == ["One", "Three"]
    assert positions(workshop) == [0, 1]


def test_deleting_the_showing_step_sends_the_room_to_the_waiting_screen(
    workshop, facilitator_client, delegate_client
):
    _, two = add_steps(workshop, "One", "Two")
    services.show_step(workshop=workshop, step=two)
    assert "Two" in html(delegate_client.get(url("phone", workshop.pk)))
    response = facilitator_client.post(url("step_delete", workshop.pk, two.pk), **HTMX)
    assert response.status_code == 200
    assert "Step deleted." in html(response)
    assert "The waiting screen" in html(response)
    assert fresh(workshop).current_step_id is None
    assert ordered_titles(workshop) == ["One"]
    phone = html(delegate_client.get(url("phone", workshop.pk)))
    assert "Waiting for the facilitator" in phone


def test_deleting_another_step_keeps_the_room_where_it_is(workshop, facilitator_client):
    one, two = add_steps(workshop, "One", "Two")
    services.show_step(workshop=workshop, step=two)
    facilitator_client.post(url("step_delete", workshop.pk, one.pk))
    assert fresh(workshop).current_step_id == two.pk


def test_moving_steps_keeps_positions_in_order(workshop, facilitator_client):
    one, _, three = add_steps(workshop, "One", "Two", "Three")
    response = facilitator_client.post(url("step_move", workshop.pk, three.pk), {"direction": "up"})
    assert response.status_code == 302
    assert ordered_titles(workshop) == ["One", "Three", "Two"]
    assert positions(workshop) == [0, 1, 2]
    facilitator_client.post(url("step_move", workshop.pk, one.pk), {"direction": "down"})
    assert ordered_titles(workshop) == ["Three", "One", "Two"]
    assert positions(workshop) == [0, 1, 2]


def test_moving_the_first_step_up_changes_nothing(workshop, facilitator_client):
    one, _ = add_steps(workshop, "One", "Two")
    before = state(workshop)
    response = facilitator_client.post(url("step_move", workshop.pk, one.pk), {"direction": "up"})
    assert response.status_code == 302
    assert state(workshop) == before


def test_moving_the_last_step_down_changes_nothing(workshop, facilitator_client):
    _, two = add_steps(workshop, "One", "Two")
    before = state(workshop)
    facilitator_client.post(url("step_move", workshop.pk, two.pk), {"direction": "down"})
    assert state(workshop) == before


@pytest.mark.parametrize("direction", ["sideways", ""])
def test_a_bad_move_direction_is_refused(direction, workshop, facilitator_client):
    one, _ = add_steps(workshop, "One", "Two")
    before = state(workshop)
    response = facilitator_client.post(
        url("step_move", workshop.pk, one.pk), {"direction": direction}
    )
    assert response.status_code == 400
    assert "Please correct the form: direction:" in html(response)
    assert state(workshop) == before


def test_moving_with_htmx_answers_the_new_agenda(workshop, facilitator_client):
    _, two = add_steps(workshop, "One", "Two")
    response = facilitator_client.post(
        url("step_move", workshop.pk, two.pk), {"direction": "up"}, **HTMX
    )
    body = html(response)
    assert '<div id="agenda"' in body
    assert body.index("1. Two") < body.index("2. One")


# --- moving the room -----------------------------------------------------------------------


def show(client: Client, workshop: Workshop, **data):
    return client.post(url("show", workshop.pk), data)


def test_showing_a_chosen_step(workshop, facilitator_client, delegate_client):
    _, two = add_steps(workshop, "One", "Two")
    version = fresh(workshop).version
    response = show(facilitator_client, workshop, go="step", step=two.pk)
    assert response.status_code == 302
    assert response["Location"] == url("console", workshop.pk)
    assert fresh(workshop).current_step_id == two.pk
    assert fresh(workshop).version > version
    assert "<h2>Two</h2>" in html(delegate_client.get(url("phone", workshop.pk)))


def test_showing_the_showing_step_again_changes_nothing(workshop, facilitator_client):
    (one,) = add_steps(workshop, "One")
    show(facilitator_client, workshop, go="step", step=one.pk)
    before = state(workshop)
    show(facilitator_client, workshop, go="step", step=one.pk)
    assert state(workshop) == before


def test_next_from_the_waiting_screen_shows_the_first_step(workshop, facilitator_client):
    one, _ = add_steps(workshop, "One", "Two")
    response = show(facilitator_client, workshop, go="next", current="")
    assert response.status_code == 302
    assert fresh(workshop).current_step_id == one.pk


def test_a_repeated_next_advances_only_once(workshop, facilitator_client):
    one, two, three = add_steps(workshop, "One", "Two", "Three")
    show(facilitator_client, workshop, go="next", current="")
    assert fresh(workshop).current_step_id == one.pk
    show(facilitator_client, workshop, go="next", current=one.pk)
    after_first = state(workshop)
    show(facilitator_client, workshop, go="next", current=one.pk)  # a double tap
    assert state(workshop) == after_first
    assert fresh(workshop).current_step_id == two.pk
    show(facilitator_client, workshop, go="next", current=two.pk)
    assert fresh(workshop).current_step_id == three.pk


def test_next_from_a_tab_that_fell_behind_changes_nothing(workshop, facilitator_client):
    one, _, three = add_steps(workshop, "One", "Two", "Three")
    services.show_step(workshop=workshop, step=one)
    show(facilitator_client, workshop, go="step", step=three.pk)  # another tab jumps ahead
    before = state(workshop)
    show(facilitator_client, workshop, go="next", current=one.pk)  # this tab still shows One
    show(facilitator_client, workshop, go="previous", current="")
    assert state(workshop) == before
    assert fresh(workshop).current_step_id == three.pk


def test_next_on_the_last_step_stays_there(workshop, facilitator_client):
    (one,) = add_steps(workshop, "One")
    services.show_step(workshop=workshop, step=one)
    before = state(workshop)
    show(facilitator_client, workshop, go="next", current=one.pk)
    assert state(workshop) == before


def test_previous_goes_back_one_step(workshop, facilitator_client):
    one, two = add_steps(workshop, "One", "Two")
    services.show_step(workshop=workshop, step=two)
    show(facilitator_client, workshop, go="previous", current=two.pk)
    assert fresh(workshop).current_step_id == one.pk
    before = state(workshop)
    show(facilitator_client, workshop, go="previous", current=one.pk)  # first: nowhere to go
    assert state(workshop) == before


def test_previous_from_the_waiting_screen_changes_nothing(workshop, facilitator_client):
    add_steps(workshop, "One")
    before = state(workshop)
    show(facilitator_client, workshop, go="previous", current="")
    assert state(workshop) == before


def test_clearing_returns_the_room_to_the_waiting_screen(
    workshop, facilitator_client, delegate_client
):
    (one,) = add_steps(workshop, "One")
    services.show_step(workshop=workshop, step=one)
    response = facilitator_client.post(url("show", workshop.pk), {"go": "none"}, **HTMX)
    assert response.status_code == 200
    assert 'id="step"' in html(response)
    assert "The waiting screen" in html(response)
    assert fresh(workshop).current_step_id is None
    assert "Waiting for the facilitator" in html(delegate_client.get(url("phone", workshop.pk)))


def test_show_step_without_a_step_is_refused(workshop, facilitator_client):
    add_steps(workshop, "One")
    before = state(workshop)
    response = show(facilitator_client, workshop, go="step")
    assert response.status_code == 400
    assert "Choose a step to show." in html(response)
    assert state(workshop) == before


def test_an_unknown_go_is_refused(workshop, facilitator_client):
    add_steps(workshop, "One")
    before = state(workshop)
    response = show(facilitator_client, workshop, go="jump")
    assert response.status_code == 400
    assert "Please correct the form: go:" in html(response)
    assert state(workshop) == before


def test_every_change_raises_the_version(workshop, facilitator_client):
    seen = [fresh(workshop).version]

    def changed():
        version = fresh(workshop).version
        assert version > seen[-1]
        seen.append(version)

    facilitator_client.post(url("step_add", workshop.pk), {"kind": "message", "title": "One"})
    changed()
    facilitator_client.post(url("step_add", workshop.pk), {"kind": "message", "title": "Two"})
    changed()
    one, two = Step.objects.filter(workshop=workshop)
    show(facilitator_client, workshop, go="next", current="")
    changed()
    show(facilitator_client, workshop, go="next", current=one.pk)
    changed()
    show(facilitator_client, workshop, go="previous", current=two.pk)
    changed()
    show(facilitator_client, workshop, go="none")
    changed()
    facilitator_client.post(url("step_edit", workshop.pk, one.pk), {"title": "Uno"})
    changed()
    facilitator_client.post(url("step_move", workshop.pk, one.pk), {"direction": "down"})
    changed()
    facilitator_client.post(url("step_delete", workshop.pk, one.pk))
    changed()
    facilitator_client.post(url("join_code_renew", workshop.pk))
    changed()
    facilitator_client.post(url("close", workshop.pk))
    changed()


# --- the join code and the projector link --------------------------------------------------


def test_renewing_the_join_code_retires_the_old_one(workshop, facilitator_client):
    old_code = workshop.join_code
    Workshop.objects.filter(pk=workshop.pk).update(
        join_code_expires_at=timezone.now() - timedelta(minutes=5)
    )
    response = facilitator_client.post(url("join_code_renew", workshop.pk), **HTMX)
    renewed = fresh(workshop)
    assert response.status_code == 200
    assert renewed.join_code != old_code
    assert renewed.join_code_expires_at > timezone.now() + timedelta(hours=23)
    body = html(response)
    assert '<section id="join"' in body
    assert renewed.join_code in body
    assert old_code not in body
    assert "New join code issued" in body
    refused = Client().post("/join", {"code": old_code})
    assert refused.status_code == 400
    assert "did not match a workshop" in html(refused)
    accepted = Client().post("/join", {"code": renewed.join_code})
    assert accepted.status_code == 302
    assert accepted["Location"] == f"/j/{workshop.join_token}/"


def test_renewing_the_join_code_with_a_form_post_redirects(workshop, facilitator_client):
    old_code = workshop.join_code
    response = facilitator_client.post(url("join_code_renew", workshop.pk))
    assert response.status_code == 302
    assert response["Location"] == url("console", workshop.pk)
    assert fresh(workshop).join_code != old_code


def test_revoking_the_projector_link_replaces_it(workshop, facilitator_client):
    old_token = workshop.display_token
    assert Client().get(url("display", old_token)).status_code == 200
    response = facilitator_client.post(url("display_revoke", workshop.pk))
    new_token = fresh(workshop).display_token
    assert response.status_code == 302
    assert new_token != old_token
    gone = Client().get(url("display", old_token))
    assert gone.status_code == 404
    assert "revoked" in html(gone)
    assert Client().get(url("display_live", old_token)).status_code == 404
    projector = Client().get(url("display", new_token))
    assert projector.status_code == 200
    assert workshop.title in html(projector)
    console = html(facilitator_client.get(url("console", workshop.pk)))
    assert url("display", new_token) in console
    assert url("display", old_token) not in console


# --- finishing -----------------------------------------------------------------------------


def test_closing_finishes_the_workshop(workshop, facilitator_client, delegate_client):
    response = facilitator_client.post(url("close", workshop.pk))
    assert response.status_code == 302
    assert response["Location"] == url("console", workshop.pk)
    assert fresh(workshop).closed_at is not None
    console = html(facilitator_client.get(url("console", workshop.pk)))
    assert "This workshop has finished" in console
    assert 'id="add-step"' not in console
    assert "Finish the workshop" not in console
    phone = html(delegate_client.get(url("phone", workshop.pk)))
    assert "This workshop has finished" in phone
    home = html(facilitator_client.get(url("console_home")))
    assert f"{workshop.title}</a> (finished)" in home


def test_closing_twice_is_fine(workshop, facilitator_client):
    facilitator_client.post(url("close", workshop.pk))
    closed_at = fresh(workshop).closed_at
    before = state(workshop)
    again = facilitator_client.post(url("close", workshop.pk), **HTMX)
    assert again.status_code == 200
    assert "The workshop is finished." in html(again)
    assert fresh(workshop).closed_at == closed_at
    assert state(workshop) == before


def test_closing_with_htmx_answers_the_finished_regions(workshop, facilitator_client):
    add_steps(workshop, "One")
    response = facilitator_client.post(url("close", workshop.pk), **HTMX)
    body = html(response)
    assert response.status_code == 200
    assert "This workshop has finished" in body
    assert "The workshop is finished." in body
    assert '<div id="agenda"' in body
    assert url("show", workshop.pk) not in body


def test_closing_with_htmx_retires_the_join_panel(workshop, facilitator_client):
    response = facilitator_client.post(url("close", workshop.pk), **HTMX)
    body = html(response)
    assert '<section id="join"' in body
    assert "nobody can join" in body


def test_joining_is_shown_full_size_on_the_projector_and_back_to_a_strip(
    workshop, facilitator_client
):
    services.show_step(workshop=workshop, step=add_steps(workshop, "Welcome")[0])
    projector = url("display", workshop.display_token)
    assert "join-large" not in html(Client().get(projector))
    response = facilitator_client.post(url("joining_shown", workshop.pk), {"shown": "full"}, **HTMX)
    assert response.status_code == 200
    assert fresh(workshop).joining_shown is True
    body = html(response)
    assert '<section id="join"' in body
    assert "Shrink joining to a strip" in body
    assert "The projector shows how to join full size." in body
    assert "join-large" in html(Client().get(projector))
    version = fresh(workshop).version
    again = facilitator_client.post(url("joining_shown", workshop.pk), {"shown": "full"}, **HTMX)
    assert again.status_code == 200
    assert fresh(workshop).version == version  # already so: no change, no push
    back = facilitator_client.post(url("joining_shown", workshop.pk), {"shown": "strip"}, **HTMX)
    assert back.status_code == 200
    assert fresh(workshop).joining_shown is False
    assert "Show joining full size" in html(back)
    assert "join-large" not in html(Client().get(projector))


@pytest.mark.parametrize("data", [{}, {"shown": "huge"}, {"shown": ""}])
def test_a_malformed_joining_request_is_refused_and_changes_nothing(
    data, workshop, facilitator_client
):
    before = state(workshop)
    response = facilitator_client.post(url("joining_shown", workshop.pk), data, **HTMX)
    assert response.status_code == 400
    assert "not understood" in html(response)
    assert state(workshop) == before


CLOSED_WRITES = [
    "step_add",
    "step_edit_post",
    "step_delete",
    "step_move",
    "show",
    "join_code_renew",
    "joining_shown",
]


@pytest.mark.parametrize("endpoint", CLOSED_WRITES)
def test_after_closing_writes_are_refused_and_change_nothing(
    endpoint, workshop, facilitator_client
):
    one, _ = add_steps(workshop, "One", "Two")
    facilitator_client.post(url("close", workshop.pk))
    before = state(workshop)
    response = call(facilitator_client, endpoint, workshop.pk, one.pk)
    assert response.status_code == 409
    assert "finished" in html(response)
    assert state(workshop) == before


@pytest.mark.parametrize("endpoint", CLOSED_WRITES)
def test_after_closing_htmx_writes_get_an_alert_fragment(endpoint, workshop, facilitator_client):
    one, _ = add_steps(workshop, "One", "Two")
    facilitator_client.post(url("close", workshop.pk))
    before = state(workshop)
    response = call(facilitator_client, endpoint, workshop.pk, one.pk, **HTMX)
    body = html(response)
    assert response.status_code == 409
    assert body.startswith('<div id="flash" hx-swap-oob="true"')
    assert 'role="alert"' in body
    assert "This workshop has finished" in body
    assert "<html" not in body
    assert state(workshop) == before


def test_after_closing_the_controls_are_gone(workshop, facilitator_client):
    add_steps(workshop, "One")
    facilitator_client.post(url("close", workshop.pk))
    body = html(facilitator_client.get(url("console_live", workshop.pk)))
    assert "1. One" in body
    assert url("show", workshop.pk) not in body
    assert url("join_code_renew", workshop.pk) not in body
    assert "nobody can join" in body


# --- the live regions ----------------------------------------------------------------------


def test_console_live_answers_every_facilitator_region(workshop, facilitator_client):
    add_steps(workshop, "Welcome")
    response = facilitator_client.get(url("console_live", workshop.pk))
    body = html(response)
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    regions = ["presenter", "status", "presence", "agenda", "step", "join", "ideas", "commitments"]
    regions += ["questions", "timer"]
    for region in regions:
        assert f'id="{region}"' in body
    assert body.count('hx-swap-oob="true"') == 11
    assert "1. Welcome" in body
    assert workshop.join_code in body
    assert f'data-version="{fresh(workshop).version}"' in body
    assert "<html" not in body


def test_console_live_answers_one_region_when_asked(workshop, facilitator_client):
    add_steps(workshop, "Welcome")
    response = facilitator_client.get(url("console_live", workshop.pk) + "?region=join")
    body = html(response)
    assert body.startswith('<section id="join"')
    assert body.count('hx-swap-oob="true"') == 1
    assert workshop.join_code in body
    assert "testserver/join" in body
    for other in ["status", "presence", "agenda", "step"]:
        assert f'id="{other}"' not in body


def test_console_page_shows_the_regions(workshop, facilitator_client):
    add_steps(workshop, "Welcome")
    body = html(facilitator_client.get(url("console", workshop.pk)))
    for region in ["status", "presence", "agenda", "step", "join", "add-step"]:
        assert f'id="{region}"' in body
    assert workshop.join_code in body
    assert url("display", workshop.display_token) in body
    assert "0</strong> delegates connected now" in body
