"""Domain verbs: joining, the agenda, moving the room, finishing, presence and broadcasts."""

from __future__ import annotations

import asyncio
import datetime
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from sessions.agenda import services
from sessions.errors import Conflict, NotFound
from sessions.joining import services as joining
from sessions.live import audiences, broadcast, presence, regions, roster
from sessions.models import Attendance, Delegate, Step, Workshop

pytestmark = pytest.mark.django_db


def version(workshop: Workshop) -> int:
    return Workshop.objects.get(pk=workshop.pk).version


def current(workshop: Workshop) -> int | None:
    return Workshop.objects.get(pk=workshop.pk).current_step_id


def add_steps(workshop: Workshop, *titles: str) -> list[Step]:
    return [services.add_step(workshop=workshop, title=title) for title in titles]


def new_delegate(workshop: Workshop, name: str = "") -> Delegate:
    return joining.join_workshop(workshop=workshop, delegate_key=None, display_name=name)


def connect(workshop: Workshop, delegate: Delegate, channel_name: str) -> None:
    presence.connect_presence(
        workshop_id=workshop.pk, delegate_id=delegate.pk, channel_name=channel_name
    )


@contextmanager
def listening(workshop: Workshop, audience: str) -> Iterator[Callable[[], list[dict]]]:
    """Subscribe to the audience's group; yields a function returning what has arrived.

    The receiving side keeps to one event loop of its own (a Redis layer's receive buffers
    belong to the loop that made them); services send from theirs, as in a real server.
    Without a server loop a service's push is sent before it returns, so a marker sent to the
    group afterwards arrives after it: what came before the marker is everything sent so far.
    """
    layer = get_channel_layer()
    group = broadcast.group_name(workshop.pk, audience)
    loop = asyncio.new_event_loop()
    channel = loop.run_until_complete(layer.new_channel())
    loop.run_until_complete(layer.group_add(group, channel))
    marker = {"type": "test.marker"}

    async def drain() -> list[dict]:
        await layer.group_send(group, marker)
        arrived = []
        while (message := await asyncio.wait_for(layer.receive(channel), 5)) != marker:
            arrived.append(message)
        return arrived

    try:
        yield lambda: loop.run_until_complete(drain())
    finally:
        loop.run_until_complete(layer.group_discard(group, channel))
        loop.close()


# --- joining -------------------------------------------------------------------------------


def test_joining_again_with_the_key_is_the_same_delegate(workshop):
    first = new_delegate(workshop, "Dana")
    again = joining.join_workshop(workshop=workshop, delegate_key=first.key, display_name="")
    renamed = joining.join_workshop(workshop=workshop, delegate_key=first.key, display_name="Di")
    assert first.pk == again.pk == renamed.pk
    assert Delegate.objects.count() == 1
    assert Attendance.objects.filter(workshop=workshop, delegate=first).count() == 1
    assert Delegate.objects.get().display_name == "Di"


def test_an_empty_name_keeps_the_name_given_before(workshop):
    first = new_delegate(workshop, "Dana")
    joining.join_workshop(workshop=workshop, delegate_key=first.key, display_name="")
    assert Delegate.objects.get(pk=first.pk).display_name == "Dana"


def test_one_delegate_can_attend_several_workshops_of_the_event(workshop, event):
    second = services.create_workshop(event=event, title="Afternoon")
    dana = new_delegate(workshop, "Dana")
    again = joining.join_workshop(workshop=second, delegate_key=dana.key, display_name="")
    assert again.pk == dana.pk
    assert set(dana.attendances.values_list("workshop_id", flat=True)) == {workshop.pk, second.pk}


def test_a_key_from_another_event_is_not_reused(workshop, other_workshop):
    elsewhere = new_delegate(other_workshop, "Dana")
    here = joining.join_workshop(workshop=workshop, delegate_key=elsewhere.key, display_name="Dana")
    assert here.pk != elsewhere.pk
    assert here.event_id == workshop.event_id
    assert Delegate.objects.count() == 2


def test_an_unknown_key_makes_a_new_delegate(workshop):
    delegate = joining.join_workshop(workshop=workshop, delegate_key="forged", display_name="")
    assert delegate.key != "forged"
    assert Attendance.objects.filter(workshop=workshop).count() == 1


def test_an_expired_or_unknown_code_is_not_found(workshop):
    assert joining.workshop_for_join_code(workshop.join_code) == workshop
    with pytest.raises(NotFound):
        joining.workshop_for_join_code("QQQQQQ")
    Workshop.objects.filter(pk=workshop.pk).update(
        join_code_expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(NotFound):
        joining.workshop_for_join_code(workshop.join_code)


# --- events and workshops ------------------------------------------------------------------


def test_creating_an_event_makes_the_user_its_facilitator(facilitator):
    event = services.create_event(user=facilitator, name="Day two", date=datetime.date(2027, 1, 5))
    assert list(event.facilitators.all()) == [facilitator]
    workshop = services.create_workshop(event=event, title="Kaizen")
    assert list(Workshop.objects.facilitated_by(facilitator).filter(event=event)) == [workshop]


def test_renewing_the_join_code_gives_a_new_code_and_expiry(workshop):
    Workshop.objects.filter(pk=workshop.pk).update(
        join_code_expires_at=timezone.now() - timedelta(hours=1)
    )
    before = version(workshop)
    renewed = services.renew_join_code(workshop=workshop)
    stored = Workshop.objects.get(pk=workshop.pk)
    assert stored.join_code == renewed.join_code != workshop.join_code
    assert stored.join_code_is_valid
    assert stored.version > before


def test_revoking_the_display_link_replaces_the_token(workshop):
    revoked = services.revoke_display_link(workshop=workshop)
    assert revoked.display_token != workshop.display_token
    assert Workshop.objects.get(pk=workshop.pk).display_token == revoked.display_token


def test_revoking_the_display_link_updates_every_console(
    workshop, django_capture_on_commit_callbacks
):
    before = version(workshop)
    with listening(workshop, audiences.FACILITATOR) as received:
        with django_capture_on_commit_callbacks(execute=True):
            revoked = services.revoke_display_link(workshop=workshop)
        pushed = "".join(html for message in received() for html in message["html"].values())
    assert version(workshop) > before
    # Pushed without a request, the panel refreshes itself over HTTP (absolute links need
    # the host); what it fetches shows the new link.
    assert 'id="join"' in pushed
    assert f"/console/workshops/{workshop.pk}/live/?region=join" in pushed
    fresh = regions.render_regions(
        workshop.pk, audiences.FACILITATOR, ("join",), base_url="http://x"
    )
    assert revoked.display_token in fresh.joined()


# --- the agenda ----------------------------------------------------------------------------


def test_steps_are_numbered_from_zero_in_the_order_added(workshop):
    steps = add_steps(workshop, "One", "Two", "Three")
    assert [s.position for s in steps] == [0, 1, 2]
    assert list(workshop.steps.values_list("title", flat=True)) == ["One", "Two", "Three"]


def test_a_step_added_after_a_deletion_goes_last(workshop):
    _, two, _ = add_steps(workshop, "One", "Two", "Three")
    services.delete_step(step=two)
    (four,) = add_steps(workshop, "Four")
    assert four.position == 2
    assert list(workshop.steps.values_list("title", "position")) == [
        ("One", 0),
        ("Three", 1),
        ("Four", 2),
    ]


def test_a_replayed_key_adds_nothing(workshop):
    key = "6f1c3c8e-6a57-4c3e-9d0a-6a0f6b1f0e11"
    first = services.add_step(workshop=workshop, title="Once", key=key)
    before = version(workshop)
    again = services.add_step(workshop=workshop, title="Once", key=key)
    assert first is not None
    assert again is None
    assert workshop.steps.count() == 1
    assert version(workshop) == before


def test_moving_a_step_renumbers_the_agenda(workshop):
    one, _, three = add_steps(workshop, "One", "Two", "Three")
    services.move_step(step=one, offset=1)
    assert list(workshop.steps.values_list("title", "position")) == [
        ("Two", 0),
        ("One", 1),
        ("Three", 2),
    ]
    before = version(workshop)
    services.move_step(step=Step.objects.get(title="Two"), offset=-1)  # already first
    services.move_step(step=three, offset=1)  # already last
    assert version(workshop) == before
    assert list(workshop.steps.values_list("position", flat=True)) == [0, 1, 2]


def test_editing_a_step_bumps_the_version(workshop):
    (one,) = add_steps(workshop, "One")
    before = version(workshop)
    services.edit_step(step=one, title="Uno", body="Text")
    assert Step.objects.get(pk=one.pk).title == "Uno"
    assert version(workshop) > before


def test_deleting_the_showing_step_returns_the_room_to_waiting(workshop):
    one, _ = add_steps(workshop, "One", "Two")
    services.show_step(workshop=workshop, step=one)
    services.delete_step(step=one)
    assert current(workshop) is None
    assert list(workshop.steps.values_list("title", "position")) == [("Two", 0)]


# --- moving the room -----------------------------------------------------------------------


def test_advance_from_the_waiting_screen_shows_the_first_step(workshop):
    one, _ = add_steps(workshop, "One", "Two")
    shown = services.advance(workshop=workshop, seen_current=None, offset=1)
    assert shown == one
    assert current(workshop) == one.pk


def test_advance_with_a_stale_view_changes_nothing(workshop):
    one, two, _ = add_steps(workshop, "One", "Two", "Three")
    services.advance(workshop=workshop, seen_current=None, offset=1)
    services.advance(workshop=workshop, seen_current=one.pk, offset=1)
    before = version(workshop)
    # A second tab still showing "One" (or a double tap) asks for next again.
    shown = services.advance(workshop=workshop, seen_current=one.pk, offset=1)
    assert shown == two
    assert current(workshop) == two.pk
    assert version(workshop) == before
    stale_waiting = services.advance(workshop=workshop, seen_current=None, offset=1)
    assert stale_waiting == two
    assert current(workshop) == two.pk


def test_advance_stops_at_either_end(workshop):
    one, two = add_steps(workshop, "One", "Two")
    assert services.advance(workshop=workshop, seen_current=None, offset=-1) is None
    assert current(workshop) is None
    services.show_step(workshop=workshop, step=two)
    before = version(workshop)
    assert services.advance(workshop=workshop, seen_current=two.pk, offset=1) == two
    assert version(workshop) == before
    assert services.advance(workshop=workshop, seen_current=two.pk, offset=-1) == one


def test_advance_with_an_empty_agenda_stays_waiting(workshop):
    assert services.advance(workshop=workshop, seen_current=None, offset=1) is None
    assert current(workshop) is None


def test_showing_a_step_of_another_workshop_is_refused(workshop, other_workshop):
    (mine,) = add_steps(workshop, "Mine")
    (theirs,) = add_steps(other_workshop, "Theirs")
    services.show_step(workshop=workshop, step=mine)
    before = version(workshop)
    with pytest.raises(NotFound):
        services.show_step(workshop=workshop, step=theirs)
    assert current(workshop) == mine.pk
    assert version(workshop) == before


def test_showing_the_same_step_again_does_not_bump_the_version(workshop):
    (one,) = add_steps(workshop, "One")
    services.show_step(workshop=workshop, step=one)
    before = version(workshop)
    services.show_step(workshop=workshop, step=one)
    services.show_step(workshop=workshop, step=None)
    services.show_step(workshop=workshop, step=None)
    assert version(workshop) > before


# --- finishing -----------------------------------------------------------------------------


REFUSED_AFTER_CLOSING = {
    "add_step": lambda w, s: services.add_step(workshop=w, title="Late"),
    "edit_step": lambda w, s: services.edit_step(step=s, title="Late", body=""),
    "plan_step": lambda w, s: services.plan_step(step=s, notes="Late", planned_minutes=5),
    "move_step": lambda w, s: services.move_step(step=s, offset=1),
    "delete_step": lambda w, s: services.delete_step(step=s),
    "show_step": lambda w, s: services.show_step(workshop=w, step=s),
    "clear_step": lambda w, s: services.show_step(workshop=w, step=None),
    "advance": lambda w, s: services.advance(workshop=w, seen_current=None, offset=1),
    "renew_join_code": lambda w, s: services.renew_join_code(workshop=w),
    "join_workshop": lambda w, s: joining.join_workshop(
        workshop=w, delegate_key=None, display_name="Late"
    ),
}


@pytest.mark.parametrize("verb", sorted(REFUSED_AFTER_CLOSING))
def test_a_finished_workshop_refuses_every_change(verb, workshop):
    one, _ = add_steps(workshop, "One", "Two")
    services.close_workshop(workshop=workshop)
    stored = Workshop.objects.get(pk=workshop.pk)
    steps = list(workshop.steps.values_list("pk", "position", "title"))
    with pytest.raises(Conflict, match="finished"):
        REFUSED_AFTER_CLOSING[verb](workshop, one)
    after = Workshop.objects.get(pk=workshop.pk)
    assert (after.version, after.join_code, after.current_step_id) == (
        stored.version,
        stored.join_code,
        stored.current_step_id,
    )
    assert list(workshop.steps.values_list("pk", "position", "title")) == steps
    assert Delegate.objects.count() == 0


def test_closing_twice_keeps_the_first_time(workshop):
    first = services.close_workshop(workshop=workshop).closed_at
    before = version(workshop)
    assert services.close_workshop(workshop=workshop).closed_at == first
    assert version(workshop) == before


# --- presence ------------------------------------------------------------------------------


def entries(workshop: Workshop) -> dict[str, float]:
    """Who the presence store counts in `workshop` (member to the time last confirmed)."""
    return roster.store().entries(workshop.pk)


def test_presence_counts_distinct_delegates(workshop):
    dana, eli = new_delegate(workshop, "Dana"), new_delegate(workshop, "Eli")
    assert regions.present_count(workshop.pk) == 0
    connect(workshop, dana, "dana-phone")
    connect(workshop, dana, "dana-laptop")  # two sockets of one delegate
    assert regions.present_count(workshop.pk) == 1
    connect(workshop, eli, "eli-phone")
    assert regions.present_count(workshop.pk) == 2
    presence.disconnect_presence(channel_name="dana-phone")
    assert regions.present_count(workshop.pk) == 2
    presence.disconnect_presence(channel_name="dana-laptop")
    assert regions.present_count(workshop.pk) == 1
    assert list(entries(workshop)) == [roster.socket_member(eli.pk)]


def test_presence_is_counted_per_workshop(workshop, event):
    second = services.create_workshop(event=event, title="Afternoon")
    dana = new_delegate(workshop, "Dana")
    connect(workshop, dana, "dana-phone")
    assert regions.present_count(workshop.pk) == 1
    assert regions.present_count(second.pk) == 0


def test_connecting_the_same_socket_twice_is_one_socket(workshop):
    dana = new_delegate(workshop)
    connect(workshop, dana, "dana-phone")
    connect(workshop, dana, "dana-phone")
    assert len(entries(workshop)) == 1
    assert regions.present_count(workshop.pk) == 1
    presence.disconnect_presence(channel_name="dana-phone")
    assert regions.present_count(workshop.pk) == 0


def test_presence_writes_nothing_to_the_database(workshop, django_assert_num_queries):
    """A room connecting is not a new version of the workshop: no row per socket."""
    dana = new_delegate(workshop)
    before = version(workshop)
    with django_assert_num_queries(0):
        connect(workshop, dana, "dana-phone")
        presence.disconnect_presence(channel_name="dana-phone")
        presence.disconnect_presence(channel_name="dana-phone")  # already gone: no change
    assert version(workshop) == before


def test_a_dead_process_stops_counting_and_is_swept(workshop, event, settings):
    settings.PRESENCE_STALE_SECONDS = 30
    second = services.create_workshop(event=event, title="Afternoon")
    dana, eli = new_delegate(workshop), new_delegate(workshop)
    connect(workshop, dana, "dana-phone")
    # Eli's socket was on a process that died 31 s ago: nobody confirmed it since.
    dead = f"a-process-that-died:{eli.pk}"
    roster.store().put(workshop.pk, {dead: time.time() - 31})
    assert regions.present_count(workshop.pk) == 1
    assert len(entries(workshop)) == 2
    assert presence.refresh_presence() == [workshop.pk]
    assert list(entries(workshop)) == [roster.socket_member(dana.pk)]
    assert regions.present_count(workshop.pk) == 1
    assert not entries(second)


def test_refresh_keeps_this_process_entries_fresh(workshop, settings):
    settings.PRESENCE_STALE_SECONDS = 30
    dana = new_delegate(workshop)
    connect(workshop, dana, "dana-phone")
    roster.store().put(workshop.pk, {roster.socket_member(dana.pk): time.time() - 300})
    assert regions.present_count(workshop.pk) == 0
    assert presence.refresh_presence() == []  # ours: confirmed, nothing removed or pushed
    assert regions.present_count(workshop.pk) == 1


def test_recent_entries_of_another_process_survive_a_refresh(workshop):
    dana = new_delegate(workshop)
    roster.store().put(workshop.pk, {f"another-live-process:{dana.pk}": time.time()})
    assert presence.refresh_presence() == []
    assert len(entries(workshop)) == 1
    assert regions.present_count(workshop.pk) == 1


# --- broadcasts ----------------------------------------------------------------------------


def test_a_change_is_broadcast_once_it_commits(workshop, django_capture_on_commit_callbacks):
    with listening(workshop, audiences.FACILITATOR) as received:
        with django_capture_on_commit_callbacks() as callbacks:
            services.add_step(workshop=workshop, title="Welcome")
        assert len(callbacks) == 1
        assert received() == []  # not sent before the commit
        for callback in callbacks:
            callback()
        (push,) = received()
    assert push["type"] == broadcast.PUSH
    assert push["version"] == version(workshop)
    assert list(push["html"]) == ["presenter", "agenda"]
    assert "1. Welcome" in push["html"]["agenda"]


def test_a_refused_change_schedules_nothing(workshop, django_capture_on_commit_callbacks):
    services.close_workshop(workshop=workshop)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(Conflict):
        services.add_step(workshop=workshop, title="Late")
    assert callbacks == []


def test_a_refused_step_schedules_nothing(
    workshop, other_workshop, django_capture_on_commit_callbacks
):
    (theirs,) = add_steps(other_workshop, "Theirs")
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(NotFound):
        services.show_step(workshop=workshop, step=theirs)
    assert callbacks == []


def test_a_rolled_back_change_schedules_nothing(workshop, django_capture_on_commit_callbacks):
    def change_then_fail():
        with transaction.atomic():
            services.add_step(workshop=workshop, title="Undone")
            services.renew_join_code(workshop=workshop)
            raise RuntimeError("something later failed")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        change_then_fail()
    assert callbacks == []
    assert not workshop.steps.exists()
    assert version(workshop) == workshop.version


def test_presence_changes_are_pushed_to_the_projector(workshop, django_capture_on_commit_callbacks):
    dana = new_delegate(workshop)
    with listening(workshop, audiences.PROJECTOR) as received:
        with django_capture_on_commit_callbacks(execute=True):
            connect(workshop, dana, "dana-phone")
        (push,) = received()
    assert list(push["html"]) == ["presence"]
    assert '<strong data-count="1">1</strong> delegate here' in push["html"]["presence"]


def test_closing_pushes_the_finished_status(workshop, django_capture_on_commit_callbacks):
    with listening(workshop, audiences.DELEGATE) as received:
        with django_capture_on_commit_callbacks(execute=True):
            services.close_workshop(workshop=workshop)
        (push,) = received()
    assert "This workshop has finished" in push["html"]["status"]


def test_closing_pushes_the_closed_join_panel(workshop, django_capture_on_commit_callbacks):
    with listening(workshop, audiences.PROJECTOR) as received:
        with django_capture_on_commit_callbacks(execute=True):
            services.close_workshop(workshop=workshop)
        pushed = {name for message in received() for name in message["html"]}
    assert "join" in pushed


def test_a_change_that_commits_after_a_later_numbered_one_still_raises_the_version(workshop):
    """Ids are given out at insert, not at commit: a lower id can commit last."""
    from sessions.models import Change

    services.add_step(workshop=workshop, title="Warm-up")
    late = Change.objects.filter(workshop=workshop).order_by("id").last()
    Change.objects.create(workshop=workshop)  # commits first, with the higher id
    before = version(workshop)
    # The change with the lower id commits now (simulated by reinserting that id).
    late_id = late.pk
    late.delete()
    assert version(workshop) == before - 1
    Change.objects.create(pk=late_id, workshop=workshop)
    assert version(workshop) == before
    Change.objects.create(workshop=workshop)
    assert version(workshop) == before + 1
