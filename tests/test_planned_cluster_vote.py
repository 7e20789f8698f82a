"""A vote planned on the clusters of an ideas step, before there are any.

The plan is kept in the vote step's config; the options become the clusters' names as they
are when the vote opens (again at a reopen, until the first vote is cast).
"""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from sessions.agenda import services
from sessions.ideas import services as ideas
from sessions.live.audiences import DELEGATE, FACILITATOR, PROJECTOR
from sessions.live.regions import render_regions
from sessions.models import Poll, Step
from sessions.voting import services as voting
from tests.test_console_moved_on import console, press

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def labels(poll: Poll) -> list[str]:
    return list(Poll.objects.get(pk=poll.pk).options.values_list("label", flat=True))


@pytest.fixture
def ideas_step(workshop) -> Step:
    return ideas.add_ideas_step(workshop=workshop, title="Changeover ideas", prompt="How?")


def plan_vote(client: Client, workshop, ideas_step, **extra) -> Poll:
    data = {
        "key": str(uuid.uuid4()),
        "kind": "vote",
        "title": "Which cluster first?",
        "poll_kind": "dots",
        "options_from": ideas_step.pk,
        **extra,
    }
    response = client.post(reverse("workshops:step_add", args=[workshop.pk]), data)
    assert response.status_code == 302, response.content.decode()
    return Poll.objects.get(step__workshop=workshop)


def test_a_vote_planned_before_clustering_opens_with_the_clusters_current_names(
    workshop, ideas_step, facilitator_client, delegate_client
):
    poll = plan_vote(facilitator_client, workshop, ideas_step)
    assert labels(poll) == []
    board = ideas_step.board
    ideas.create_cluster(board=board, name="Quick changeover kits")
    typo = ideas.create_cluster(board=board, name="Trainig")
    ideas.rename_cluster(board=board, cluster_id=typo.pk, name="Training")
    services.show_step(workshop=workshop, step=poll.step)
    page = console(facilitator_client, workshop)
    assert (
        "Options: the clusters of “Changeover ideas”, as they are named when the vote opens."
        in (page)
    )
    response = press(facilitator_client, page, "Open voting")
    assert response.status_code == 200
    assert labels(poll) == ["Quick changeover kits", "Training"]
    assert Poll.objects.get(pk=poll.pk).is_open
    assert (
        "Training"
        in delegate_client.get(reverse("workshops:phone", args=[workshop.pk])).content.decode()
    )
    voting.close_poll(poll=poll)
    services.close_workshop(workshop=workshop)
    archive = facilitator_client.get(reverse("workshops:archive", args=[workshop.pk]))
    html = archive.content.decode()
    assert '<th scope="row">Quick changeover kits</th>' in html
    assert '<th scope="row">Training</th>' in html
    assert "Trainig" not in html


def test_opening_a_planned_vote_whose_ideas_step_has_no_clusters_is_refused(
    workshop, ideas_step, facilitator_client
):
    poll = plan_vote(facilitator_client, workshop, ideas_step)
    services.show_step(workshop=workshop, step=poll.step)
    response = press(facilitator_client, console(facilitator_client, workshop), "Open voting")
    assert response.status_code == 409
    assert (
        "This vote takes its options from the clusters of “Changeover ideas”, which has none "
        "yet: cluster the ideas first. The vote was not opened."
    ) in response.content.decode()
    poll = Poll.objects.get(pk=poll.pk)
    assert (poll.is_open, poll.opened_at) == (False, None)


def test_a_planned_vote_shows_on_every_screen_before_it_opens(
    workshop, ideas_step, facilitator_client
):
    poll = plan_vote(facilitator_client, workshop, ideas_step, poll_kind="matrix")
    services.show_step(workshop=workshop, step=poll.step)
    for audience in (DELEGATE, PROJECTOR, FACILITATOR):
        html = render_regions(workshop.pk, audience).html["step"]
        assert "Voting opens soon" in html


def test_once_the_first_vote_is_cast_the_options_are_fixed(
    workshop, ideas_step, facilitator_client, delegate_client
):
    poll = plan_vote(facilitator_client, workshop, ideas_step)
    kits = ideas.create_cluster(board=ideas_step.board, name="Kits")
    ideas.create_cluster(board=ideas_step.board, name="Training")
    voting.open_poll(poll=poll)
    option = Poll.objects.get(pk=poll.pk).options.get(label="Kits")
    voting.cast(
        poll_id=poll.pk,
        workshop_id=workshop.pk,
        delegate_id=delegate_client.delegate.pk,
        option_id=option.pk,
        action="add",
    )
    voting.close_poll(poll=poll)
    ideas.rename_cluster(board=ideas_step.board, cluster_id=kits.pk, name="Changeover kits")
    voting.open_poll(poll=poll)
    assert labels(poll) == ["Kits", "Training"]
    assert Poll.objects.get(pk=poll.pk).options.get(label="Kits").pk == option.pk


def test_a_reopen_before_any_vote_follows_a_rename(workshop, ideas_step, facilitator_client):
    poll = plan_vote(facilitator_client, workshop, ideas_step)
    kits = ideas.create_cluster(board=ideas_step.board, name="Kits")
    ideas.create_cluster(board=ideas_step.board, name="Training")
    voting.open_poll(poll=poll)
    voting.close_poll(poll=poll)
    ideas.rename_cluster(board=ideas_step.board, cluster_id=kits.pk, name="Changeover kits")
    voting.open_poll(poll=poll)
    assert labels(poll) == ["Changeover kits", "Training"]


def test_the_edit_page_plans_a_typed_vote_on_the_clusters(workshop, ideas_step, facilitator_client):
    step = voting.add_vote_step(
        workshop=workshop,
        title="Which first?",
        body="",
        settings=voting.PollSettings(kind="dots", options=["Typed one", "Typed two"]),
    )
    url = reverse("workshops:step_edit", args=[workshop.pk, step.pk])
    page = facilitator_client.get(url).content.decode()
    assert "Options from the clusters of" in page
    assert f'<option value="{ideas_step.pk}">Changeover ideas</option>' in page
    data = {
        "title": "Which first?",
        "poll_kind": "dots",
        "options": "",
        "options_from": ideas_step.pk,
    }
    response = facilitator_client.post(url, data)
    assert response.status_code == 302
    poll = Poll.objects.get(step=step)
    assert labels(poll) == []
    again = facilitator_client.get(url).content.decode()
    assert f'<option value="{ideas_step.pk}" selected>Changeover ideas</option>' in again
    ideas.create_cluster(board=ideas_step.board, name="Kits")
    ideas.create_cluster(board=ideas_step.board, name="Training")
    voting.open_poll(poll=poll)
    assert labels(poll) == ["Kits", "Training"]
    # Back to typed options: the plan is dropped.
    voting.close_poll(poll=poll)
    data = {"title": "Which first?", "poll_kind": "dots", "options": "A\nB", "options_from": ""}
    assert facilitator_client.post(url, data).status_code == 302
    voting.open_poll(poll=poll)
    assert labels(poll) == ["A", "B"]
    assert voting.planned_source(Step.objects.get(pk=step.pk)) is None


def test_a_vote_planned_on_another_workshops_ideas_step_is_refused(
    workshop, other_workshop, facilitator_client
):
    theirs = ideas.add_ideas_step(workshop=other_workshop, title="Theirs", prompt="How?")
    data = {"kind": "vote", "title": "V", "poll_kind": "dots", "options_from": theirs.pk}
    response = facilitator_client.post(reverse("workshops:step_add", args=[workshop.pk]), data)
    assert response.status_code == 400
    assert not Poll.objects.exists()
