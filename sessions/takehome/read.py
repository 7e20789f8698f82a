"""What a delegate's take-home page shows, read from the places the rest of the product
reads it: their commitment cards, the room's results as the shared archive draws them
(`archive_of`, without what only the facilitator saw), and their Snapshot position as its
results page works it out (`results_context`, whose `scoring` suppresses small groups)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sessions.archive.read import archive_of
from sessions.models import Commitment, Delegate, SnapshotResponse, Step, Workshop
from sessions.snapshot.report import results_context

TOP_CHALLENGES = 3


@dataclass(frozen=True)
class Challenge:
    label: str
    score: float


@dataclass(frozen=True)
class Theme:
    name: str
    ideas: int


@dataclass(frozen=True)
class VoteResult:
    title: str
    method: str
    top: list[Challenge]


def commitments_of(workshop: Workshop, delegate: Delegate) -> list[Commitment]:
    """The delegate's own cards in the workshop, oldest first (erased ones are not theirs)."""
    return list(
        Commitment.objects.filter(step__workshop=workshop, delegate=delegate, erased=False)
        .select_related("challenge", "cluster", "step")
        .order_by("created_at", "id")
    )


def room_results(workshop: Workshop) -> dict[str, list[Any]]:
    """The top challenges of each vote the room saw, and the themes (clusters of ideas)."""
    votes: list[VoteResult] = []
    themes: list[Theme] = []
    for record in archive_of(workshop, facilitator=False):
        if record.step.kind == Step.Kind.VOTE and record.details:
            votes.extend(_vote(record.step, record.details))
        elif record.step.kind == Step.Kind.IDEAS and record.details:
            wall = record.details["wall"]
            themes += [Theme(c.name, len(members)) for c, members in wall["clusters"]]
    return {"votes": votes, "themes": themes}


def _vote(step: Step, details: dict[str, Any]) -> list[VoteResult]:
    poll, tally = details["poll"], details["tally"]
    if not poll.opened_at or tally.kind == "matrix":
        return []
    top = [Challenge(r.label, r.score) for r in tally.results if r.voters][:TOP_CHALLENGES]
    return [VoteResult(step.title, tally.method, top)] if top else []


def snapshot_position(delegate: Delegate) -> dict[str, Any] | None:
    """The delegate's latest finished Snapshot as its results page reads it, or None."""
    latest = (
        SnapshotResponse.objects.filter(delegate=delegate, completed_at__isnull=False)
        .order_by("-round")
        .first()
    )
    return results_context(latest) if latest is not None else None
