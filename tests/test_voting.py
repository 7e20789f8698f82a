"""Voting: every kind, its limits and refusals, the tally, and the facilitator's controls."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client, RequestFactory
from django.utils import timezone

from sessions.agenda import services
from sessions.live import audiences, regions
from sessions.models import Ballot, Mark, Poll
from sessions.voting import services as voting
from sessions.voting.read import render_ballot, tally_poll
from tests.conftest import join

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
OPTIONS = ["Changeovers", "Training", "Data entry", "Maintenance", "Scheduling", "Quality"]


def make_poll(workshop, kind="dots", options=OPTIONS, show=True, open_=True, **settings) -> Poll:
    step = voting.add_vote_step(
        workshop=workshop,
        title="Pick the challenge",
        body="",
        settings=voting.PollSettings(kind=kind, options=list(options), **settings),
    )
    if show:
        services.show_step(workshop=workshop, step=step)
    poll = step.poll
    if open_:
        voting.open_poll(poll=poll)
    return Poll.objects.get(pk=poll.pk)


def option_id(poll: Poll, label: str) -> int:
    return poll.options.get(label=label).pk


def tap(client: Client, poll: Poll, label: str | None, action: str, value=None, key=None, **kw):
    data = {"poll": poll.pk, "action": action, "key": key or str(uuid.uuid4())}
    if label is not None:
        data["option"] = option_id(poll, label)
    if value is not None:
        data["value"] = value
    workshop_id = kw.pop("workshop_id", poll.step.workshop_id)
    return client.post(f"/w/{workshop_id}/vote/", data, **{**HTMX, **kw})


def scores(poll: Poll) -> dict[str, float]:
    return {r.label: r.score for r in tally_poll(poll).results if r.score}


def text(response) -> str:
    return response.content.decode()


# --- setting up ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "dots"), [(2, 3), (6, 3), (9, 3), (10, 3), (11, 4), (13, 4), (14, 5), (30, 5)]
)
def test_default_dot_budget_is_a_third_of_the_options_between_3_and_5(options, dots):
    assert voting.default_budget(options) == dots


def test_facilitator_adds_a_vote_step_by_pasting_options(workshop, facilitator_client):
    response = facilitator_client.post(
        f"/console/workshops/{workshop.pk}/steps/",
        {
            "kind": "vote",
            "title": "Pick the challenge",
            "poll_kind": "dots",
            "options": "Changeovers\n\n  Training  \nData entry\n",
            "per_option_max": 2,
        },
    )
    assert response.status_code == 302
    poll = Poll.objects.get()
    assert list(poll.options.values_list("label", flat=True)) == [
        "Changeovers",
        "Training",
        "Data entry",
    ]
    assert (poll.kind, poll.budget, poll.per_option_max) == ("dots", 3, 2)
    assert not poll.is_open


@pytest.mark.parametrize(
    ("options", "message"),
    [("Only one", "at least 2 options"), ("Same\nsame", "same text"), ("x" * 121, "at most 120")],
)
def test_a_vote_step_with_bad_options_is_refused(workshop, facilitator_client, options, message):
    response = facilitator_client.post(
        f"/console/workshops/{workshop.pk}/steps/",
        {"kind": "vote", "title": "Pick", "poll_kind": "dots", "options": options},
    )
    assert response.status_code == 400
    assert message in text(response)
    assert not Poll.objects.exists()


def test_options_can_be_edited_until_someone_votes(workshop, facilitator_client, delegate_client):
    poll = make_poll(workshop, open_=False)
    edit_url = f"/console/workshops/{workshop.pk}/steps/{poll.step_id}/edit/"
    form = {"title": "Pick", "body": "", "poll_kind": "single", "options": "A\nB\nC"}
    assert facilitator_client.post(edit_url, form).status_code == 302
    poll.refresh_from_db()
    assert poll.kind == "single"
    assert list(poll.options.values_list("label", flat=True)) == ["A", "B", "C"]
    voting.open_poll(poll=poll)
    assert tap(delegate_client, poll, "A", "pick").status_code == 200
    refused = facilitator_client.post(edit_url, {**form, "options": "X\nY"})
    assert refused.status_code == 409
    assert "People have voted already" in text(refused)
    assert list(poll.options.values_list("label", flat=True)) == ["A", "B", "C"]


# --- dot voting ----------------------------------------------------------------------------


def test_dots_can_be_placed_moved_and_removed(workshop, delegate_client):
    poll = make_poll(workshop)  # 6 options: 3 dots, at most 2 on one
    answer = tap(delegate_client, poll, "Training", "add")
    assert answer.status_code == 200
    assert "<strong>2</strong> of 3 dots left" in text(answer)
    assert 'data-ack="' in text(answer)
    tap(delegate_client, poll, "Training", "add")
    tap(delegate_client, poll, "Training", "remove")
    tap(delegate_client, poll, "Quality", "add")
    assert scores(poll) == {"Training": 1, "Quality": 1}
    assert Ballot.objects.get().spent == 2


def test_a_delegate_cannot_place_more_dots_than_the_budget(workshop, delegate_client):
    poll = make_poll(workshop)
    for label in ("Changeovers", "Training", "Quality"):
        assert tap(delegate_client, poll, label, "add").status_code == 200
    refused = tap(delegate_client, poll, "Scheduling", "add")
    assert refused.status_code == 409
    assert "You have used all 3 dots" in text(refused)
    assert Ballot.objects.get().spent == 3
    assert "Scheduling" not in scores(poll)


def test_a_delegate_cannot_stack_more_than_the_cap_on_one_option(workshop, delegate_client):
    poll = make_poll(workshop, budget=5, per_option_max=2)
    tap(delegate_client, poll, "Training", "add")
    tap(delegate_client, poll, "Training", "add")
    refused = tap(delegate_client, poll, "Training", "add")
    assert refused.status_code == 409
    assert "At most 2 dots can go on one option" in text(refused)
    assert scores(poll) == {"Training": 2}


def test_the_database_refuses_a_ballot_over_its_allowance(workshop, delegate_client):
    from django.db import IntegrityError, transaction

    poll = make_poll(workshop)
    tap(delegate_client, poll, "Training", "add")
    ballot = Ballot.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.filter(pk=ballot.pk).update(spent=ballot.allowance + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Mark.objects.filter(ballot=ballot).update(value=poll.per_option_max + 1)


def test_starting_again_clears_the_ballot(workshop, delegate_client):
    poll = make_poll(workshop)
    tap(delegate_client, poll, "Training", "add")
    tap(delegate_client, poll, "Quality", "add")
    assert tap(delegate_client, poll, None, "clear").status_code == 200
    assert scores(poll) == {}
    assert Ballot.objects.get().spent == 0
    assert tally_poll(poll).voters == 0


# --- the other kinds -----------------------------------------------------------------------


def test_single_choice_switches_and_unpicks(workshop, delegate_client):
    poll = make_poll(workshop, kind="single")
    tap(delegate_client, poll, "Training", "pick")
    tap(delegate_client, poll, "Quality", "pick")
    assert scores(poll) == {"Quality": 1}
    tap(delegate_client, poll, "Quality", "pick")
    assert scores(poll) == {}


def test_multiple_choice_allows_at_most_the_maximum_picks(workshop, delegate_client):
    poll = make_poll(workshop, kind="multiple", max_picks=2)
    tap(delegate_client, poll, "Training", "pick")
    tap(delegate_client, poll, "Quality", "pick")
    refused = tap(delegate_client, poll, "Scheduling", "pick")
    assert refused.status_code == 409
    assert "at most 2" in text(refused)
    tap(delegate_client, poll, "Training", "pick")  # unpick
    tap(delegate_client, poll, "Scheduling", "pick")
    assert scores(poll) == {"Quality": 1, "Scheduling": 1}


def test_scale_results_show_mean_and_distribution(workshop):
    poll = make_poll(workshop, kind="scale", options=["Useful", "Clear"])
    for rating in (5, 4, 4, 1):
        tap(phone(workshop), poll, "Useful", "rate", value=rating)
    result = next(r for r in tally_poll(poll).results if r.label == "Useful")
    assert result.score == 3.5
    assert result.voters == 4
    assert result.distribution == [1, 0, 0, 2, 1]
    snapshot = regions.render_regions(workshop.pk, audiences.FACILITATOR, ("results",))
    assert "1: 1 · 2: 0 · 3: 0 · 4: 2 · 5: 1" in snapshot.joined()


@pytest.mark.parametrize("value", [0, 6, "high"])
def test_a_rating_outside_1_to_5_is_refused(workshop, delegate_client, value):
    poll = make_poll(workshop, kind="scale", options=["Useful", "Clear"])
    response = tap(delegate_client, poll, "Useful", "rate", value=value)
    assert response.status_code == 400
    assert "not understood" in text(response)
    assert not Mark.objects.exists()


def test_ranking_places_the_top_k_in_order_and_scores_by_borda(workshop, delegate_client):
    poll = make_poll(workshop, kind="ranking", max_picks=3)
    for label in ("Quality", "Training", "Changeovers"):
        tap(delegate_client, poll, label, "rank")
    refused = tap(delegate_client, poll, "Scheduling", "rank")
    assert refused.status_code == 409
    assert "top 3 are already chosen" in text(refused)
    tap(delegate_client, poll, "Training", "unrank")  # Changeovers moves up to #2
    ranks = dict(Mark.objects.values_list("option__label", "value"))
    assert ranks == {"Quality": 1, "Changeovers": 2}
    other = phone(workshop)
    tap(other, poll, "Changeovers", "rank")
    tap(other, poll, "Quality", "rank")
    assert scores(poll) == {"Quality": 3 + 2, "Changeovers": 2 + 3}
    assert "Borda count" in tally_poll(poll).method


def test_an_action_that_does_not_fit_the_kind_is_refused(workshop, delegate_client):
    poll = make_poll(workshop, kind="single")
    response = tap(delegate_client, poll, "Training", "add")
    assert response.status_code == 400
    assert "does not fit this kind of vote" in text(response)


# --- open, close, countdown, reveal --------------------------------------------------------


def test_nothing_is_accepted_before_opening_or_after_closing(workshop, delegate_client):
    poll = make_poll(workshop, open_=False)
    early = tap(delegate_client, poll, "Training", "add")
    assert early.status_code == 409
    assert "has not opened yet" in text(early)
    voting.open_poll(poll=poll)
    tap(delegate_client, poll, "Training", "add")
    voting.close_poll(poll=poll)
    late = tap(delegate_client, poll, "Quality", "add")
    assert late.status_code == 409
    assert "This vote is closed" in text(late)
    assert scores(poll) == {"Training": 1}
    voting.open_poll(poll=poll)  # reopen: marks kept, voting resumes
    assert tap(delegate_client, poll, "Quality", "add").status_code == 200
    assert scores(poll) == {"Training": 1, "Quality": 1}


def test_the_countdown_closes_the_vote(workshop, delegate_client):
    poll = make_poll(workshop, open_=False)
    voting.open_poll(poll=poll, seconds=60)
    poll.refresh_from_db()
    assert poll.closes_at > timezone.now()
    page = regions.render_regions(workshop.pk, audiences.PROJECTOR, ("step",)).joined()
    assert "data-countdown=" in page
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    refused = tap(delegate_client, poll, "Training", "add")
    assert refused.status_code == 409
    assert "closed" in text(refused)


def test_results_stay_hidden_until_revealed(workshop, delegate_client):
    poll = make_poll(workshop)
    tap(delegate_client, poll, "Training", "add")
    hidden = regions.render_regions(workshop.pk, audiences.PROJECTOR, ("results",)).joined()
    assert "Training" not in hidden
    assert re.search(r'data-voted="1">1</strong> of 1 delegate have voted', hidden)
    phone_hidden = regions.render_regions(workshop.pk, audiences.DELEGATE, ("results",)).joined()
    assert "Training" not in phone_hidden
    console = regions.render_regions(workshop.pk, audiences.FACILITATOR, ("results",)).joined()
    assert "Training" in console  # the facilitator sees the live tally at all times
    voting.reveal_results(poll=poll)
    shown = regions.render_regions(workshop.pk, audiences.PROJECTOR, ("results",)).joined()
    assert "Training" in shown
    assert 'data-score="1"' in shown
    assert "Training" in regions.render_regions(workshop.pk, audiences.DELEGATE).joined()


def test_show_live_shows_results_while_voting(workshop, delegate_client):
    poll = make_poll(workshop, show_live=True)
    tap(delegate_client, poll, "Quality", "add")
    shown = regions.render_regions(workshop.pk, audiences.PROJECTOR, ("results",)).joined()
    assert "Quality" in shown


def test_results_rank_options_by_score(workshop):
    poll = make_poll(workshop, budget=5)
    a, b = phone(workshop), phone(workshop)
    for client, label in ((a, "Quality"), (b, "Quality"), (a, "Training")):
        tap(client, poll, label, "add")
    ranked = [r.label for r in tally_poll(poll).results]
    assert ranked[:2] == ["Quality", "Training"]
    assert ranked[2:] == ["Changeovers", "Data entry", "Maintenance", "Scheduling"]


def test_the_tally_costs_the_same_queries_for_one_voter_or_fifty(
    workshop, django_assert_max_num_queries
):
    poll = make_poll(workshop, budget=5)
    tap(phone(workshop), poll, "Quality", "add")
    with django_assert_max_num_queries(4):
        tally_poll(poll)
    for _ in range(49):
        tap(phone(workshop), poll, "Training", "add")
    with django_assert_max_num_queries(4):
        assert tally_poll(poll).voters == 50


def test_the_top_options_carry_forward_as_the_focus(workshop, facilitator_client):
    poll = make_poll(workshop, budget=5)
    a, b = phone(workshop), phone(workshop)
    tap(a, poll, "Quality", "add")
    tap(b, poll, "Quality", "add")
    tap(b, poll, "Training", "add")
    voting.close_poll(poll=poll)
    response = facilitator_client.post(
        f"/console/workshops/{workshop.pk}/polls/{poll.pk}/", {"action": "focus", "top": 2}
    )
    assert response.status_code == 302
    assert [o.label for o in workshop.focus_options.order_by("position")] == [
        "Training",
        "Quality",
    ]
    following = services.add_step(workshop=workshop, title="Reframe")
    services.show_step(workshop=workshop, step=following)
    projector = regions.render_regions(workshop.pk, audiences.PROJECTOR, ("step",)).joined()
    assert "Our focus:" in projector
    assert "Quality" in projector


# --- idempotency ---------------------------------------------------------------------------


def test_a_replayed_vote_lands_once(workshop, delegate_client):
    poll = make_poll(workshop)
    key = str(uuid.uuid4())
    first = tap(delegate_client, poll, "Training", "add", key=key)
    again = tap(delegate_client, poll, "Training", "add", key=key)
    assert first.status_code == again.status_code == 200
    assert "Already counted" in text(again)
    assert scores(poll) == {"Training": 1}


def test_a_plain_form_post_votes_and_returns_to_the_phone_page(workshop, delegate_client):
    poll = make_poll(workshop)
    data = {"poll": poll.pk, "option": option_id(poll, "Training"), "action": "add"}
    response = delegate_client.post(f"/w/{workshop.pk}/vote/", data)
    assert response.status_code == 302
    assert response["Location"] == f"/w/{workshop.pk}/"
    page = text(delegate_client.get(response["Location"]))
    assert "<strong>2</strong> of 3 dots left" in page


# --- refusals ------------------------------------------------------------------------------


def test_a_phone_that_has_not_joined_cannot_vote(workshop, stranger_client):
    poll = make_poll(workshop)
    response = tap(stranger_client, poll, "Training", "add")
    assert response.status_code == 404
    assert not Mark.objects.exists()


def test_a_vote_of_another_workshop_is_not_found(workshop, other_workshop, delegate_client):
    other = make_poll(other_workshop)
    response = tap(delegate_client, other, "Training", "add", workshop_id=workshop.pk)
    assert response.status_code == 404
    assert "not part of this workshop" in text(response)
    assert not Mark.objects.exists()


def test_an_option_of_another_vote_is_not_found(workshop, delegate_client):
    poll = make_poll(workshop)
    second = make_poll(workshop, options=["Elsewhere", "Other"])
    data = {"poll": poll.pk, "option": option_id(second, "Elsewhere"), "action": "add"}
    response = delegate_client.post(f"/w/{workshop.pk}/vote/", data, **HTMX)
    assert response.status_code == 404
    assert "not part of this vote" in text(response)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"poll": "abc", "action": "add"},
        {"poll": 1, "action": "explode"},
        {"poll": 1, "action": "add", "key": "not-a-uuid"},
        {"poll": 1, "option": "x" * 5000, "action": "add"},
    ],
)
def test_a_malformed_vote_is_refused_clearly(workshop, delegate_client, data):
    make_poll(workshop)
    response = delegate_client.post(f"/w/{workshop.pk}/vote/", data, **HTMX)
    assert response.status_code == 400
    assert "not understood" in text(response)
    assert not Mark.objects.exists()


def test_a_vote_in_a_finished_workshop_is_refused(workshop, delegate_client):
    poll = make_poll(workshop)
    services.close_workshop(workshop=workshop)
    response = tap(delegate_client, poll, "Training", "add")
    assert response.status_code == 409
    assert "finished" in text(response)


def test_an_outsider_cannot_control_the_vote(workshop, outsider_client):
    poll = make_poll(workshop, open_=False)
    response = outsider_client.post(
        f"/console/workshops/{workshop.pk}/polls/{poll.pk}/", {"action": "open"}
    )
    assert response.status_code == 404
    poll.refresh_from_db()
    assert not poll.is_open


def test_controls_open_close_reveal_and_hide(workshop, facilitator_client):
    poll = make_poll(workshop, open_=False)
    url = f"/console/workshops/{workshop.pk}/polls/{poll.pk}/"
    facilitator_client.post(url, {"action": "open", "seconds": 90})
    poll.refresh_from_db()
    assert poll.is_open
    assert poll.closes_at is not None
    answer = facilitator_client.post(url, {"action": "close"}, **HTMX)
    assert "Voting is closed" in text(answer)
    facilitator_client.post(url, {"action": "reveal"})
    poll.refresh_from_db()
    assert poll.revealed
    facilitator_client.post(url, {"action": "hide"})
    poll.refresh_from_db()
    assert not poll.revealed
    bad = facilitator_client.post(url, {"action": "open", "seconds": 2})
    assert bad.status_code == 400


def phone(workshop) -> Client:
    client = Client()
    join(client, workshop)
    return client


def keys_in(html: str) -> list[str]:
    return re.findall(r'name="key" value="([0-9a-f-]{36})"', html)


def test_ballot_keys_survive_a_redraw_and_change_with_the_ballot(workshop, delegate_client):
    poll = make_poll(workshop)
    delegate = delegate_client.delegate
    first = keys_in(render_ballot(poll, delegate.pk))
    again = keys_in(render_ballot(poll, delegate.pk))  # e.g. after a reconnect
    assert first == again
    assert len(set(first)) == len(first) == len(OPTIONS)  # one per option (no clear yet)
    tap(delegate_client, poll, "Training", "add", key=first[1])
    after = keys_in(render_ballot(poll, delegate.pk))
    assert not set(after) & set(first)
    other = join(Client(), workshop)
    assert not set(keys_in(render_ballot(poll, other.pk))) & set(first)


def test_one_delegates_key_cannot_block_another_delegates_vote(workshop, delegate_client):
    poll = make_poll(workshop)
    key = str(uuid.uuid4())
    tap(delegate_client, poll, "Training", "add", key=key)
    other = phone(workshop)
    answer = tap(other, poll, "Quality", "add", key=key)
    assert "Already counted" not in text(answer)
    assert scores(poll) == {"Training": 1, "Quality": 1}


def test_a_socket_vote_s_answer_is_its_ballot_drawn_for_it_whatever_the_room_drew_before(
    workshop,
):
    """Socket answers are drawn once per shape of ballot (`read.answers`) and filled in:
    each is exactly the delegate's ballot drawn for them, with their keys and their
    acknowledgement, and a changed option is drawn anew."""
    from sessions.voting.read import KnownBallot, answers, render_answer

    step = voting.add_vote_step(
        workshop=workshop,
        title="Pick",
        body="",
        settings=voting.PollSettings(kind="dots", options=["Changeovers", "Training"]),
    )
    services.show_step(workshop=workshop, step=step)
    poll = voting.open_poll(poll=step.poll)
    first = poll.options.order_by("position").first()
    delegates = [join(Client(), workshop, name) for name in ("Ana", "Ben", "Cy")]

    def answered(delegate, key: str) -> tuple[str, str]:
        outcome = voting.cast(
            workshop_id=workshop.pk,
            delegate_id=delegate.pk,
            poll_id=poll.pk,
            option_id=first.pk,
            action="add",
            key=key,
        )
        shared = render_answer(outcome, poll.pk, delegate.pk, key)
        known = KnownBallot(outcome.revision, outcome.options, outcome.marks)
        ack = {"key": key, "change": outcome.version}
        return shared, render_ballot(outcome.poll, delegate.pk, None, ack, known)

    seen = []
    for delegate in delegates:  # the same shape: one dot on the first option
        key = str(uuid.uuid4())
        shared, drawn = answered(delegate, key)
        assert shared == drawn
        assert f'data-ack="{key}"' in shared
        assert "slot" not in shared
        seen.append(shared)
    assert len(set(seen)) == 3  # each with its own keys and acknowledgement
    assert len(answers.drawn) == 1
    first.label = "Changeovers and set-ups"
    first.save()
    shared, drawn = answered(delegates[0], str(uuid.uuid4()))
    assert shared == drawn
    assert "Changeovers and set-ups" in shared
    assert len(answers.drawn) == 2  # two dots under the new label: a new shape

    # Over HTTP the forms carry the request's CSRF token (a fresh mask of its secret).
    request = RequestFactory().post(f"/w/{workshop.pk}/vote/")
    key = str(uuid.uuid4())
    outcome = voting.cast(
        workshop_id=workshop.pk,
        delegate_id=delegates[1].pk,
        poll_id=poll.pk,
        option_id=first.pk,
        action="add",
        key=key,
    )
    shared = render_answer(outcome, poll.pk, delegates[1].pk, key, request)
    known = KnownBallot(outcome.revision, outcome.options, outcome.marks)
    ack = {"key": key, "change": outcome.version}
    drawn = render_ballot(outcome.poll, delegates[1].pk, request, ack, known)
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    tokens = set(token.findall(shared))
    assert len(token.findall(shared)) == 3  # two options' forms and "clear"
    assert {_unmask_cipher_token(t) for t in tokens} == {request.META["CSRF_COOKIE"]}
    assert token.sub("", shared) == token.sub("", drawn)
