"""The batched vote writer (`sessions.voting.writer`), on the database the suite runs against
(SQLite by default, PostgreSQL with DATABASE_URL) and the real channel layer.

Votes sent together with `asyncio.gather` are queued before the writer's drain task first
runs, so they are written as one batch: one transaction, the votes written together (or, if
the database refuses that, a second transaction with a savepoint each).
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from contextlib import ExitStack

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection, connections, transaction

from sessions.agenda import services
from sessions.agenda.services import FINISHED
from sessions.errors import Conflict, Refused
from sessions.joining import services as joining
from sessions.live import broadcast
from sessions.models import Ballot, Change, Mark, Poll, Workshop
from sessions.voting import services as voting
from sessions.voting.read import tally_poll
from sessions.voting.writer import VoteWriter
from tests.test_close_races import WAIT, is_write, waiting_for_a_lock
from tests.test_voting_invariants import BUDGET, CAP, dots_poll, stored_scores

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def _database_thread_disconnects():
    """The database thread's connection (the writer's, and the async ORM's) ends with the
    test, so none is left open on the test database."""
    yield
    await sync_to_async(connections.close_all)()


def setting_up(workshop, delegates: int) -> tuple[Poll, list[int], list[int]]:
    """An open dot vote on screen (4 dots each, at most 2 on an option), its option ids and
    the ids of `delegates` joined delegates."""
    poll = dots_poll(workshop)
    options = list(poll.options.values_list("pk", flat=True))
    joined = [
        joining.join_workshop(workshop=workshop, delegate_key=None, display_name=f"D{n}").pk
        for n in range(delegates)
    ]
    return poll, options, joined


def add(writer: VoteWriter, poll: Poll, workshop, delegate: int, option: int, key=None):
    return writer.cast(
        workshop_id=workshop.pk,
        delegate_id=delegate,
        poll_id=poll.pk,
        option_id=option,
        action="add",
        key=key or str(uuid.uuid4()),
    )


def ballots(poll: Poll) -> dict[int, dict[int, int]]:
    marks = Mark.objects.filter(ballot__poll=poll).values_list(
        "ballot__delegate_id", "option_id", "value"
    )
    stored: dict[int, dict[int, int]] = {}
    for delegate, option, value in marks:
        stored.setdefault(delegate, {})[option] = value
    return stored


async def test_a_refused_vote_in_a_batch_is_refused_alone(workshop):
    poll, options, (ann, bob) = await sync_to_async(setting_up)(workshop, 2)
    writer = VoteWriter()
    taps = [(ann, options[0]), (ann, options[0]), (ann, options[1]), (ann, options[1])]
    taps += [(ann, options[2]), (bob, options[0])]  # Ann's fifth dot is over her budget of 4
    outcomes = await asyncio.gather(
        *(add(writer, poll, workshop, who, option) for who, option in taps),
        return_exceptions=True,
    )
    assert writer.batches == 1
    refused = outcomes.pop(4)
    assert isinstance(refused, Conflict)
    assert refused.message == f"You have used all {BUDGET} dots. Take one off another option first."
    assert all(isinstance(o, voting.CastResult) and not o.replayed for o in outcomes)
    # Each answered with the version that shows it: the workshop's count of changes after
    # the batch committed.
    version = await sync_to_async(Change.objects.version_of)(workshop.pk)
    assert {o.version for o in outcomes} == {version}
    stored = await sync_to_async(ballots)(poll)
    assert stored == {ann: {options[0]: CAP, options[1]: CAP}, bob: {options[0]: 1}}
    # The refused vote's key was not spent with it: its change rolled back with its savepoint.
    assert await Change.objects.filter(key__startswith=f"{ann}:").acount() == 4


async def test_fifty_votes_sent_at_once_each_land_once(workshop):
    poll, options, delegates = await sync_to_async(setting_up)(workshop, 25)
    writer = VoteWriter()
    taps = [(d, options[n % len(options)]) for d in delegates for n in range(2)]
    outcomes = await asyncio.gather(*(add(writer, poll, workshop, d, o) for d, o in taps))
    assert writer.batches == 1
    assert all(not o.replayed for o in outcomes)
    version = await sync_to_async(Change.objects.version_of)(workshop.pk)
    assert {o.version for o in outcomes} == {version}

    def check() -> None:
        assert Change.objects.filter(workshop=workshop, key__isnull=False).count() == 50
        assert sum(stored_scores(poll).values()) == 50
        assert tally_poll(poll).as_dict() == {o: stored_scores(poll).get(o, 0) for o in options}
        for ballot in Ballot.objects.filter(poll=poll):
            assert ballot.spent == 2 == sum(ballot.marks.values_list("value", flat=True))

    await sync_to_async(check)()


async def test_a_key_sent_twice_in_one_batch_lands_once(workshop):
    poll, options, (ann,) = await sync_to_async(setting_up)(workshop, 1)
    writer = VoteWriter()
    key = str(uuid.uuid4())
    first, again = await asyncio.gather(
        add(writer, poll, workshop, ann, options[0], key),
        add(writer, poll, workshop, ann, options[0], key),
    )
    assert writer.batches == 1
    assert not first.replayed
    assert again.replayed
    assert await sync_to_async(ballots)(poll) == {ann: {options[0]: 1}}
    assert await Change.objects.filter(key=f"{ann}:{key}").acount() == 1


async def test_a_forged_vote_or_a_stranger_is_refused_and_the_rest_land(workshop, other_workshop):
    poll, options, (ann, bob) = await sync_to_async(setting_up)(workshop, 2)
    other_poll = await sync_to_async(dots_poll)(other_workshop)
    writer = VoteWriter()
    outcomes = await asyncio.gather(
        add(writer, poll, workshop, ann, options[0]),
        add(writer, other_poll, workshop, ann, options[0]),  # another workshop's vote
        add(writer, poll, workshop, bob, 10**9),  # not an option of this vote
        add(writer, poll, other_workshop, bob, options[0]),  # not joined there
        add(writer, poll, workshop, bob, options[1]),
        return_exceptions=True,
    )
    assert [type(o).__name__ for o in outcomes] == [
        "CastResult",
        "NotFound",
        "NotFound",
        "NotFound",
        "CastResult",
    ]
    assert outcomes[1].message == "That vote is not part of this workshop."
    assert outcomes[2].message == "That option is not part of this vote."
    assert await sync_to_async(ballots)(poll) == {ann: {options[0]: 1}, bob: {options[1]: 1}}


async def test_a_batch_pushes_once_per_audience(workshop):
    poll, options, delegates = await sync_to_async(setting_up)(workshop, 10)
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(broadcast.group_name(workshop.pk, "projector"), channel)
    writer = VoteWriter()
    await asyncio.gather(*(add(writer, poll, workshop, d, options[0]) for d in delegates))
    assert writer.batches == 1
    # Where no server loop runs, a push is sent before the commit's caller goes on, so what
    # the batch pushed has arrived.
    push = await asyncio.wait_for(layer.receive(channel), WAIT)
    assert push["type"] == broadcast.PUSH
    assert set(push["html"]) == {"results"}
    assert 'data-score="10' in push["html"]["results"]
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(channel), 0.5)
    await layer.group_discard(broadcast.group_name(workshop.pk, "projector"), channel)


def close_in_a_thread(workshop, after: threading.Event, record: list) -> threading.Thread:
    """The facilitator finishing the workshop on a connection of their own once `after` is
    set; `record` gets the backend pid (PostgreSQL) and the marks stored when the close held
    the workshop."""

    def close() -> None:
        try:
            assert after.wait(WAIT)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    record.append(("pid", cursor.fetchone()[0]))
            record.append(("started", None))
            with transaction.atomic():
                services.close_workshop(workshop=workshop)
                record.append(
                    ("seen", Mark.objects.filter(ballot__poll__step__workshop=workshop).count())
                )
        finally:
            connections.close_all()

    thread = threading.Thread(target=close)
    thread.start()
    return thread


async def test_a_close_while_a_batch_is_written_leaves_nothing_after_it(workshop):
    """The close starts when the batch is at its first write, having read everything its
    checks read: it waits for the batch (PostgreSQL: the workshop's share lock; SQLite: the
    write lock), so every vote stored was stored before the close."""
    poll, options, delegates = await sync_to_async(setting_up)(workshop, 10)
    postgresql = connection.vendor == "postgresql"
    at_first_write, close_done = threading.Event(), threading.Event()
    record: list[tuple[str, object]] = []

    def hold_first_write(execute, sql, params, many, context):
        if is_write(sql) and not at_first_write.is_set():
            at_first_write.set()
            deadline = time.monotonic() + WAIT
            while ("started", None) not in record and time.monotonic() < deadline:
                time.sleep(0.01)
            deadline = time.monotonic() + (WAIT if postgresql else 0.5)
            while not close_done.is_set() and time.monotonic() < deadline:
                pid = dict(record).get("pid")
                if postgresql and waiting_for_a_lock(pid):
                    break
                time.sleep(0.01)
        return execute(sql, params, many, context)

    # Held on the database thread, where the writer runs its batches.
    held = ExitStack()
    await database_sync_to_async(
        lambda: held.enter_context(connection.execute_wrapper(hold_first_write))
    )()
    closer = close_in_a_thread(workshop, at_first_write, record)
    writer = VoteWriter()
    try:
        outcomes = await asyncio.gather(
            *(add(writer, poll, workshop, d, options[0]) for d in delegates),
            return_exceptions=True,
        )
    finally:
        await database_sync_to_async(held.close)()
    close_done.set()
    await asyncio.to_thread(closer.join, WAIT * 2)
    assert not closer.is_alive()
    seen = dict(record)["seen"]
    stored = await Mark.objects.filter(ballot__poll=poll).acount()
    acked = [o for o in outcomes if isinstance(o, voting.CastResult)]
    assert stored == seen == len(acked) == len(delegates)
    assert (await Workshop.objects.aget(pk=workshop.pk)).is_closed


async def test_a_close_committed_while_a_batch_waits_refuses_the_whole_batch(workshop):
    """The votes are queued while the database thread is busy; the close commits on a
    connection of its own meanwhile; the batch then runs and finds the workshop finished."""
    poll, options, delegates = await sync_to_async(setting_up)(workshop, 10)
    busy, release = threading.Event(), threading.Event()

    def occupy() -> None:  # the database thread, busy with something else
        busy.set()
        assert release.wait(WAIT)

    occupied = asyncio.ensure_future(database_sync_to_async(occupy)())
    assert await asyncio.to_thread(busy.wait, WAIT)
    writer = VoteWriter()
    votes = asyncio.gather(
        *(add(writer, poll, workshop, d, options[0]) for d in delegates),
        return_exceptions=True,
    )
    record: list[tuple[str, object]] = []
    now = threading.Event()
    now.set()
    closer = close_in_a_thread(workshop, now, record)
    await asyncio.to_thread(closer.join, WAIT * 2)
    assert dict(record)["seen"] == 0
    release.set()
    await occupied
    outcomes = await votes
    assert writer.batches == 1
    assert [getattr(o, "message", o) for o in outcomes] == [FINISHED] * len(delegates)
    assert all(isinstance(o, Refused) for o in outcomes)
    assert await Mark.objects.filter(ballot__poll=poll).acount() == 0


async def test_a_vote_failing_otherwise_fails_alone_and_the_rest_land(workshop):
    """A vote that raises something other than a refusal (here a malformed command) undoes
    its savepoint, is tried again alone after the batch, and only its caller hears of it."""
    poll, options, (ann, bob) = await sync_to_async(setting_up)(workshop, 2)
    writer = VoteWriter()
    malformed = writer.cast(
        workshop_id=workshop.pk, delegate_id=ann, poll_id=poll.pk, option_id=options[1],
        action="add", colour="red",
    )  # fmt: skip
    outcomes = await asyncio.gather(
        add(writer, poll, workshop, ann, options[0]),
        malformed,
        add(writer, poll, workshop, bob, options[0]),
        return_exceptions=True,
    )
    assert writer.batches == 1
    assert isinstance(outcomes[0], voting.CastResult)
    assert isinstance(outcomes[1], TypeError)
    assert isinstance(outcomes[2], voting.CastResult)
    assert await sync_to_async(ballots)(poll) == {ann: {options[0]: 1}, bob: {options[0]: 1}}


async def test_a_batch_the_database_refuses_together_is_rolled_back_and_written_vote_by_vote(
    workshop, monkeypatch, caplog
):
    """The votes of a batch are written together with no savepoint of their own. If the
    database refuses them after some rows went in (here the statements ran, then a
    constraint failed), the whole transaction is rolled back and the votes are carried out
    one by one in a second one: each lands once, with one change each, and a refused vote
    is still refused alone."""
    from django.db import IntegrityError

    poll, options, (ann, bob) = await sync_to_async(setting_up)(workshop, 2)
    real = voting.cast_many
    calls = []

    def written_then_refused(commands, reads):
        calls.append(len(commands))
        real(commands, reads)  # its rows are written...
        raise IntegrityError("a constraint one vote broke")  # ...then the database refuses

    monkeypatch.setattr(voting, "cast_many", written_then_refused)
    versions = await sync_to_async(Change.objects.version_of)(workshop.pk)
    writer = VoteWriter()
    over = [add(writer, poll, workshop, ann, options[n % 2]) for n in range(BUDGET + 1)]
    outcomes = await asyncio.gather(
        *over, add(writer, poll, workshop, bob, options[2]), return_exceptions=True
    )
    assert calls == [BUDGET + 2]  # tried together once, in the one batch
    assert writer.batches == 1
    assert all(isinstance(outcome, voting.CastResult) for outcome in outcomes[:BUDGET])
    assert isinstance(outcomes[BUDGET], Conflict)  # the dot over the budget, refused alone
    assert isinstance(outcomes[BUDGET + 1], voting.CastResult)
    # Ann's dots alternate between two options: the budget is spent on them, CAP each.
    assert BUDGET == 2 * CAP
    assert await sync_to_async(ballots)(poll) == {
        ann: {options[0]: CAP, options[1]: CAP},
        bob: {options[2]: 1},
    }
    stored = await sync_to_async(stored_scores)(poll)
    assert sum(stored.values()) == BUDGET + 1
    assert await sync_to_async(Change.objects.version_of)(workshop.pk) == versions + BUDGET + 1
    assert "written together failed; writing each" in caplog.text


# Each kind's taps, in an order that moves marks around (a ranking's places shift when one is
# removed; a 2x2 option is rated on one axis, then the other, then cleared).
TAPS = {
    "dots": [("add", 0, None), ("add", 0, None), ("add", 1, None), ("remove", 0, None)],
    "single": [("pick", 0, None), ("pick", 1, None), ("pick", 1, None)],
    "multiple": [("pick", 0, None), ("pick", 2, None), ("pick", 0, None)],
    "scale": [("rate", 0, 4), ("rate", 1, 2), ("rate", 0, 5)],
    "ranking": [("rank", 2, None), ("rank", 0, None), ("rank", 1, None), ("unrank", 2, None)],
    "matrix": [("impact", 0, 4), ("effort", 1, 2), ("effort", 0, 1), ("clear", 0, None)],
}


@pytest.mark.parametrize("kind", sorted(TAPS))
async def test_the_answer_drawn_from_the_vote_equals_the_ballot_read_back(workshop, kind):
    """The socket's acknowledgement draws the delegate's ballot from what their vote left,
    without reading it back: after every tap it must be exactly the ballot a fresh read
    draws (the same marks, what is left, and the same keys for the next taps)."""
    from sessions.live.consumers import WorkshopConsumer
    from sessions.voting.forms import VoteForm
    from sessions.voting.read import render_ballot

    def make() -> tuple[Poll, list[int], int]:
        step = voting.add_vote_step(
            workshop=workshop,
            title="Which first?",
            body="",
            settings=voting.PollSettings(kind=kind, options=["Setup", "Flow", "Scrap"]),
        )
        services.show_step(workshop=workshop, step=step)
        voting.open_poll(poll=step.poll)
        poll = Poll.objects.select_related("step").get(pk=step.poll.pk)
        options = list(poll.options.values_list("pk", flat=True))
        joined = joining.join_workshop(workshop=workshop, delegate_key=None, display_name="Ann")
        return poll, options, joined.pk

    poll, options, delegate = await sync_to_async(make)()
    socket = WorkshopConsumer()
    socket.workshop_id = workshop.pk
    writer = VoteWriter()
    for action, option, value in TAPS[kind]:
        message = {"type": "vote", "poll": poll.pk, "option": options[option], "action": action,
                   "key": str(uuid.uuid4())}  # fmt: skip
        if value is not None:
            message["value"] = value
        form = VoteForm(message)
        assert form.is_valid(), form.errors
        answered = await writer.cast(
            workshop_id=workshop.pk,
            delegate_id=delegate,
            answer=lambda outcome, form=form: socket.ack(form, delegate, outcome),
            **form.command(),
        )
        version = await sync_to_async(Change.objects.version_of)(workshop.pk)
        ack = {"key": form.command_key(), "change": version}
        fresh = await sync_to_async(render_ballot)(poll, delegate, ack=ack)
        assert 'data-ack="' in answered
        assert answered == fresh, f"after {action} on option {option}"


ACTIONS_TRIED = {
    "dots": ["add", "add", "add", "remove", "clear", "pick"],
    "single": ["pick", "pick", "clear", "add"],
    "multiple": ["pick", "pick", "pick", "clear", "rank"],
    "scale": ["rate", "rate", "clear", "add"],
    "ranking": ["rank", "rank", "rank", "unrank", "clear", "pick"],
    "matrix": ["impact", "effort", "effort", "clear", "rate"],
}


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("kind", sorted(ACTIONS_TRIED))
async def test_votes_written_together_land_as_they_would_one_by_one(workshop, kind, seed, caplog):
    """The writer carries a batch out in a few statements (`voting.cast_many`). Sixty taps
    of three delegates (repeated and forged keys, options that are not the vote's, values
    out of range, actions that do not fit, budgets and caps overrun), sent in batches to
    one vote and one by one (`voting.cast`) to its twin, must give the same answer each
    and leave the same ballots and marks."""
    import random

    rng = random.Random(f"{kind}-{seed}")

    def make() -> tuple[list[Poll], list[list[int]], list[int]]:
        polls, options = [], []
        for title in ("Together", "One by one"):
            step = voting.add_vote_step(
                workshop=workshop,
                title=title,
                body="",
                settings=voting.PollSettings(
                    kind=kind, options=["A", "B", "C", "D"], budget=5, per_option_max=2,
                    max_picks=2,
                ),
            )  # fmt: skip
            voting.open_poll(poll=step.poll)
            polls.append(Poll.objects.get(pk=step.poll.pk))
            options.append(list(step.poll.options.values_list("pk", flat=True)))
        joined = [
            joining.join_workshop(workshop=workshop, delegate_key=None, display_name=n).pk
            for n in ("Ann", "Bob", "Cy")
        ]
        return polls, options, joined

    polls, options, delegates = await sync_to_async(make)()
    taps = []
    for _ in range(60):
        earlier = [t for t in taps if t["key"]]
        key = rng.choice(earlier)["key"] if earlier and rng.random() < 0.15 else None
        taps.append({
            "delegate": rng.randrange(3), "action": rng.choice(ACTIONS_TRIED[kind]),
            "option": rng.choice([0, 1, 2, 3, 3, None, "forged"]),
            "value": rng.choice([None, 1, 2, 3, 4, 5, 0, 6]),
            "key": key or uuid.uuid4().hex,
        })  # fmt: skip

    def command(which: int, tap: dict) -> dict:
        option = tap["option"]
        return {
            "workshop_id": workshop.pk,
            "delegate_id": delegates[tap["delegate"]],
            "poll_id": polls[which].pk,
            "option_id": 999_999 if option == "forged" else
                         None if option is None else options[which][option],
            "action": tap["action"],
            "value": tap["value"],
            "key": f"{which}-{tap['key']}",
        }  # fmt: skip

    def answer(outcome) -> tuple:
        if isinstance(outcome, Refused):
            return (type(outcome).__name__, str(outcome.message))
        assert isinstance(outcome, voting.CastResult), outcome
        marks = None if outcome.marks is None else sorted(outcome.marks.values(), key=repr)
        return ("landed", outcome.replayed, marks, outcome.revision if marks else None)

    writer = VoteWriter()
    together = []
    start = 0
    while start < len(taps):
        size = rng.randint(1, 12)
        sent = [writer.cast(**command(0, tap)) for tap in taps[start : start + size]]
        together += await asyncio.gather(*sent, return_exceptions=True)
        start += size

    def one_by_one() -> list:
        answers = []
        for tap in taps:
            try:
                answers.append(voting.cast(**command(1, tap)))
            except Refused as refused:
                answers.append(refused)
        return answers

    alone = await sync_to_async(one_by_one)()
    assert [answer(o) for o in together] == [answer(o) for o in alone]
    assert any(isinstance(o, voting.CastResult) and not o.replayed for o in together)

    def stored(which: int) -> dict:
        place = {pk: i for i, pk in enumerate(options[which])}
        ballots = {
            b.delegate_id: (b.spent, b.allowance, b.revision)
            for b in Ballot.objects.filter(poll=polls[which])
        }
        marks = sorted(
            (m.ballot.delegate_id, place[m.option_id], m.value, m.effort, m.rank, m.cap)
            for m in Mark.objects.filter(ballot__poll=polls[which]).select_related("ballot")
        )
        return {"ballots": ballots, "marks": marks}

    assert await sync_to_async(stored)(0) == await sync_to_async(stored)(1)
    # Written together, not one by one after a failed attempt.
    assert not [r for r in caplog.records if r.name == "sessions.voting.writer"]


async def test_frames_due_together_are_drawn_together_with_one_tally(workshop, monkeypatch):
    """A vote marks the results of every audience; the projector's, the consoles' and the
    phones' flushes fall due in the same turn of the loop and are drawn in one call on the
    database thread: at one version, with the vote's tally computed once for all three."""
    from sessions.live.broadcast import Coalescer
    from sessions.voting import read

    poll, options, (ann,) = await sync_to_async(setting_up)(workshop, 1)
    await sync_to_async(voting.cast)(
        workshop_id=workshop.pk, delegate_id=ann, poll_id=poll.pk, option_id=options[0],
        action="add", key=None,
    )  # fmt: skip
    tallied: list[int] = []
    tally = read._tally
    monkeypatch.setattr(read, "_tally", lambda p: tallied.append(p.pk) or tally(p))
    layer = get_channel_layer()
    channels = {}
    for audience in ("projector", "facilitator", "delegate"):
        channels[audience] = await layer.new_channel()
        await layer.group_add(broadcast.group_name(workshop.pk, audience), channels[audience])
    coalescer = Coalescer()
    coalescer.attach(asyncio.get_running_loop())
    coalescer.mark_soon(workshop.pk, frozenset({"results"}))
    pushes = {
        audience: await asyncio.wait_for(layer.receive(channel), WAIT)
        for audience, channel in channels.items()
    }
    version = await sync_to_async(Change.objects.version_of)(workshop.pk)
    assert {push["version"] for push in pushes.values()} == {version}
    for push in pushes.values():
        assert set(push["html"]) == {"results"}
    assert 'data-score="1"' in pushes["projector"]["html"]["results"]
    assert tallied == [poll.pk]
    # The next vote, within the interval: the projector's and the consoles' flushes were
    # pushed together, so they fall due together again (at the same instant, not a few
    # microseconds apart, when a busy loop would run them in two turns) and share one
    # drawing and one tally.
    sent = coalescer.last_sent
    assert sent[(workshop.pk, "projector")] == sent[(workshop.pk, "facilitator")]
    await sync_to_async(voting.cast)(
        workshop_id=workshop.pk, delegate_id=ann, poll_id=poll.pk, option_id=options[0],
        action="add", key=None,
    )  # fmt: skip
    for channel in channels.values():  # pushed at once, where no server loop runs
        await asyncio.wait_for(layer.receive(channel), WAIT)
    tallied.clear()
    coalescer.mark_soon(workshop.pk, frozenset({"results"}))
    for audience in ("projector", "facilitator"):
        push = await asyncio.wait_for(layer.receive(channels[audience]), WAIT)
        assert 'data-score="2"' in push["html"]["results"]
    assert tallied == [poll.pk]
    for audience, channel in channels.items():
        await layer.group_discard(broadcast.group_name(workshop.pk, audience), channel)
