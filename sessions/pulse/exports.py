"""A workshop's pulse answers as CSV, without anything that identifies a delegate."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sessions.models import PulseAnswer, Workshop
from sessions.steps import CHUNK, Export


def pulse_rows(workshop: Workshop) -> Iterator[Sequence[object]]:
    answers = (
        PulseAnswer.objects.filter(pulse__step__workshop=workshop)
        .select_related("pulse__step")
        .order_by("pulse__step__position", "id")
    )
    for answer in answers.iterator(chunk_size=CHUNK):
        yield (answer.pulse.step.position + 1, answer.usefulness, answer.word, answer.updated_at)


PULSE = Export(
    "pulse", "Pulse answers", ("step", "usefulness (1-5)", "word", "answered at"), pulse_rows
)
