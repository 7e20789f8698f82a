"""A workshop's archive: every step in agenda order with its results, read-only.

The archive page, the shared page and the printable report all draw what `archive_of`
returns, and read results from the same places the live screens do (`tally_poll`,
`wall_context`, `pulse_results`), so the archive shows what the room saw. The shared
version (`facilitator=False`) leaves out what only the facilitator saw: hidden ideas and
ideas waiting for approval. Names appear only where a step showed them (ideas of a board
that showed names keep the name they were sent with); commitments are named only to the
facilitator, and only for delegates who asked to be followed up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sessions.ideas.read import wall_context
from sessions.models import Board, Commitment, Idea, Poll, Pulse, Step, Workshop
from sessions.pulse.read import PulseResults, pulse_results
from sessions.voting.read import Tally, tally_poll


@dataclass
class StepRecord:
    number: int
    step: Step
    poll: Poll | None = None
    tally: Tally | None = None
    board: Board | None = None
    wall: dict = field(default_factory=dict)
    hidden: list[Idea] = field(default_factory=list)  # facilitator only
    pending: list[Idea] = field(default_factory=list)  # facilitator only
    pulse: Pulse | None = None
    pulse_results: PulseResults | None = None
    commitments: list[Commitment] | None = None
    committed_people: int = 0


def archive_of(workshop: Workshop, *, facilitator: bool) -> list[StepRecord]:
    """Every step of `workshop` in agenda order, each with its results."""
    steps = Step.objects.filter(workshop=workshop).select_related("poll", "board", "pulse")
    return [
        _record(number, step, facilitator=facilitator) for number, step in enumerate(steps, start=1)
    ]


def _record(number: int, step: Step, *, facilitator: bool) -> StepRecord:
    record = StepRecord(number=number, step=step)
    if step.kind == Step.Kind.VOTE and hasattr(step, "poll"):
        record.poll = step.poll
        record.tally = tally_poll(step.poll)
    elif step.kind == Step.Kind.IDEAS and hasattr(step, "board"):
        record.board = step.board
        record.wall = wall_context(step.board, facilitator=facilitator)
        if facilitator:
            record.pending = record.wall["queue"]
            record.hidden = [
                i
                for i in record.wall["hidden"]
                if i.status == Idea.Status.HIDDEN and i.merged_into_id is None
            ]
    elif step.kind == Step.Kind.COMMIT:
        made = Commitment.objects.filter(step=step).select_related(
            "delegate", "challenge", "cluster"
        )
        record.commitments = list(made.order_by("created_at", "id"))
        record.committed_people = len({c.delegate_id for c in record.commitments} - {None})
    elif step.kind == Step.Kind.PULSE and hasattr(step, "pulse"):
        record.pulse = step.pulse
        record.pulse_results = pulse_results(step.pulse)
    return record
