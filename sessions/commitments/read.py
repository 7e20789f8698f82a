"""What the commitment step's screens show: the wall of commitments."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from sessions.live.audiences import DELEGATE, FACILITATOR, PROJECTOR
from sessions.models import Commitment, Step

# The projector shows the latest commitments (legible at a distance); consoles see more.
WALL_LATEST = {PROJECTOR: 12, FACILITATOR: 60}


def commitments_context(step: Step, names: tuple[str, ...], audience: str) -> dict[str, Any]:
    """The commitment step's wall: how many delegates committed and the latest actions
    (names only when the step shows them). Two queries, whatever the room's size."""
    context: dict[str, Any] = {
        "commit_step": step,
        "show_names": step.config.get("show_names", False),
    }
    if "commitments" not in names or audience == DELEGATE:
        return context
    made = Commitment.objects.filter(step=step)
    counts = made.aggregate(total=Count("id"), people=Count("delegate", distinct=True))
    latest = made.select_related("delegate").order_by("-created_at", "-id")
    context.update(
        commitment_total=counts["total"],
        committed_people=counts["people"],
        latest_commitments=list(latest[: WALL_LATEST[audience]]),
    )
    return context
