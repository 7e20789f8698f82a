"""Votes: a vote step's poll, its options, each delegate's ballot and its marks."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from sessions.models.core import TITLE_MAX, Delegate, Step

# --- voting --------------------------------------------------------------------------------

# A 2x2 vote rates each option 1 to 5 for impact and for effort.
MATRIX_POINTS = 5


class Poll(models.Model):
    """The vote of a vote step: its kind, limits and state.

    Limits are fixed once anyone has voted, so a ballot checked against them stays valid.
    """

    class Kind(models.TextChoices):
        DOTS = "dots", "Dot voting"
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        SCALE = "scale", "Scale (rate each 1 to 5)"
        RANKING = "ranking", "Ranking (top picks in order)"
        MATRIX = "matrix", "Impact and effort (2x2)"

    step = models.OneToOneField(Step, on_delete=models.CASCADE, related_name="poll")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.DOTS)
    # Dots: a budget per delegate and a cap per option. Multiple: at most `max_picks`.
    # Ranking: the top `max_picks` in order.
    budget = models.PositiveSmallIntegerField(default=3)
    per_option_max = models.PositiveSmallIntegerField(default=2)
    max_picks = models.PositiveSmallIntegerField(default=3)
    scale_low_label = models.CharField(max_length=40, default="Not at all")
    scale_high_label = models.CharField(max_length=40, default="Very much")
    show_live = models.BooleanField(default=False)
    is_open = models.BooleanField(default=False)
    opened_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    revealed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget__gte=1, per_option_max__gte=1, max_picks__gte=1),
                name="poll_limits_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.step.title}"

    @property
    def accepting(self) -> bool:
        """Open, and its countdown (if any) has not run out."""
        return self.is_open and (self.closes_at is None or self.closes_at > timezone.now())

    def allowance(self, option_count: int) -> int:
        """What one ballot may spend: dots, picks, ratings or ranked places."""
        allowances: dict[str, int] = {
            self.Kind.DOTS: self.budget,
            self.Kind.SINGLE: 1,
            self.Kind.MULTIPLE: self.max_picks,
            self.Kind.SCALE: option_count,
            self.Kind.RANKING: self.max_picks,
            self.Kind.MATRIX: option_count,
        }
        return allowances[self.kind]

    @property
    def cap(self) -> int:
        """The largest value of one mark."""
        caps: dict[str, int] = {
            self.Kind.DOTS: self.per_option_max,
            self.Kind.SINGLE: 1,
            self.Kind.MULTIPLE: 1,
            self.Kind.SCALE: 5,
            self.Kind.RANKING: self.max_picks,
            self.Kind.MATRIX: MATRIX_POINTS,
        }
        return caps[self.kind]


class Option(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveIntegerField()
    label = models.CharField(max_length=TITLE_MAX)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class Ballot(models.Model):
    """One delegate's vote in one poll. `spent` is the sum of their marks' values for dots,
    the number of marks otherwise; the database holds it within `allowance`."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    delegate = models.ForeignKey(Delegate, on_delete=models.CASCADE, related_name="ballots")
    spent = models.PositiveSmallIntegerField(default=0)
    allowance = models.PositiveSmallIntegerField()
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "delegate"], name="one_ballot_per_poll"),
            models.CheckConstraint(
                condition=models.Q(spent__lte=models.F("allowance")), name="ballot_within_allowance"
            ),
        ]

    def __str__(self) -> str:
        return f"ballot of {self.delegate} in poll {self.poll_id}"


class Mark(models.Model):
    """A ballot's mark on one option: dots placed, 1 for a pick, a rating 1-5, a rank, or
    an impact and effort rating (2x2).

    A 2x2 mark holds impact in `value` and effort in `effort`, each 1-5; either may be rated
    first, so `value` is 0 while only effort is rated (and only then: a mark with neither
    rating is removed, not kept empty). `effort` is set on 2x2 marks only.
    """

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="marks")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="marks")
    value = models.PositiveSmallIntegerField()
    cap = models.PositiveSmallIntegerField()
    # Set for ranking only (the same as value): two options can't share a rank.
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    effort = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "option"], name="one_mark_per_option"),
            models.UniqueConstraint(fields=["ballot", "rank"], name="one_option_per_rank"),
            models.CheckConstraint(
                condition=models.Q(value__lte=models.F("cap"))
                & (models.Q(value__gte=1) | models.Q(value=0, effort__isnull=False)),
                name="mark_within_cap",
            ),
            models.CheckConstraint(
                condition=models.Q(effort__isnull=True)
                | models.Q(effort__gte=1, effort__lte=MATRIX_POINTS, cap=MATRIX_POINTS),
                name="mark_effort_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value} on {self.option}"
