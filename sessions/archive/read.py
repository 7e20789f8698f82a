"""A workshop's archive: every step in agenda order with its results, read-only.

The archive page, the shared page and the printable report all draw what `archive_of`
returns. Each step's results come from its kind (`StepKind.record`, drawn by the kind's
`archive_template`), which reads them from the same places the live screens do
(`tally_poll`, `wall_context`, `pulse_results`), so the archive shows what the room saw.
The shared version (`facilitator=False`) leaves out what only the facilitator saw: hidden
ideas and ideas waiting for approval. Names appear only where a step showed them (ideas of
a board that showed names keep the name they were sent with); commitments are named only to
the facilitator, and only for delegates who asked to be followed up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sessions.models import Step, Workshop
from sessions.steps import KINDS, kind_of


@dataclass
class StepRecord:
    number: int
    step: Step
    template: str | None = None  # the kind's archive template, when it has results
    details: dict[str, Any] = field(default_factory=dict[str, Any])  # what that template reads


def archive_of(workshop: Workshop, *, facilitator: bool) -> list[StepRecord]:
    """Every step of `workshop` in agenda order, each with its results."""
    related = sorted({name for kind in KINDS.values() for name in kind.related})
    steps = Step.objects.filter(workshop=workshop).select_related(*related)
    return [
        _record(number, step, facilitator=facilitator) for number, step in enumerate(steps, start=1)
    ]


def _record(number: int, step: Step, *, facilitator: bool) -> StepRecord:
    kind = kind_of(step.kind)
    details = kind.record(step, facilitator=facilitator)
    if details is None:
        return StepRecord(number=number, step=step)
    return StepRecord(number, step, template=kind.archive_template, details=details)
