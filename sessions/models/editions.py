"""Series of events (an annual conference's editions) and the series' challenge list.

A series keeps one list of challenges with stable identities. Each edition's vote options and
Snapshot challenge texts are mapped once, by its organisers, to a challenge of the series, so
figures from one edition can be set beside the last one's.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from sessions.models.core import TITLE_MAX, Event
from sessions.models.snapshot import CHALLENGE_MAX
from sessions.models.voting import Option

MAX_SERIES_CHALLENGES = 100


class Series(models.Model):
    """Events that are editions of one another, in the order of `Event.edition`."""

    name = models.CharField(max_length=TITLE_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return self.name


class SeriesChallenge(models.Model):
    """A challenge of a series: the same row whatever each edition called it."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="challenges")
    label = models.CharField(max_length=CHALLENGE_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["label", "id"]
        constraints = [
            models.UniqueConstraint(fields=["series", "label"], name="one_series_challenge_label"),
        ]

    def __str__(self) -> str:
        return self.label


class ChallengeLink(models.Model):
    """One edition's wording of a challenge (a vote option, or a Snapshot challenge text)
    confirmed as a series challenge. Wordings with no link are not challenges of the series."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="challenge_links")
    challenge = models.ForeignKey(SeriesChallenge, on_delete=models.CASCADE, related_name="links")
    option = models.OneToOneField(
        Option, on_delete=models.CASCADE, null=True, blank=True, related_name="series_link"
    )
    snapshot_text = models.CharField(max_length=CHALLENGE_MAX, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(option__isnull=False) & Q(snapshot_text=""))
                | (Q(option__isnull=True) & ~Q(snapshot_text="")),
                name="challenge_link_one_source",
            ),
            models.UniqueConstraint(
                fields=["event", "snapshot_text"],
                condition=~Q(snapshot_text=""),
                name="one_link_per_snapshot_text",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.option or self.snapshot_text} -> {self.challenge}"


__all__ = ["MAX_SERIES_CHALLENGES", "ChallengeLink", "Series", "SeriesChallenge"]
