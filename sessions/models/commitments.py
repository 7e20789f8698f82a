"""Commitments and their follow-up: what delegates promise to try, and what happened.

A delegate commits on their phone in a commitment step; with an email address and consent
the commitment gets follow-up messages (`FollowUp`, one row per message of the cadence),
each carrying a magic link (`AccessLink`) to a one-tap check-in (`CheckIn`). Personal data
(an address, the link between a delegate and their words) can be erased; the counts the
organiser reports on stay.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from sessions.commitments.hints import without_i_will
from sessions.models.core import Delegate, Step
from sessions.models.ideas import Cluster
from sessions.models.voting import Option

ACTION_MAX = 140
FIRST_STEP_MAX = 140
MEASURE_MAX = 140
STORY_MAX = 500
MAX_COMMITMENTS_PER_DELEGATE = 3
FIRST_STEP_WITHIN_DAYS = 14
DONE_BY_DEFAULT_DAYS = 30
DONE_BY_MAX_DAYS = 90


class HelpWanted(models.TextChoices):
    PEER_VISIT = "peer_visit", "A visit to a peer business"
    UNIVERSITY = "university", "Help from a university"
    GROWTH_HUB = "growth_hub", "Advice from the growth hub"
    MENTOR = "mentor", "A mentor"
    FUNDING = "funding", "Funding advice"


class Status(models.TextChoices):
    """Where a commitment stands, as its delegate last said."""

    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CHANGED = "changed", "Changed plan"
    DROPPED = "dropped", "Dropped"


class Verdict(models.TextChoices):
    ADOPT = "adopt", "Adopt: keep doing it"
    ADAPT = "adapt", "Adapt: change it and try again"
    ABANDON = "abandon", "Abandon: it did not work for us"


class Commitment(models.Model):
    """One small experiment a delegate commits to in a commitment step.

    `delegate` is cleared when the delegate erases their data or the event's retention ends;
    the commitment then still counts, anonymously. `erased` marks that its words were
    removed at the delegate's request.
    """

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="commitments")
    delegate = models.ForeignKey(
        Delegate, on_delete=models.SET_NULL, null=True, blank=True, related_name="commitments"
    )
    # What it is about: a challenge (an option of a vote) or a cluster of ideas, or neither
    # when the workshop had none to offer.
    challenge = models.ForeignKey(
        Option, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cluster = models.ForeignKey(
        Cluster, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=ACTION_MAX)
    first_step_when = models.CharField(max_length=FIRST_STEP_MAX)
    first_step_then = models.CharField(max_length=FIRST_STEP_MAX)
    first_step_on = models.DateField()
    measure = models.CharField(max_length=MEASURE_MAX)
    done_by = models.DateField()
    buddy = models.ForeignKey(
        Delegate, on_delete=models.SET_NULL, null=True, blank=True, related_name="buddy_of"
    )
    help_wanted = models.JSONField(default=list, blank=True)
    # Follow-up: only with an address and consent. `consent` stays a fact when the address
    # is removed (erasure, retention): the funnel's denominators must not move.
    email = models.EmailField(blank=True)
    consent = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)
    first_step_taken = models.BooleanField(null=True, blank=True)
    erased = models.BooleanField(default=False)
    # What the card promised when it was made: the room may see the delegate's name with it
    # only if the step showed names then. Switching names on later does not name it.
    name_shown = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["step", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("action"), ACTION_MAX),
                name="commitment_action_length",
            ),
            models.CheckConstraint(
                condition=models.Q(challenge__isnull=True) | models.Q(cluster__isnull=True),
                name="commitment_one_link",
            ),
            models.CheckConstraint(
                condition=models.Q(status="") | models.Q(status__in=Status.values),
                name="commitment_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"I will {self.action}"

    @property
    def followed_up(self) -> bool:
        return self.consent and bool(self.email)

    @property
    def status_label(self) -> str:
        if self.status:
            return self.get_status_display()
        return "No response yet" if self.consent else "Not followed up"

    @property
    def first_step_action(self) -> str:
        """The first step as shown after "then I will" (cards made before a typed "I will"
        was removed from it may still start with one)."""
        return without_i_will(self.first_step_then)

    @property
    def linked_to(self) -> str:
        if self.challenge_id and self.challenge:
            return self.challenge.label
        if self.cluster_id and self.cluster:
            return self.cluster.name
        return ""


class FollowUp(models.Model):
    """One message of a commitment's follow-up cadence, due at a local hour of the event's
    time zone. `sent_at` is set in the transaction that sends it: sending twice is not
    possible. `skipped_at` marks a message that was no longer needed (day 60 once done)."""

    class Kind(models.TextChoices):
        SUMMARY = "summary", "Same-day summary"
        DAY_7 = "day7", "Day 7: first step"
        DAY_30 = "day30", "Day 30: check-in"
        DAY_60 = "day60", "Day 60: nudge"
        DAY_90 = "day90", "Day 90: check-in and benchmark retake"

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="followups")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    due_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    skipped_at = models.DateTimeField(null=True, blank=True)
    # 0: the cadence of the commitment as made; n: the cadence from its nth renewal at a
    # later edition (`sessions.editions.returning`), which starts again from that day.
    renewal = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "kind", "renewal"], name="one_followup_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for commitment {self.commitment_id}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccessLink(models.Model):
    """A magic link: a long random token (only its hash is stored) for one purpose, one
    commitment or delegate, until it expires."""

    class Purpose(models.TextChoices):
        CHECK_IN = "check_in", "Check in on a commitment"
        MY_DATA = "my_data", "See, download or erase your data"
        TAKE_HOME = "take_home", "Come back to your take-home page"

    token_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, null=True, blank=True, related_name="links"
    )
    delegate = models.ForeignKey(
        Delegate, on_delete=models.CASCADE, null=True, blank=True, related_name="links"
    )
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(purpose="check_in", commitment__isnull=False)
                    | models.Q(purpose="my_data", delegate__isnull=False)
                    | models.Q(purpose="take_home", delegate__isnull=False)
                ),
                name="access_link_has_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} link {self.pk}"

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()


class CheckIn(models.Model):
    """A delegate's answer to a follow-up: where the commitment stands and what they learnt."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="check_ins")
    followup = models.ForeignKey(
        FollowUp, on_delete=models.SET_NULL, null=True, blank=True, related_name="check_ins"
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    first_step_taken = models.BooleanField(null=True, blank=True)
    what_happened = models.TextField(max_length=STORY_MAX, blank=True)
    verdict = models.CharField(max_length=10, choices=Verdict.choices, blank=True)
    next_step = models.CharField(max_length=FIRST_STEP_MAX, blank=True)
    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="check_in_status_known"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("what_happened"), STORY_MAX),
                name="check_in_story_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} for commitment {self.commitment_id}"


LINK_LIFETIME = timedelta(days=45)
