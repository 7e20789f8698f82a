"""A workshop's questions as CSV: each with its upvotes and whether it was answered. A name
only where the delegate asked with it; hidden and held-back questions are marked, not left
out (the export is the facilitator's)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db.models import Count, QuerySet

from sessions.models import Question, Workshop
from sessions.steps import CHUNK, Export


def archived_questions(workshop: Workshop, *, facilitator: bool) -> list[Question]:
    """The workshop's questions, most upvoted first; the shared archive only has those the
    room saw."""
    questions = _counted(workshop)
    if not facilitator:
        questions = questions.filter(status=Question.Status.SHOWN)
    return list(questions)


def _counted(workshop: Workshop) -> QuerySet[Question]:
    return (
        Question.objects.filter(board__workshop=workshop)
        .select_related("delegate")
        .annotate(votes=Count("upvotes"))
        .order_by("-votes", "id")
    )


def question_rows(workshop: Workshop) -> Iterator[Sequence[object]]:
    for question in _counted(workshop).iterator(chunk_size=CHUNK):
        yield (
            question.text,
            question.votes,  # type: ignore[attr-defined]  # annotated by _counted
            "yes" if question.answered else "no",
            "yes" if question.pinned else "no",
            question.get_status_display(),
            question.author_name,
            question.asked_at,
            "yes" if question.edited else "no",
        )


QUESTIONS = Export(
    "questions",
    "Questions",
    ("question", "upvotes", "answered", "pinned", "status", "asked by", "asked at", "edited"),
    question_rows,
)
