"""A workshop's data as CSV files, one per kind of data (and all of them in one zip).

Each export is (file name, header, rows): rows are generators over `QuerySet.iterator()`,
so nothing is loaded whole, and `sessions.spreadsheet` neutralises cells a spreadsheet would
take for formulas. Delegates are not identified: a ballot's marks share an opaque ballot
number (so a ranking or a 2x2 rating can be read per ballot), pulse answers carry none, and
an idea's author only where the step showed names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from sessions.models import Commitment, Idea, Mark, Poll, PulseAnswer, Step, Workshop
from sessions.voting.read import tally_poll

CHUNK = 500


@dataclass(frozen=True)
class Export:
    slug: str
    label: str
    header: Sequence[str]
    rows: Callable[[Workshop], Iterator[Sequence]]

    def filename(self, workshop: Workshop) -> str:
        return f"workshop-{workshop.pk}-{self.slug}.csv"


def step_rows(workshop: Workshop) -> Iterator[Sequence]:
    steps = Step.objects.filter(workshop=workshop).order_by("position", "id")
    for number, step in enumerate(steps.iterator(chunk_size=CHUNK), start=1):
        yield (number, step.get_kind_display(), step.title, step.body)


def vote_rows(workshop: Workshop) -> Iterator[Sequence]:
    """One row per option of every vote, in each vote's ranked order (2x2: by quadrant)."""
    polls = Poll.objects.filter(step__workshop=workshop).select_related("step")
    for poll in polls.order_by("step__position", "step_id").iterator(chunk_size=CHUNK):
        tally = tally_poll(poll)
        for rank, r in enumerate(tally.results, start=1):
            yield (
                poll.step.position + 1,
                poll.step.title,
                poll.get_kind_display(),
                rank,
                r.label,
                r.score,
                r.voters,
                r.quadrant.name if r.quadrant else "",
                r.impact.median if r.impact else None,
                r.effort.median if r.effort else None,
                tally.voters,
                tally.eligible,
            )


def ballot_rows(workshop: Workshop) -> Iterator[Sequence]:
    """One row per mark: its vote, an opaque ballot number, the option and the values."""
    marks = (
        Mark.objects.filter(ballot__poll__step__workshop=workshop)
        .select_related("option", "ballot__poll__step")
        .order_by("ballot__poll__step__position", "ballot_id", "option__position", "id")
    )
    for mark in marks.iterator(chunk_size=CHUNK):
        poll = mark.ballot.poll
        matrix = poll.kind == Poll.Kind.MATRIX
        yield (
            poll.step.position + 1,
            poll.step.title,
            poll.get_kind_display(),
            mark.ballot_id,
            mark.option.label,
            (mark.value or None) if matrix else mark.value,
            mark.effort,
            mark.rank,
        )


def idea_rows(workshop: Workshop) -> Iterator[Sequence]:
    ideas = (
        Idea.objects.filter(board__step__workshop=workshop)
        .select_related("board__step", "cluster")
        .order_by("board__step__position", "id")
    )
    for idea in ideas.iterator(chunk_size=CHUNK):
        status = "merged" if idea.merged_into_id else idea.get_status_display()
        yield (
            idea.board.step.position + 1,
            idea.board.step.title,
            idea.pk,
            idea.text,
            status,
            idea.cluster.name if idea.cluster else "",
            idea.merged_into_id,
            idea.author_name,
            idea.created_at,
        )


def pulse_rows(workshop: Workshop) -> Iterator[Sequence]:
    answers = (
        PulseAnswer.objects.filter(pulse__step__workshop=workshop)
        .select_related("pulse__step")
        .order_by("pulse__step__position", "id")
    )
    for answer in answers.iterator(chunk_size=CHUNK):
        yield (answer.pulse.step.position + 1, answer.usefulness, answer.word, answer.updated_at)


VOTE_HEADER = (
    "step", "step title", "kind of vote", "rank", "option", "score", "voters", "quadrant",
    "impact median", "effort median", "ballots", "delegates",
)  # fmt: skip
BALLOT_HEADER = (
    "step", "step title", "kind of vote", "ballot", "option", "value (2x2: impact)", "effort",
    "rank",
)  # fmt: skip
IDEA_HEADER = (
    "step", "step title", "idea", "text", "status", "cluster", "merged into",
    "author (where names were shown)", "sent at",
)  # fmt: skip

COMMITMENT_HEADER = (
    "step", "commitment", "action", "about", "first step when", "first step then",
    "first step on", "measure", "done by", "help wanted", "followed up", "latest status",
    "made at",
)  # fmt: skip


def commitment_rows(workshop: Workshop) -> Iterator[Sequence]:
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


EXPORTS: dict[str, Export] = {
    e.slug: e
    for e in (
        Export("steps", "Steps", ("step", "kind", "title", "text"), step_rows),
        Export(
            "votes",
            "Votes: one row per option with its totals",
            VOTE_HEADER,
            vote_rows,
        ),
        Export(
            "ballots",
            "Ballots: one row per mark, without names",
            BALLOT_HEADER,
            ballot_rows,
        ),
        Export(
            "ideas",
            "Ideas with cluster and status",
            IDEA_HEADER,
            idea_rows,
        ),
        Export(
            "pulse",
            "Pulse answers",
            ("step", "usefulness (1-5)", "word", "answered at"),
            pulse_rows,
        ),
        Export(
            "commitments",
            "Commitments, without names (the organiser's dashboard has them, with consent)",
            COMMITMENT_HEADER,
            commitment_rows,
        ),
    )
}


def zip_members(workshop: Workshop) -> Iterator[tuple[str, Sequence[str], Iterator[Sequence]]]:
    for export in EXPORTS.values():
        yield export.filename(workshop), export.header, export.rows(workshop)
