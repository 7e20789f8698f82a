"""A workshop's data as CSV files, one per kind of data (and all of them in one zip).

Each export is (file name, header, rows): rows are generators over `QuerySet.iterator()`,
so nothing is loaded whole, and `sessions.spreadsheet` neutralises cells a spreadsheet would
take for formulas. Delegates are not identified: a ballot's marks share an opaque ballot
number (so a ranking or a 2x2 rating can be read per ballot), pulse answers carry none, and
an idea's author only where the step showed names. The steps are listed here; each step
kind brings its own exports (`StepKind.exports`, in `sessions.steps.KIND_MODULES` order).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sessions.models import Step, Workshop
from sessions.questions.exports import QUESTIONS
from sessions.steps import CHUNK, KINDS, Export


def step_rows(workshop: Workshop) -> Iterator[Sequence[object]]:
    steps = Step.objects.filter(workshop=workshop).order_by("position", "id")
    for number, step in enumerate(steps.iterator(chunk_size=CHUNK), start=1):
        yield (number, step.get_kind_display(), step.title, step.body)


STEPS = Export("steps", "Steps", ("step", "kind", "title", "text"), step_rows)


def exports() -> dict[str, Export]:
    """Every export by its slug: the steps, then each kind's, then the questions."""
    kinds = (export for kind in KINDS.values() for export in kind.exports)
    every = [STEPS, *kinds, QUESTIONS]  # the Q&A is open alongside steps, not one of them
    return {export.slug: export for export in every}


def zip_members(
    workshop: Workshop,
) -> Iterator[tuple[str, Sequence[str], Iterator[Sequence[object]]]]:
    for export in exports().values():
        yield export.filename(workshop), export.header, export.rows(workshop)
