"""The closing pulse: two questions (usefulness 1-5, one optional word) per delegate.

The archive itself reads the workshop's other tables; its share link is
`Workshop.archive_token` (core).
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from sessions.models.core import Delegate, Step

PULSE_POINTS = 5
PULSE_WORD_MAX = 30


class Pulse(models.Model):
    """The pulse of a pulse step: whether it takes answers and whether the room sees them."""

    step = models.OneToOneField(Step, on_delete=models.CASCADE, related_name="pulse")
    is_open = models.BooleanField(default=False)
    opened_at = models.DateTimeField(null=True, blank=True)
    revealed = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"pulse: {self.step.title}"


class PulseAnswer(models.Model):
    """One delegate's answer; changed in place while the pulse is open."""

    pulse = models.ForeignKey(Pulse, on_delete=models.CASCADE, related_name="answers")
    # Kept when the delegate's data is erased: the answer stays, anonymous.
    delegate = models.ForeignKey(
        Delegate, on_delete=models.SET_NULL, null=True, blank=True, related_name="pulse_answers"
    )
    usefulness = models.PositiveSmallIntegerField()
    word = models.CharField(max_length=PULSE_WORD_MAX, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["pulse", "delegate"], name="one_pulse_answer"),
            models.CheckConstraint(
                condition=models.Q(usefulness__gte=1, usefulness__lte=PULSE_POINTS),
                name="pulse_usefulness_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(LessThanOrEqual(Length("word"), PULSE_WORD_MAX)),
                name="pulse_word_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.usefulness} {self.word}".strip()
