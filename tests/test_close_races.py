"""A workshop's close racing each of the five delegate writes leaves nothing stored after it.

Each race runs on the database the suite runs against (SQLite by default, PostgreSQL with
DATABASE_URL), in two threads with their own connections: a delegate's write, and the
facilitator finishing the workshop. The write is held at its first write statement, after it
has read everything its checks read, and the close starts then: the narrowest window, where a
write that does not take the workshop's lock reads "not finished", lets the close commit, and
stores its row after it. The write waits there until the close has committed, or until the
close is seen waiting for a lock (PostgreSQL tells; SQLite, which runs one writing
transaction at a time, is given half a second).

What is asserted is read from the database: the close, once it holds the workshop, counts
the rows stored so far in its own transaction, and no more rows are stored afterwards. So
either the write was refused, or it was stored and the close came after it.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pytest
from django.db import connection, connections, transaction

from sessions.agenda import services
from sessions.commitments import services as commitments
from sessions.errors import Refused
from sessions.ideas import services as ideas
from sessions.ideas import suggestions
from sessions.joining import services as joining
from sessions.models import (
    ClusterSuggestion,
    Commitment,
    Idea,
    Mark,
    PulseAnswer,
    Workshop,
)
from sessions.pulse import services as pulse
from sessions.voting import services as voting

WAIT = 30  # seconds any thread waits for another before the test fails


@dataclass
class Race:
    write: Callable[[], object]  # the delegate's write
    stored: Callable[[], int]  # how many of its rows are stored


def delegate_of(workshop: Workshop) -> int:
    return joining.join_workshop(workshop=workshop, delegate_key=None, display_name="Dana").pk


def vote(workshop: Workshop) -> Race:
    step = voting.add_vote_step(
        workshop=workshop,
        title="Pick the challenge",
        body="",
        settings=voting.PollSettings(kind="dots", options=["Changeovers", "Training"]),
    )
    voting.open_poll(poll=step.poll)
    option = step.poll.options.first().pk
    delegate = delegate_of(workshop)
    return Race(
        write=partial(
            voting.cast,
            poll_id=step.poll.pk,
            workshop_id=workshop.pk,
            delegate_id=delegate,
            option_id=option,
            action="add",
            key=str(uuid.uuid4()),
        ),
        stored=lambda: Mark.objects.filter(ballot__poll=step.poll).count(),
    )


def idea(workshop: Workshop) -> Race:
    step = ideas.add_ideas_step(workshop=workshop, title="Generate", prompt="How might we?")
    ideas.open_board(board=step.board)
    delegate = delegate_of(workshop)
    return Race(
        write=partial(
            ideas.submit_idea,
            workshop_id=workshop.pk,
            delegate_id=delegate,
            board_id=step.board.pk,
            text="Shadow boards",
            key=str(uuid.uuid4()),
        ),
        stored=lambda: Idea.objects.filter(board=step.board).count(),
    )


def theme(workshop: Workshop) -> Race:
    step = ideas.add_ideas_step(
        workshop=workshop, title="Generate", prompt="How might we?", delegates_suggest=True
    )
    ideas.open_board(board=step.board)
    delegate = delegate_of(workshop)
    sent = ideas.submit_idea(
        workshop_id=workshop.pk, delegate_id=delegate, board_id=step.board.pk, text="Kits"
    )
    return Race(
        write=partial(
            suggestions.suggest_cluster,
            workshop_id=workshop.pk,
            delegate_id=delegate,
            idea_id=sent.pk,
            cluster_id=None,
            name="Tooling",
            key=str(uuid.uuid4()),
        ),
        stored=lambda: ClusterSuggestion.objects.filter(idea=sent).count(),
    )


def commitment(workshop: Workshop) -> Race:
    step = commitments.add_commit_step(workshop=workshop, title="Commit")
    delegate = delegate_of(workshop)
    today = workshop.event.local_today()
    card = commitments.Card(
        action="time every changeover on line 2",
        first_step_when="When the Monday shift starts",
        first_step_then="put a stopwatch by the press",
        first_step_on=today,
        measure="changeovers under 20 minutes",
        done_by=today,
    )
    return Race(
        write=partial(
            commitments.make_commitment,
            workshop_id=workshop.pk,
            delegate_id=delegate,
            step_id=step.pk,
            card=card,
            key=str(uuid.uuid4()),
        ),
        stored=lambda: Commitment.objects.filter(step=step).count(),
    )


def pulse_answer(workshop: Workshop) -> Race:
    step = pulse.add_pulse_step(workshop=workshop)
    pulse.open_pulse(pulse=step.pulse)
    delegate = delegate_of(workshop)
    return Race(
        write=partial(
            pulse.answer_pulse,
            workshop_id=workshop.pk,
            delegate_id=delegate,
            pulse_id=step.pulse.pk,
            usefulness=4,
            word="Useful",
            key=str(uuid.uuid4()),
        ),
        stored=lambda: PulseAnswer.objects.filter(pulse=step.pulse).count(),
    )


def is_write(sql: str) -> bool:
    return sql.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}


def waiting_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("setup", [vote, idea, theme, commitment, pulse_answer])
def test_a_close_racing_a_delegate_write_leaves_nothing_stored_after_it(workshop, setup):
    race = setup(workshop)
    assert race.stored() == 0
    postgresql = connection.vendor == "postgresql"
    at_first_write, close_started, close_done = (threading.Event() for _ in range(3))
    close_pid: list[int] = []
    seen_by_close: list[int] = []
    outcome: list[str] = []
    barrier = threading.Barrier(2)

    def hold_first_write(execute, sql, params, many, context):
        if is_write(sql) and not at_first_write.is_set():
            at_first_write.set()
            assert close_started.wait(WAIT)
            deadline = time.monotonic() + (WAIT if postgresql else 0.5)
            while not close_done.is_set() and time.monotonic() < deadline:
                if postgresql and waiting_for_a_lock(close_pid[0]):
                    break
                time.sleep(0.01)
        return execute(sql, params, many, context)

    def write() -> None:
        barrier.wait(WAIT)
        with connection.execute_wrapper(hold_first_write):
            try:
                race.write()
            except Refused:
                outcome.append("refused")
            else:
                outcome.append("stored")

    def close() -> None:
        barrier.wait(WAIT)
        assert at_first_write.wait(WAIT)
        if postgresql:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                close_pid.append(cursor.fetchone()[0])
        close_started.set()
        # On SQLite the close's transaction starts only once the write's has ended.
        with transaction.atomic():
            services.close_workshop(workshop=workshop)
            # The close holds the workshop: what is stored now is what came before it.
            seen_by_close.append(race.stored())
        close_done.set()

    def run(target) -> None:
        try:
            target()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(target,)) for target in (write, close)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT * 2)
    assert not any(thread.is_alive() for thread in threads)
    assert Workshop.objects.get(pk=workshop.pk).is_closed
    assert len(outcome) == len(seen_by_close) == 1
    assert race.stored() == seen_by_close[0] == (1 if outcome[0] == "stored" else 0)
