"""Run sheets: named agendas a facilitator keeps, shares with an event's team and starts
workshops from (`sessions.runsheets`)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import models
from django.db.models import Q

from sessions.models.core import TEXT_MAX, TITLE_MAX, Event, Workshop


class RunSheetQuerySet(models.QuerySet["RunSheet"]):
    def visible_to(self, user: User) -> RunSheetQuerySet:
        """The sheets `user` may read and use: their own and those shared with an event
        they facilitate (every sheet for a superuser)."""
        if user.is_superuser:
            return self
        return self.filter(Q(owner=user) | Q(shared_with__facilitators=user)).distinct()


class RunSheet(models.Model):
    """A named agenda: its steps are the run sheet document (`sessions.runsheets.document`),
    the same JSON as the exported file, validated before it is stored."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="run_sheets")
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(max_length=TEXT_MAX, blank=True)
    document = models.JSONField()
    # Events whose facilitators may see and use it (not change it).
    shared_with = models.ManyToManyField(Event, blank=True, related_name="run_sheets")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RunSheetQuerySet.as_manager()

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class SheetCommand(models.Model):
    """A run sheet command carried out (save, use, duplicate, import): its key, scoped to
    the facilitator, and what it made, so a replay answers with the same result and makes
    nothing new."""

    key = models.CharField(max_length=80, unique=True)
    run_sheet = models.ForeignKey(RunSheet, on_delete=models.SET_NULL, null=True, blank=True)
    workshop = models.ForeignKey(Workshop, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
