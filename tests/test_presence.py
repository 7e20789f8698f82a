"""Who is here: phones on the polling fallback count as present while they poll, a phone with
a socket and polling counts once, and a stopped poller drops out after the stale time."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import Client

from sessions.agenda import services
from sessions.live import presence, roster
from sessions.live.audiences import PROJECTOR
from sessions.live.regions import present_count, render_regions
from sessions.models import Poll
from sessions.voting import services as voting
from sessions.voting.read import tally_poll
from sessions.voting.services import PollSettings
from tests.conftest import join

pytestmark = pytest.mark.django_db


def projector_count(workshop) -> str:
    return render_regions(workshop.pk, PROJECTOR, ("presence",)).html["presence"]


def poll_live(client: Client, workshop) -> None:
    response = client.get(f"/w/{workshop.pk}/live/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200


def entries(workshop) -> dict[str, float]:
    """Who the presence store counts in `workshop` (member to the time last confirmed)."""
    return roster.store().entries(workshop.pk)


def age(workshop, seconds: int, member: str | None = None) -> None:
    """The test clock: every polling entry (or `member`) last confirmed `seconds` ago."""
    then = time.time() - seconds
    aged = [
        m for m in entries(workshop) if m == member or (member is None and m.startswith("poll:"))
    ]
    roster.store().put(workshop.pk, dict.fromkeys(aged, then))


def test_a_phone_that_only_polls_counts_as_here(workshop, delegate_client):
    assert present_count(workshop.pk) == 0
    poll_live(delegate_client, workshop)
    assert present_count(workshop.pk) == 1
    assert '<strong data-count="1">1</strong> delegate here' in projector_count(workshop)


def test_polling_again_keeps_one_row(workshop, delegate_client):
    for _ in range(3):
        poll_live(delegate_client, workshop)
    assert len(entries(workshop)) == 1
    assert present_count(workshop.pk) == 1


def test_a_phone_with_a_socket_and_polling_counts_once(workshop, delegate_client):
    presence.connect_presence(
        workshop_id=workshop.pk,
        delegate_id=delegate_client.delegate.pk,
        channel_name="specific.socket!1",
    )
    poll_live(delegate_client, workshop)
    assert len(entries(workshop)) == 2
    assert present_count(workshop.pk) == 1


def test_a_phone_that_stops_polling_drops_out_after_the_stale_time(workshop, delegate_client):
    other = Client()
    join(other, workshop, "Ben")
    poll_live(delegate_client, workshop)
    poll_live(other, workshop)
    assert present_count(workshop.pk) == 2
    age(workshop, settings.PRESENCE_STALE_SECONDS - 5)
    poll_live(other, workshop)  # Ben is still polling; Dana stopped
    assert present_count(workshop.pk) == 2  # not stale yet
    dana = roster.poll_member(delegate_client.delegate.pk)
    age(workshop, settings.PRESENCE_STALE_SECONDS + 1, member=dana)
    assert present_count(workshop.pk) == 1
    assert '<strong data-count="1">1</strong> delegate here' in projector_count(workshop)


def test_the_servers_sweep_removes_a_stopped_poller_and_tells_the_room(workshop, delegate_client):
    poll_live(delegate_client, workshop)
    age(workshop, settings.PRESENCE_STALE_SECONDS + 1)
    assert presence.refresh_presence() == [workshop.pk]
    assert not entries(workshop)


def test_the_servers_sweep_keeps_fresh_pollers(workshop, delegate_client):
    """The sweep drops what has gone stale, never a phone that is still polling."""
    poll_live(delegate_client, workshop)
    presence.refresh_presence()
    assert present_count(workshop.pk) == 1
    age(workshop, settings.PRESENCE_STALE_SECONDS + 1)
    presence.refresh_presence()
    assert not entries(workshop)


def test_a_phone_that_did_not_join_is_not_counted(workshop, stranger_client):
    response = stranger_client.get(f"/w/{workshop.pk}/live/", HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    assert present_count(workshop.pk) == 0


# --- "3 of M delegates voted": M is who is here now, plus voters who left -------------------


@pytest.fixture
def poll(workshop):
    settings_ = PollSettings(kind=Poll.Kind.DOTS, options=["Changeovers", "Training"])
    step = voting.add_vote_step(workshop=workshop, title="Pick", body="", settings=settings_)
    services.show_step(workshop=workshop, step=step)
    return voting.open_poll(poll=step.poll)


def phones(workshop, count: int) -> list[Client]:
    made = []
    for i in range(count):
        client = Client()
        join(client, workshop, f"P{i}")
        made.append(client)
    return made


def dot(client: Client, workshop, poll) -> None:
    data = {"poll": poll.pk, "option": poll.options.first().pk, "action": "add"}
    response = client.post(f"/w/{workshop.pk}/vote/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200


def voted_line(workshop) -> str:
    return render_regions(workshop.pk, PROJECTOR, ("results",)).html["results"]


def test_delegates_who_left_without_voting_are_not_counted(workshop, poll):
    room = phones(workshop, 9)
    for phone in room[:3]:
        dot(phone, workshop, poll)
    for phone in room[3:6]:
        poll_live(phone, workshop)  # three more are here, not voting yet
    # The other three joined and left: they are not here and did not vote.
    assert tally_poll(poll).voters == 3
    assert tally_poll(poll).eligible == 6
    line = voted_line(workshop)
    assert '<strong data-voted="3">3</strong> of 6 delegates have voted' in line
    assert "of those here now, and any who voted and left" in line


def test_voters_who_left_still_count_so_it_is_never_below_the_voters(workshop, poll):
    room = phones(workshop, 9)
    for phone in room[:3]:
        dot(phone, workshop, poll)
    # Nobody is here any more (no socket, no poll): 3 of 3, not 3 of 9.
    assert (tally_poll(poll).voters, tally_poll(poll).eligible) == (3, 3)


def test_once_finished_it_is_out_of_everyone_who_joined(workshop, poll):
    room = phones(workshop, 4)
    dot(room[0], workshop, poll)
    services.close_workshop(workshop=workshop)
    assert (tally_poll(poll).voters, tally_poll(poll).eligible) == (1, 4)
