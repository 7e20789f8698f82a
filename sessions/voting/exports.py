"""A workshop's votes as CSV: one row per option with its totals, and one per mark (an
opaque ballot number, no names), so a ranking or a 2x2 rating can be read per ballot."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sessions.models import Mark, Poll, Workshop
from sessions.steps import CHUNK, Export
from sessions.voting.read import tally_poll

VOTE_HEADER = (
    "step", "step title", "kind of vote", "rank", "option", "score", "voters", "quadrant",
    "impact median", "effort median", "ballots", "delegates",
)  # fmt: skip
BALLOT_HEADER = (
    "step", "step title", "kind of vote", "ballot", "option", "value (2x2: impact)", "effort",
    "rank",
)  # fmt: skip


def vote_rows(workshop: Workshop) -> Iterator[Sequence[object]]:
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


def ballot_rows(workshop: Workshop) -> Iterator[Sequence[object]]:
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


VOTES = Export("votes", "Votes: one row per option with its totals", VOTE_HEADER, vote_rows)
BALLOTS = Export("ballots", "Ballots: one row per mark, without names", BALLOT_HEADER, ballot_rows)
