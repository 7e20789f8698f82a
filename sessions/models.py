"""The workshop domain: events, workshops, delegates and the agenda.

State changes go through `sessions.services`; these models hold data and the invariants the
database can enforce.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from sessions.tokens import new_join_code, new_token

TITLE_MAX = 120
TEXT_MAX = 1000
NAME_MAX = 40


def join_code_expiry():
    return timezone.now() + timedelta(hours=settings.JOIN_CODE_LIFETIME_HOURS)


class Event(models.Model):
    """A conference day run by a productivity centre; delegates belong to one event."""

    name = models.CharField(max_length=TITLE_MAX)
    date = models.DateField()
    venue = models.CharField(max_length=TITLE_MAX, blank=True)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="facilitated_events", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%d %b %Y})"


class WorkshopQuerySet(models.QuerySet):
    def facilitated_by(self, user) -> WorkshopQuerySet:
        if user.is_superuser:
            return self
        return self.filter(event__facilitators=user)


class Workshop(models.Model):
    """One live session in a room: an agenda of steps the facilitator moves through."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="workshops")
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(max_length=TEXT_MAX, blank=True)
    # The QR link carries join_token; people type join_code, which expires.
    join_token = models.CharField(max_length=64, unique=True, default=new_token)
    join_code = models.CharField(max_length=12, unique=True, default=new_join_code)
    join_code_expires_at = models.DateTimeField(default=join_code_expiry)
    # The projector's revocable link: revoking replaces the token.
    display_token = models.CharField(max_length=64, unique=True, default=new_token)
    current_step = models.ForeignKey(
        "Step", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Bumped by every change that any screen shows; pushed snapshots carry it so that an
    # older snapshot never replaces a newer one.
    version = models.PositiveBigIntegerField(default=1)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def join_code_is_valid(self) -> bool:
        return self.join_code_expires_at > timezone.now()


class Delegate(models.Model):
    """A pseudonymous person at an event, known by the key in their phone's signed cookie."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="delegates")
    key = models.CharField(max_length=64, unique=True, default=new_token)
    display_name = models.CharField(max_length=NAME_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.display_name or f"Delegate {self.pk}"


class Attendance(models.Model):
    """A delegate has joined a workshop: what every delegate request is checked against."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="attendances")
    delegate = models.ForeignKey(Delegate, on_delete=models.CASCADE, related_name="attendances")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workshop", "delegate"], name="one_attendance"),
        ]

    def __str__(self) -> str:
        return f"{self.delegate} in {self.workshop}"


class Step(models.Model):
    """One item of a workshop's agenda.

    `kind` selects how the step is shown and which related tables hold its data; kinds
    added later (votes, ideas, commitments) keep their own rows pointing at the step and
    their settings in `config`.
    """

    class Kind(models.TextChoices):
        MESSAGE = "message", "Message"

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MESSAGE)
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(max_length=TEXT_MAX, blank=True)
    config = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["workshop", "position"])]

    def __str__(self) -> str:
        return self.title


class Presence(models.Model):
    """An open delegate socket. Present delegates = distinct delegates with a fresh row.

    Each server process refreshes `seen_at` on its own rows; rows of a process that died
    go stale and stop counting, then are removed.
    """

    channel_name = models.CharField(max_length=200, unique=True)
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="presences")
    delegate = models.ForeignKey(Delegate, on_delete=models.CASCADE, related_name="presences")
    process = models.CharField(max_length=40, db_index=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.delegate} on {self.channel_name}"


class ProcessedCommand(models.Model):
    """The client-generated key of a command already carried out: a replay is a no-op."""

    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
