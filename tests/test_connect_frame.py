"""The frame a phone's socket gets on connect: its audience's frame at the current version,
rendered once for every socket connecting at that version, with that phone's own ballot
filled in. It is exactly what rendering the frame for that delegate draws."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sessions.agenda import services
from sessions.live.audiences import DELEGATE, PROJECTOR, group_name
from sessions.live.fanout import fanout
from sessions.live.regions import connect_frame, connect_frames, render_regions
from sessions.models import Delegate, Poll
from sessions.voting import services as voting
from sessions.voting.services import PollSettings
from tests.conftest import join

pytestmark = pytest.mark.django_db

BASE = "http://testserver"


@pytest.fixture
def poll(workshop) -> Poll:
    settings_ = PollSettings(kind=Poll.Kind.DOTS, options=["Changeovers", "Training"])
    step = voting.add_vote_step(workshop=workshop, title="Pick", body="", settings=settings_)
    services.show_step(workshop=workshop, step=step)
    return voting.open_poll(poll=step.poll)


def phones(workshop, count: int) -> list[tuple[Client, Delegate]]:
    made = []
    for i in range(count):
        client = Client()
        made.append((client, join(client, workshop, f"P{i}")))
    return made


def dot(client: Client, workshop, poll: Poll, option: int = 0) -> None:
    data = {"poll": poll.pk, "option": poll.options.all()[option].pk, "action": "add"}
    response = client.post(f"/w/{workshop.pk}/vote/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200


def drawn_for(workshop, delegate: Delegate):
    return render_regions(workshop.pk, DELEGATE, base_url=BASE, delegate=delegate)


def test_each_phone_gets_its_own_ballot_in_the_shared_frame(workshop, poll):
    (ana_client, ana), (_, ben) = phones(workshop, 2)
    dot(ana_client, workshop, poll)
    dot(ana_client, workshop, poll)
    for delegate in (ana, ben):
        frame = connect_frame(workshop.pk, DELEGATE, base_url=BASE, delegate_id=delegate.pk)
        assert frame == drawn_for(workshop, delegate)
    ana_frame = connect_frame(workshop.pk, DELEGATE, base_url=BASE, delegate_id=ana.pk)
    ben_frame = connect_frame(workshop.pk, DELEGATE, base_url=BASE, delegate_id=ben.pk)
    assert ana_frame.html["step"] != ben_frame.html["step"]  # Ana's two dots, Ben's none
    assert "personal-slot" not in ana_frame.joined()


def test_a_room_connecting_at_one_version_renders_the_shared_frame_once(workshop, poll):
    room = phones(workshop, 5)
    for _, delegate in room:
        connect_frame(workshop.pk, DELEGATE, base_url=BASE, delegate_id=delegate.pk)
    assert connect_frames.rendered == 1
    dot(room[0][0], workshop, poll)  # a new version of the workshop
    frame = connect_frame(workshop.pk, DELEGATE, base_url=BASE, delegate_id=room[1][1].pk)
    assert connect_frames.rendered == 2
    assert frame == drawn_for(workshop, room[1][1])


def test_moving_the_room_draws_the_new_step_for_the_next_socket(workshop, poll):
    (_, ana), (_, ben) = phones(workshop, 2)
    connect_frame(workshop.pk, DELEGATE, base_url=BASE, delegate_id=ana.pk)
    step = services.add_step(workshop=workshop, title="Coffee")
    services.show_step(workshop=workshop, step=step)
    frame = connect_frame(workshop.pk, DELEGATE, base_url=BASE, delegate_id=ben.pk)
    assert "Coffee" in frame.html["step"]
    assert frame == drawn_for(workshop, ben)


def test_without_a_vote_every_phone_gets_the_same_frame(workshop):
    (_, ana), (_, ben) = phones(workshop, 2)
    first = connect_frame(workshop.pk, DELEGATE, base_url=BASE, delegate_id=ana.pk)
    assert first == connect_frame(workshop.pk, DELEGATE, base_url=BASE, delegate_id=ben.pk)
    assert first == drawn_for(workshop, ana)


def test_the_projector_frame_is_drawn_in_full_with_the_live_count(workshop):
    frame = connect_frame(workshop.pk, PROJECTOR, base_url=BASE, delegate_id=None)
    assert set(frame.html) == set(render_regions(workshop.pk, PROJECTOR).html)
    assert connect_frames.rendered == 0


def test_a_push_at_the_same_version_is_not_undone_by_the_shared_frame(workshop, poll):
    """A countdown ending changes the step without a new version: once a push to the
    phones reaches this process, the next socket gets a freshly drawn frame."""
    (_, ana), (_, ben) = phones(workshop, 2)
    connect_frame(workshop.pk, DELEGATE, base_url=BASE, delegate_id=ana.pk)
    connect_frame(workshop.pk, DELEGATE, base_url=BASE, delegate_id=ben.pk)
    assert connect_frames.rendered == 1
    fanout.tell(group_name(workshop.pk, DELEGATE))  # what the phones' subscription does
    connect_frame(workshop.pk, DELEGATE, base_url=BASE, delegate_id=ben.pk)
    assert connect_frames.rendered == 2
    fanout.tell(group_name(workshop.pk, PROJECTOR))  # another audience's push: no matter
    connect_frame(workshop.pk, DELEGATE, base_url=BASE, delegate_id=ana.pk)
    assert connect_frames.rendered == 2


def test_once_the_shared_frame_is_drawn_a_phone_s_frame_costs_two_reads(
    workshop, poll, django_assert_num_queries
):
    """A room connecting at once reads the step, its poll and options once: each further
    phone reads only the workshop's version and its own ballot (revision and marks)."""
    (client, ana), (_, ben) = phones(workshop, 2)
    dot(client, workshop, poll)
    connect_frame(workshop.pk, DELEGATE, base_url=BASE, delegate_id=ben.pk)
    with django_assert_num_queries(2):
        frame = connect_frame(workshop.pk, DELEGATE, base_url=BASE, delegate_id=ana.pk)
    assert frame == drawn_for(workshop, ana)
    assert "<strong>2</strong> of 3 dots left" in frame.joined()


def test_phones_with_the_same_marks_share_one_drawn_ballot_with_their_own_keys(workshop, poll):
    """The room's ballots are drawn once per set of marks (none yet, a dot on the first
    option), each phone's with its own keys: exactly what drawing it for that phone draws."""
    room = phones(workshop, 4)
    for client, _ in room[:2]:
        dot(client, workshop, poll)  # two phones with one dot on the first option
    frames = [
        connect_frame(workshop.pk, DELEGATE, base_url=BASE, delegate_id=delegate.pk)
        for _, delegate in room
    ]
    for frame, (_, delegate) in zip(frames, room, strict=True):
        assert frame == drawn_for(workshop, delegate)
        assert "ballot-key-slot" not in frame.joined()
    shared = connect_frames.shared(workshop.pk, DELEGATE, BASE)
    assert len(shared.base.drawn) == 2
    keys = [set(re.findall(r'name="key" value="([^"]+)"', f.joined())) for f in frames]
    assert [len(k) for k in keys] == [3, 3, 2, 2]  # two options, and "clear" once marked
    assert not set.intersection(*keys)
