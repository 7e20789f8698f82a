"""The Q&A's counts under random sequences: after asks, upvotes, withdrawals, hides, shows,
closes and replays, every screen shows for each question the number of upvote rows stored,
which is what a simple model of the accepted commands says."""

from __future__ import annotations

import contextlib
import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions.errors import Refused
from sessions.joining import services as joining
from sessions.live import audiences, regions
from sessions.models import Delegate, Question, QuestionBoard, Upvote
from sessions.questions import services as qa

PEOPLE = 4

# Each count as drawn: the item's question id, then its count.
DRAWN = {
    audiences.DELEGATE: re.compile(
        r'data-question="(\d+)".*?<span class="qa-count">(\d+)</span>', re.DOTALL
    ),
    audiences.FACILITATOR: re.compile(r'data-question="(\d+)">.*?▲ (\d+) ·', re.DOTALL),
    audiences.PROJECTOR: re.compile(
        r'data-question="(\d+)".*?<span aria-hidden="true">▲ </span>(\d+)<', re.DOTALL
    ),
}


def shown_counts(workshop, audience: str) -> dict[int, int]:
    html = regions.render_regions(workshop.pk, audience, ("questions",)).joined()
    return {int(q): int(n) for q, n in DRAWN[audience].findall(html)}


def stored_counts(workshop) -> dict[int, int]:
    questions = Question.objects.filter(board__workshop=workshop)
    return {q.pk: Upvote.objects.filter(question=q).count() for q in questions}


ask = st.tuples(st.just("ask"), st.integers(0, PEOPLE - 1), st.booleans())
vote = st.tuples(
    st.just("vote"),
    st.integers(0, PEOPLE - 1),
    st.integers(0, 5),  # which question (by order asked), if it exists
    st.booleans(),  # up, or take back
    st.booleans(),  # delivered twice
)
moderate = st.tuples(st.sampled_from(["hide", "show"]), st.integers(0, 5))
switch = st.tuples(st.sampled_from(["close", "open"]))


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=st.lists(st.one_of(ask, vote, vote, vote, moderate, switch), max_size=40))
def test_every_screen_shows_the_stored_upvotes_and_what_was_accepted(workshop, events):
    QuestionBoard.objects.filter(workshop=workshop).delete()
    qa.open_questions(workshop=workshop)
    qa.set_question_settings(workshop=workshop, projector="instead")
    delegates = list(Delegate.objects.filter(event=workshop.event)[:PEOPLE])
    while len(delegates) < PEOPLE:
        delegates.append(
            joining.join_workshop(workshop=workshop, delegate_key=None, display_name="")
        )
    asked: list[int] = []
    hidden: set[int] = set()
    model: set[tuple[int, int]] = set()  # (delegate, question) upvotes accepted
    is_open = True
    for event in events:
        kind = event[0]
        if kind in {"open", "close"}:
            qa.open_questions(workshop=workshop, is_open=kind == "open")
            is_open = kind == "open"
        elif kind == "ask":
            with contextlib.suppress(Refused):
                question = qa.ask(
                    workshop_id=workshop.pk,
                    delegate_id=delegates[event[1]].pk,
                    text=f"Question {len(asked)}",
                    name_shown=event[2],
                )
                assert question is not None
                asked.append(question.pk)
        elif kind in {"hide", "show"}:
            if event[1] < len(asked):
                question_id = asked[event[1]]
                qa.moderate_question(workshop=workshop, question_id=question_id, action=kind)
                (hidden.add if kind == "hide" else hidden.discard)(question_id)
        else:
            _, who, which, up, twice = event
            if which >= len(asked):
                continue
            delegate, question_id = delegates[who].pk, asked[which]
            pair = (delegate, question_id)
            accepted = is_open and question_id not in hidden and (pair in model) != up
            key = str(uuid.uuid4())
            for _delivery in range(2 if twice else 1):
                with contextlib.suppress(Refused):
                    qa.upvote(
                        workshop_id=workshop.pk,
                        delegate_id=delegate,
                        question_id=question_id,
                        up=up,
                        key=key,
                    )
            if accepted:
                (model.add if up else model.discard)(pair)
    expected = {q: sum(1 for _d, asked_q in model if asked_q == q) for q in asked}
    assert stored_counts(workshop) == expected
    visible = {q: n for q, n in expected.items() if q not in hidden}
    # Phones show the questions while they are open (the projector and console always).
    assert shown_counts(workshop, audiences.DELEGATE) == (visible if is_open else {})
    assert shown_counts(workshop, audiences.FACILITATOR) == expected
    on_projector = shown_counts(workshop, audiences.PROJECTOR)
    assert on_projector == {q: visible[q] for q in on_projector}
    assert len(on_projector) == min(len(visible), 5)
