"""The Productivity Snapshot: an event's self-assessment set-up, responses and answers.

The items themselves live in code (`sessions.snapshot.bank`); an event keeps only the wording
of the items its organisers changed. Scores are never stored: `sessions.snapshot.scoring`
computes them from the answers every time.
"""

from __future__ import annotations

from django.db import models

from sessions.models.core import Delegate, Event
from sessions.tokens import new_token

CHALLENGE_MAX = 120
MAX_CHALLENGES = 20
TOP_PICKS = 3
ITEM_TEXT_MAX = 240


class SnapshotSetup(models.Model):
    """An event's Snapshot: whether it is open, its invitation link, its challenge list and
    the event's own wording for non-core items (`wording`: item code -> text)."""

    class State(models.TextChoices):
        OFF = "off", "Not enabled"
        OPEN = "open", "Open for answers"
        CLOSED = "closed", "Closed (retakes still possible)"

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="snapshot")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OFF)
    invite_token = models.CharField(max_length=64, unique=True, default=new_token)
    challenges = models.JSONField(default=list, blank=True)
    wording = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["off", "open", "closed"]),
                name="snapshot_state_known",
            ),
        ]

    def __str__(self) -> str:
        return f"Snapshot of {self.event}"


class SnapshotResponse(models.Model):
    """One delegate's Snapshot: round 1 before the event, round 2 the retake.

    `token` is the delegate's own link: whoever holds it can resume and see the results.
    """

    class Sector(models.TextChoices):
        FOOD = "food", "Food and drink"
        METALS = "metals", "Metals and engineering"
        PLASTICS = "plastics", "Plastics, rubber and chemicals"
        ELECTRONICS = "electronics", "Electronics and electrical"
        WOOD = "wood", "Wood, paper and print"
        TEXTILES = "textiles", "Textiles and clothing"
        OTHER_MAKING = "other_making", "Other manufacturing"
        OTHER = "other", "Not manufacturing"

    class Employees(models.TextChoices):
        MICRO = "1-9", "1-9"
        SMALL = "10-19", "10-19"
        SMALL2 = "20-49", "20-49"
        MEDIUM = "50-99", "50-99"
        MEDIUM2 = "100-249", "100-249"
        LARGE = "250+", "250 or more"

    class Role(models.TextChoices):
        OWNER = "owner", "Owner or director"
        MANAGER = "manager", "Manager"
        ENGINEER = "engineer", "Engineer or specialist"
        OTHER = "other", "Other"

    setup = models.ForeignKey(SnapshotSetup, on_delete=models.CASCADE, related_name="responses")
    delegate = models.ForeignKey(
        Delegate, on_delete=models.CASCADE, related_name="snapshot_responses"
    )
    round = models.PositiveSmallIntegerField(default=1)
    token = models.CharField(max_length=64, unique=True, default=new_token)
    sector = models.CharField(max_length=20, choices=Sector.choices, blank=True)
    employees = models.CharField(max_length=10, choices=Employees.choices, blank=True)
    region = models.CharField(max_length=60, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    consent_export = models.BooleanField(default=False)
    consent_contact = models.BooleanField(default=False)
    challenges = models.JSONField(default=list, blank=True)
    challenge_other = models.CharField(max_length=CHALLENGE_MAX, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["delegate", "round"], name="one_snapshot_per_round"),
            models.CheckConstraint(
                condition=models.Q(round__in=[1, 2]), name="snapshot_round_1_or_2"
            ),
        ]

    def __str__(self) -> str:
        return f"Snapshot round {self.round} of {self.delegate}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class SnapshotAnswer(models.Model):
    """One item's answer, saved as soon as it is tapped: 0-4, or None for "not sure"."""

    response = models.ForeignKey(SnapshotResponse, on_delete=models.CASCADE, related_name="answers")
    item = models.CharField(max_length=20)
    value = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="one_answer_per_item"),
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) | models.Q(value__lte=4),
                name="snapshot_answer_0_to_4",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}={self.value}"


__all__ = [
    "CHALLENGE_MAX",
    "ITEM_TEXT_MAX",
    "MAX_CHALLENGES",
    "TOP_PICKS",
    "SnapshotAnswer",
    "SnapshotResponse",
    "SnapshotSetup",
]
