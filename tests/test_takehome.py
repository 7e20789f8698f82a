"""The take-home page: a delegate's commitments with calendar files, the room's results, the
archive link once shared, their Snapshot position, and the link that brings them back; only
ever their own."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from sessions.agenda import services
from sessions.archive import services as archive
from sessions.commitments import services as commitments
from sessions.commitments.followups import issue_link
from sessions.commitments.services import Card
from sessions.models import AccessLink, Commitment, SnapshotSetup, Workshop
from sessions.privacy import services as privacy
from sessions.snapshot import services as snapshots
from sessions.snapshot.bank import ITEMS
from sessions.takehome import services as takehome
from sessions.takehome.calendar import Which, uid_for
from tests.conftest import join
from tests.test_archive import run_workshop

pytestmark = pytest.mark.django_db


def commit(workshop: Workshop, client: Client, action: str, **changes) -> Commitment:
    delegate = client.delegate
    step = workshop.steps.filter(kind="commit").first() or commitments.add_commit_step(
        workshop=workshop, title="Commit"
    )
    today = workshop.event.local_today()
    fields = {
        "action": action,
        "first_step_when": "the Monday shift starts",
        "first_step_then": "put a stopwatch by the press",
        "first_step_on": today + datetime.timedelta(days=3),
        "measure": "changeovers under 20 minutes",
        "done_by": today + datetime.timedelta(days=30),
        "email": "dana@example.com",
        "consent": True,
    }
    offered = commitments.link_choices(workshop)
    if offered:
        fields["link"] = offered[0][0]
    fields.update(changes)
    made = commitments.make_commitment(
        workshop_id=workshop.pk, delegate_id=delegate.pk, step_id=step.pk, card=Card(**fields)
    )
    assert made is not None
    return made


def phone(workshop: Workshop, name: str) -> Client:
    client = Client()
    client.delegate = join(client, workshop, name)
    return client


def said(response) -> str:
    """What a page says in its main area (the CSRF token in its header differs each time)."""
    found = re.search(r"<main.*</main>", response.content.decode(), re.S)
    assert found is not None
    return found.group(0)


def page(workshop: Workshop) -> str:
    return reverse("workshops:take_home", args=[workshop.pk])


def ics(workshop: Workshop, commitment: Commitment, which: str) -> str:
    return reverse("workshops:take_home_ics", args=[workshop.pk, commitment.pk, which])


@pytest.fixture
def room(workshop):
    """A workshop with a vote and clusters, Dana's and Eli's commitments; then finished."""
    dana, eli = phone(workshop, "Dana"), phone(workshop, "Eli")
    ran = run_workshop(workshop)
    mine = commit(workshop, dana, "time every changeover on line 2")
    theirs = commit(workshop, eli, "hold a daily stand-up", email="eli@example.com")
    services.close_workshop(workshop=ran.workshop)
    workshop.refresh_from_db()
    return {"dana": dana, "eli": eli, "mine": mine, "theirs": theirs}


def test_the_delegate_sees_their_cards_the_rooms_results_and_their_link(room, workshop):
    response = room["dana"].get(page(workshop))
    assert response.status_code == 200
    html = response.content.decode()
    assert "I will time every changeover on line 2" in html
    assert "put a stopwatch by the press" in html
    assert "hold a daily stand-up" not in html
    assert "eli@example.com" not in html
    assert "dana@example.com" not in html
    # The dot vote's top challenges, ranked as the archive reads them, and the themes.
    assert html.index("Lean basics") < html.index("Measuring") < html.index("Digital")
    assert "Changeover" in html
    assert "People" in html
    assert "Secret" not in html  # a hidden idea is the facilitator's only
    assert ics(workshop, room["mine"], "first-step") in html
    assert ics(workshop, room["mine"], "done-by") in html
    # The link that brings them back: a take-home AccessLink of theirs.
    link = AccessLink.objects.get(delegate=room["dana"].delegate, purpose="take_home")
    token = takehome.token_for(room["dana"].delegate)
    assert link.token_hash != token  # only the hash is stored
    assert reverse("workshops:take_home_link", args=[workshop.pk, token]) in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_link_is_made_once_and_the_same_on_every_visit(room, workshop):
    first = room["dana"].get(page(workshop)).content
    second = room["dana"].get(page(workshop)).content
    token = takehome.token_for(room["dana"].delegate)
    assert token.encode() in first
    assert token.encode() in second
    assert AccessLink.objects.filter(purpose="take_home").count() == 1


def test_the_link_opens_the_same_page_on_another_device(room, workshop):
    room["dana"].get(page(workshop))
    token = takehome.token_for(room["dana"].delegate)
    elsewhere = Client().get(reverse("workshops:take_home_link", args=[workshop.pk, token]))
    assert elsewhere.status_code == 200
    assert b"I will time every changeover on line 2" in elsewhere.content
    path = reverse(
        "workshops:take_home_link_ics", args=[workshop.pk, token, room["mine"].pk, "done-by"]
    )
    assert path.encode() in elsewhere.content
    assert Client().get(path).status_code == 200


def test_each_delegate_gets_their_own_link(room, workshop):
    room["dana"].get(page(workshop))
    room["eli"].get(page(workshop))
    dana_token = takehome.token_for(room["dana"].delegate)
    eli_token = takehome.token_for(room["eli"].delegate)
    assert dana_token != eli_token
    eli_page = room["eli"].get(page(workshop)).content
    assert dana_token.encode() not in eli_page
    assert b"hold a daily stand-up" in eli_page
    assert b"time every changeover" not in eli_page


def test_the_archive_link_shows_only_once_shared(room, workshop):
    assert b"/archive/" not in room["dana"].get(page(workshop)).content
    archive.share_archive(workshop=workshop)
    workshop.refresh_from_db()
    shared = reverse("workshops:archive_shared", args=[workshop.archive_token])
    assert shared.encode() in room["dana"].get(page(workshop)).content
    archive.stop_sharing_archive(workshop=workshop)
    assert b"/archive/" not in room["dana"].get(page(workshop)).content


def test_the_first_step_calendar_file_parses_back(room, workshop):
    mine = room["mine"]
    response = room["dana"].get(ics(workshop, mine, "first-step"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar"
    assert f'filename="commitment-{mine.pk}-first-step.ics"' in response["Content-Disposition"]
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.events
    zone = ZoneInfo(workshop.event.time_zone)
    start = event.decoded("dtstart")
    assert start == datetime.datetime.combine(mine.first_step_on, datetime.time(9), tzinfo=zone)
    assert str(event["dtstart"].params["TZID"]) == workshop.event.time_zone
    assert event.decoded("dtend") - start == datetime.timedelta(hours=1)
    assert str(event["summary"]) == "First step: put a stopwatch by the press"
    assert str(event["uid"]) == uid_for(mine, Which.FIRST_STEP)
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == [workshop.event.time_zone]
    body = response.content.decode()
    assert "dana@example.com" not in body
    assert "Dana" not in body


def test_the_done_by_calendar_file_parses_back_with_a_stable_uid(room, workshop):
    mine = room["mine"]
    first = room["dana"].get(ics(workshop, mine, "done-by"))
    again = room["dana"].get(ics(workshop, mine, "done-by"))
    (event,) = Calendar.from_ical(first.content).events
    assert event.decoded("dtstart").date() == mine.done_by
    assert str(event["summary"]) == "Done by today: I will time every changeover on line 2"
    assert "changeovers under 20 minutes" in str(event["description"])
    assert first.content == again.content
    assert str(event["uid"]) != uid_for(mine, Which.FIRST_STEP)


def test_the_page_waits_for_the_workshop_to_finish(workshop):
    dana = phone(workshop, "Dana")
    mine = commit(workshop, dana, "time every changeover")
    response = dana.get(page(workshop))
    assert response.status_code == 404
    assert b"opens when the workshop finishes" in response.content
    assert dana.get(ics(workshop, mine, "first-step")).status_code == 404
    assert not AccessLink.objects.filter(purpose="take_home").exists()


def test_a_phone_that_never_joined_is_refused(room, workshop):
    response = Client().get(page(workshop))
    assert response.status_code == 404
    missing = Client().get(reverse("workshops:take_home", args=[workshop.pk + 999]))
    assert missing.status_code == 404
    assert said(response) == said(missing)


def test_another_delegates_calendar_file_is_the_same_404_as_none(room, workshop):
    theirs = room["dana"].get(ics(workshop, room["theirs"], "first-step"))
    missing = room["dana"].get(
        reverse("workshops:take_home_ics", args=[workshop.pk, 10**9, "first-step"])
    )
    assert theirs.status_code == missing.status_code == 404
    assert said(theirs) == said(missing)
    unknown = room["dana"].get(ics(workshop, room["mine"], "whenever"))
    assert unknown.status_code == 404


def test_another_workshops_cookie_or_link_is_refused(room, workshop, other_workshop):
    services.close_workshop(workshop=other_workshop)
    room["dana"].get(page(workshop))
    token = takehome.token_for(room["dana"].delegate)
    assert room["dana"].get(page(other_workshop)).status_code == 404
    elsewhere = Client().get(reverse("workshops:take_home_link", args=[other_workshop.pk, token]))
    forged = Client().get(reverse("workshops:take_home_link", args=[workshop.pk, "f" * 64]))
    assert elsewhere.status_code == forged.status_code == 404
    assert said(elsewhere) == said(forged)
    theirs = reverse(
        "workshops:take_home_link_ics", args=[workshop.pk, token, room["theirs"].pk, "done-by"]
    )
    assert Client().get(theirs).status_code == 404


def test_a_link_for_another_purpose_does_not_open_the_page(room, workshop):
    token = issue_link(purpose=AccessLink.Purpose.MY_DATA, delegate=room["dana"].delegate)
    response = Client().get(reverse("workshops:take_home_link", args=[workshop.pk, token]))
    assert response.status_code == 404


def test_an_expired_link_is_told_so(room, workshop):
    room["dana"].get(page(workshop))
    token = takehome.token_for(room["dana"].delegate)
    AccessLink.objects.filter(purpose="take_home").update(
        expires_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    response = Client().get(reverse("workshops:take_home_link", args=[workshop.pk, token]))
    assert response.status_code == 409
    assert b"expired" in response.content
    # Coming back on the phone renews it.
    assert room["dana"].get(page(workshop)).status_code == 200
    assert (
        Client().get(reverse("workshops:take_home_link", args=[workshop.pk, token])).status_code
        == 200
    )


def test_an_erased_delegate_gets_nothing_personal(room, workshop):
    room["dana"].get(page(workshop))
    token = takehome.token_for(room["dana"].delegate)
    privacy.erase_delegate(delegate=room["dana"].delegate)
    assert room["dana"].get(page(workshop)).status_code == 404
    by_link = Client().get(reverse("workshops:take_home_link", args=[workshop.pk, token]))
    assert by_link.status_code == 404
    assert b"changeover" not in by_link.content
    ics_path = reverse(
        "workshops:take_home_link_ics", args=[workshop.pk, token, room["mine"].pk, "first-step"]
    )
    assert Client().get(ics_path).status_code == 404
    assert not AccessLink.objects.filter(purpose="take_home").exists()


def test_only_get_is_answered(room, workshop):
    assert room["dana"].post(page(workshop)).status_code == 405


def finished_snapshot(setup: SnapshotSetup, delegate_key: str | None, value: int) -> None:
    response = snapshots.start(setup=setup, delegate_key=delegate_key)
    for item in ITEMS:
        snapshots.answer(response=response, item=item.code, value=value)
    snapshots.finish(response=response, picks=[], other="")


@pytest.mark.parametrize(("others", "compared"), [(8, False), (9, True)])
def test_the_snapshot_position_keeps_the_cohort_threshold(room, workshop, others, compared):
    setup, _ = SnapshotSetup.objects.update_or_create(
        event_id=workshop.event_id, defaults={"state": SnapshotSetup.State.OPEN}
    )
    finished_snapshot(setup, room["dana"].delegate.key, 4)
    for n in range(others):
        finished_snapshot(setup, None, n % 4)
    html = room["dana"].get(page(workshop)).content.decode()
    assert "Your Productivity Snapshot" in html
    assert 'data-score="100"' in html
    assert ("Among the 10 firms that answered" in html) is compared
    assert ("Not enough responses yet" in html) is not compared


def test_no_snapshot_no_snapshot_section(room, workshop):
    assert b"Your Productivity Snapshot" not in room["dana"].get(page(workshop)).content


def test_a_finished_phone_page_points_to_the_take_home_page(room, workshop):
    html = room["dana"].get(reverse("workshops:phone", args=[workshop.pk])).content.decode()
    assert f'href="{page(workshop)}"' in html
    assert "Open your take-home page" in html
