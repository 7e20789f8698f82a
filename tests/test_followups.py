"""After the event: the follow-up cadence walked day by day with a test clock, magic links,
check-ins, the organiser's dashboard and funnel, and a delegate's data, erasure and
retention."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from sessions.commitments import followups
from sessions.commitments import services as commitments
from sessions.commitments.funnel import funnel
from sessions.commitments.services import Card
from sessions.ideas import services as ideas
from sessions.identity import cookie_name, signed_cookie_value
from sessions.models import (
    AccessLink,
    CheckIn,
    Commitment,
    Delegate,
    Event,
    FollowUp,
    Idea,
    PulseAnswer,
    SnapshotResponse,
    SnapshotSetup,
    Status,
)
from sessions.privacy import services as privacy
from sessions.pulse import services as pulse_services
from tests.conftest import join

ZONE = ZoneInfo("Europe/London")
BASE = "https://facilitate.example"


def made_at(workshop, when: datetime.datetime, **card_changes) -> Commitment:
    """A consenting commitment made at `when` (the test clock's day 0)."""
    delegate = join(Client(), workshop, card_changes.pop("name", "Dana"))
    step = workshop.steps.filter(kind="commit").first() or commitments.add_commit_step(
        workshop=workshop, title="Commit"
    )
    day0 = timezone.localdate(when, ZONE)
    fields = {
        "action": "time every changeover on line 2",
        "first_step_when": "When the Monday shift starts",
        "first_step_then": "put a stopwatch by the press",
        "first_step_on": workshop.event.local_today(),
        "measure": "changeovers under 20 minutes",
        "done_by": workshop.event.local_today() + datetime.timedelta(days=30),
        "email": "dana@example.com",
        "consent": True,
    }
    fields.update(card_changes)
    made = commitments.make_commitment(
        workshop_id=workshop.pk, delegate_id=delegate.pk, step_id=step.pk, card=Card(**fields)
    )
    # Day 0 of the test clock: the commitment and its schedule as if made at `when`.
    Commitment.objects.filter(pk=made.pk).update(created_at=when)
    made.refresh_from_db()
    made.followups.all().delete()
    followups.schedule_followups(commitment=made, event=workshop.event)
    assert day0 == timezone.localdate(made.created_at, ZONE)
    return made


def run(now: datetime.datetime) -> str:
    out = io.StringIO()
    call_command("send_followups", base_url=BASE, now=now.isoformat(), stdout=out)
    return out.getvalue()


def link_in(message) -> str:
    return re.search(re.escape(BASE) + r"(/c/\d+/[\w-]+/)", message.body).group(1)


DAY0 = datetime.datetime(2026, 11, 21, 11, 30, tzinfo=ZONE)


@pytest.mark.django_db
class TestTheCadence:
    def test_messages_are_due_at_local_hours_of_the_events_time_zone(self, workshop):
        Event.objects.filter(pk=workshop.event_id).update(time_zone="America/New_York")
        workshop.event.refresh_from_db()
        made = made_at(workshop, datetime.datetime(2026, 11, 21, 15, 0, tzinfo=datetime.UTC))
        due = {
            f.kind: timezone.localtime(f.due_at, ZoneInfo("America/New_York"))
            for f in made.followups.all()
        }
        assert due["summary"].strftime("%Y-%m-%d %H:%M") == "2026-11-21 17:00"
        assert due["day7"].strftime("%Y-%m-%d %H:%M") == "2026-11-28 10:00"
        assert due["day90"].strftime("%Y-%m-%d %H:%M") == "2027-02-19 10:00"

    def test_a_commitment_made_in_the_evening_gets_its_summary_soon_after(self, workshop):
        made = made_at(workshop, datetime.datetime(2026, 11, 21, 19, 0, tzinfo=ZONE))
        summary = made.followups.get(kind="summary")
        assert summary.due_at == datetime.datetime(2026, 11, 21, 19, 10, tzinfo=ZONE)

    def test_a_test_clock_walks_a_commitment_from_day_0_to_90(self, workshop, client):
        made = made_at(workshop, DAY0)
        kinds_sent = []
        moment = DAY0
        while moment <= DAY0 + datetime.timedelta(days=95):
            before = len(mail.outbox)
            run(moment)
            for message in mail.outbox[before:]:
                kinds_sent.append((message.subject, (moment - DAY0).days))
                # Plain text plus HTML, each with a working check-in link.
                assert message.to == ["dana@example.com"]
                assert message.alternatives[0][1] == "text/html"
                path = link_in(message)
                assert path in message.alternatives[0][0]
                page = client.get(path)
                assert page.status_code == 200
                assert "I will time every changeover on line 2" in page.content.decode()
            moment += datetime.timedelta(hours=6)
        assert kinds_sent == [
            ("Your commitment from Small steps", 0),
            ("Have you taken the first step?", 7),
            ("A month on: how is your experiment going?", 30),
            ("A nudge about your commitment", 60),
            ("90 days on: what changed?", 90),
        ]
        assert made.followups.filter(sent_at__isnull=False).count() == 5

    def test_day_60_is_skipped_once_done(self, workshop, client):
        made = made_at(workshop, DAY0)
        run(DAY0 + datetime.timedelta(days=30, hours=1))
        path = link_in(mail.outbox[-1])
        client.post(path, {"status": "done", "key": uuid.uuid4()})
        run(DAY0 + datetime.timedelta(days=60, hours=1))
        run(DAY0 + datetime.timedelta(days=90, hours=1))
        subjects = [m.subject for m in mail.outbox]
        assert "A nudge about your commitment" not in subjects
        assert subjects[-1] == "90 days on: what changed?"
        assert made.followups.get(kind="day60").skipped_at is not None

    def test_day_90_invites_a_snapshot_retake_to_those_who_took_it(self, workshop):
        made = made_at(workshop, DAY0)
        setup = SnapshotSetup.objects.create(event=workshop.event, state="open")
        first = SnapshotResponse.objects.create(
            setup=setup, delegate=made.delegate, completed_at=timezone.now()
        )
        run(DAY0 + datetime.timedelta(days=89))
        assert "Snapshot" not in mail.outbox[-1].body
        run(DAY0 + datetime.timedelta(days=90, hours=1))
        message = mail.outbox[-1]
        assert message.subject == "90 days on: what changed?"
        assert f"{BASE}/snapshot/{first.token}/retake/" in message.body
        assert f"{BASE}/snapshot/{first.token}/retake/" in message.alternatives[0][0]

    def test_running_twice_sends_nothing_twice(self, workshop):
        made_at(workshop, DAY0)
        later = DAY0 + datetime.timedelta(hours=8)
        assert "1 message sent." in run(later)
        assert "0 messages sent." in run(later)
        assert len(mail.outbox) == 1

    def test_it_logs_what_it_sent(self, workshop):
        made = made_at(workshop, DAY0)
        out = run(DAY0 + datetime.timedelta(hours=8))
        assert f"sent summary for commitment {made.pk} to dana@example.com" in out

    def test_after_a_long_gap_only_the_latest_due_message_goes(self, workshop):
        made = made_at(workshop, DAY0)
        run(DAY0 + datetime.timedelta(days=31))
        assert [m.subject for m in mail.outbox] == ["A month on: how is your experiment going?"]
        assert made.followups.filter(skipped_at__isnull=False).count() == 2

    def test_no_consent_means_no_messages(self, workshop):
        made_at(workshop, DAY0, email="", consent=False)
        run(DAY0 + datetime.timedelta(days=100))
        assert mail.outbox == []

    def test_the_command_needs_a_base_url_for_its_links(self, workshop, settings):
        settings.PUBLIC_URL = ""
        with pytest.raises(Exception, match="PUBLIC_URL"):
            call_command("send_followups", base_url="")


@pytest.mark.django_db
class TestLinks:
    def sent(self, workshop, **changes) -> tuple[Commitment, str]:
        made = made_at(workshop, DAY0, **changes)
        token = followups.issue_link(purpose=AccessLink.Purpose.CHECK_IN, commitment=made)
        return made, f"/c/{made.pk}/{token}/"

    def test_a_tap_records_the_status_and_what_happened(self, workshop, client):
        made, path = self.sent(workshop)
        data = {
            "status": "changed",
            "what_happened": "Timing showed the real delay is waiting for the forklift.",
            "verdict": "adapt",
            "next_step": "book the forklift before each changeover",
            "first_step_taken": "yes",
            "key": uuid.uuid4(),
        }
        response = client.post(path, data)
        assert response.status_code == 302
        made.refresh_from_db()
        assert made.status == Status.CHANGED
        assert made.first_step_taken is True
        check_in = CheckIn.objects.get()
        assert check_in.verdict == "adapt"
        assert "Thank you: saved." in client.get(response["Location"]).content.decode()

    def test_a_replayed_tap_records_once(self, workshop, client):
        _, path = self.sent(workshop)
        data = {"status": "in_progress", "key": uuid.uuid4()}
        client.post(path, data)
        client.post(path, data)
        assert CheckIn.objects.count() == 1

    def test_a_forged_token_is_refused(self, workshop, client):
        made, _ = self.sent(workshop)
        response = client.get(f"/c/{made.pk}/not-a-real-token/")
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()

    def test_a_link_reused_for_another_commitment_is_refused(self, workshop, client):
        _, path = self.sent(workshop)
        other = made_at(workshop, DAY0, name="Ben", email="ben@example.com")
        token = path.split("/")[3]
        response = client.post(f"/c/{other.pk}/{token}/", {"status": "done", "key": uuid.uuid4()})
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()
        assert not CheckIn.objects.exists()

    def test_an_expired_link_is_refused(self, workshop, client):
        made, path = self.sent(workshop)
        AccessLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        response = client.post(path, {"status": "done", "key": uuid.uuid4()})
        assert response.status_code == 409
        assert "This link has expired" in response.content.decode()
        made.refresh_from_db()
        assert made.status == ""

    def test_pages_behind_a_link_never_send_their_address_to_another_site(self, workshop, client):
        made, path = self.sent(workshop)
        assert client.get(path)["Referrer-Policy"] == "same-origin"
        token = followups.issue_link(purpose=AccessLink.Purpose.MY_DATA, delegate=made.delegate)
        assert client.get(f"/me/{token}/")["Referrer-Policy"] == "same-origin"

    def test_a_data_link_is_not_a_check_in_link(self, workshop, client):
        made, _ = self.sent(workshop)
        token = followups.issue_link(purpose=AccessLink.Purpose.MY_DATA, delegate=made.delegate)
        assert client.get(f"/c/{made.pk}/{token}/").status_code == 404

    def test_an_unknown_status_or_an_overlong_story_is_refused(self, workshop, client):
        _, path = self.sent(workshop)
        bad = client.post(path, {"status": "finished-ish", "key": uuid.uuid4()})
        assert bad.status_code == 400
        assert "Select a valid choice" in bad.content.decode()
        long = client.post(
            path, {"status": "done", "what_happened": "x" * 501, "key": uuid.uuid4()}
        )
        assert long.status_code == 400
        assert "at most 500 characters" in long.content.decode()
        assert not CheckIn.objects.exists()

    def test_tokens_are_stored_only_as_hashes(self, workshop):
        _, path = self.sent(workshop)
        token = path.split("/")[3]
        assert not AccessLink.objects.filter(token_hash=token).exists()
        assert len(token) >= 40


def answer(made: Commitment, status: str | None, first_step=None) -> None:
    FollowUp.objects.filter(commitment=made, kind="summary").update(sent_at=timezone.now())
    if status is None:
        return
    link = AccessLink.objects.create(
        token_hash=uuid.uuid4().hex,
        purpose="check_in",
        commitment=made,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    followups.record_check_in(
        link=link, status=status, first_step_taken=first_step, key=str(uuid.uuid4())
    )


@pytest.fixture
def room(workshop) -> list[Commitment]:
    """Six commitments: four followed up (one silent), two without consent."""
    made = [
        made_at(workshop, DAY0, name=f"P{i}", **({} if i < 4 else {"consent": False}))
        for i in range(6)
    ]
    answer(made[0], "done")
    answer(made[1], "dropped", first_step=True)
    answer(made[2], "not_started", first_step=False)
    answer(made[3], None)  # sent a message, no answer
    return made


@pytest.mark.django_db
class TestTheDashboard:
    def test_the_funnel_counts_with_denominators(self, workshop, room):
        f = funnel(Commitment.objects.all())
        stages = {s.label: (s.count, s.of) for s in f.stages}
        assert stages["Made"] == (6, 6)
        assert stages["Followed up (consented)"] == (4, 6)
        assert stages["Sent at least one message"] == (4, 4)
        assert stages["Answered at least once"] == (3, 4)
        assert stages["First step taken"] == (2, 3)  # done implies it; dropped said yes
        assert stages["Done"] == (1, 3)
        assert stages["Dropped"] == (1, 3)
        assert stages["Not started"] == (1, 3)
        assert stages["No response"] == (1, 4)
        assert f.response_rate == 75

    def test_the_dashboard_shows_each_commitments_latest_status(
        self, workshop, room, facilitator_client
    ):
        page = facilitator_client.get(f"/console/events/{workshop.event_id}/dashboard/")
        html = page.content.decode()
        assert page.status_code == 200
        assert "response rate <strong>75%</strong> (3 of 4 sent a message)" in html
        assert html.count('data-status="done"') == 1
        assert html.count('data-status="none"') == 3  # one silent, two not followed up
        assert "Not followed up" in html
        assert "dana@example.com" in html  # consenting commitments are named

    def test_a_check_in_link_updates_the_dashboard(self, workshop, facilitator_client):
        made = made_at(workshop, DAY0)
        run(DAY0 + datetime.timedelta(days=7, hours=1))
        Client().post(link_in(mail.outbox[-1]), {"status": "in_progress", "key": uuid.uuid4()})
        html = facilitator_client.get(f"/console/events/{workshop.event_id}/dashboard/")
        assert 'data-status="in_progress"' in html.content.decode()
        assert Commitment.objects.get(pk=made.pk).status == "in_progress"

    def test_an_outsider_cannot_see_the_dashboard_or_its_export(self, workshop, outsider_client):
        base = f"/console/events/{workshop.event_id}/dashboard/"
        assert outsider_client.get(base).status_code == 404
        assert outsider_client.get(base + "commitments.csv").status_code == 404

    def test_the_csv_has_its_columns_and_neutralises_formulas(self, workshop, facilitator_client):
        made_at(workshop, DAY0, action='=HYPERLINK("http://evil","x")', measure="+1 per day")
        response = facilitator_client.get(
            f"/console/events/{workshop.event_id}/dashboard/commitments.csv"
        )
        assert response.streaming
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert rows[0][:4] == ["workshop", "commitment id", "made at", "action"]
        row = dict(zip(rows[0], rows[1], strict=True))
        assert row["action"] == 'I will =HYPERLINK("http://evil","x")'
        assert row["measure"] == "'+1 per day"
        assert row["email"] == "dana@example.com"
        assert row["latest status"] == "No response yet"


@pytest.mark.django_db
class TestPrivacy:
    def phone_with_data(self, workshop) -> tuple[Client, Commitment]:
        phone = Client()
        made = made_at(workshop, DAY0)
        # The phone that made it: its cookie names the commitment's delegate.
        cookie = signed_cookie_value(workshop.event_id, made.delegate.key)
        phone.cookies.load({cookie_name(workshop.event_id): cookie})
        return phone, made

    def test_a_delegate_sees_and_downloads_their_data(self, workshop):
        phone, _ = self.phone_with_data(workshop)
        page = phone.get(f"/e/{workshop.event_id}/my-data/").content.decode()
        assert "I will time every changeover on line 2" in page
        assert "dana@example.com" in page
        download = phone.get(f"/e/{workshop.event_id}/my-data/download/")
        data = json.loads(download.content)
        assert data["display_name"] == "Dana"
        assert data["commitments"][0]["email"] == "dana@example.com"

    def test_erasure_removes_personal_data_and_keeps_aggregates(self, workshop):
        phone, made = self.phone_with_data(workshop)
        board_step = ideas.add_ideas_step(workshop=workshop, title="Ideas", prompt="How?")
        ideas.open_board(board=board_step.board)
        ideas.submit_idea(
            workshop_id=workshop.pk,
            delegate_id=made.delegate_id,
            board_id=board_step.board.pk,
            text="A shadow board for tools",
        )
        answer(made, "in_progress")
        pulse_step = pulse_services.add_pulse_step(workshop=workshop, title="Pulse")
        PulseAnswer.objects.create(pulse=pulse_step.pulse, delegate=made.delegate, usefulness=4)
        setup = SnapshotSetup.objects.create(event=workshop.event, state="open")
        snap = SnapshotResponse.objects.create(
            setup=setup, delegate=made.delegate, challenge_other="Our night shift in Leeds"
        )
        before = funnel(Commitment.objects.all())
        refused = phone.post(f"/e/{workshop.event_id}/my-data/erase/", {})
        assert refused.status_code == 400  # not confirmed: nothing erased
        assert Commitment.objects.get().email == "dana@example.com"
        response = phone.post(f"/e/{workshop.event_id}/my-data/erase/", {"confirm": "on"})
        assert "Your data is erased" in response.content.decode()
        made.refresh_from_db()
        assert made.delegate_id is None
        assert made.email == ""
        assert made.action == ""
        assert made.erased
        assert not Delegate.objects.filter(display_name="Dana").exists()
        assert Idea.objects.get().delegate is None
        assert not AccessLink.objects.exists()
        assert funnel(Commitment.objects.all()) == before
        assert PulseAnswer.objects.get().delegate is None
        assert PulseAnswer.objects.get().usefulness == 4  # the answer stays, anonymous
        erased = SnapshotResponse.objects.get()
        assert erased.challenge_other == ""
        assert erased.token != snap.token  # the old own-link no longer opens it
        # The phone's cookie no longer finds anyone.
        assert phone.get(f"/e/{workshop.event_id}/my-data/").status_code == 404

    def test_a_data_link_by_email_never_tells_whether_an_address_is_known(self, workshop):
        made_at(workshop, DAY0)
        known = Client().post("/privacy/", {"email": "dana@example.com"})
        unknown = Client().post("/privacy/", {"email": "nobody@example.com"})
        assert known.status_code == unknown.status_code == 200
        said = re.compile(r'<p class="sent" role="status">(.*?)</p>')
        assert (
            said.search(known.content.decode()).group(1)
            == "If we hold that address, a link to your data is on its way to it. "
            "It works for 45 days."
        )
        assert said.findall(known.content.decode()) == said.findall(unknown.content.decode())
        assert len(mail.outbox) == 1
        token_path = re.search(r"/me/[\w-]+/", mail.outbox[0].body).group(0)
        assert "dana@example.com" in Client().get(token_path).content.decode()

    def test_a_forged_data_link_is_refused(self, workshop):
        response = Client().get("/me/forged-token/")
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()


@pytest.mark.django_db
class TestRetention:
    def test_after_retention_contacts_and_links_go_and_aggregates_stay(self, workshop):
        made = made_at(workshop, DAY0)
        answer(made, "done")
        before = funnel(Commitment.objects.all())
        ends = privacy.retention_ends(workshop.event)
        assert privacy.apply_retention(today=ends) == {}  # not yet
        assert privacy.apply_retention(today=ends + datetime.timedelta(days=1)) == {
            workshop.event_id: 1
        }
        made.refresh_from_db()
        assert made.delegate is None
        assert made.email == ""
        assert made.action == "time every changeover on line 2"  # the words stay, anonymous
        assert not Delegate.objects.exclude(display_name="").exists()
        assert not AccessLink.objects.exists()
        assert funnel(Commitment.objects.all()) == before
        # Running it again changes nothing more.
        assert privacy.apply_retention(today=ends + datetime.timedelta(days=2)) == {}

    def test_the_command_runs(self, workshop):
        Event.objects.update(retention_days=0, date=datetime.date(2020, 1, 1))
        made_at(workshop, DAY0)
        out = io.StringIO()
        call_command("apply_retention", stdout=out)
        assert f"event {workshop.event_id}: 1 delegate(s) anonymised" in out.getvalue()
        assert not Commitment.objects.exclude(email="").exists()
