"""What the Q&A's screens show: the questions each audience sees, with their upvote counts
counted from the upvote rows (never a stored counter), in one query per screen."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django_stubs_ext import StrOrPromise

from sessions.live.audiences import DELEGATE, FACILITATOR, PROJECTOR
from sessions.models import QUESTION_MAX, Delegate, Question, QuestionBoard, Upvote
from sessions.responses import flash

# The projector shows the pinned question large and at most this many others: fewer in a
# column beside the step than on the whole stage, and there the pinned one alone (two
# questions of 280 characters do not fit a half-width column of a 720-line projector).
PROJECTOR_TOP = {"instead": 5, "beside": 3, "off": 0}
SORTS = ("top", "new")


def counted(board: QuestionBoard) -> QuerySet[Question]:
    return (
        Question.objects.filter(board=board)
        .select_related("delegate")
        .annotate(votes=Count("upvotes"))
        .order_by("-votes", "id")
    )


def sort_of(request: HttpRequest | None) -> str:
    """The phone's chosen order (`?questions=new` on its page, or the `questions` field its
    forms send), votes first by default."""
    if request is None:
        return "top"
    asked = request.GET.get("questions") or request.POST.get("questions")
    return asked if asked in SORTS else "top"


def questions_context(
    workshop_id: int,
    audience: str,
    *,
    delegate: Delegate | None = None,
    request: HttpRequest | None = None,
) -> dict[str, Any]:
    """The context of each audience's #questions region: the board (None before questions
    were ever opened) and the questions that audience sees."""
    board = QuestionBoard.objects.filter(workshop_id=workshop_id).first()
    context: dict[str, Any] = {"qa": board, "question_max": QUESTION_MAX}
    # Drawn for one delegate's page or answer (not for a socket's frame, which is the room's
    # and equals `connect_frame`): their #my-questions, on the page even before questions
    # open so that their own answers have it to replace, and the list in their order.
    personal = audience == DELEGATE and delegate is not None and request is not None
    if personal:
        assert delegate is not None
        context["upvoted"] = upvoted_by(delegate, board) if board is not None else set()
        context["qa_sort"] = sort_of(request)
    if board is None:
        return context
    questions = list(counted(board))
    shown = [q for q in questions if q.status == Question.Status.SHOWN]
    pinned = next((q for q in shown if q.pinned), None)
    if audience == FACILITATOR:
        context["qa_waiting"] = [q for q in questions if q.status in {"waiting", "held"}]
        context["qa_shown"] = shown
        context["qa_hidden"] = [q for q in questions if q.status == Question.Status.HIDDEN]
        context["qa_pinned"] = pinned
    elif audience == PROJECTOR:
        others = [q for q in shown if not q.pinned and not q.answered]
        context["qa_pinned"] = pinned
        top = PROJECTOR_TOP[board.projector]
        if pinned is not None and board.projector == QuestionBoard.Projector.BESIDE:
            top = 0
        context["qa_top"] = others[:top]
        context["qa_more"] = max(0, len(others) - top)
    elif audience == DELEGATE:
        sort = sort_of(request) if personal else "top"
        if sort == "new":
            shown.sort(key=lambda q: -q.pk)
        for question in shown:
            question.key = str(uuid.uuid4())  # type: ignore[attr-defined]
        context["qa_shown"] = shown
        context["qa_sort"] = sort
        context["ask_key"] = str(uuid.uuid4())
    return context


def upvoted_by(delegate: Delegate, board: QuestionBoard) -> set[int]:
    """The ids of the board's questions `delegate` has upvoted."""
    return set(
        Upvote.objects.filter(delegate=delegate, question__board=board).values_list(
            "question_id", flat=True
        )
    )


def upvoted_in(workshop_id: int, delegate_id: int) -> set[int]:
    """The ids of the workshop's questions the delegate has upvoted (one query)."""
    return set(
        Upvote.objects.filter(
            delegate_id=delegate_id, question__board__workshop_id=workshop_id
        ).values_list("question_id", flat=True)
    )


def upvoted_of(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], set[int]]:
    """`upvoted_in` for several (workshop id, delegate id) pairs, in one query."""
    wanted = set(pairs)
    found: dict[tuple[int, int], set[int]] = {pair: set() for pair in wanted}
    rows = Upvote.objects.filter(
        delegate_id__in={delegate_id for _w, delegate_id in wanted},
        question__board__workshop_id__in={workshop_id for workshop_id, _d in wanted},
    ).values_list("question__board__workshop_id", "delegate_id", "question_id")
    for workshop_id, delegate_id, question_id in rows:
        if (workshop_id, delegate_id) in found:
            found[(workshop_id, delegate_id)].add(question_id)
    return found


def render_upvote_answer(
    workshop_id: int,
    delegate_id: int,
    *,
    sort: str,
    key: str,
    version: int,
    message: StrOrPromise,
    upvoted: set[int] | None = None,
) -> str:
    """An upvote's answer, over HTTP or the socket alike: the delegate's #my-questions (the
    questions they upvoted, which `live.js` shows pressed at once) acknowledging the key with
    the version that includes it, and the message. Not the list: its counts reach every
    screen with the next push (drawn once per audience), so an upvote costs its writer no
    render of the list (the benchmark's upvote step times the acknowledgement and the push
    by these). `upvoted`, when given, was read after the commit (`upvoted_of`)."""
    context = {
        "upvoted": upvoted if upvoted is not None else upvoted_in(workshop_id, delegate_id),
        "qa_sort": sort if sort in SORTS else "top",
        "question_ack": {"key": key, "change": version},
    }
    mine = render_to_string("workshops/questions/mine.html", context)
    return mine + flash(message)
