"""Peers across companies: delegates who opt in are offered a few peers from other companies
whose challenges match theirs, and are introduced only when both accept.

`PeerOptIn` holds what an introduction would share (name, company, email); nobody sees it
until both sides of a `PeerOffer` have accepted. Erasing a delegate deletes their opt-ins,
and with them every offer they were part of; retention deletes them all.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from sessions.models.commitments import Commitment

COMPANY_MAX = 120
PEER_NAME_MAX = 80
MAX_OFFERS = 3
CHALLENGE_KEY_MAX = 120


class PeerOptIn(models.Model):
    """A delegate's yes to being offered peers, for one of their commitments."""

    commitment = models.OneToOneField(
        Commitment, on_delete=models.CASCADE, related_name="peer_opt_in"
    )
    name = models.CharField(max_length=PEER_NAME_MAX)
    company = models.CharField(max_length=COMPANY_MAX)
    email = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("company"), COMPANY_MAX),
                name="peer_company_length",
            ),
        ]

    def __str__(self) -> str:
        return f"Peer opt-in for commitment {self.commitment_id}"


class PeerTopic(models.Model):
    """What an opt-in can be matched on, kept so that one opt-in's candidates are found by
    an indexed lookup rather than by scoring it against every other opt-in of the event.

    A `challenge` row holds a challenge's key (`sessions.peers.matching.challenge_key`) and
    its label as named; a `strong` or `starting` row holds a Snapshot dimension's code and
    the score (a middling score can match nobody, so it has no row). Written from the
    commitment and the Snapshot when the delegate opts in, and again by `match_peers`;
    deleted with the opt-in.
    """

    class Kind(models.TextChoices):
        CHALLENGE = "challenge", "Challenge"
        STRONG = "strong", "Strong in a dimension"
        STARTING = "starting", "Starting in a dimension"

    opt_in = models.ForeignKey(PeerOptIn, on_delete=models.CASCADE, related_name="topics")
    event = models.ForeignKey("workshops.Event", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=CHALLENGE_KEY_MAX)
    label = models.CharField(max_length=CHALLENGE_KEY_MAX, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["event", "kind", "key"], name="peer_topic_lookup")]
        constraints = [
            models.UniqueConstraint(fields=["opt_in", "kind", "key"], name="one_peer_topic"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} of opt-in {self.opt_in_id}"


class PeerOffer(models.Model):
    """Two opted-in delegates offered to each other (`first` is the lower id).

    `reason` says why: the same challenge (`topic` is its name), or one strong where the
    other is starting (`topic` is the Snapshot dimension's code; `first_strong` says who).
    Each side's answer is "", "accept" or "decline"; `introduced_at` is set when both accept.
    """

    class Reason(models.TextChoices):
        SAME_CHALLENGE = "same", "Same challenge"
        COMPLEMENT = "complement", "One strong where the other is starting"

    class Answer(models.TextChoices):
        ACCEPT = "accept", "Accept"
        DECLINE = "decline", "Decline"

    first = models.ForeignKey(PeerOptIn, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(PeerOptIn, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    topic = models.CharField(max_length=120)
    first_strong = models.BooleanField(default=False)
    first_answer = models.CharField(max_length=10, choices=Answer.choices, blank=True)
    second_answer = models.CharField(max_length=10, choices=Answer.choices, blank=True)
    introduced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="one_offer_per_pair"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="peer_offer_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"Peer offer {self.pk}"


class BuddyNote(models.Model):
    """A message to the buddy named on a commitment card: told when the card is made, and
    nudged on day 7 to ask how it went. Sent only if the buddy agreed to our emails (a
    follow-up address of their own at the event) when it is due; otherwise skipped."""

    class Kind(models.TextChoices):
        TOLD = "told", "You were named as a buddy"
        DAY_7 = "day7", "Day 7: ask how it went"

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="buddy_notes")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    due_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    skipped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["commitment", "kind"], name="one_buddy_note_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for commitment {self.commitment_id}"
