"""The returning delegate beyond the one tap: refusals on the phone page, the follow-ups a
renewal schedules again, the delegate's data, erasure and retention (the live push is in
tests/test_returning_live.py)."""

from __future__ import annotations

import datetime
import json
import re
import uuid

import pytest
from django.core import mail
from django.test import Client

from sessions.agenda import services as agenda
from sessions.commitments import followups
from sessions.editions import returning
from sessions.models import AccessLink, Commitment, Delegate, FollowUp, Return, Status
from sessions.privacy import services as privacy
from tests.conftest import join
from tests.test_editions import (  # noqa: F401  (fixtures)
    bring,
    returning_delegate,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def brought(returning_delegate):  # noqa: F811
    """Dana's commitment brought to her phone: (commitment, return, phone, room, url)."""
    made, path, phone, room = returning_delegate
    assert bring(phone, path).status_code == 302
    returned = Return.objects.get()
    return made, returned, phone, room, f"/w/{room.pk}/returned/{returned.pk}/"


def is_phone_page(page, room) -> bool:
    return f'ws-connect="/ws/phone/{room.pk}/"'.encode() in page.content


def flash(page) -> str:
    match = re.search(r'<p class="flash flash-error" role="alert">(.*?)</p>', page.content.decode())
    return match.group(1) if match else ""


# --- refusals show the phone page with the message ---------------------------------------------


def test_a_tap_for_another_phones_or_no_commitment_shows_the_phone_page_with_400(
    returning_delegate,  # noqa: F811
):
    made, _returned, _phone, room, url = brought(returning_delegate)
    other = Client()
    join(other, room, "Eve")
    for forged in (url, f"/w/{room.pk}/returned/999999/"):
        page = other.post(forged, {"outcome": "done", "key": str(uuid.uuid4())})
        assert page.status_code == 400
        assert is_phone_page(page, room)
        assert flash(page) == "That commitment is not on this phone."
    made.refresh_from_db()
    assert made.status == ""
    assert not made.check_ins.exists()


def test_a_malformed_tap_shows_the_phone_page_with_400(returning_delegate):  # noqa: F811
    made, returned, phone, room, url = brought(returning_delegate)
    for data in (
        {"outcome": "maybe", "key": str(uuid.uuid4())},
        {"outcome": "done", "key": "not-a-key"},
        {"outcome": "done"},
        {"outcome": "d" * 5000, "key": str(uuid.uuid4())},
    ):
        page = phone.post(url, data)
        assert page.status_code == 400, data
        assert is_phone_page(page, room)
        assert flash(page)
        assert "Last time, at Makers 2025" in page.content.decode()  # the card is still there
    returned.refresh_from_db()
    assert returned.closed_at is None
    made.refresh_from_db()
    assert made.status == ""


def test_a_stale_tap_after_answering_shows_the_phone_page_with_409_and_a_replay_lands_once(
    returning_delegate,  # noqa: F811
):
    made, _returned, phone, room, url = brought(returning_delegate)
    key = str(uuid.uuid4())
    assert phone.post(url, {"outcome": "done", "key": key}).status_code == 302
    replay = phone.post(url, {"outcome": "done", "key": key})
    assert replay.status_code == 302  # the same command again: answered as landed
    stale = phone.post(url, {"outcome": "renewed", "key": str(uuid.uuid4())})
    assert stale.status_code == 409
    assert is_phone_page(stale, room)
    assert flash(stale) == "You have already answered for that commitment; nothing was changed."
    made.refresh_from_db()
    assert made.status == Status.DONE
    assert made.check_ins.count() == 1


def test_a_tap_at_a_finished_workshop_shows_its_page_with_409_and_changes_nothing(
    returning_delegate,  # noqa: F811
):
    made, returned, phone, room, url = brought(returning_delegate)
    assert "Last time, at Makers 2025" in phone.get(f"/w/{room.pk}/").content.decode()
    agenda.close_workshop(workshop=room)
    # The finished workshop's page no longer offers the buttons...
    assert "Last time, at Makers 2025" not in phone.get(f"/w/{room.pk}/").content.decode()
    # ...and a page drawn before it finished is refused.
    page = phone.post(url, {"outcome": "done", "key": str(uuid.uuid4())})
    assert page.status_code == 409
    assert is_phone_page(page, room)
    assert "finished" in flash(page)
    returned.refresh_from_db()
    assert returned.closed_at is None
    made.refresh_from_db()
    assert made.status == ""


def test_a_tap_over_htmx_is_answered_with_the_phones_card_region(returning_delegate):  # noqa: F811
    made, _returned, phone, _room, url = brought(returning_delegate)
    page = phone.post(
        url, {"outcome": "renewed", "key": str(uuid.uuid4())}, headers={"HX-Request": "true"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert html.strip().startswith('<div id="returned" class="returned-list" hx-swap-oob="true">')
    assert "Last time, at" not in html
    made.refresh_from_db()
    assert f"Kept going: done by {made.done_by:%-d %b %Y}" in html


# --- follow-ups: renewing schedules them again, closing cancels them --------------------------


def with_followups(made: Commitment, sent_kinds: tuple[str, ...]) -> None:
    """The commitment's first cadence, with `sent_kinds` already sent."""
    followups.schedule_followups(commitment=made, event=made.step.workshop.event)
    made.followups.filter(kind__in=sent_kinds).update(
        sent_at=datetime.datetime(2025, 11, 21, 9, tzinfo=UTC)
    )


def close(returned: Return, outcome: str, now: datetime.datetime) -> None:
    room = returned.delegate.attendances.get().workshop
    returning.close_return(
        workshop_id=room.pk,
        delegate=returned.delegate,
        return_id=returned.pk,
        outcome=outcome,
        key=str(uuid.uuid4()),
        now=now,
    )


def test_renewing_cancels_the_pending_followups_and_schedules_the_check_ins_from_that_day(
    returning_delegate,  # noqa: F811
):
    made, returned, _phone, _room, _url = brought(returning_delegate)
    with_followups(made, ("summary", "day7", "day30"))
    renewed_at = datetime.datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # Europe/London: 15:30
    close(returned, "renewed", renewed_at)
    rows = {(f.renewal, f.kind): f for f in made.followups.all()}
    first = [rows[(0, kind)] for kind in ("summary", "day7", "day30")]
    assert all(f.sent_at is not None and f.skipped_at is None for f in first)  # history kept
    assert rows[(0, "day60")].skipped_at == renewed_at
    assert rows[(0, "day90")].skipped_at == renewed_at
    london = returned.delegate.event.zone
    assert str(london) == "Europe/London"
    again = {kind: rows[(1, kind)] for kind in ("day7", "day30", "day60", "day90")}
    first_round = {(0, k) for k in ("summary", "day7", "day30", "day60", "day90")}
    assert set(rows) == first_round | {(1, kind) for kind in again}
    for kind, days in (("day7", 7), ("day30", 30), ("day60", 60), ("day90", 90)):
        due = again[kind].due_at.astimezone(london)
        assert due.date() == datetime.date(2026, 11, 20) + datetime.timedelta(days=days)
        assert due.hour == 10
        assert again[kind].sent_at is None
        assert again[kind].skipped_at is None


def test_the_renewed_check_ins_are_sent_when_due_and_the_old_ones_never(
    returning_delegate,  # noqa: F811
):
    made, returned, _phone, _room, _url = brought(returning_delegate)
    with_followups(made, ("summary",))
    renewed_at = datetime.datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    close(returned, "renewed", renewed_at)
    assert followups.send_due_followups(now=renewed_at, base_url="https://x") == []
    week = datetime.datetime(2026, 11, 27, 10, 1, tzinfo=UTC)
    sent = followups.send_due_followups(now=week, base_url="https://x")
    assert [(s.commitment_id, s.kind, s.to) for s in sent] == [
        (made.pk, "day7", "someone@example.com")
    ]
    assert made.followups.get(renewal=1, kind="day7").sent_at == week
    assert len(mail.outbox) == 1
    assert "A week ago you chose to keep going with this" in mail.outbox[0].body
    # A second renewal (at a later edition) starts a third round; the second's are cancelled.
    made.followups.filter(renewal=1, sent_at__isnull=True).update(skipped_at=None)
    later = datetime.datetime(2027, 11, 20, 12, tzinfo=UTC)
    returning.reschedule_followups(commitment=made, renewed_in=returned.delegate.event, now=later)
    assert made.followups.filter(renewal=1, sent_at__isnull=True, skipped_at=later).count() == 3
    assert made.followups.filter(renewal=2).count() == 4


def test_closing_as_done_cancels_the_pending_followups_and_schedules_none(
    returning_delegate,  # noqa: F811
):
    made, returned, _phone, _room, _url = brought(returning_delegate)
    with_followups(made, ("summary", "day7"))
    done_at = datetime.datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    close(returned, "done", done_at)
    pending = made.followups.filter(sent_at__isnull=True)
    assert sorted(pending.values_list("kind", flat=True)) == ["day30", "day60", "day90"]
    assert all(f.skipped_at == done_at for f in pending)
    assert not made.followups.filter(renewal__gt=0).exists()
    year_on = datetime.datetime(2027, 12, 1, tzinfo=UTC)
    assert followups.send_due_followups(now=year_on, base_url="https://x") == []
    assert mail.outbox == []


def test_a_renewal_without_consent_schedules_nothing(returning_delegate):  # noqa: F811
    made, returned, _phone, _room, _url = brought(returning_delegate)
    Commitment.objects.filter(pk=made.pk).update(consent=False, email="")
    close(returned, "renewed", datetime.datetime(2026, 11, 20, 15, tzinfo=UTC))
    assert not FollowUp.objects.exists()


# --- the delegate's data ------------------------------------------------------------------------


def test_the_data_page_and_download_show_the_brought_back_commitment_and_the_answer(
    returning_delegate,  # noqa: F811
):
    made, returned, phone, room, url = brought(returning_delegate)
    event = room.event
    page = phone.get(f"/e/{event.pk}/my-data/").content.decode()
    assert "Brought back from Makers 2025" in page
    assert "I will try a thing" in page
    assert "not answered yet" in page
    phone.post(url, {"outcome": "renewed", "key": str(uuid.uuid4())})
    made.refresh_from_db()
    page = phone.get(f"/e/{event.pk}/my-data/").content.decode()
    assert f"kept going, now done by {made.done_by.isoformat()}" in page
    download = phone.get(f"/e/{event.pk}/my-data/download/")
    assert download.status_code == 200
    data = json.loads(download.content)
    assert data["brought_back"] == [
        {
            "from_event": "Makers 2025",
            "brought_back": returned.created_at.isoformat(timespec="seconds"),
            "answer": "Renewed",
            "answered": Return.objects.get().closed_at.isoformat(timespec="seconds"),
            "commitment": {
                **data["brought_back"][0]["commitment"],
                "action": "I will try a thing",
                "done_by": made.done_by.isoformat(),
                "status": "In progress",
            },
        }
    ]
    assert data["brought_back"][0]["commitment"]["check_ins"][0]["next_step"] == (
        "Renewed at Makers 2026"
    )


def test_erasing_at_the_later_edition_erases_the_brought_back_commitment_and_the_return(
    returning_delegate,  # noqa: F811
):
    made, _returned, phone, room, url = brought(returning_delegate)
    phone.post(url, {"outcome": "renewed", "key": str(uuid.uuid4())})
    last_year = made.delegate
    assert made.followups.exists()
    page = phone.post(f"/e/{room.event_id}/my-data/erase/", {"confirm": "on"})
    assert page.status_code == 200
    assert not Return.objects.exists()
    made.refresh_from_db()
    assert made.erased
    assert (made.action, made.email, made.delegate_id) == ("", "", None)
    assert not made.followups.filter(sent_at__isnull=True).exists()
    assert not AccessLink.objects.filter(commitment=made).exists()
    assert made.check_ins.get().next_step == ""
    # The status stays counted, with nobody behind it; the rest of last year's data is
    # last year's (its own data page, its own retention).
    assert made.status == Status.IN_PROGRESS
    last_year.refresh_from_db()
    assert last_year.forgotten_at is None


def test_erasing_at_the_earlier_edition_removes_the_return_too(returning_delegate):  # noqa: F811
    made, returned, _phone, _room, _url = brought(returning_delegate)
    privacy.erase_delegate(delegate=made.delegate)
    assert not Return.objects.exists()
    assert Delegate.objects.filter(pk=returned.delegate_id, forgotten_at__isnull=True).exists()


@pytest.mark.parametrize("which", ["earlier", "later"])
def test_retention_of_either_edition_removes_the_returns_that_link_its_delegates(
    which,
    returning_delegate,  # noqa: F811
):
    made, returned, phone, _room, url = brought(returning_delegate)
    phone.post(url, {"outcome": "done", "key": str(uuid.uuid4())})
    earlier, later = made.step.workshop.event, returned.delegate.event
    ended = earlier if which == "earlier" else later
    kept = later if which == "earlier" else earlier
    kept.date = datetime.date(2100, 1, 1)
    kept.save(update_fields=["date"])
    day = ended.date + datetime.timedelta(days=ended.retention_days + 1)
    assert privacy.apply_retention(today=day) == {ended.pk: 1}
    assert not Return.objects.exists()
    made.refresh_from_db()
    # Retention keeps the words, anonymous; the answer stays counted.
    assert made.action == "try a thing"
    assert made.status == Status.DONE
    assert privacy.apply_retention(today=day) == {}  # again: nothing more
