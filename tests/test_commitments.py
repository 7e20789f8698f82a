"""Commitment steps: the card on the phone, its rules and refusals, linkage, consent, and the
wall on the projector."""

from __future__ import annotations

import datetime
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.core import mail
from django.test import Client

from sessions.agenda import services
from sessions.commitments import services as commitments
from sessions.commitments.hints import HINTS, action_hints
from sessions.ideas import services as ideas
from sessions.live.audiences import PROJECTOR
from sessions.live.regions import render_regions
from sessions.models import Commitment, FollowUp, Option, Poll, Step, Workshop
from sessions.voting import services as voting
from sessions.voting.services import PollSettings
from tests.conftest import join
from tests.test_consumers import receive_until, socket

HTMX = {"HTTP_HX_REQUEST": "true"}


def add_commit_step(workshop: Workshop, client: Client) -> Step:
    data = {"key": uuid.uuid4(), "kind": "commit", "title": "Commit to an experiment"}
    response = client.post(f"/console/workshops/{workshop.pk}/steps/", data)
    assert response.status_code == 302, response.content
    step = Step.objects.get(workshop=workshop, kind=Step.Kind.COMMIT)
    services.show_step(workshop=workshop, step=step)
    return step


def today(workshop: Workshop) -> datetime.date:
    return workshop.event.local_today()


def card(workshop: Workshop, commit_step: Step, **changes) -> dict:
    data = {
        "step": commit_step.pk,
        "key": uuid.uuid4(),
        "action": "time every changeover on line 2 for two weeks",
        "first_step_when": "When Monday's first shift starts",
        "first_step_then": "put a stopwatch by the press",
        "first_step_on": today(workshop) + datetime.timedelta(days=3),
        "measure": "changeovers take under 20 minutes",
        "done_by": today(workshop) + datetime.timedelta(days=30),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def commit(client: Client, workshop: Workshop, data: dict, htmx=True):
    return client.post(f"/w/{workshop.pk}/commitments/new/", data, **(HTMX if htmx else {}))


@pytest.fixture
def step(workshop, facilitator_client) -> Step:
    return add_commit_step(workshop, facilitator_client)


@pytest.fixture
def focus_vote(workshop) -> Poll:
    """A finished challenge vote whose top option is the room's focus."""
    settings = PollSettings(kind=Poll.Kind.DOTS, options=["Changeovers", "Training", "Stock"])
    vote_step = voting.add_vote_step(workshop=workshop, title="Pick", body="", settings=settings)
    poll = vote_step.poll
    workshop.focus_options.set([poll.options.get(label="Training")])
    return poll


@pytest.mark.django_db
class TestTheCard:
    def test_the_console_adds_a_commitment_step(self, workshop, step):
        assert step.kind == "commit"
        assert step.title == "Commit to an experiment"

    def test_the_phone_shows_the_card_with_who_sees_what(self, workshop, step, delegate_client):
        page = delegate_client.get(f"/w/{workshop.pk}/commitments/", **HTMX).content.decode()
        assert "I will …" in page
        assert "The room will see your action on the screen, without your name" in page
        assert 'name="first_step_when"' in page
        assert 'name="consent"' in page
        default_done_by = today(workshop) + datetime.timedelta(days=30)
        assert f'value="{default_done_by.isoformat()}"' in page

    def test_the_focus_challenge_is_preselected(self, workshop, focus_vote, step, delegate_client):
        page = delegate_client.get(f"/w/{workshop.pk}/commitments/", **HTMX).content.decode()
        training = focus_vote.options.get(label="Training")
        assert f'<option value="option:{training.pk}" selected>Training</option>' in page
        # The other challenges can be picked too, after the focus.
        assert page.index("Training") < page.index("Changeovers")

    def test_a_commitment_is_stored_linked_and_counted(
        self, workshop, focus_vote, step, delegate_client
    ):
        training = focus_vote.options.get(label="Training")
        data = card(workshop, step, link=f"option:{training.pk}", help_wanted=["mentor"])
        response = commit(delegate_client, workshop, data)
        assert response.status_code == 200, response.content
        made = Commitment.objects.get()
        assert made.action == "time every changeover on line 2 for two weeks"
        assert made.challenge == training
        assert made.delegate == delegate_client.delegate
        assert made.help_wanted == ["mentor"]
        assert "Committed. Thank you!" in response.content.decode()
        assert "I will time every changeover" in response.content.decode()

    def test_a_typed_i_will_is_not_doubled(self, workshop, step, delegate_client):
        commit(delegate_client, workshop, card(workshop, step, action="I will  run a 5S day"))
        assert Commitment.objects.get().action == "run a 5S day"

    def test_a_cluster_can_be_the_link(self, workshop, step, delegate_client):
        ideas_step = ideas.add_ideas_step(workshop=workshop, title="Ideas", prompt="How?")
        cluster = ideas.create_cluster(board=ideas_step.board, name="Skills matrix")
        commit(delegate_client, workshop, card(workshop, step, link=f"cluster:{cluster.pk}"))
        assert Commitment.objects.get().cluster == cluster

    def test_consent_with_an_address_schedules_the_follow_ups(
        self, workshop, step, delegate_client
    ):
        data = card(workshop, step, email="dana@example.com", consent="on")
        commit(delegate_client, workshop, data)
        made = Commitment.objects.get()
        assert made.followed_up
        kinds = list(made.followups.values_list("kind", flat=True))
        assert kinds == ["summary", "day7", "day30", "day60", "day90"]

    def test_without_consent_it_counts_but_keeps_no_address_and_gets_no_messages(
        self, workshop, step, delegate_client
    ):
        commit(delegate_client, workshop, card(workshop, step, email="dana@example.com"))
        made = Commitment.objects.get()
        assert made.email == ""
        assert not made.consent
        assert not FollowUp.objects.exists()

    def test_a_retried_send_lands_once(self, workshop, step, delegate_client):
        data = card(workshop, step)
        commit(delegate_client, workshop, data)
        commit(delegate_client, workshop, data)
        assert Commitment.objects.count() == 1

    def test_a_plain_form_post_redirects_to_the_phone(self, workshop, step, delegate_client):
        response = commit(delegate_client, workshop, card(workshop, step), htmx=False)
        assert response.status_code == 302
        assert response["Location"] == f"/w/{workshop.pk}/"
        assert Commitment.objects.count() == 1

    def test_a_buddy_from_the_workshop_can_be_named(self, workshop, step, delegate_client):
        ben = join(Client(), workshop, "Ben")
        join(Client(), workshop)  # nameless delegates cannot be picked
        page = delegate_client.get(f"/w/{workshop.pk}/commitments/", **HTMX).content.decode()
        assert f'<option value="{ben.pk}">Ben</option>' in page
        assert "Dana</option>" not in page  # not yourself
        commit(delegate_client, workshop, card(workshop, step, buddy=ben.pk))
        assert Commitment.objects.get().buddy == ben


def refused(response, status: int, message: str) -> None:
    assert response.status_code == status, (response.status_code, response.content.decode()[:300])
    assert message in response.content.decode()
    assert Commitment.objects.count() == 0


@pytest.mark.django_db
class TestRefusals:
    def test_an_action_over_140_characters(self, workshop, step, delegate_client):
        data = card(workshop, step, action="x" * 150)
        refused(
            commit(delegate_client, workshop, data), 400, "at most 140 characters; this one has 150"
        )

    def test_an_empty_action(self, workshop, step, delegate_client):
        refused(
            commit(delegate_client, workshop, card(workshop, step, action="I will ")),
            400,
            "Say what you will do.",
        )

    def test_a_first_step_more_than_14_days_away(self, workshop, step, delegate_client):
        far = today(workshop) + datetime.timedelta(days=15)
        data = card(workshop, step, first_step_on=far)
        refused(commit(delegate_client, workshop, data), 400, "within 14 days")

    def test_a_first_step_in_the_past(self, workshop, step, delegate_client):
        past = today(workshop) - datetime.timedelta(days=1)
        refused(
            commit(delegate_client, workshop, card(workshop, step, first_step_on=past)),
            400,
            "within 14 days",
        )

    def test_a_done_by_date_more_than_90_days_away(self, workshop, step, delegate_client):
        far = today(workshop) + datetime.timedelta(days=91)
        refused(
            commit(delegate_client, workshop, card(workshop, step, done_by=far)),
            400,
            "at most 90 days away",
        )

    def test_a_done_by_date_before_the_first_step(self, workshop, step, delegate_client):
        early = today(workshop) + datetime.timedelta(days=1)
        refused(
            commit(delegate_client, workshop, card(workshop, step, done_by=early)),
            400,
            "between the first step",
        )

    def test_a_malformed_date(self, workshop, step, delegate_client):
        refused(
            commit(delegate_client, workshop, card(workshop, step, done_by="next week")),
            400,
            "Enter a valid date",
        )

    def test_another_workshops_challenge(self, workshop, other_workshop, step, delegate_client):
        settings = PollSettings(kind=Poll.Kind.DOTS, options=["Theirs", "Other"])
        voting.add_vote_step(workshop=other_workshop, title="V", body="", settings=settings)
        theirs = Option.objects.get(label="Theirs")
        data = card(workshop, step, link=f"option:{theirs.pk}")
        refused(commit(delegate_client, workshop, data), 400, "not one of the available choices")

    def test_no_link_when_the_workshop_offers_challenges(
        self, workshop, focus_vote, step, delegate_client
    ):
        refused(
            commit(delegate_client, workshop, card(workshop, step)),
            400,
            "Pick the challenge or theme",
        )

    def test_a_buddy_from_elsewhere_or_yourself(self, workshop, step, delegate_client):
        data = card(workshop, step, buddy=delegate_client.delegate.pk)
        refused(commit(delegate_client, workshop, data), 400, "not one of the available choices")

    def test_an_unknown_kind_of_help(self, workshop, step, delegate_client):
        data = card(workshop, step, help_wanted=["money-tree"])
        refused(commit(delegate_client, workshop, data), 400, "not one of the available choices")

    def test_consent_without_an_address(self, workshop, step, delegate_client):
        data = card(workshop, step, consent="on")
        refused(
            commit(delegate_client, workshop, data), 400, "Give an email address to be followed up"
        )

    def test_a_malformed_address(self, workshop, step, delegate_client):
        data = card(workshop, step, consent="on", email="dana at example")
        refused(commit(delegate_client, workshop, data), 400, "Enter a valid email address")

    def test_a_fourth_commitment(self, workshop, step, delegate_client):
        for _ in range(3):
            assert commit(delegate_client, workshop, card(workshop, step)).status_code == 200
        response = commit(delegate_client, workshop, card(workshop, step))
        assert response.status_code == 409
        assert "the most one person can" in response.content.decode()
        assert Commitment.objects.count() == 3

    def test_after_the_workshop_finished(self, workshop, step, delegate_client):
        services.close_workshop(workshop=workshop)
        refused(commit(delegate_client, workshop, card(workshop, step)), 409, "finished")

    def test_someone_who_has_not_joined(self, workshop, step, stranger_client):
        refused(commit(stranger_client, workshop, card(workshop, step)), 404, "has not joined")

    def test_a_step_that_is_not_a_commitment_step(self, workshop, step, delegate_client):
        other = services.add_step(workshop=workshop, title="Welcome")
        data = card(workshop, step, step=other.pk)
        refused(commit(delegate_client, workshop, data), 404, "Commitments are not being collected")

    def test_a_forged_step_id(self, workshop, step, delegate_client):
        data = card(workshop, step, step="99999999999999999999")
        refused(commit(delegate_client, workshop, data), 404, "Commitments are not being collected")


@pytest.mark.django_db
class TestHints:
    def test_a_complete_action_gets_no_hints(self):
        assert action_hints("halve changeover time on line 2 by Friday 12 December") == []

    def test_an_action_without_a_verb_is_nudged(self):
        assert HINTS["verb"] in action_hints("more training for 3 staff by Friday")

    def test_an_action_without_a_measure_or_a_date_is_nudged(self):
        hints = action_hints("talk to the team")
        assert HINTS["measure"] in hints
        assert HINTS["when"] in hints

    def test_a_card_shown_again_carries_the_hints(self, workshop, step, delegate_client):
        response = commit(delegate_client, workshop, card(workshop, step, action="x" * 150))
        assert str(HINTS["measure"]) in response.content.decode()


@pytest.mark.django_db
class TestTheWall:
    def test_the_projector_shows_actions_without_names_and_a_count(
        self, workshop, step, delegate_client
    ):
        commit(delegate_client, workshop, card(workshop, step))
        commit(delegate_client, workshop, card(workshop, step, action="run a 5S day"))
        html = render_regions(workshop.pk, PROJECTOR, ("commitments",)).html["commitments"]
        assert "I will run a 5S day" in html
        assert "I will time every changeover" in html
        assert 'data-count="1"' in html  # one delegate committed
        assert "2 commitments" in html
        assert "Dana" not in html

    def test_the_facilitator_can_show_names(
        self, workshop, step, delegate_client, facilitator_client
    ):
        url = f"/console/workshops/{workshop.pk}/steps/{step.pk}/names/"
        response = facilitator_client.post(url, {"show_names": "on"}, **HTMX)
        assert "Names are shown on the wall" in response.content.decode()
        # A card drawn now says the room will see the name, and sends that promise.
        commit(delegate_client, workshop, card(workshop, step, name_shown="1"))
        html = render_regions(workshop.pk, PROJECTOR, ("commitments",)).html["commitments"]
        assert "Dana" in html

    def test_the_wall_setting_is_frozen_once_the_workshop_finished(
        self, workshop, step, facilitator_client
    ):
        services.close_workshop(workshop=workshop)
        url = f"/console/workshops/{workshop.pk}/steps/{step.pk}/names/"
        response = facilitator_client.post(url, {"show_names": "on"}, **HTMX)
        assert response.status_code == 409
        assert "finished" in response.content.decode()
        assert not Step.objects.get(pk=step.pk).config.get("show_names")

    def test_an_outsider_cannot_change_the_wall(self, workshop, step, outsider_client):
        url = f"/console/workshops/{workshop.pk}/steps/{step.pk}/names/"
        assert outsider_client.post(url, {"show_names": "on"}).status_code == 404
        assert not Step.objects.get(pk=step.pk).config.get("show_names")

    def test_hostile_text_is_escaped_on_the_wall(self, workshop, step, delegate_client):
        hostile = '<img src=x onerror=alert(1)> hx-get="/x"'
        commit(delegate_client, workshop, card(workshop, step, action=hostile))
        html = render_regions(workshop.pk, PROJECTOR, ("commitments",)).html["commitments"]
        assert "<img" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.django_db(transaction=True)
async def test_a_commitment_reaches_the_projectors_socket(workshop, facilitator_client):
    step = await sync_to_async(add_commit_step)(workshop, facilitator_client)
    phone = Client()
    await sync_to_async(join)(phone, workshop, "Dana")
    async with socket(f"/ws/display/{workshop.display_token}/") as projector:
        await receive_until(projector, lambda f: 'id="commitments"' in f)
        data = await sync_to_async(card)(workshop, step, action="run a 5S day in stores")
        response = await sync_to_async(commit)(phone, workshop, data)
        assert response.status_code == 200
        frame = await receive_until(projector, lambda f: "I will run a 5S day in stores" in f)
        assert 'data-count="1"' in frame


@pytest.mark.django_db
class TestTheArchive:
    def test_the_archive_shows_every_commitment_and_names_only_to_the_facilitator(
        self, workshop, step, delegate_client, facilitator_client
    ):
        commit(delegate_client, workshop, card(workshop, step, email="d@example.com", consent="on"))
        ben = Client()
        join(ben, workshop, "Ben")
        commit(ben, workshop, card(workshop, step, action="run a 5S day in stores"))
        services.close_workshop(workshop=workshop)
        page = facilitator_client.get(f"/console/workshops/{workshop.pk}/archive/").content
        html = page.decode()
        assert "<strong>2</strong> delegates committed" in html
        assert "I will time every changeover on line 2 for two weeks" in html
        assert "I will run a 5S day in stores" in html
        assert "Dana" in html  # asked to be followed up: named to the facilitator
        assert "Ben" not in html.split("archive-commitments")[1]  # did not: anonymous
        facilitator_client.post(f"/console/workshops/{workshop.pk}/archive/share/", {"do": "share"})
        workshop.refresh_from_db()
        shared = Client().get(f"/archive/{workshop.archive_token}/").content.decode()
        assert "I will run a 5S day in stores" in shared
        assert "Dana" not in shared.split("archive-commitments")[1]

    def test_the_commitments_csv_is_neutralised_and_nameless(
        self, workshop, step, delegate_client, facilitator_client
    ):
        data = card(workshop, step, action="=SUM(A1:A9) cheaper", measure="@risk down")
        commit(delegate_client, workshop, data)
        url = f"/console/workshops/{workshop.pk}/exports/commitments.csv"
        response = facilitator_client.get(url)
        body = b"".join(response.streaming_content).decode()
        header, row = body.splitlines()[:2]
        assert header.startswith("step,commitment,action,about,first step when")
        assert "I will =SUM(A1:A9) cheaper" in row  # "I will" leads: not a formula
        assert "'@risk down" in row
        assert "Dana" not in body


@pytest.mark.django_db
class TestNoDoubledWords:
    def test_a_typed_i_will_is_taken_off_the_first_step(self, workshop, step, delegate_client):
        data = card(workshop, step, first_step_then="I will  put a stopwatch by the press")
        assert commit(delegate_client, workshop, data).status_code == 200
        assert Commitment.objects.get().first_step_then == "put a stopwatch by the press"

    def test_a_first_step_of_only_i_will_is_refused(self, workshop, step, delegate_client):
        response = commit(delegate_client, workshop, card(workshop, step, first_step_then="I will"))
        assert response.status_code == 400
        assert "Say what your first step will be." in response.content.decode()
        assert not Commitment.objects.exists()

    def test_stored_first_steps_show_without_doubling_in_the_archive_and_emails(
        self, workshop, step, delegate_client, facilitator_client
    ):
        from tests.test_followups import DAY0, made_at, run

        made = made_at(workshop, DAY0)
        # Made before a typed "I will" was taken off the first step.
        Commitment.objects.filter(pk=made.pk).update(first_step_then="I will put a stopwatch")
        run(DAY0 + datetime.timedelta(days=7, hours=1))
        message = mail.outbox[-1]
        html = message.alternatives[0][0]
        for text in (message.body, html):
            assert "then I will put a stopwatch" in text
            assert "I will I will" not in text
        archive = facilitator_client.get(f"/console/workshops/{workshop.pk}/archive/")
        page = archive.content.decode()
        assert "then I will put a stopwatch" in page
        assert "I will I will" not in page


@pytest.mark.django_db
class TestEachChallengeOnce:
    def test_clusters_voted_on_twice_are_listed_once(self, workshop, delegate_client):
        ideas_step = ideas.add_ideas_step(workshop=workshop, title="Ideas", prompt="How?")
        for name in ("Skills matrix", "Changeovers"):
            ideas.create_cluster(board=ideas_step.board, name=name)
        for kind in (Poll.Kind.DOTS, Poll.Kind.MATRIX):
            settings = PollSettings(kind=kind, options=[], options_from=ideas_step.pk)
            voting.add_vote_step(workshop=workshop, title=kind, body="", settings=settings)
        step = commitments.add_commit_step(workshop=workshop, title="Commit")
        services.show_step(workshop=workshop, step=step)
        page = delegate_client.get(f"/w/{workshop.pk}/commitments/", **HTMX).content.decode()
        assert page.count(">Skills matrix</option>") == 1
        assert page.count(">Changeovers</option>") == 1
        labels = [label for _, label in commitments.link_choices(workshop)]
        assert labels == ["Skills matrix", "Changeovers"]
