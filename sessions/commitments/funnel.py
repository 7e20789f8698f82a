"""The commitment funnel the organiser reports: one place computes it, every screen and
export uses it.

Denominators are stated with each figure. Non-response is not "not done": a commitment
whose delegate has not answered counts as "no response", and "changed plan" and "dropped"
(learning outcomes) are reported apart from "not started".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from sessions.models import CheckIn, Commitment, FollowUp, Status


@dataclass(frozen=True)
class Stage:
    label: str
    count: int
    of: int
    of_label: str

    @property
    def percent(self) -> int | None:
        return round(100 * self.count / self.of) if self.of else None


@dataclass(frozen=True)
class Funnel:
    made: int
    followed_up: int
    reached: int
    responded: int
    stages: tuple[Stage, ...]

    @property
    def response_rate(self) -> int | None:
        return round(100 * self.responded / self.reached) if self.reached else None


def funnel(commitments: QuerySet[Commitment]) -> Funnel:
    """The funnel of these commitments, in one aggregate query."""
    sent = FollowUp.objects.filter(commitment=OuterRef("pk"), sent_at__isnull=False)
    answered = CheckIn.objects.filter(commitment=OuterRef("pk"))
    rows = commitments.annotate(was_sent=Exists(sent), has_answer=Exists(answered))
    counts = rows.aggregate(
        made=Count("id"),
        followed_up=Count("id", filter=Q(consent=True)),
        reached=Count("id", filter=Q(was_sent=True)),
        responded=Count("id", filter=Q(has_answer=True)),
        first_step=Count("id", filter=Q(has_answer=True, first_step_taken=True)),
        **{
            status: Count("id", filter=Q(has_answer=True, status=status))
            for status in Status.values
        },
    )
    reached, responded = counts["reached"], counts["responded"]
    no_response = reached - responded
    stages = (
        Stage("Made", counts["made"], counts["made"], "commitments"),
        Stage("Followed up (consented)", counts["followed_up"], counts["made"], "commitments"),
        Stage("Sent at least one message", reached, counts["followed_up"], "followed up"),
        Stage("Answered at least once", responded, reached, "sent a message"),
        Stage("First step taken", counts["first_step"], responded, "answered"),
        Stage("In progress", counts[Status.IN_PROGRESS], responded, "answered"),
        Stage("Done", counts[Status.DONE], responded, "answered"),
        Stage("Changed plan", counts[Status.CHANGED], responded, "answered"),
        Stage("Dropped", counts[Status.DROPPED], responded, "answered"),
        Stage("Not started", counts[Status.NOT_STARTED], responded, "answered"),
        Stage("No response", no_response, reached, "sent a message"),
    )
    return Funnel(
        made=counts["made"],
        followed_up=counts["followed_up"],
        reached=reached,
        responded=responded,
        stages=stages,
    )
