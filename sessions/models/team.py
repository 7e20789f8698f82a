"""An event's team: invitation links to join it as a facilitator or an organiser."""

from __future__ import annotations

import datetime
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from sessions.models.core import Event

INVITATION_LIFETIME = timedelta(days=14)


class Role(models.TextChoices):
    """A person's part in one event's team (`sessions.access.MAY` says what each may do)."""

    FACILITATOR = "facilitator", "Facilitator"
    ORGANISER = "organiser", "Organiser"


def invitation_expiry() -> datetime.datetime:
    return timezone.now() + INVITATION_LIFETIME


class Invitation(models.Model):
    """A link that adds whoever opens it (signed in, or signing up there) to the event's team
    in `role`: a long random token of which only the hash is stored, used once, until it
    expires or a facilitator revokes it."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=11, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    # The inviting form's command key: a replayed form creates no second link.
    key = models.CharField(max_length=36, unique=True, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=invitation_expiry)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} invitation to {self.event}"

    @property
    def is_open(self) -> bool:
        """Neither used, revoked nor expired: opening it still adds someone."""
        return self.used_at is None and self.revoked_at is None and self.expires_at > timezone.now()
