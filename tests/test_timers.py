"""Timers end out loud: a 1-2-4-All stage or a vote countdown that has run out says "Time is
up" on every screen, and the console offers the next stage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions.agenda import services
from sessions.ideas import services as ideas
from sessions.live.audiences import DELEGATE, FACILITATOR, PROJECTOR
from sessions.live.regions import render_regions
from sessions.models import Board, Poll
from sessions.voting import services as voting

pytestmark = pytest.mark.django_db

AUDIENCES = (DELEGATE, PROJECTOR, FACILITATOR)


def step_html(workshop, audience) -> str:
    return render_regions(workshop.pk, audience, ("step",)).html["step"]


@pytest.fixture
def board(workshop) -> Board:
    step = ideas.add_ideas_step(workshop=workshop, title="Ideas", prompt="How?", staged=True)
    services.show_step(workshop=workshop, step=step)
    return ideas.start_stage(board=step.board, stage=1)


def run_out(board: Board) -> None:
    Board.objects.filter(pk=board.pk).update(stage_ends_at=timezone.now() - timedelta(seconds=1))


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_stage_that_ran_out_says_time_is_up(workshop, board, audience):
    run_out(board)
    html = step_html(workshop, audience)
    assert "Stage 2 of 4" in html
    assert '<strong class="time-up">Time is up</strong>' in html
    assert "data-countdown" not in html
    assert " left" not in html


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_running_stage_counts_down_and_says_time_is_up_at_its_end(workshop, board, audience):
    html = step_html(workshop, audience)
    assert 'data-ended="Time is up"' in html
    assert "Time is up</strong>" not in html


def test_the_console_offers_the_next_stage_once_the_time_is_up(workshop, board):
    running = step_html(workshop, FACILITATOR)
    assert 'value="stage:2" formnovalidate class="next-stage"' in running
    assert "hidden>Next stage: stage 3 of 4</button>" in running  # shown by live.js at 0
    run_out(board)
    ended = step_html(workshop, FACILITATOR)
    assert "Next stage: stage 3 of 4</button>" in ended
    assert "hidden>Next stage" not in ended
    for audience in (DELEGATE, PROJECTOR):
        assert "Next stage" not in step_html(workshop, audience)


def test_the_last_stage_offers_no_next_stage(workshop, board):
    ideas.start_stage(board=board, stage=3)
    run_out(board)
    html = step_html(workshop, FACILITATOR)
    assert "Time is up" in html
    assert "Next stage" not in html
    assert "Stop the stages" in html


@pytest.fixture
def counted_vote(workshop) -> Poll:
    settings = voting.PollSettings(kind="single", options=["Yes", "No"])
    step = voting.add_vote_step(workshop=workshop, title="Go?", body="", settings=settings)
    services.show_step(workshop=workshop, step=step)
    return voting.open_poll(poll=Poll.objects.get(step=step), seconds=30)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_vote_countdown_that_ran_out_says_time_is_up(workshop, counted_vote, audience):
    running = step_html(workshop, audience)
    assert 'data-ended="Time is up · voting is closed"' in running
    Poll.objects.filter(pk=counted_vote.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    html = step_html(workshop, audience)
    assert '<strong class="time-up">Time is up</strong> · voting is closed' in html
    assert "data-countdown" not in html


def test_a_vote_closed_by_hand_after_its_countdown_says_closed(workshop, counted_vote):
    Poll.objects.filter(pk=counted_vote.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    voting.close_poll(poll=counted_vote)
    html = step_html(workshop, PROJECTOR)
    assert "Voting is closed" in html
    assert "Time is up" not in html
