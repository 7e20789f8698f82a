"""The workshop's clock: when each step was on screen, and the facilitator's timer."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from sessions.models.core import Step, Workshop

TIMER_LABEL_MAX = 80
TIMER_MINUTES_MAX = 120  # a timer runs at most two hours, an "add a minute" included


class Showing(models.Model):
    """One stretch of time a step was on screen: from `started_at` until `ended_at` (None
    while it is still on). Showing a step again adds a new row, so its time adds up."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="showings")
    # A deleted step's time stays in the workshop's, counted as planned (see agenda.clock).
    step = models.ForeignKey(
        Step, on_delete=models.SET_NULL, null=True, blank=True, related_name="showings"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            # At most one step is on screen at a time.
            models.UniqueConstraint(
                fields=["workshop"], condition=Q(ended_at__isnull=True), name="one_step_on"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} from {self.started_at:%H:%M:%S}"


class Timer(models.Model):
    """A countdown the facilitator runs over any step ("5 minutes to fill your card"). A new
    row per start; the workshop's timer is its latest one not stopped."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="timers")
    label = models.CharField(max_length=TIMER_LABEL_MAX, blank=True)
    started_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop"], condition=Q(stopped_at__isnull=True), name="one_timer_on"
            ),
        ]

    def __str__(self) -> str:
        return self.label or f"timer {self.pk}"
