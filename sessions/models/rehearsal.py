"""Dress rehearsals of the installation (`sessions.rehearsal`): what is kept of each once its
event, workshop, delegates and account are removed, its figures and its verdict."""

from __future__ import annotations

from django.conf import settings
from django.db import models

PHONES_MOST = 500


class Rehearsal(models.Model):
    class State(models.TextChoices):
        RUNNING = "running", "Running"
        HELD = "held", "Held"
        NOT_HELD = "not_held", "Did not hold"
        FAILED = "failed", "Could not run"

    phones = models.PositiveIntegerField()
    url = models.CharField(max_length=500)
    # Where it was started: "console" (a thread inside the server) or "command".
    started_from = models.CharField(max_length=20)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.RUNNING)
    progress = models.CharField(max_length=200, blank=True)
    verdict = models.TextField(blank=True)
    # The figures as `sessions.rehearsal.figures.Figures.as_json` gives them.
    figures = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(phones__gte=1, phones__lte=PHONES_MOST),
                name="rehearsal_phones_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"Rehearsal of {self.phones} phones ({self.get_state_display()})"

    @property
    def is_running(self) -> bool:
        return self.state == self.State.RUNNING
