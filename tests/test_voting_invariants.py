"""The vote's invariants under random sequences and under concurrency.

- Property: over random casts, moves, retractions, duplicate deliveries, closes and reopens,
  the projector's final snapshot equals the tally computed from stored ballots, which equals
  a simple model of what was accepted, and no ballot passes its limits.
- Concurrency: many threads voting for one delegate and for many delegates at once, on the
  database the suite runs against (PostgreSQL in CI's production run, SQLite otherwise).
"""

from __future__ import annotations

import contextlib
import random
import re
import threading
import uuid
from collections import Counter

import pytest
from django.db import connections
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions.agenda import services
from sessions.errors import Refused
from sessions.joining import services as joining
from sessions.live import audiences, regions
from sessions.models import Ballot, Delegate, Mark, Poll
from sessions.voting import services as voting
from sessions.voting.read import tally_poll

OPTIONS = ["Changeovers", "Training", "Data entry", "Maintenance", "Scheduling"]
BUDGET = 4
CAP = 2


def dots_poll(workshop) -> Poll:
    step = voting.add_vote_step(
        workshop=workshop,
        title="Pick the challenge",
        body="",
        settings=voting.PollSettings(
            kind="dots", options=OPTIONS, budget=BUDGET, per_option_max=CAP, show_live=True
        ),
    )
    services.show_step(workshop=workshop, step=step)
    voting.open_poll(poll=step.poll)
    return Poll.objects.get(pk=step.poll.pk)


def projector_scores(workshop) -> dict[int, int]:
    html = regions.render_regions(workshop.pk, audiences.PROJECTOR, ("results",)).joined()
    return {
        int(option): int(float(score))
        for option, score in re.findall(r'data-option="(\d+)" data-score="([\d.]+)"', html)
    }


def stored_scores(poll: Poll) -> dict[int, int]:
    rows = Mark.objects.filter(ballot__poll=poll).values("option_id").annotate(s=Sum("value"))
    return {row["option_id"]: row["s"] for row in rows}


# One step of a random session: a delegate taps, a message is delivered twice, or the
# facilitator closes or reopens the vote.
tap = st.tuples(
    st.just("tap"),
    st.integers(0, 3),  # delegate
    st.sampled_from(["add", "add", "remove", "clear"]),
    st.integers(0, len(OPTIONS) - 1),
    st.booleans(),  # delivered twice
)
control = st.tuples(st.sampled_from(["close", "open"]))


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=st.lists(st.one_of(tap, tap, tap, control), max_size=40))
def test_projector_tally_equals_stored_ballots_equals_what_was_accepted(workshop, events):
    Poll.objects.filter(step__workshop=workshop).delete()
    poll = dots_poll(workshop)
    delegates = list(Delegate.objects.filter(event=workshop.event)[:4])
    while len(delegates) < 4:
        delegates.append(
            joining.join_workshop(workshop=workshop, delegate_key=None, display_name="")
        )
    option_ids = list(poll.options.values_list("pk", flat=True))
    model = {d.pk: Counter() for d in delegates}
    is_open = True
    for event in events:
        if event[0] in {"close", "open"}:
            (voting.close_poll if event[0] == "close" else voting.open_poll)(poll=poll)
            is_open = event[0] == "open"
            continue
        _, who, action, which, twice = event
        delegate, option = delegates[who], option_ids[which]
        key = str(uuid.uuid4())
        expected = apply_to_model(model[delegate.pk], action, option) if is_open else None
        for _delivery in range(2 if twice else 1):
            with contextlib.suppress(Refused):
                voting.cast(
                    poll_id=poll.pk,
                    workshop_id=workshop.pk,
                    delegate_id=delegate.pk,
                    option_id=option,
                    action=action,
                    key=key,
                )
        if expected is not None:
            model[delegate.pk] = expected
    accepted = Counter()
    for counts in model.values():
        accepted.update(counts)
    assert stored_scores(poll) == {o: n for o, n in accepted.items() if n}
    assert projector_scores(workshop) == {o: accepted.get(o, 0) for o in option_ids}
    assert tally_poll(poll).as_dict() == {o: accepted.get(o, 0) for o in option_ids}
    for ballot in Ballot.objects.filter(poll=poll):
        marks = dict(ballot.marks.values_list("option_id", "value"))
        assert ballot.spent == sum(marks.values()) <= BUDGET
        assert all(1 <= v <= CAP for v in marks.values())


def apply_to_model(counts: Counter, action: str, option: int) -> Counter:
    """What an accepted tap does; an over-limit tap leaves the ballot as it was."""
    after = Counter(counts)
    if action == "clear":
        return Counter()
    if action == "add":
        if sum(after.values()) < BUDGET and after[option] < CAP:
            after[option] += 1
    elif after[option]:
        after[option] -= 1
    return +after


# --- concurrency ---------------------------------------------------------------------------


def run_threads(target, arguments: list[tuple]) -> None:
    barrier = threading.Barrier(len(arguments))

    def run(*args):
        try:
            barrier.wait()
            target(*args)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=args) for args in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)


@pytest.mark.django_db(transaction=True)
def test_concurrent_taps_from_one_delegate_never_pass_the_limits(workshop):
    poll = dots_poll(workshop)
    delegate = joining.join_workshop(workshop=workshop, delegate_key=None, display_name="")
    option_ids = list(poll.options.values_list("pk", flat=True))
    accepted, refused = [], []
    lock = threading.Lock()
    keys = [str(uuid.uuid4()) for _ in range(12)]

    def vote(key: str, option: int) -> None:
        try:
            outcome = voting.cast(
                poll_id=poll.pk, workshop_id=workshop.pk, delegate_id=delegate.pk,
                option_id=option, action="add", key=key,
            )  # fmt: skip
        except Refused:
            with lock:
                refused.append(key)
        else:
            with lock:
                (accepted if not outcome.replayed else []).append(key)

    # 24 requests: every key delivered twice (two tabs, double taps), all at once.
    arguments = [(key, random.choice(option_ids)) for key in keys for _ in range(2)]
    random.shuffle(arguments)
    run_threads(vote, arguments)
    ballot = Ballot.objects.get(poll=poll, delegate=delegate)
    marks = dict(ballot.marks.values_list("option_id", "value"))
    assert ballot.spent == sum(marks.values()) == len(set(accepted)) <= BUDGET
    assert len(accepted) == len(set(accepted))  # no key counted twice
    assert all(v <= CAP for v in marks.values())


@pytest.mark.django_db(transaction=True)
def test_many_delegates_voting_at_once_are_each_counted_exactly_once(workshop):
    poll = dots_poll(workshop)
    delegates = [
        joining.join_workshop(workshop=workshop, delegate_key=None, display_name="")
        for _ in range(16)
    ]
    option_ids = list(poll.options.values_list("pk", flat=True))
    accepted: list[tuple[int, int]] = []
    lock = threading.Lock()

    def voter(delegate_id: int) -> None:
        rng = random.Random(delegate_id)
        for _ in range(BUDGET):
            option = rng.choice(option_ids)
            key = str(uuid.uuid4())
            for _delivery in range(2):
                try:
                    outcome = voting.cast(
                        poll_id=poll.pk, workshop_id=workshop.pk, delegate_id=delegate_id,
                        option_id=option, action="add", key=key,
                    )  # fmt: skip
                except Refused:
                    continue
                if not outcome.replayed:
                    with lock:
                        accepted.append((delegate_id, option))

    run_threads(voter, [(d.pk,) for d in delegates])
    expected = Counter(option for _, option in accepted)
    assert stored_scores(poll) == dict(expected)
    assert tally_poll(poll).as_dict() == {o: expected.get(o, 0) for o in option_ids}
    for ballot in Ballot.objects.filter(poll=poll):
        assert ballot.spent <= BUDGET
        assert ballot.spent == Counter(d for d, _ in accepted)[ballot.delegate_id]


@pytest.mark.django_db(transaction=True)
def test_no_vote_lands_after_the_close_commits(workshop):
    poll = dots_poll(workshop)
    delegates = [
        joining.join_workshop(workshop=workshop, delegate_key=None, display_name="")
        for _ in range(12)
    ]
    option = poll.options.first().pk
    results: dict[str, list] = {"accepted": [], "refused": []}
    lock = threading.Lock()

    def act(delegate_id: int | None) -> None:
        if delegate_id is None:
            voting.close_poll(poll=poll)
            return
        try:
            voting.cast(
                poll_id=poll.pk, workshop_id=workshop.pk, delegate_id=delegate_id,
                option_id=option, action="add", key=str(uuid.uuid4()),
            )  # fmt: skip
            with lock:
                results["accepted"].append(delegate_id)
        except Refused:
            with lock:
                results["refused"].append(delegate_id)

    run_threads(act, [(d.pk,) for d in delegates] + [(None,)])
    stored = Mark.objects.filter(ballot__poll=poll).aggregate(s=Sum("value"))["s"] or 0
    assert stored == len(results["accepted"])
    assert len(results["accepted"]) + len(results["refused"]) == len(delegates)
    # After the close, nothing more lands.
    with pytest.raises(Refused):
        voting.cast(
            poll_id=poll.pk, workshop_id=workshop.pk, delegate_id=delegates[0].pk,
            option_id=option, action="add", key=str(uuid.uuid4()),
        )  # fmt: skip
