"""The facilitator's remote: both ways in, its commands through the console's services, and
every refusal (a revoked or forged link, another workshop's step, a finished workshop, a
replayed tap, a stale button)."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.test import Client

from sessions.agenda import services
from sessions.ideas import services as ideas
from sessions.models import Board, Change, Poll, Step, Timer, Workshop
from sessions.remote import services as remote
from sessions.timer import services as timers
from sessions.voting import services as voting
from tests.conftest import join

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def agenda(workshop: Workshop) -> tuple[Step, Step, Step]:
    """A message with notes, a vote and an ideas step."""
    welcome = services.add_step(workshop=workshop, title="Welcome", body="Hello")
    assert welcome is not None
    Step.objects.filter(pk=welcome.pk).update(notes="Say hello to the back row.\nSmile.")
    vote = voting.add_vote_step(
        workshop=workshop,
        title="Which challenge first?",
        body="",
        settings=voting.PollSettings(kind="dots", options=["Flow", "Waste", "Data"]),
    )
    board = ideas.add_ideas_step(workshop=workshop, title="Ideas", prompt="How might we ...?")
    return Step.objects.get(pk=welcome.pk), vote, board


def linked(workshop: Workshop) -> str:
    return remote.make_remote_link(workshop=workshop).remote_token or ""


def form_of(page: str, go: str) -> dict[str, str]:
    """The hidden fields of the remote's button that posts `go`, as the page drew them."""
    for form in re.findall(r"<form[^>]*>.*?</form>", page, flags=re.S):
        if f'name="go" value="{go}"' in form:
            fields = dict(
                re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form)
            )
            return {**fields, "go": go}
    raise AssertionError(f"no {go} button on the remote")


def press(client: Client, url: str, go: str, **headers: str) -> tuple[dict[str, str], object]:
    page = client.get(url).content.decode()
    data = form_of(page, go)
    return data, client.post(url + "go/", data, **headers)


def room(workshop: Workshop) -> Workshop:
    return Workshop.objects.get(pk=workshop.pk)


# --- the two ways in -----------------------------------------------------------------------


def test_a_facilitator_opens_the_remote_from_the_console(workshop, facilitator_client):
    welcome, _vote, _board = agenda(workshop)
    services.show_step(workshop=workshop, step=welcome)
    console = facilitator_client.get(f"/console/workshops/{workshop.pk}/").content.decode()
    assert "Open the remote on your phone" in console
    assert f'href="http://testserver/console/workshops/{workshop.pk}/remote/"' in console
    assert "QR code of the remote" in console
    page = facilitator_client.get(f"/console/workshops/{workshop.pk}/remote/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Welcome" in html
    assert "Step 1 of 3 · Message" in html
    assert "Say hello to the back row.<br>Smile." in html
    assert "Next: <strong>Which challenge first?</strong>" in html
    assert f'ws-connect="/ws/console/{workshop.pk}/remote/"' in html


def test_the_remote_is_refused_to_an_outsider_and_to_nobody(
    workshop, outsider_client, stranger_client
):
    response = outsider_client.get(f"/console/workshops/{workshop.pk}/remote/")
    assert response.status_code == 404
    assert "does not exist, or you do not have access" in response.content.decode()
    missing = outsider_client.get("/console/workshops/999999/remote/")
    assert missing.status_code == 404
    assert missing.content.decode().count("does not exist") == 1
    assert stranger_client.get(f"/console/workshops/{workshop.pk}/remote/").status_code == 302
    posted = outsider_client.post(
        f"/console/workshops/{workshop.pk}/remote/go/", {"go": "next", "shown": ""}
    )
    assert posted.status_code == 404
    assert room(workshop).current_step_id is None


def test_the_remote_link_is_made_on_demand_shown_as_a_qr_code_and_revoked(
    workshop, facilitator_client
):
    agenda(workshop)
    console = f"/console/workshops/{workshop.pk}/"
    assert "Make a remote link" in facilitator_client.get(console).content.decode()
    made = facilitator_client.post(f"{console}remote-link/")
    assert made.status_code == 302
    token = room(workshop).remote_token
    assert token
    assert len(token) >= 43
    again = facilitator_client.post(f"{console}remote-link/")  # a second press keeps it
    assert again.status_code == 302
    assert room(workshop).remote_token == token
    html = facilitator_client.get(console).content.decode()
    assert f"http://testserver/remote/{token}/" in html
    assert "QR code of the remote link" in html
    assert Client().get(f"/remote/{token}/").status_code == 200
    revoked = facilitator_client.post(f"{console}remote-link/revoke/")
    assert revoked.status_code == 302
    assert room(workshop).remote_token is None
    refused = Client().get(f"/remote/{token}/")
    assert refused.status_code == 404
    assert "This remote link was revoked" in refused.content.decode()
    assert "Make a remote link" in facilitator_client.get(console).content.decode()


def test_only_a_facilitator_makes_or_revokes_the_remote_link(
    workshop, outsider_client, stranger_client
):
    for url in ("remote-link/", "remote-link/revoke/"):
        assert outsider_client.post(f"/console/workshops/{workshop.pk}/{url}").status_code == 404
        assert stranger_client.post(f"/console/workshops/{workshop.pk}/{url}").status_code == 302
    assert room(workshop).remote_token is None


def test_a_forged_remote_link_is_refused_clearly(workshop):
    linked(workshop)
    for token in ("x" * 43, "A" * 43):
        page = Client().get(f"/remote/{token}/")
        assert page.status_code == 404
        assert "This remote link was revoked or mistyped" in page.content.decode()
        post = Client().post(f"/remote/{token}/go/", {"go": "next", "shown": ""})
        assert post.status_code == 404
    assert room(workshop).current_step_id is None


def test_the_remote_link_never_reaches_the_console_the_archive_or_exports(workshop):
    token = linked(workshop)
    client = Client()
    assert client.get(f"/remote/{token}/").status_code == 200
    for url in (
        f"/console/workshops/{workshop.pk}/",
        f"/console/workshops/{workshop.pk}/remote/",
        f"/console/workshops/{workshop.pk}/archive/",
        f"/console/workshops/{workshop.pk}/exports/all.zip",
        f"/console/workshops/{workshop.pk}/exports/votes.csv",
    ):
        assert client.get(url).status_code == 302, url  # to the login page
    assert client.post(f"/console/workshops/{workshop.pk}/remote-link/revoke/").status_code == 302
    assert room(workshop).remote_token == token


# --- commands ----------------------------------------------------------------------------


def test_the_remote_link_moves_the_room_next_and_previous(workshop):
    welcome, vote, _board = agenda(workshop)
    url = f"/remote/{linked(workshop)}/"
    client = Client()
    _data, response = press(client, url, "next")
    assert response.status_code == 302
    assert response["Location"] == url
    assert room(workshop).current_step_id == welcome.pk
    press(client, url, "next")
    assert room(workshop).current_step_id == vote.pk
    _data, response = press(client, url, "previous")
    assert response.status_code == 302
    assert room(workshop).current_step_id == welcome.pk


def test_htmx_gets_the_redrawn_remote_and_a_message(workshop):
    _welcome, vote, _board = agenda(workshop)
    services.show_step(workshop=workshop, step=vote)
    url = f"/remote/{linked(workshop)}/"
    _data, response = press(Client(), url, "open", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="remote"' in html
    assert "Voting is open" in html
    assert "Close voting" in html
    assert "Voting is open." in html  # the flash


def test_previous_on_the_first_step_and_next_on_the_last_are_refused(workshop):
    welcome, _vote, board = agenda(workshop)
    url = f"/remote/{linked(workshop)}/"
    client = Client()
    page = client.get(url).content.decode()
    assert re.search(r'value="previous"[^>]*disabled', page)  # the waiting screen
    waiting = {**form_of(page, "next"), "go": "previous"}
    refused = client.post(url + "go/", waiting, **HTMX)
    assert refused.status_code == 400
    assert "waiting screen: there is no step before it" in refused.content.decode()
    services.show_step(workshop=workshop, step=welcome)
    _data, response = press(client, url, "previous", **HTMX)
    assert response.status_code == 400
    assert "This is the first step" in response.content.decode()
    assert room(workshop).current_step_id == welcome.pk
    services.show_step(workshop=workshop, step=board)
    page = client.get(url).content.decode()
    assert re.search(r'value="next"[^>]*disabled', page)
    response = client.post(url + "go/", form_of(page, "next"))  # a plain post: the page again
    assert response.status_code == 400
    assert "This is the last step" in response.content.decode()
    assert 'id="remote"' in response.content.decode()
    assert room(workshop).current_step_id == board.pk


def test_the_remote_opens_closes_and_reveals_a_vote(workshop):
    _welcome, vote, _board = agenda(workshop)
    services.show_step(workshop=workshop, step=vote)
    url = f"/remote/{linked(workshop)}/"
    client = Client()
    press(client, url, "open")
    assert Poll.objects.get(step=vote).accepting
    press(client, url, "reveal")
    assert Poll.objects.get(step=vote).revealed
    press(client, url, "close")
    assert not Poll.objects.get(step=vote).is_open
    press(client, url, "hide")
    assert not Poll.objects.get(step=vote).revealed


def test_the_remote_opens_and_closes_an_ideas_step(workshop, facilitator_client):
    _welcome, _vote, board = agenda(workshop)
    services.show_step(workshop=workshop, step=board)
    url = f"/console/workshops/{workshop.pk}/remote/"
    page = facilitator_client.get(url).content.decode()
    assert "Ideas are closed" in page
    assert "reveal" not in page
    press(facilitator_client, url, "open")
    assert Board.objects.get(step=board).is_open
    press(facilitator_client, url, "close")
    assert not Board.objects.get(step=board).is_open


def test_a_replayed_tap_is_carried_out_once(workshop):
    welcome, vote, _board = agenda(workshop)
    url = f"/remote/{linked(workshop)}/"
    client = Client()
    services.show_step(workshop=workshop, step=welcome)
    data, first = press(client, url, "next", **HTMX)
    assert first.status_code == 200
    changes = Change.objects.filter(workshop=workshop).count()
    again = client.post(url + "go/", data, **HTMX)
    assert again.status_code == 200
    assert "Already done." in again.content.decode()
    assert room(workshop).current_step_id == vote.pk  # not two steps on
    assert Change.objects.filter(workshop=workshop).count() == changes


def test_a_stale_button_is_refused_and_changes_nothing(workshop, facilitator_client):
    welcome, vote, _board = agenda(workshop)
    services.show_step(workshop=workshop, step=welcome)
    url = f"/remote/{linked(workshop)}/"
    client = Client()
    page = client.get(url).content.decode()
    # Meanwhile the console moves the room on.
    services.show_step(workshop=workshop, step=vote)
    stale = client.post(url + "go/", form_of(page, "next"), **HTMX)
    assert stale.status_code == 409
    assert "The room has moved on to “Which challenge first?”" in stale.content.decode()
    assert room(workshop).current_step_id == vote.pk
    # An "Open voting" drawn while the vote was closed, after the console opened it.
    page = client.get(url).content.decode()
    voting.open_poll(poll=Poll.objects.get(step=vote))
    stale = client.post(url + "go/", form_of(page, "open"), **HTMX)
    assert stale.status_code == 409
    assert "The vote has changed since your screen showed it" in stale.content.decode()
    assert Poll.objects.get(step=vote).accepting
    plain = client.post(url + "go/", {**form_of(page, "open"), "key": str(uuid.uuid4())})
    assert plain.status_code == 409
    assert "The vote has changed" in plain.content.decode()
    assert 'id="remote"' in plain.content.decode()  # the remote again, as it is now


def test_another_workshops_step_is_refused_as_missing(workshop, other_workshop):
    welcome, _vote, _board = agenda(workshop)
    theirs = services.add_step(workshop=other_workshop, title="Theirs")
    assert theirs is not None
    services.show_step(workshop=other_workshop, step=theirs)
    url = f"/remote/{linked(workshop)}/"
    client = Client()
    data = form_of(client.get(url).content.decode(), "next")
    for step in (theirs.pk, 99_999_999):
        forged = client.post(url + "go/", {**data, "step": step, "shown": str(step)}, **HTMX)
        assert forged.status_code == 404
        assert "That step is not part of this workshop." in forged.content.decode()
    assert room(workshop).current_step_id is None
    assert room(other_workshop).current_step_id == theirs.pk
    # The other workshop's own remote link drives only its own room.
    other_url = f"/remote/{linked(other_workshop)}/"
    forged = client.post(other_url + "go/", {**data, "step": welcome.pk}, **HTMX)
    assert forged.status_code == 404


def test_garbled_commands_are_refused(workshop):
    agenda(workshop)
    url = f"/remote/{linked(workshop)}/"
    client = Client()
    data = form_of(client.get(url).content.decode(), "next")
    for bad in (
        {**data, "go": "delete"},
        {**data, "key": "not-a-key"},
        {**data, "step": "1" * 30},
        {k: v for k, v in data.items() if k != "shown"},
        {**data, "shown": "<script>"},
        {**data, "go": "open"},  # the waiting screen has nothing to open
    ):
        response = client.post(url + "go/", bad, **HTMX)
        assert response.status_code == 400, bad
        assert "<script>" not in response.content.decode()
    assert room(workshop).current_step_id is None


def test_a_finished_workshop_is_refused(workshop):
    welcome, _vote, _board = agenda(workshop)
    services.show_step(workshop=workshop, step=welcome)
    url = f"/remote/{linked(workshop)}/"
    client = Client()
    page = client.get(url).content.decode()
    services.close_workshop(workshop=workshop)
    refused = client.post(url + "go/", form_of(page, "next"), **HTMX)
    assert refused.status_code == 409
    assert "This workshop has finished" in refused.content.decode()
    assert room(workshop).current_step_id == welcome.pk
    finished = client.get(url).content.decode()
    assert "The workshop has finished" in finished
    assert 'name="go"' not in finished


def test_the_notes_are_on_the_remote_only(workshop, facilitator_client):
    welcome, _vote, _board = agenda(workshop)
    services.show_step(workshop=workshop, step=welcome)
    notes = "Say hello to the back row."
    phone = Client()
    join(phone, workshop)
    assert notes in Client().get(f"/remote/{linked(workshop)}/").content.decode()
    assert notes not in phone.get(f"/w/{workshop.pk}/").content.decode()
    assert notes not in phone.get(f"/w/{workshop.pk}/live/").content.decode()
    assert notes not in Client().get(f"/display/{workshop.display_token}/").content.decode()
    assert notes not in Client().get(f"/display/{workshop.display_token}/live/").content.decode()


def test_the_polling_fallback_serves_the_remote(workshop, facilitator_client):
    agenda(workshop)
    token = linked(workshop)
    live = Client().get(f"/remote/{token}/live/")
    assert live.status_code == 200
    assert 'id="remote"' in live.content.decode()
    assert 'id="presence"' in live.content.decode()
    mine = facilitator_client.get(f"/console/workshops/{workshop.pk}/remote/live/")
    assert mine.status_code == 200
    assert 'id="remote"' in mine.content.decode()
    assert Client().get("/remote/" + "z" * 43 + "/live/").status_code == 404


# --- the clock and the timer on the remote ---------------------------------------------------


def timer_form(page: str, do: str, preset: str = "") -> dict[str, str]:
    """The fields of the remote's timer button `do` (with `preset` for a start)."""
    for form in re.findall(r'<form[^>]*action="timer/"[^>]*>.*?</form>', page, flags=re.S):
        fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form))
        if do == "start" and f'name="preset" value="{preset}"' in form:
            return {**fields, "preset": preset}
        if f'name="do" value="{do}"' in form:
            return {**fields, "do": do}
    raise AssertionError(f"no {do} {preset} timer button on the remote")


def test_the_remote_shows_the_clock_and_the_step_time_against_its_plan(workshop):
    welcome, _vote, _board = agenda(workshop)
    Step.objects.filter(pk=welcome.pk).update(planned_minutes=4)
    url = f"/remote/{linked(workshop)}/"
    before = Client().get(url).content.decode()
    assert "The clock starts when the first step is shown." in before
    services.show_step(workshop=workshop, step=welcome)
    page = Client().get(url).content.decode()
    assert "of 4 min planned" in page
    assert "Workshop: <strong" in page
    assert "on time" in page


def test_the_remote_link_starts_extends_and_stops_the_timer(workshop):
    welcome, _vote, _board = agenda(workshop)
    services.show_step(workshop=workshop, step=welcome)
    url = f"/remote/{linked(workshop)}/"
    client = Client()
    started = client.post(
        url + "timer/", timer_form(client.get(url).content.decode(), "start", "5"), **HTMX
    )
    assert started.status_code == 200
    assert "Timer started." in started.content.decode()
    timer = Timer.objects.get(workshop=workshop, stopped_at=None)
    assert timer.ends_at - timer.started_at == datetime.timedelta(minutes=5)
    page = client.get(url).content.decode()
    assert 'id="timer"' in page
    assert "until" in page
    extended = client.post(url + "timer/", timer_form(page, "minute"), **HTMX)
    assert extended.status_code == 200
    timer.refresh_from_db()
    assert timer.ends_at - timer.started_at == datetime.timedelta(minutes=6)
    stop = timer_form(client.get(url).content.decode(), "stop")
    assert client.post(url + "timer/", stop, **HTMX).status_code == 200
    assert Timer.objects.filter(workshop=workshop, stopped_at=None).count() == 0
    # The projector shows no timer once it is stopped.
    display = Client().get(f"/display/{workshop.display_token}/").content.decode()
    assert "Time is up" not in display
    assert "until" not in display


def test_a_replayed_timer_tap_lands_once_and_a_stale_stop_changes_nothing(workshop):
    welcome, _vote, _board = agenda(workshop)
    services.show_step(workshop=workshop, step=welcome)
    url = f"/remote/{linked(workshop)}/"
    client = Client()
    start = timer_form(client.get(url).content.decode(), "start", "3")
    assert client.post(url + "timer/", start, **HTMX).status_code == 200
    assert client.post(url + "timer/", start, **HTMX).status_code == 200  # a double tap
    assert Timer.objects.filter(workshop=workshop).count() == 1
    stop = timer_form(client.get(url).content.decode(), "stop")
    assert client.post(url + "timer/", stop, **HTMX).status_code == 200
    changes = Change.objects.filter(workshop=workshop).count()
    # A stop drawn for that timer, pressed after a new one started elsewhere: refused.
    timers.start_timer(workshop=workshop, minutes=2)
    changes = Change.objects.filter(workshop=workshop).count()
    stale = client.post(url + "timer/", {**stop, "key": str(uuid.uuid4())}, **HTMX)
    assert stale.status_code == 409
    assert "That timer has already stopped; nothing was changed." in stale.content.decode()
    assert Timer.objects.filter(workshop=workshop, stopped_at=None).count() == 1
    assert Change.objects.filter(workshop=workshop).count() == changes


@pytest.mark.parametrize(
    "data",
    [
        {"do": "start"},  # no preset
        {"do": "start", "preset": "7"},  # not a preset
        {"do": "stop"},  # which timer?
        {"do": "explode", "preset": "5"},
        {"do": "minute", "timer": "x"},
    ],
)
def test_a_garbled_timer_tap_is_refused_and_changes_nothing(workshop, data):
    url = f"/remote/{linked(workshop)}/"
    changes = Change.objects.filter(workshop=workshop).count()
    refused = Client().post(url + "timer/", {**data, "key": str(uuid.uuid4())}, **HTMX)
    assert refused.status_code == 400
    assert "That was not understood; nothing was changed." in refused.content.decode()
    assert Timer.objects.filter(workshop=workshop).count() == 0
    assert Change.objects.filter(workshop=workshop).count() == changes


def test_the_timer_is_refused_on_a_revoked_link_and_a_finished_workshop(workshop):
    token = linked(workshop)
    url = f"/remote/{token}/"
    start = timer_form(Client().get(url).content.decode(), "start", "1")
    remote.revoke_remote_link(workshop=workshop)
    revoked = Client().post(url + "timer/", start, **HTMX)
    assert revoked.status_code == 404
    assert Timer.objects.count() == 0
    services.close_workshop(workshop=workshop)
    finished = f"/console/workshops/{workshop.pk}/remote/"
    client = Client()
    client.force_login(workshop.event.facilitators.get())
    refused = client.post(finished + "timer/", start, **HTMX)
    assert refused.status_code == 409
    assert Timer.objects.count() == 0
