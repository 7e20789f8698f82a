"""The process's batched writer of the room's taps: the dot votes and the Q&A's upvotes that
arrive together are written together.

A socket vote is a transaction of about ten statements (`voting.services.cast_in`); run one
at a time on the process's one database thread, a room voting at once queues behind the
commits. The writer gathers the votes that arrive while the database is busy (and a few
milliseconds more after the first of a quiet spell), and carries them out in one
call to the process's database thread and one transaction:

- the batch takes each workshop's lock once (`delegate_command`'s preamble: the
  workshop's share lock on PostgreSQL, so a close waits for the batch and nothing commits
  after it) and reads each poll once (`voting.BatchReads`); then its votes are written
  together (`voting.cast_many`: the same checks, refusals and messages as `cast_in`, the
  code of an HTTP vote, against the state the batch's earlier votes leave; the locked
  attendances, the scoped keys, the same constraints), with no savepoint of their own. A
  refused vote is refused alone: its caller gets the `Refused`, the others land.
- if the database refuses the votes together (a constraint one of them broke), that
  transaction is rolled back and a second one carries out each vote with `cast_in` in a
  savepoint of its own: a refusal, or any other error, undoes its own savepoint only, and
  a vote that failed with an error is tried again alone, in a transaction of its own,
  after the batch.
- if the batch's transaction fails as a whole (a deadlock, a serialization failure, a lost
  connection, a failed commit), every vote is tried again alone, so one cannot fail the
  rest. A vote with a key that did land is then answered as replayed, as any retry is.
- nothing is answered before its transaction has committed. The pushes of a batch are
  gathered (`broadcast.gathered`): one mark per workshop, not one per vote.

An upvote (`upvote`) rides the same batches: in the same transaction, after the batch's
votes, the batch's upvotes written together by `questions.services.upvote_many` (each
decided alone, refused alone; the same preamble, refusals, key and constraints as
`questions.services.upvote_in`, the code of an upvote alone), or if the database refuses
that, each in a savepoint of its own running `upvote_in`, with the workshop locked and read
once; tried again alone (`questions.services.upvote_committed`) like a vote, answered after
the commit with the version that shows it.

An `answer` callable given with a vote or an upvote runs on the database thread right after
the commit, in the same call, and its result is what `cast` (or `upvote`) returns (the socket
renders its ack there without a second trip to the database thread).

The writer starts on the running loop the first time it is used (again on a new loop, and
again if its task ever ended), and logs and goes on after any error. Socket votes and HTTP
votes (an async view) both use it. Its task runs in a context of its own, not the one of
the request or socket that happened to start it: its database calls then go to the process's
one database thread, never to a request's thread that has since finished.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.db import DatabaseError, connections, transaction

from sessions.errors import Refused
from sessions.live import broadcast
from sessions.models import Change
from sessions.questions import read as question_reads
from sessions.questions import services as questions
from sessions.voting import services as voting

log = logging.getLogger(__name__)

# The most votes in one transaction, and how long the first vote after a quiet spell waits
# for others (under load the votes that queue while a batch is written make the next one).
BATCH_CAP = 200
GATHER_SECONDS = 0.002


def on_database_thread(batch: list[Pending]) -> None:
    """`write_batch` as `database_sync_to_async` would run it on the process's database
    thread: a connection past its age or broken is dropped before and after. A connection
    inside a transaction begun elsewhere is left alone: no batch leaves one open, so that is
    only a test's enclosing transaction, which Django's test client keeps its requests from
    closing in the same way."""
    release_connections()
    try:
        write_batch(batch)
    finally:
        release_connections()


def release_connections() -> None:
    """Drop (or give back to the pool) this thread's connections past their age or broken,
    as Django does at the end of a request; one inside a transaction begun elsewhere (a
    test's) is left alone."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


VOTE = "vote"
UPVOTE = "upvote"


@dataclass
class Pending:
    command: dict[str, Any]
    answer: Callable[[Any], Any] | None
    future: asyncio.Future[Any]
    # Filled on the database thread: what happened, resolved on the loop after commit.
    result: Any = None
    error: BaseException | None = None
    retry: bool = field(default=False)
    kind: str = VOTE  # VOTE (voting.cast_in) or UPVOTE (questions.upvote_in)


class VoteWriter:
    def __init__(self, *, cap: int = BATCH_CAP, gather_seconds: float = GATHER_SECONDS) -> None:
        self.cap = cap
        self.gather_seconds = gather_seconds
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queue: asyncio.Queue[Pending] | None = None
        self.task: asyncio.Task[None] | None = None
        self.batches = 0  # batches written (a figure for the bench)

    async def cast(
        self,
        *,
        workshop_id: int,
        delegate_id: int,
        answer: Callable[[voting.CastResult], Any] | None = None,
        **command: Any,
    ) -> Any:
        """Carry out one vote (`voting.cast`'s arguments) with the others arriving now.

        Returns the `CastResult`, or what `answer(result)` returned; raises the vote's
        `Refused`. Either only once the vote's transaction has committed (or rolled back).
        """
        queue = self._started()
        future = asyncio.get_running_loop().create_future()
        command = {**command, "workshop_id": workshop_id, "delegate_id": delegate_id}
        queue.put_nowait(Pending(command, answer, future))
        return await future

    async def upvote(
        self,
        *,
        workshop_id: int,
        delegate_id: int,
        answer: Callable[[questions.UpvoteResult], Any] | None = None,
        **command: Any,
    ) -> Any:
        """Carry out one upvote (`questions.upvote_in`'s arguments) with the votes and
        upvotes arriving now: returns the `UpvoteResult`, or what `answer(result)` returned;
        raises its `Refused`. Either only once its transaction has committed."""
        queue = self._started()
        future = asyncio.get_running_loop().create_future()
        command = {**command, "workshop_id": workshop_id, "delegate_id": delegate_id}
        queue.put_nowait(Pending(command, answer, future, kind=UPVOTE))
        return await future

    def _started(self) -> asyncio.Queue[Pending]:
        loop = asyncio.get_running_loop()
        if self.loop is not loop or self.queue is None or self.task is None or self.task.done():
            if self.loop is not loop or self.queue is None:
                self.loop, self.queue = loop, asyncio.Queue()
            self.task = loop.create_task(
                self._drain(self.queue), name="vote writer", context=contextvars.Context()
            )
        return self.queue

    async def _drain(self, queue: asyncio.Queue[Pending]) -> None:
        while True:
            batch = [await queue.get()]
            try:
                if queue.qsize() < self.cap - 1 and self.gather_seconds:
                    await asyncio.sleep(self.gather_seconds)
                while len(batch) < self.cap and not queue.empty():
                    batch.append(queue.get_nowait())
                await sync_to_async(on_database_thread)(batch)
                self.batches += 1
            except asyncio.CancelledError:
                _fail(batch, RuntimeError("The vote writer stopped."))
                raise
            except Exception as error:
                log.exception("a batch of %d votes failed", len(batch))
                _fail(batch, error)
            else:
                for pending in batch:
                    _resolve(pending)


def _resolve(pending: Pending) -> None:
    if pending.future.done():  # the caller went away (a closed socket); the vote stands
        return
    if pending.error is not None:
        pending.future.set_exception(pending.error)
    else:
        pending.future.set_result(pending.result)


def _fail(batch: list[Pending], error: BaseException) -> None:
    for pending in batch:
        if not pending.future.done():
            pending.future.set_exception(error)


def write_batch(batch: list[Pending]) -> None:
    """On the database thread: the batch in one transaction, each vote in a savepoint; the
    answers rendered after commit. Fills each pending's result or error."""
    with broadcast.gathered():
        try:
            if not _written(batch, together=True):
                _written(batch, together=False)
        except Exception:
            log.exception("a batch of %d votes failed; trying each alone", len(batch))
            for pending in batch:
                pending.retry = True
        for pending in batch:
            if pending.retry:
                _write_alone(pending)
    # The version that shows each vote: read once per workshop, after the commit.
    versions: dict[int, int] = {}
    for pending in batch:
        result = pending.result
        if (
            pending.error is None
            and isinstance(result, voting.CastResult | questions.UpvoteResult)
            and not result.replayed
        ):
            workshop_id = pending.command["workshop_id"]
            if workshop_id not in versions:
                versions[workshop_id] = Change.objects.version_of(workshop_id)
            result.version = result.version or versions[workshop_id]
    # The questions each upvoting delegate has upvoted, for the answers: one read (if it
    # fails, each answer reads its own: what committed is answered as committed).
    upvoters = [
        ((pending.command["workshop_id"], pending.command["delegate_id"]), pending.result)
        for pending in batch
        if pending.error is None and isinstance(pending.result, questions.UpvoteResult)
    ]
    if upvoters:
        try:
            upvoted = question_reads.upvoted_of(pair for pair, _result in upvoters)
        except DatabaseError:
            log.exception("reading the upvotes of a batch's delegates failed")
            upvoted = {}
        for pair, result in upvoters:
            result.upvoted = upvoted.get(pair)
    for pending in batch:
        if pending.error is None and pending.answer is not None:
            try:
                pending.result = pending.answer(pending.result)
            except Exception as error:
                log.exception("answering a vote failed")
                pending.error = error


def _written(batch: list[Pending], *, together: bool) -> bool:
    """The batch in one transaction: its votes written together (`_write_together`) or each
    in a savepoint of its own (`_write_each`), then its upvotes. With `together`, False (and
    the transaction rolled back: nothing written) if the votes could not be written together,
    say a constraint that one vote broke; the caller then writes them each. Raises what
    failed the transaction otherwise."""
    try:
        with transaction.atomic():
            # Each workshop is locked and read once, here at the outer level, and each poll
            # read once: the votes share them (`voting.BatchReads`).
            reads = voting.BatchReads()
            for pending in batch:
                reads.lock(pending.command["workshop_id"])
            votes = [pending for pending in batch if pending.kind == VOTE]
            if votes and together:
                _write_together(votes, reads)
            elif votes:
                _write_each(votes, reads)
            _write_upvotes([pending for pending in batch if pending.kind == UPVOTE], reads)
    except _NotTogether:
        return False
    return True


class _NotTogether(Exception):
    """The batch's votes could not be written together: its transaction is rolled back."""


def _write_together(batch: list[Pending], reads: voting.BatchReads) -> None:
    """The batch's votes in a few statements (`voting.cast_many`), with no savepoint of their
    own (two statements fewer a batch): if the database refuses them, say a constraint that
    one vote broke, `_NotTogether` rolls the batch's transaction back, and the votes are
    carried out one by one in a transaction of their own."""
    try:
        outcomes = voting.cast_many([pending.command for pending in batch], reads)
    except DatabaseError as error:
        log.warning("a batch of %d votes written together failed; writing each", len(batch))
        raise _NotTogether from error
    except Exception as error:  # a malformed command among them: each finds its own fate
        log.exception("a batch of %d votes could not be written together", len(batch))
        raise _NotTogether from error
    for pending, outcome in zip(batch, outcomes, strict=True):
        pending.retry = False
        if isinstance(outcome, Refused):
            pending.result, pending.error = None, outcome
        else:
            pending.result, pending.error = outcome, None


def _write_each(batch: list[Pending], reads: voting.BatchReads) -> None:
    """The batch's votes one by one, each in a savepoint of its own."""
    for pending in batch:
        pending.result, pending.error, pending.retry = None, None, False
        try:
            with transaction.atomic():
                pending.result = voting.cast_in(**pending.command, reads=reads)
        except Refused as refusal:
            pending.error = refusal
        except Exception:
            log.exception("a vote failed in its batch; trying it alone")
            pending.retry = True


def _write_upvotes(batch: list[Pending], reads: voting.BatchReads) -> None:
    """The batch's upvotes: together in a few statements (`questions.upvote_many`), in a
    savepoint; if the database refused them (a constraint one broke), one by one, each in a
    savepoint of its own (`questions.upvote_in`), with the workshop the batch locked."""
    if not batch:
        return
    try:
        with transaction.atomic():
            outcomes = questions.upvote_many(
                [pending.command for pending in batch], reads.workshops
            )
    except DatabaseError:
        log.warning("a batch of %d upvotes written together failed; writing each", len(batch))
    except Exception:  # a malformed command among them: each one finds its own fate
        log.exception("a batch of %d upvotes could not be written together", len(batch))
    else:
        for pending, outcome in zip(batch, outcomes, strict=True):
            pending.retry = False
            if isinstance(outcome, Refused):
                pending.result, pending.error = None, outcome
            else:
                pending.result, pending.error = outcome, None
        return
    for pending in batch:
        pending.result, pending.error, pending.retry = None, None, False
        workshop = reads.workshops.get(pending.command["workshop_id"])
        try:
            with transaction.atomic():
                pending.result = questions.upvote_in(**pending.command, workshop=workshop)
        except Refused as refusal:
            pending.error = refusal
        except Exception:
            log.exception("an upvote failed in its batch; trying it alone")
            pending.retry = True


def _write_alone(pending: Pending) -> None:
    pending.result, pending.error = None, None
    try:
        if pending.kind == UPVOTE:
            pending.result = questions.upvote_committed(**pending.command)
        else:
            pending.result = voting.cast(**pending.command)
    except Exception as error:  # a Refused, or what the caller must hear about
        pending.error = error


writer = VoteWriter()
