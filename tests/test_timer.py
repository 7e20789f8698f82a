"""The facilitator's timer: started from the console (presets, custom minutes, a label), a
minute more, stopped; shown on every screen with its end; every refusal answered clearly and
changing nothing; a replayed command lands once; showing another step keeps a running timer
and clears one that has run out."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions.agenda import services
from sessions.errors import InvalidInput
from sessions.live.audiences import DELEGATE, FACILITATOR, PROJECTOR
from sessions.live.regions import render_regions
from sessions.models import Change, Timer, Workshop
from sessions.timer import services as timers
from sessions.timer.read import command_key
from tests.conftest import delegate_cookie_header, join
from tests.test_consumers import receive_until, session_cookie, socket

pytestmark = pytest.mark.django_db

AUDIENCES = (DELEGATE, PROJECTOR, FACILITATOR)


def url(name: str, *args) -> str:
    return reverse(f"workshops:{name}", args=args)


def timer_html(workshop: Workshop, audience: str) -> str:
    return render_regions(workshop.pk, audience, ("timer",)).html["timer"]


def start(client: Client, workshop: Workshop, htmx: bool = False, **fields):
    data = {"key": str(uuid.uuid4()), **fields}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url("timer_start", workshop.pk), data, headers=headers)


def on(workshop: Workshop) -> Timer | None:
    return Timer.objects.filter(workshop=workshop, stopped_at=None).first()


def run_out(timer: Timer) -> None:
    Timer.objects.filter(pk=timer.pk).update(ends_at=timezone.now() - timedelta(seconds=1))


def state(workshop: Workshop) -> tuple:
    return (
        list(Timer.objects.filter(workshop=workshop).values_list("ends_at", "stopped_at")),
        Change.objects.version_of(workshop.pk),
    )


# --- starting ------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [1, 2, 3, 5, 10])
def test_a_preset_starts_a_timer_of_its_minutes(workshop, facilitator_client, minutes):
    before = timezone.now()
    response = start(facilitator_client, workshop, preset=str(minutes), minutes="")
    assert response.status_code == 302
    timer = on(workshop)
    assert timer is not None
    assert before + timedelta(minutes=minutes) <= timer.ends_at
    assert timer.ends_at <= timezone.now() + timedelta(minutes=minutes)


def test_custom_minutes_and_a_label(workshop, facilitator_client):
    response = start(facilitator_client, workshop, minutes="7", label="5 minutes to fill your card")
    assert response.status_code == 302
    timer = on(workshop)
    assert timer.label == "5 minutes to fill your card"
    assert timer.ends_at - timer.started_at == timedelta(minutes=7)


def test_a_preset_wins_over_the_custom_field(workshop, facilitator_client):
    assert start(facilitator_client, workshop, preset="2", minutes="9").status_code == 302
    timer = on(workshop)
    assert timer.ends_at - timer.started_at == timedelta(minutes=2)


def test_a_new_timer_replaces_the_one_on_screen(workshop, facilitator_client):
    start(facilitator_client, workshop, preset="5")
    first = on(workshop)
    start(facilitator_client, workshop, preset="1")
    assert on(workshop).pk != first.pk
    first.refresh_from_db()
    assert first.stopped_at is not None


def test_a_replayed_start_lands_once(workshop, facilitator_client):
    key = str(uuid.uuid4())
    for _ in range(2):
        assert start(facilitator_client, workshop, key=key, preset="3").status_code == 302
    assert Timer.objects.filter(workshop=workshop).count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"minutes": "0"}, "minutes", "from 1 to 120"),
        ({"minutes": "121"}, "minutes", "from 1 to 120"),
        ({"minutes": "five"}, "minutes", "from 1 to 120"),
        ({"minutes": "2.5"}, "minutes", "from 1 to 120"),
        ({"minutes": ""}, "minutes", "Choose a time, or give the minutes here."),
        ({}, "minutes", "Choose a time, or give the minutes here."),
        ({"preset": "4"}, "preset", "That was not understood; nothing was changed."),
        (
            {"preset": "5", "key": "not-a-key"},
            "key",
            "That was not understood; nothing was changed.",
        ),
        ({"minutes": "5", "label": "x" * 81}, "label", "at most 80 characters"),
    ],
)
def test_a_bad_start_is_refused_by_its_field_and_starts_nothing(
    workshop, facilitator_client, fields, field, message
):
    response = start(facilitator_client, workshop, htmx=True, **fields)
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body
    if field not in ("preset", "key"):
        assert f'id="timer-{field}-error"' in body
        assert 'aria-invalid="true"' in body
        assert 'id="timer-start" hx-swap-oob="true"' in body
    assert not Timer.objects.filter(workshop=workshop).exists()


def test_a_bad_start_without_script_is_refused_with_its_message(workshop, facilitator_client):
    response = start(facilitator_client, workshop, minutes="500")
    assert response.status_code == 400
    assert "from 1 to 120" in response.content.decode()
    assert not Timer.objects.exists()


def test_the_service_refuses_minutes_out_of_range(workshop):
    for minutes in (0, -1, 121):
        with pytest.raises(InvalidInput):
            timers.start_timer(workshop=workshop, minutes=minutes)
    with pytest.raises(InvalidInput):
        timers.start_timer(workshop=workshop, minutes=5, label="x" * 81)
    assert not Timer.objects.exists()


# --- a minute more, stop -------------------------------------------------------------------


@pytest.fixture
def timer(workshop) -> Timer:
    started = timers.start_timer(workshop=workshop, minutes=5, label="Fill your card")
    assert started is not None
    return started


def post(client: Client, name: str, workshop: Workshop, timer: Timer, key: str | None = None):
    data = {"timer": timer.pk, "key": key or str(uuid.uuid4())}
    return client.post(url(name, workshop.pk), data, HTTP_HX_REQUEST="true")


def test_a_minute_more(workshop, facilitator_client, timer):
    response = post(facilitator_client, "timer_add_minute", workshop, timer)
    assert response.status_code == 200
    assert 'id="timer"' in response.content.decode()
    ends_at = timer.ends_at
    timer.refresh_from_db()
    assert timer.ends_at == ends_at + timedelta(minutes=1)


def test_a_double_tapped_minute_more_adds_one_minute(workshop, facilitator_client, timer):
    key = command_key(timer, "add")  # what the console's button carries
    for _ in range(2):
        assert post(facilitator_client, "timer_add_minute", workshop, timer, key).status_code == 200
    ends_at = timer.ends_at
    timer.refresh_from_db()
    assert timer.ends_at == ends_at + timedelta(minutes=1)


def test_the_button_drawn_after_a_minute_more_adds_another(workshop, facilitator_client, timer):
    post(facilitator_client, "timer_add_minute", workshop, timer, command_key(timer, "add"))
    timer.refresh_from_db()
    post(facilitator_client, "timer_add_minute", workshop, timer, command_key(timer, "add"))
    timer.refresh_from_db()
    assert timer.ends_at - timer.started_at == timedelta(minutes=7)


def test_a_minute_more_on_a_timer_that_ran_out_runs_a_minute_from_now(workshop, timer):
    run_out(timer)
    before = timezone.now()
    timers.add_minute(workshop=workshop, timer_id=timer.pk)
    timer.refresh_from_db()
    assert before + timedelta(minutes=1) <= timer.ends_at <= timezone.now() + timedelta(minutes=1)


def test_a_minute_more_past_the_longest_timer_is_refused(workshop, facilitator_client):
    long = timers.start_timer(workshop=workshop, minutes=120)
    before = state(workshop)
    response = post(facilitator_client, "timer_add_minute", workshop, long)
    assert response.status_code == 409
    assert "at most 120 minutes" in response.content.decode()
    assert state(workshop) == before


def test_stop(workshop, facilitator_client, timer):
    response = post(facilitator_client, "timer_stop", workshop, timer)
    assert response.status_code == 200
    assert on(workshop) is None
    for audience in AUDIENCES:
        assert "Fill your card" not in timer_html(workshop, audience)


def test_a_replayed_stop_is_answered_as_done(workshop, facilitator_client, timer):
    key = command_key(timer, "stop")
    for _ in range(2):
        assert post(facilitator_client, "timer_stop", workshop, timer, key).status_code == 200
    assert on(workshop) is None


@pytest.mark.parametrize("name", ["timer_stop", "timer_add_minute"])
def test_a_stale_button_is_refused_and_changes_nothing(workshop, facilitator_client, timer, name):
    timers.stop_timer(workshop=workshop, timer_id=timer.pk)
    newer = timers.start_timer(workshop=workshop, minutes=3)
    before = state(workshop)
    response = post(facilitator_client, name, workshop, timer)  # the old timer's button
    assert response.status_code == 409
    assert "That timer has already stopped; nothing was changed." in response.content.decode()
    assert state(workshop) == before
    assert on(workshop).pk == newer.pk


@pytest.mark.parametrize("name", ["timer_stop", "timer_add_minute"])
@pytest.mark.parametrize("timer_id", ["", "abc", "0", "99999"])
def test_a_forged_timer_is_refused(workshop, facilitator_client, timer, name, timer_id):
    before = state(workshop)
    response = facilitator_client.post(url(name, workshop.pk), {"timer": timer_id})
    assert response.status_code == (409 if timer_id == "99999" else 400)
    assert state(workshop) == before


def test_another_workshop_s_timer_is_refused(workshop, other_workshop, facilitator_client):
    theirs = timers.start_timer(workshop=other_workshop, minutes=5)
    before = state(other_workshop)
    for name in ("timer_stop", "timer_add_minute"):
        assert post(facilitator_client, name, workshop, theirs).status_code == 409
    assert state(other_workshop) == before


@pytest.mark.parametrize("name", ["timer_start", "timer_stop", "timer_add_minute"])
def test_an_outsider_gets_not_found(workshop, outsider_client, timer, name):
    before = state(workshop)
    data = {"timer": timer.pk, "preset": "5", "key": str(uuid.uuid4())}
    assert outsider_client.post(url(name, workshop.pk), data).status_code == 404
    assert outsider_client.post(url(name, 999999), data).status_code == 404
    assert state(workshop) == before


def test_a_visitor_must_sign_in(workshop, timer):
    response = Client().post(url("timer_start", workshop.pk), {"preset": "5"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Timer.objects.filter(workshop=workshop).count() == 1


def test_get_is_not_allowed(workshop, facilitator_client):
    assert facilitator_client.get(url("timer_start", workshop.pk)).status_code == 405


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("timer_start", {"preset": "5"}),
        ("timer_add_minute", {}),
        ("timer_stop", {}),
    ],
)
def test_a_finished_workshop_takes_no_timer_command(
    workshop, facilitator_client, timer, name, data
):
    services.close_workshop(workshop=workshop)
    before = state(workshop)
    response = facilitator_client.post(
        url(name, workshop.pk), {"timer": timer.pk, "key": str(uuid.uuid4()), **data}
    )
    assert response.status_code == 409
    assert "This workshop has finished" in response.content.decode()
    assert state(workshop) == before


def test_finishing_the_workshop_stops_its_timer(workshop, timer):
    services.close_workshop(workshop=workshop)
    assert on(workshop) is None
    for audience in AUDIENCES:
        assert "Fill your card" not in timer_html(workshop, audience)


# --- what every screen shows ---------------------------------------------------------------


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_running_timer_counts_down_to_its_end_on_every_screen(workshop, timer, audience):
    html = timer_html(workshop, audience)
    until = timezone.localtime(timer.ends_at, workshop.event.zone)
    assert "Fill your card" in html
    assert f'data-countdown="{int(timer.ends_at.timestamp())}"' in html
    assert 'data-ended="Time is up"' in html
    assert f"until {until:%H:%M}" in html
    assert "Time is up</strong>" not in html


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_timer_that_ran_out_says_time_is_up(workshop, timer, audience):
    run_out(timer)
    html = timer_html(workshop, audience)
    assert '<strong class="time-up">Time is up</strong>' in html
    assert "data-countdown" not in html
    assert "ended at" in html


def test_the_end_is_given_in_the_event_s_time_zone(workshop, timer):
    workshop.event.time_zone = "Asia/Kolkata"  # UTC+5:30
    workshop.event.save()
    until = timezone.localtime(timer.ends_at, workshop.event.zone)
    assert f"until {until:%H:%M}" in timer_html(workshop, PROJECTOR)


def test_only_the_console_has_the_timer_s_buttons(workshop, timer):
    assert "+1 minute" in timer_html(workshop, FACILITATOR)
    assert "Stop the timer" in timer_html(workshop, FACILITATOR)
    for audience in (DELEGATE, PROJECTOR):
        html = timer_html(workshop, audience)
        assert "<form" not in html
        assert "<button" not in html


def test_no_timer_no_countdown(workshop):
    for audience in (DELEGATE, PROJECTOR):
        assert 'class="timer' not in timer_html(workshop, audience)
    assert "Start a timer" in timer_html(workshop, FACILITATOR)


# --- moving the room -----------------------------------------------------------------------


def test_showing_another_step_keeps_a_running_timer(workshop, timer):
    one, two = (services.add_step(workshop=workshop, title=t) for t in ("One", "Two"))
    services.show_step(workshop=workshop, step=one)
    services.show_step(workshop=workshop, step=two)
    services.show_step(workshop=workshop, step=None)
    assert on(workshop).pk == timer.pk
    assert "Fill your card" in timer_html(workshop, PROJECTOR)


def test_showing_another_step_clears_a_timer_that_ran_out(workshop, timer):
    one = services.add_step(workshop=workshop, title="One")
    run_out(timer)
    assert "Time is up" in timer_html(workshop, PROJECTOR)
    services.show_step(workshop=workshop, step=one)
    assert on(workshop) is None
    for audience in AUDIENCES:
        assert "Time is up" not in timer_html(workshop, audience)


# --- pushes --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_timer_started_on_the_console_reaches_the_projector_and_phones(
    workshop, facilitator
):
    client = Client()
    await sync_to_async(client.force_login)(facilitator)
    delegate = await sync_to_async(join)(Client(), workshop, "Pat")
    cookie = (b"cookie", delegate_cookie_header(delegate))
    async with (
        socket(f"/ws/display/{workshop.display_token}/") as projector,
        socket(f"/ws/phone/{workshop.pk}/", cookie) as phone,
        socket(f"/ws/console/{workshop.pk}/", session_cookie(client)) as console,
    ):
        for live in (projector, phone, console):
            await receive_until(live, lambda f: 'id="timer"' in f)
        response = await sync_to_async(client.post)(
            url("timer_start", workshop.pk),
            {"key": str(uuid.uuid4()), "preset": "5", "label": "Fill your card"},
        )
        assert response.status_code == 302
        for live in (projector, phone, console):
            await receive_until(live, lambda f: "Fill your card" in f and "data-countdown" in f)
        timer = await sync_to_async(on)(workshop)
        response = await sync_to_async(client.post)(
            url("timer_stop", workshop.pk), {"timer": timer.pk}
        )
        assert response.status_code == 302
        for live in (projector, phone):
            await receive_until(live, lambda f: 'id="timer"' in f and "Fill your card" not in f)


def test_a_timer_s_end_is_pushed_when_it_runs_out(workshop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as pushes:
        timer = timers.start_timer(workshop=workshop, minutes=5)
    delays = [push.args[2] for push in pushes if len(push.args) > 2 and push.args[2]]
    assert delays == [pytest.approx(5 * 60 + timers.END_PUSH_DELAY, abs=1)]
    with django_capture_on_commit_callbacks() as pushes:
        timers.add_minute(workshop=workshop, timer_id=timer.pk)
    delays = [push.args[2] for push in pushes if len(push.args) > 2 and push.args[2]]
    assert delays == [pytest.approx(6 * 60 + timers.END_PUSH_DELAY, abs=1)]
