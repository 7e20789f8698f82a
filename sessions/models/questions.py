"""Q&A: a workshop's questions from the room, open alongside any step (not a step kind).

One board per workshop holds the facilitator's switches; each question belongs to the board
and to the delegate who asked it; each upvote is one row per delegate and question (a unique
constraint), so a count is the number of rows and never a counter that could drift.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from sessions.models.core import Delegate, Workshop

QUESTION_MAX = 280


class QuestionBoard(models.Model):
    """A workshop's Q&A switches, created the first time the facilitator opens questions."""

    class Projector(models.TextChoices):
        OFF = "off", "Not on the projector"
        BESIDE = "beside", "Beside the step"
        INSTEAD = "instead", "Instead of the step"

    workshop = models.OneToOneField(
        Workshop, on_delete=models.CASCADE, related_name="question_board"
    )
    is_open = models.BooleanField(default=False)
    opened_at = models.DateTimeField(null=True, blank=True)
    # New questions wait for the facilitator before anyone else sees them.
    approval = models.BooleanField(default=False)
    projector = models.CharField(max_length=8, choices=Projector.choices, default=Projector.OFF)

    def __str__(self) -> str:
        return f"questions of {self.workshop}"


class Question(models.Model):
    """A delegate's question. Its author's name is shown only when they asked with it
    (`name_shown`, fixed at asking: nothing the facilitator switches later reveals it)."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for approval"
        HELD = "held", "Held back"
        SHOWN = "shown", "Shown"
        HIDDEN = "hidden", "Hidden"

    board = models.ForeignKey(QuestionBoard, on_delete=models.CASCADE, related_name="questions")
    # Kept when the delegate's data is erased: the question stays, anonymous.
    delegate = models.ForeignKey(
        Delegate, on_delete=models.SET_NULL, null=True, blank=True, related_name="questions"
    )
    text = models.CharField(max_length=QUESTION_MAX)
    name_shown = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.SHOWN)
    pinned = models.BooleanField(default=False)
    answered = models.BooleanField(default=False)
    edited = models.BooleanField(default=False)
    asked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(LessThanOrEqual(Length("text"), QUESTION_MAX)),
                name="question_length",
            ),
            # One pinned question per workshop at a time.
            models.UniqueConstraint(
                fields=["board"], condition=models.Q(pinned=True), name="one_pinned_question"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def author_name(self) -> str:
        """The name shown with the question: only when asked with it, and only while the
        delegate's data is kept."""
        delegate = self.delegate
        if not self.name_shown or delegate is None or delegate.forgotten_at is not None:
            return ""
        return delegate.display_name


class Upvote(models.Model):
    """One delegate's upvote of one question; taking it back deletes the row."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="upvotes")
    delegate = models.ForeignKey(
        Delegate, on_delete=models.SET_NULL, null=True, blank=True, related_name="upvotes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "delegate"], name="one_upvote"),
        ]

    def __str__(self) -> str:
        return f"upvote of {self.question_id}"
