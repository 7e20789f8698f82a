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
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from sessions.agenda.services import changed, delegate_command, lock_open_workshop
from sessions.errors import Conflict, InvalidInput, NotFound
from sessions.live import events
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
