"""The Q&A's verbs: the facilitator's switches and moderation, a delegate's asks and upvotes.

Questions are open alongside any step, so none of these depends on the step on screen. Each
verb runs in one transaction, records a change of the workshop and pushes #questions to every
screen on commit (coalesced: an upvote storm is a few frames, like votes). A delegate's
commands carry a key: a replay lands once. One upvote per delegate and question holds in the
database (`one_upvote`), one pinned question per workshop too (`one_pinned_question`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from sessions.agenda.services import (
    changed,
    command_key,
    delegate_command,
    delegate_refusal,
    lock_open_workshop,
    locked_attendances,
)
from sessions.errors import Conflict, InvalidInput, NotFound, Refused
from sessions.live import broadcast, events
from sessions.models import QUESTION_MAX, Change, Question, QuestionBoard, Upvote, Workshop
from sessions.moderation import held_back

CLOSED = _("Questions are closed, so nothing was sent.")
NOT_OPEN_YET = _("Questions are not open yet.")
BLANK = _("Please type a question.")
TOO_LONG = f"A question of at most {QUESTION_MAX} characters, please."
NO_QUESTION = _("That question is not part of this workshop.")
NOT_SHOWN = _("That question is not shown any more, so your upvote was not changed.")
ALREADY_UPVOTED = _("You have already upvoted that question.")
NOT_UPVOTED = _("You have not upvoted that question, so there was nothing to take back.")

Status = Question.Status


def clean_text(text: str) -> str:
    """The question, trimmed; refuses a blank or over-long one."""
    text = " ".join((text or "").split())
    if not text:
        raise InvalidInput(BLANK, {"text": [BLANK]})
    if len(text) > QUESTION_MAX:
        raise InvalidInput(TOO_LONG, {"text": [TOO_LONG]})
    return text


def board_of(workshop_id: int) -> QuestionBoard | None:
    return QuestionBoard.objects.filter(workshop_id=workshop_id).first()


def question_for(workshop: Workshop, question_id: int) -> Question:
    """The workshop's question `question_id`; another workshop's gets the same refusal as
    one that does not exist."""
    question = Question.objects.filter(pk=question_id, board__workshop=workshop).first()
    if question is None:
        raise NotFound(NO_QUESTION)
    return question


# --- the facilitator's switches ------------------------------------------------------------


def _locked_board(workshop: Workshop) -> QuestionBoard:
    lock_open_workshop(workshop.pk)
    board, _created = QuestionBoard.objects.get_or_create(workshop=workshop)
    return board


@transaction.atomic
def open_questions(*, workshop: Workshop, is_open: bool = True) -> QuestionBoard:
    """Take questions (or stop); the Ask section shows on phones while open. Pushes on
    commit; nothing when already so."""
    board = _locked_board(workshop)
    if board.is_open != is_open:
        board.is_open = is_open
        board.opened_at = board.opened_at or timezone.now()
        board.save(update_fields=["is_open", "opened_at"])
        changed(workshop.pk, events.QUESTIONS_SWITCHED)
    return board


@transaction.atomic
def set_question_settings(
    *, workshop: Workshop, approval: bool | None = None, projector: str | None = None
) -> QuestionBoard:
    """Switch the approval queue, or how the projector shows the Q&A. Switching approval off
    does not show what waits: the facilitator approves or hides each."""
    board = _locked_board(workshop)
    if projector is not None and projector not in QuestionBoard.Projector.values:
        raise InvalidInput(_("Choose how the projector shows the questions."))
    fields = []
    if approval is not None and approval != board.approval:
        board.approval = approval
        fields.append("approval")
    if projector is not None and projector != board.projector:
        board.projector = projector
        fields.append("projector")
    if fields:
        board.save(update_fields=fields)
        changed(workshop.pk, events.QUESTIONS_SWITCHED)
    return board


# --- moderation ----------------------------------------------------------------------------


def _locked_question(workshop: Workshop, question_id: int) -> Question:
    lock_open_workshop(workshop.pk)
    question = Question.objects.select_for_update().filter(pk=question_id).first()
    if question is None or question.board.workshop_id != workshop.pk:
        raise NotFound(NO_QUESTION)
    return question


@transaction.atomic
def moderate_question(*, workshop: Workshop, question_id: int, action: str) -> Question:
    """Show (approve), hide, pin, unpin, mark answered or not. Pinning a question unpins the
    one pinned before; a hidden question is unpinned. Pushes on commit."""
    question = _locked_question(workshop, question_id)
    if action in {"show", "hide"}:
        question.status = Status.SHOWN if action == "show" else Status.HIDDEN
        question.pinned = question.pinned and action == "show"
    elif action == "pin":
        if question.status != Status.SHOWN:
            raise Conflict(_("Only a question the room sees can be pinned."))
        Question.objects.filter(board=question.board, pinned=True).exclude(pk=question.pk).update(
            pinned=False
        )
        question.pinned = True
    elif action in {"unpin", "answered", "unanswered"}:
        question.pinned = question.pinned and action == "unanswered"
        if action != "unpin":
            question.answered = action == "answered"
    else:
        raise InvalidInput(_("That was not understood; nothing was changed."))
    question.save(update_fields=["status", "pinned", "answered"])
    changed(workshop.pk, events.QUESTION_MODERATED)
    return question


@transaction.atomic
def edit_question(*, workshop: Workshop, question_id: int, text: str) -> Question:
    """Correct a question's wording (a typo, a name that should not be on the projector).
    The facilitator's text is not held back again. Pushes on commit."""
    question = _locked_question(workshop, question_id)
    cleaned = clean_text(text)
    if cleaned != question.text:
        question.text = cleaned
        question.edited = True
        question.save(update_fields=["text", "edited"])
        changed(workshop.pk, events.QUESTION_MODERATED)
    return question


# --- delegates -----------------------------------------------------------------------------


def _open_board(workshop_id: int) -> QuestionBoard:
    board = board_of(workshop_id)
    if board is None or not board.is_open:
        raise Conflict(CLOSED if board is not None and board.opened_at else NOT_OPEN_YET)
    return board


@transaction.atomic
def ask(
    *,
    workshop_id: int,
    delegate_id: int,
    text: str,
    name_shown: bool = False,
    key: str | None = None,
) -> Question | None:
    """A delegate's question; a replayed `key` asks nothing (None).

    Shown at once, or waiting for the facilitator when the approval queue is on or it holds
    a word held back (`sessions.moderation`). With `name_shown` the delegate's name shows
    with it, otherwise never. Refuses a blank or over-long question and closed questions.
    """
    command = delegate_command(workshop_id=workshop_id, delegate_id=delegate_id, key=key)
    if not command.record(events.QUESTION_ASKED):
        return None
    board = _open_board(workshop_id)
    cleaned = clean_text(text)
    status = Status.WAITING if board.approval else Status.SHOWN
    if held_back(cleaned, command.workshop.event.extra_held_words):
        status = Status.HELD
    return Question.objects.create(
        board=board, delegate_id=delegate_id, text=cleaned, name_shown=name_shown, status=status
    )


@dataclass
class UpvoteResult:
    """What an upvote did: `changed` None for a replayed key (nothing changed); `version` the
    workshop's version read once it committed (every frame at least as new shows it), None
    for a replay or until filled after commit (`upvote` and the batched writer fill it)."""

    changed: bool | None
    version: int | None = None
    # The ids of the workshop's questions the delegate has upvoted, read after the commit
    # (the batched writer reads them for its whole batch at once), for the answer.
    upvoted: set[int] | None = None

    @property
    def replayed(self) -> bool:
        return self.changed is None


def upvote_message(result: UpvoteResult, *, up: bool) -> StrOrPromise:
    """What an upvote's answer says (over HTTP and over the socket alike)."""
    if result.replayed:
        return _("Already counted.")
    return _("Upvoted.") if up else _("Upvote taken back.")


def upvote(
    *, workshop_id: int, delegate_id: int, question_id: int, up: bool = True, key: str | None = None
) -> bool | None:
    """Upvote a shown question (`up`) or take the upvote back, in a transaction of its own
    (`upvote_in` says what it refuses); True when it changed, None for a replayed `key`."""
    return upvote_committed(
        workshop_id=workshop_id, delegate_id=delegate_id, question_id=question_id, up=up, key=key
    ).changed


def upvote_committed(**command: Any) -> UpvoteResult:
    """`upvote_in` in its own transaction, with the version that shows it."""
    with transaction.atomic():
        result = upvote_in(**command)
    if not result.replayed:
        result.version = Change.objects.version_of(command["workshop_id"])
    return result


def upvote_in(
    *,
    workshop_id: int,
    delegate_id: int,
    question_id: int,
    up: bool = True,
    key: str | None = None,
    workshop: Workshop | None = None,
) -> UpvoteResult:
    """Upvote a shown question (`up`) or take the upvote back; a replayed `key` changes
    nothing. Refuses a second upvote, taking back what was not given, a question of another
    workshop, one not shown, and closed questions. Runs inside the caller's transaction (the
    batched writer's savepoint, or `upvote_committed`'s), which `workshop`, when given, was
    locked and read in (`delegate_command`)."""
    command = delegate_command(
        workshop_id=workshop_id, delegate_id=delegate_id, key=key, workshop=workshop
    )
    question = (
        Question.objects.filter(pk=question_id, board__workshop_id=workshop_id)
        .select_related("board")
        .first()
    )
    if question is None:
        raise NotFound(NO_QUESTION)
    if not command.record(events.QUESTION_UPVOTED):
        return UpvoteResult(changed=None)
    board = question.board
    if not board.is_open:
        raise Conflict(CLOSED if board.opened_at else NOT_OPEN_YET)
    if question.status != Status.SHOWN:
        raise Conflict(NOT_SHOWN)
    if not up:
        taken_back, _kinds = Upvote.objects.filter(
            question=question, delegate_id=delegate_id
        ).delete()
        if not taken_back:
            raise Conflict(NOT_UPVOTED)
        return UpvoteResult(changed=True)
    try:
        with transaction.atomic():
            Upvote.objects.create(question=question, delegate_id=delegate_id)
    except IntegrityError:
        raise Conflict(ALREADY_UPVOTED) from None
    return UpvoteResult(changed=True)


UPVOTE_ARGUMENTS = {"workshop_id", "delegate_id", "question_id", "up", "key"}


def upvote_many(
    commands: list[dict[str, Any]], workshops: dict[int, Workshop | None]
) -> list[UpvoteResult | Refused]:
    """The upvotes of a batch (`upvote_in`'s arguments each) in a few statements, not a
    savepoint and five round trips each: each upvote's outcome in order, its `UpvoteResult`
    or the `Refused` that `upvote_in` raises for it (the same checks in the same order,
    against the state the batch's earlier upvotes leave), and the same rows stored.

    Runs in the caller's transaction, with every workshop of the batch share-locked and read
    there (`workshops`, by id: `voting.BatchReads.workshops`). The attendances are locked in
    one statement per workshop, the questions (with their boards), the delegates' upvotes of
    them and the replayed keys read in one each; each upvote is then decided in memory, and
    the changes, new upvotes and upvotes taken back written in one statement of each kind.
    The database's constraints still hold (one upvote per delegate and question, one change
    per key): a batch that would break one raises here, and the caller undoes it and
    carries its upvotes out one by one (`upvote_in`).
    """
    for command in commands:
        unknown = set(command) - UPVOTE_ARGUMENTS
        if unknown:
            raise TypeError(f"upvote_many() got unexpected arguments {sorted(unknown)}")
    outcomes: list[UpvoteResult | Refused | None] = [None] * len(commands)
    attendances = locked_attendances(commands)
    question_ids = {command["question_id"] for command in commands}
    questions = {
        question.pk: question
        for question in Question.objects.filter(pk__in=question_ids).select_related("board")
    }
    keys: dict[int, str | None] = {}
    for i, command in enumerate(commands):
        workshop_id = command["workshop_id"]
        attendance = attendances.get((workshop_id, command["delegate_id"]))
        refusal = delegate_refusal(workshops.get(workshop_id), attendance)
        question = questions.get(command["question_id"])
        if refusal is None and (question is None or question.board.workshop_id != workshop_id):
            refusal = NotFound(NO_QUESTION)
        if refusal is not None:
            outcomes[i] = refusal
            continue
        assert attendance is not None  # refused otherwise
        keys[i] = command_key(attendance, command.get("key"))
    taken = set(
        Change.objects.filter(key__in=[k for k in keys.values() if k]).values_list("key", flat=True)
    )
    delegates = {commands[i]["delegate_id"] for i in keys}
    before = set(
        Upvote.objects.filter(question_id__in=question_ids, delegate_id__in=delegates).values_list(
            "question_id", "delegate_id"
        )
    )
    after = set(before)
    landed: list[int] = []
    for i, key in keys.items():
        command = commands[i]
        if key and key in taken:
            outcomes[i] = UpvoteResult(changed=None)
            continue
        outcomes[i] = _decide_upvote(command, questions[command["question_id"]], after)
        if isinstance(outcomes[i], UpvoteResult):
            landed.append(i)
            if key:
                taken.add(key)  # spent: the same key again in this batch lands once
    Change.objects.bulk_create(
        Change(workshop_id=commands[i]["workshop_id"], key=keys.get(i) or None) for i in landed
    )
    for workshop_id in sorted({commands[i]["workshop_id"] for i in landed}):
        broadcast.happened(workshop_id, events.QUESTION_UPVOTED)
    gone = before - after
    if gone:
        doomed = Q()
        for question_id, delegate_id in sorted(gone):
            doomed |= Q(question_id=question_id, delegate_id=delegate_id)
        Upvote.objects.filter(doomed).delete()
    Upvote.objects.bulk_create(
        Upvote(question_id=question_id, delegate_id=delegate_id)
        for question_id, delegate_id in sorted(after - before)
    )
    decided = [outcome for outcome in outcomes if outcome is not None]
    if len(decided) != len(commands):
        raise RuntimeError("an upvote of the batch was left without an outcome")
    return decided


def _decide_upvote(
    command: dict[str, Any], question: Question, upvoted: set[tuple[int, int]]
) -> UpvoteResult | Refused:
    """One upvote (its key not spent) against the upvotes as the batch has left them
    (`upvoted`: (question id, delegate id) pairs, updated when it lands)."""
    board = question.board
    if not board.is_open:
        return Conflict(CLOSED if board.opened_at else NOT_OPEN_YET)
    if question.status != Status.SHOWN:
        return Conflict(NOT_SHOWN)
    pair = (question.pk, command["delegate_id"])
    if command.get("up", True):
        if pair in upvoted:
            return Conflict(ALREADY_UPVOTED)
        upvoted.add(pair)
    else:
        if pair not in upvoted:
            return Conflict(NOT_UPVOTED)
        upvoted.discard(pair)
    return UpvoteResult(changed=True)
