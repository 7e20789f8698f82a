"""A workshop's commitments as CSV, without names (the organiser's dashboard has them,
with consent)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sessions.models import Commitment, Workshop
from sessions.steps import CHUNK, Export

COMMITMENT_HEADER = (
    "step", "commitment", "action", "about", "first step when", "first step then",
    "first step on", "measure", "done by", "help wanted", "followed up", "latest status",
    "made at",
)  # fmt: skip


def commitment_rows(workshop: Workshop) -> Iterator[Sequence[object]]:
    made = (
        Commitment.objects.filter(step__workshop=workshop)
        .select_related("step", "challenge", "cluster")
        .order_by("step__position", "created_at", "id")
    )
    for c in made.iterator(chunk_size=CHUNK):
        yield (
            c.step.position + 1, c.pk, f"I will {c.action}" if c.action else "", c.linked_to,
            c.first_step_when, c.first_step_then, c.first_step_on, c.measure, c.done_by,
            "; ".join(c.help_wanted), c.consent, c.status_label, c.created_at,
        )  # fmt: skip


COMMITMENTS = Export(
    "commitments",
    "Commitments, without names (the organiser's dashboard has them, with consent)",
    COMMITMENT_HEADER,
    commitment_rows,
)
