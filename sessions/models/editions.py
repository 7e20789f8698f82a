"""Series of events (an annual conference's editions) and the series' challenge list.

A series keeps one list of challenges with stable identities. Each edition's vote options and
Snapshot challenge texts are mapped once, by its organisers, to a challenge of the series, so
figures from one edition can be set beside the last one's.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from sessions.models.commitments import AccessLink, Commitment
from sessions.models.core import TITLE_MAX, Delegate, Event
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


class Return(models.Model):
    """A commitment of an earlier edition brought to a delegate's phone at a later one.

    Made only when that phone opens the commitment's follow-up link (the magic link its
    maker consented to receive): the one way a delegate is recognised across editions,
    never a name. `link` is the link that proved it; closing records a check-in through it.
    """

    class Outcome(models.TextChoices):
        DONE = "done", "Done"
        RENEWED = "renewed", "Renewed"

    delegate = models.ForeignKey(Delegate, on_delete=models.CASCADE, related_name="returns")
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="returns")
    link = models.ForeignKey(AccessLink, on_delete=models.SET_NULL, null=True, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    closed_key = models.CharField(max_length=64, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["delegate", "commitment"], name="one_return"),
            models.CheckConstraint(
                condition=Q(outcome="", closed_at__isnull=True)
                | Q(outcome__in=["done", "renewed"], closed_at__isnull=False),
                name="return_closed_with_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"commitment {self.commitment_id} brought to {self.delegate}"


__all__ = ["MAX_SERIES_CHALLENGES", "ChallengeLink", "Return", "Series", "SeriesChallenge"]
