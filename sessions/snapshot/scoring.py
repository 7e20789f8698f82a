"""The one place Snapshot numbers are computed: scores, levels, cohort statistics,
suppression, standings, focus areas, movement between rounds and challenge rankings.

Every screen and export takes its numbers from here. Suppression is enforced here too: a
statistic over fewer people than its threshold comes back as `Suppressed`, which carries a
message and no number, so no template or export can show what it must not.

Rules (product.md, "Before the event"):
- a dimension's score is the mean of its answered items x 25, as a whole number 0-100
  (half rounds up); with fewer than 2 answered items (0-4; "not sure" is counted but not
  scored) the dimension is insufficient (None);
- the overall score is the mean of the sufficient dimensions; with no sufficient dimension
  there is no overall score (None) and the results page says so;
- labels: 0-24 starting, 25-49 developing, 50-74 established, 75-100 leading;
- the cohort (completed first-round responses of an event) is shown only with at least
  `COHORT_MIN` respondents, and no figure describes a group (a cut, a dimension's spread, a
  size band, a count of pairs) of fewer than `CUT_MIN`.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from sessions.snapshot.bank import DIMENSIONS, ITEM_BY_CODE, Dimension

COHORT_MIN = 10
CUT_MIN = 5
MIN_ANSWERED = 2
LEVELS: tuple[tuple[int, str], ...] = (
    (75, "leading"),
    (50, "established"),
    (25, "developing"),
    (0, "starting"),
)
NOT_ENOUGH = _("Not enough responses yet")


@dataclass(frozen=True)
class Suppressed:
    """A figure withheld because too few people are behind it. Renders as words only."""

    message: StrOrPromise = NOT_ENOUGH

    def __str__(self) -> str:
        return str(self.message)

    def __bool__(self) -> bool:
        return False


def whole(value: float) -> int:
    """Half rounds up (62.5 -> 63), the same on every screen."""
    return math.floor(value + 0.5)


def level_of(score: int) -> str:
    return next(name for floor, name in LEVELS if score >= floor)


# --- one response --------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionScore:
    code: str
    name: str
    score: int | None  # None: fewer than MIN_ANSWERED items answered 0-4
    answered: int
    not_sure: int

    @property
    def level(self) -> str | None:
        return None if self.score is None else level_of(self.score)


@dataclass(frozen=True)
class Scores:
    dimensions: tuple[DimensionScore, ...]
    overall: int | None  # None: no dimension is sufficient
    answered: int
    not_sure: int

    @property
    def level(self) -> str | None:
        return None if self.overall is None else level_of(self.overall)

    def of(self, code: str) -> DimensionScore:
        return next(d for d in self.dimensions if d.code == code)

    @property
    def sufficient(self) -> list[DimensionScore]:
        return [d for d in self.dimensions if d.score is not None]


def dimension_score(values: Iterable[int | None]) -> int | None:
    """Mean of the answered values (0-4) x 25; None with fewer than MIN_ANSWERED of them."""
    scored = [v for v in values if v is not None]
    if len(scored) < MIN_ANSWERED:
        return None
    return whole(statistics.fmean(scored) * 25)


def score_answers(answers: Mapping[str, int | None]) -> Scores:
    """Scores from {item code: 0-4, or None for "not sure"}; unknown codes are ignored and
    an item missing from `answers` is unanswered."""
    by_dimension: dict[str, list[int | None]] = {d.code: [] for d in DIMENSIONS}
    for code, value in answers.items():
        item = ITEM_BY_CODE.get(code)
        if item is not None:
            by_dimension[item.dimension].append(value)
    dimensions = tuple(
        DimensionScore(
            code=d.code,
            name=d.name,
            score=dimension_score(by_dimension[d.code]),
            answered=sum(v is not None for v in by_dimension[d.code]),
            not_sure=sum(v is None for v in by_dimension[d.code]),
        )
        for d in DIMENSIONS
    )
    sufficient = [d.score for d in dimensions if d.score is not None]
    return Scores(
        dimensions=dimensions,
        overall=whole(statistics.fmean(sufficient)) if sufficient else None,
        answered=sum(d.answered for d in dimensions),
        not_sure=sum(d.not_sure for d in dimensions),
    )


def focus_areas(scores: Scores) -> list[DimensionScore]:
    """One or two dimensions to work on: the lowest sufficient one, and the next lowest too
    unless it is already leading. Ties go to the bank's order."""
    scored = [(d, d.score) for d in scores.sufficient if d.score is not None]
    ranked = sorted(scored, key=lambda pair: pair[1])
    if not ranked:
        return []
    chosen = [ranked[0][0]]
    if len(ranked) > 1 and ranked[1][1] < LEVELS[0][0]:
        chosen.append(ranked[1][0])
    return chosen


def movement(first: Scores, second: Scores) -> dict[str, int | None]:
    """Round 2 minus round 1 per dimension (and "overall"); None where either is missing."""
    moves: dict[str, int | None] = {}
    for earlier, later in zip(first.dimensions, second.dimensions, strict=True):
        before, after = earlier.score, later.score
        moves[earlier.code] = after - before if before is not None and after is not None else None
    before, after = first.overall, second.overall
    moves["overall"] = after - before if before is not None and after is not None else None
    return moves


# --- the cohort ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """The middle half of a group's scores: lower quartile, median, upper quartile."""

    n: int
    low: int
    median: int
    high: int

    @property
    def width(self) -> int:
        return self.high - self.low


def spread(values: Sequence[int]) -> Spread | Suppressed:
    if len(values) < CUT_MIN:
        return Suppressed()
    if len(values) == 1:  # only reachable if CUT_MIN is ever lowered to 1
        return Spread(1, values[0], values[0], values[0])
    low, median, high = statistics.quantiles(values, n=4, method="inclusive")
    return Spread(len(values), whole(low), whole(median), whole(high))


@dataclass(frozen=True)
class Cohort:
    n: int
    overall: Spread | Suppressed
    dimensions: tuple[tuple[Dimension, Spread | Suppressed], ...]

    def of(self, code: str) -> Spread | Suppressed:
        return next(s for d, s in self.dimensions if d.code == code)


def cohort(all_scores: Sequence[Scores]) -> Cohort | Suppressed:
    """The cohort's spreads; Suppressed below COHORT_MIN respondents, and each dimension
    suppressed on its own when fewer than CUT_MIN respondents have a score for it."""
    if len(all_scores) < COHORT_MIN:
        return Suppressed()
    overall = [s.overall for s in all_scores if s.overall is not None]
    rows = []
    for d in DIMENSIONS:
        values = [score for s in all_scores if (score := s.of(d.code).score) is not None]
        rows.append((d, spread(values)))
    return Cohort(n=len(all_scores), overall=spread(overall), dimensions=tuple(rows))


@dataclass(frozen=True)
class Standing:
    words: str  # "in the top quarter", "in the middle half", "in the bottom quarter"
    above_median: bool


def standing(score: int | None, group: Spread | Suppressed) -> Standing | None:
    """Where a score sits in a group, in quartile words (never a percentile)."""
    if score is None or isinstance(group, Suppressed):
        return None
    if score > group.high:
        words = "in the top quarter"
    elif score < group.low:
        words = "in the bottom quarter"
    else:
        words = "in the middle half"
    return Standing(words, above_median=score >= group.median)


def paired_change(pairs: Sequence[tuple[Scores, Scores]]) -> dict[str, float | Suppressed]:
    """Median movement per dimension (and "overall") over the firms that took both rounds
    and have both scores; Suppressed for fewer than CUT_MIN such pairs."""
    moves = [movement(first, second) for first, second in pairs]
    result: dict[str, float | Suppressed] = {}
    for code in [d.code for d in DIMENSIONS] + ["overall"]:
        deltas = [delta for m in moves if (delta := m[code]) is not None]
        result[code] = statistics.median(deltas) if len(deltas) >= CUT_MIN else Suppressed()
    return result


# --- groups of people ----------------------------------------------------------------------


@dataclass(frozen=True)
class Groups:
    """Counts per label that may be shown (each >= CUT_MIN), and the rest as one "other"
    group whose count is shown only if it too reaches CUT_MIN."""

    shown: tuple[tuple[str, int], ...]
    other: int | Suppressed | None  # None: nobody is left over

    @property
    def total(self) -> int:
        hidden = self.other if isinstance(self.other, int) else 0
        return sum(count for _other, count in self.shown) + hidden


def groups(counts: Mapping[str, int], order: Sequence[str]) -> Groups:
    """Suppress small groups so that none can be worked out from the others: groups under
    CUT_MIN are pooled; while the pool is non-empty but under CUT_MIN, the smallest shown
    group joins it. Every number shown is then >= CUT_MIN, and the total minus the shown
    groups is either 0 or a pool of at least CUT_MIN."""
    shown = [(label, counts.get(label, 0)) for label in order if counts.get(label, 0) >= CUT_MIN]
    pool = sum(c for label, c in counts.items() if 0 < c < CUT_MIN)
    while 0 < pool < CUT_MIN and shown:
        smallest = min(shown, key=lambda row: row[1])
        shown.remove(smallest)
        pool += smallest[1]
    if pool == 0:
        other: int | Suppressed | None = None
    else:
        other = pool if pool >= CUT_MIN else Suppressed()
    return Groups(shown=tuple(shown), other=other)


def group_spreads(
    scores_by_label: Mapping[str, Sequence[Scores]], order: Sequence[str]
) -> list[tuple[str, Spread | Suppressed]]:
    """The overall-score spread of each group (a cut, e.g. by sector), suppressed below
    CUT_MIN; groups that `groups` pools are reported together as "Other"."""
    counts = {label: len(rows) for label, rows in scores_by_label.items()}
    kept = groups(counts, order)
    rows = []
    for label, _other in kept.shown:
        overall = [s.overall for s in scores_by_label[label] if s.overall is not None]
        rows.append((label, spread(overall)))
    if kept.other is not None:
        shown_labels = {label for label, _other in kept.shown}
        pooled = [
            s.overall
            for label, group in scores_by_label.items()
            if label not in shown_labels
            for s in group
            if s.overall is not None
        ]
        rows.append(("Other", spread(pooled)))
    return rows


def challenge_ranking(
    picks: Iterable[Sequence[str]], offered: Sequence[str], *, min_count: int = 1
) -> list[tuple[str, int]]:
    """The organiser's challenges by how many delegates picked them (ties in the list's
    order), keeping those picked at least `min_count` times; picks not on the list are
    ignored (a challenge the organiser later removed)."""
    tally = Counter(label for chosen in picks for label in chosen if label in offered)
    ranked = sorted(offered, key=lambda label: (-tally[label], offered.index(label)))
    return [(label, tally[label]) for label in ranked if tally[label] >= max(min_count, 1)]
