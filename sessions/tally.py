"""A poll's results, from a constant number of queries whatever the room's size.

One place computes results: the projector, the console, the phones, the archive and the
tests all read them from `tally_poll`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from sessions.models import Attendance, Ballot, Mark, Poll

SCALE_POINTS = 5


@dataclass
class OptionResult:
    option_id: int
    label: str
    score: float = 0  # dots, votes, mean rating or Borda points: what the bars show
    voters: int = 0  # ballots that marked this option
    distribution: list[int] = field(default_factory=list)  # scale: how many gave 1..5
    share: int = 0  # the bar's length, as a percentage of the top score

    @property
    def mean(self) -> float | None:
        return self.score if self.voters else None


@dataclass
class Tally:
    kind: str
    method: str
    voters: int
    eligible: int
    results: list[OptionResult]

    HEADLINE = 8  # bars the projector draws; more would not be legible across a hall

    @property
    def headline(self) -> list[OptionResult]:
        return self.results[: self.HEADLINE]

    @property
    def more(self) -> int:
        return max(len(self.results) - self.HEADLINE, 0)

    @property
    def top_score(self) -> float:
        return max((r.score for r in self.results), default=0)

    def as_dict(self) -> dict[int, float]:
        return {r.option_id: r.score for r in self.results}


METHODS = {
    Poll.Kind.DOTS: "Dots placed",
    Poll.Kind.SINGLE: "Votes",
    Poll.Kind.MULTIPLE: "Votes",
    Poll.Kind.SCALE: "Mean rating (1 to 5)",
    Poll.Kind.RANKING: "Borda count: first place scores {k} points, the next {k_1}, and so on",
}


def tally_poll(poll: Poll) -> Tally:
    """Results ranked by score (ties in the options' order)."""
    options = list(poll.options.all())
    results = {o.pk: OptionResult(o.pk, o.label, distribution=[0] * SCALE_POINTS) for o in options}
    rows = (
        Mark.objects.filter(ballot__poll=poll)
        .values_list("option_id", "value")
        .annotate(n=Count("id"))
    )
    for option_id, value, n in rows:
        result = results.get(option_id)
        if result is None:
            continue
        result.voters += n
        result.score += _points(poll, value) * n
        if poll.kind == Poll.Kind.SCALE and 1 <= value <= SCALE_POINTS:
            result.distribution[value - 1] += n
    if poll.kind == Poll.Kind.SCALE:
        for result in results.values():
            result.score = round(result.score / result.voters, 2) if result.voters else 0
    order = {o.pk: i for i, o in enumerate(options)}
    ranked = sorted(results.values(), key=lambda r: (-r.score, order[r.option_id]))
    top = max((r.score for r in ranked), default=0)
    for result in ranked:
        result.share = round(100 * result.score / top) if top else 0
    voters = Ballot.objects.filter(poll=poll, spent__gt=0).count()
    eligible = Attendance.objects.filter(workshop_id=poll.step.workshop_id).count()
    method = METHODS[poll.kind].format(k=poll.max_picks, k_1=max(poll.max_picks - 1, 0))
    return Tally(poll.kind, method, voters, max(eligible, voters), ranked)


def _points(poll: Poll, value: int) -> int:
    if poll.kind == Poll.Kind.RANKING:
        return poll.max_picks - value + 1
    return value
