"""What a vote's screens show: a poll's results (from a constant number of queries whatever
the room's size), the vote step's context and a delegate's own ballot.

One place computes results: the projector, the console, the phones, the archive and the
tests all read them from `tally_poll`. Three queries at most (the options, the marks grouped
by value, and the turnout), whatever the number of delegates or options.

A 2x2 (impact and effort) vote summarises each option by the median and the interquartile
range of each axis, places it in a quadrant, and lays out its plot here too, so every
audience draws the same points and labels (see `MatrixPlot`).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import NamedTuple

from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac

from sessions.models import MATRIX_POINTS, Attendance, Ballot, Mark, Poll, Presence, Step

SCALE_POINTS = 5


@dataclass
class OptionResult:
    option_id: int
    label: str
    score: float = 0  # dots, votes, mean rating or Borda points: what the bars show
    voters: int = 0  # ballots that marked this option
    distribution: list[int] = field(default_factory=list)  # scale: how many gave 1..5
    share: int = 0  # the bar's length, as a percentage of the top score
    # 2x2 only: each axis's summary, and the quadrant (None until both axes are rated).
    impact: Axis | None = None
    effort: Axis | None = None
    quadrant: Quadrant | None = None

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

    @cached_property
    def plot(self) -> MatrixPlot | None:
        """The 2x2 plot's geometry (2x2 votes only); no queries."""
        return MatrixPlot(self.results) if self.kind == Poll.Kind.MATRIX else None


METHODS = {
    Poll.Kind.DOTS: "Dots placed",
    Poll.Kind.SINGLE: "Votes",
    Poll.Kind.MULTIPLE: "Votes",
    Poll.Kind.SCALE: "Mean rating (1 to 5)",
    Poll.Kind.RANKING: "Borda count: first place scores {k} points, the next {k_1}, and so on",
    Poll.Kind.MATRIX: (
        "Points: median ratings · bars: the middle half of the ratings (interquartile range)"
        " · n: number of ratings · midline at 3: a median of 3 or more counts as high"
    ),
}


def tally_poll(poll: Poll) -> Tally:
    """Results ranked by score (ties in the options' order); 2x2 results by quadrant."""
    options = list(poll.options.all())
    if poll.kind == Poll.Kind.MATRIX:
        return _tally_matrix(poll, options)
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
    voters, eligible = _turnout(poll)
    method = METHODS[poll.kind].format(k=poll.max_picks, k_1=max(poll.max_picks - 1, 0))
    return Tally(poll.kind, method, voters, eligible, ranked)


def _turnout(poll: Poll) -> tuple[int, int]:
    """Delegates who have marked something, and the delegates they are out of: one query.

    While the workshop runs, "of M" counts the delegates here now (a fresh presence: a
    socket or the polling fallback) and those who voted and then left, so it is never
    below the voters and does not count people long gone. Once the workshop has finished
    nobody is "here": M is everyone who joined.
    """
    voted = (
        Ballot.objects.filter(poll=OuterRef("pk"), spent__gt=0)
        .order_by()
        .values("poll")
        .annotate(n=Count("pk"))
        .values("n")
    )
    joined = Attendance.objects.filter(workshop=OuterRef("step__workshop")).order_by()
    fresh_after = timezone.now() - timedelta(seconds=settings.PRESENCE_STALE_SECONDS)
    here = Presence.objects.filter(
        workshop=OuterRef("workshop"), delegate=OuterRef("delegate"), seen_at__gte=fresh_after
    )
    voted_and_left = Ballot.objects.filter(
        poll=OuterRef(OuterRef("pk")), delegate=OuterRef("delegate"), spent__gt=0
    )
    here_or_voted = joined.filter(Exists(here) | Exists(voted_and_left))

    def counted(attendances):
        return Coalesce(
            Subquery(
                attendances.values("workshop").annotate(n=Count("pk")).values("n"),
                output_field=IntegerField(),
            ),
            0,
        )

    voters, everyone, present, closed_at = (
        Poll.objects.filter(pk=poll.pk)
        .annotate(
            voters=Coalesce(Subquery(voted, output_field=IntegerField()), 0),
            everyone=counted(joined),
            present=counted(here_or_voted),
        )
        .values_list("voters", "everyone", "present", "step__workshop__closed_at")
        .get()
    )
    eligible = everyone if closed_at is not None else present
    return voters, max(eligible, voters)


def _points(poll: Poll, value: int) -> int:
    if poll.kind == Poll.Kind.RANKING:
        return poll.max_picks - value + 1
    return value


# --- 2x2: impact and effort ----------------------------------------------------------------

MIDLINE = 3  # a median of MIDLINE or more is high


class Quadrant(NamedTuple):
    slug: str
    name: str


QUICK_WINS = Quadrant("quick-wins", "Quick wins")  # high impact, low effort
MAJOR_PROJECTS = Quadrant("major-projects", "Major projects")  # high impact, high effort
FILL_INS = Quadrant("fill-ins", "Fill-ins")  # low impact, low effort
THANKLESS_TASKS = Quadrant("thankless-tasks", "Thankless tasks")  # low impact, high effort
QUADRANTS = (QUICK_WINS, MAJOR_PROJECTS, FILL_INS, THANKLESS_TASKS)


def quadrant_of(impact: float, effort: float) -> Quadrant:
    """Where medians fall, 3 being the midline: exactly 3 counts as high, on either axis."""
    if impact >= MIDLINE:
        return MAJOR_PROJECTS if effort >= MIDLINE else QUICK_WINS
    return THANKLESS_TASKS if effort >= MIDLINE else FILL_INS


def quantile(counts: list[int], q: float) -> float | None:
    """The q-quantile of ratings given as counts of 1, 2, ... (None without ratings).

    Linear interpolation between the two nearest ratings (spreadsheets' QUARTILE.INC), so
    the median of an even number of ratings is the mean of the middle two.
    """
    n = sum(counts)
    if not n:
        return None
    position = (n - 1) * q
    below = math.floor(position)
    low = _nth(counts, below)
    if position == below:
        return float(low)
    return low + (position - below) * (_nth(counts, below + 1) - low)


def _nth(counts: list[int], index: int) -> int:
    """The rating at `index` (from 0) of the ratings sorted from low to high."""
    for rating, n in enumerate(counts, start=1):
        if index < n:
            return rating
        index -= n
    raise IndexError(index)


def _number(value: float) -> str:
    return f"{round(value, 2):g}"


@dataclass(frozen=True)
class Axis:
    """One axis of an option's 2x2 ratings: how many, their median and quartiles."""

    counts: tuple[int, ...]  # how many gave 1..5

    @property
    def n(self) -> int:
        return sum(self.counts)

    @property
    def median(self) -> float | None:
        return quantile(list(self.counts), 0.5)

    @property
    def q1(self) -> float | None:
        return quantile(list(self.counts), 0.25)

    @property
    def q3(self) -> float | None:
        return quantile(list(self.counts), 0.75)

    @property
    def iqr(self) -> float | None:
        return None if self.n == 0 else self.q3 - self.q1

    @property
    def median_text(self) -> str:
        """The median as people read it ("3.5", "4"); empty without ratings."""
        return "" if self.median is None else _number(self.median)

    @property
    def spread_text(self) -> str:
        """The interquartile range as "3 to 4.5" (or "4" when it is one rating wide);
        empty without ratings."""
        if self.n == 0:
            return ""
        if self.q1 == self.q3:
            return _number(self.q1)
        return f"{_number(self.q1)} to {_number(self.q3)}"


def _tally_matrix(poll: Poll, options: list) -> Tally:
    counts = {o.pk: ([0] * MATRIX_POINTS, [0] * MATRIX_POINTS) for o in options}
    raters = dict.fromkeys(counts, 0)  # one mark per ballot and option: a delegate each
    rows = (
        Mark.objects.filter(ballot__poll=poll)
        .order_by()
        .values_list("option_id", "value", "effort")
        .annotate(n=Count("id"))
    )
    for option_id, impact, effort, n in rows:
        if option_id not in counts:
            continue
        raters[option_id] += n
        if 1 <= impact <= MATRIX_POINTS:
            counts[option_id][0][impact - 1] += n
        if effort is not None and 1 <= effort <= MATRIX_POINTS:
            counts[option_id][1][effort - 1] += n
    results = []
    for option in options:
        impact, effort = (Axis(tuple(c)) for c in counts[option.pk])
        result = OptionResult(option.pk, option.label, impact=impact, effort=effort)
        result.voters = raters[option.pk]
        result.score = impact.median or 0
        if impact.n and effort.n:
            result.quadrant = quadrant_of(impact.median, effort.median)
        results.append(result)
    order = {o.pk: i for i, o in enumerate(options)}
    results.sort(key=lambda r: _matrix_rank(r, order[r.option_id]))
    voters, eligible = _turnout(poll)
    return Tally(poll.kind, METHODS[poll.kind], voters, eligible, results)


def _matrix_rank(result: OptionResult, position: int) -> tuple:
    """Quick wins first, then major projects, fill-ins, thankless tasks and the unplaced;
    within a quadrant higher impact, then lower effort, then the options' order."""
    if result.quadrant is None:
        return (len(QUADRANTS), 0, 0, position)
    return (
        QUADRANTS.index(result.quadrant),
        -result.impact.median,
        result.effort.median,
        position,
    )


# --- 2x2: the plot's geometry --------------------------------------------------------------
#
# Computed here rather than in the template so that it is computed once per rendering and
# every audience (projector, console, phones) draws the same picture. Units are the SVG's
# viewBox units; the template scales the whole drawing to the screen.

# Wider than tall: labels run sideways, and the projector's results area is wide.
PLOT_WIDTH = 1480
PLOT_HEIGHT = 672
FRAME = (110, 16, 1464, 594)  # left, top, right, bottom of the plotting area
DOMAIN = (0.3, 5.7)  # both axes; the margin beyond 1 and 5 holds the quadrant names
MARKER_RADIUS = 24
NUMBER_SIZE = 26  # the option's number inside its marker
LABEL_SIZE = 34  # font size of an option's label
N_SIZE = 26  # font size of its number of ratings, after the label
QUADRANT_SIZE = 38
TICK_SIZE = 30
LABEL_CHARS = 18  # longer labels are shortened on the plot (the table has them in full)
# Widths of bold characters, in ems, as wide as the widest common screen fonts set them (DejaVu
# Sans Bold): a label is given at least the room it takes in any of them.
NARROW, WIDE, CAPITAL, OTHER = 0.42, 1.05, 0.84, 0.72
NARROW_CHARS = frozenset(" !'(),-./:;[]`fijlrtI|")
WIDE_CHARS = frozenset("mwMW@%")
FAN_RADIUS = 30  # options with the same medians are drawn around that point at this distance
# Space kept clear around other options' markers and around labels, so that a label is
# never read as belonging to the marker it would otherwise touch.
CLEARANCE = 14


class Box(NamedTuple):
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )

    def distance_to(self, x: float, y: float) -> float:
        dx = max(self.left - x, 0, x - self.right)
        dy = max(self.top - y, 0, y - self.bottom)
        return math.hypot(dx, dy)

    def inside(self, other: Box) -> bool:
        return (
            self.left >= other.left
            and self.right <= other.right
            and self.top >= other.top
            and self.bottom <= other.bottom
        )


def x_of(effort: float) -> float:
    left, _, right, _ = FRAME
    return left + (effort - DOMAIN[0]) / (DOMAIN[1] - DOMAIN[0]) * (right - left)


def y_of(impact: float) -> float:
    _, top, _, bottom = FRAME
    return bottom - (impact - DOMAIN[0]) / (DOMAIN[1] - DOMAIN[0]) * (bottom - top)


def text_box(x: float, baseline: float, width: float, size: float, anchor: str) -> Box:
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return Box(left, baseline - 0.8 * size, left + width, baseline + 0.25 * size)


def text_width(text: str, size: float) -> float:
    """A generous estimate of the width of `text` in bold at font size `size`."""
    ems = 0.0
    for char in text:
        if char in NARROW_CHARS:
            ems += NARROW
        elif char in WIDE_CHARS:
            ems += WIDE
        elif char.isupper():
            ems += CAPITAL
        else:
            ems += OTHER
    return ems * size


@dataclass
class QuadrantLabel:
    name: str
    slug: str
    x: int
    y: int
    anchor: str


@dataclass
class PlotPoint:
    """One option drawn on the plot: its marker (`x`, `y`), the bars of its interquartile
    ranges (drawn at its true medians), and its label, if one fits without overlapping."""

    number: int
    result: OptionResult
    x: int
    y: int
    median_x: int
    median_y: int
    effort_bar: tuple[int, int]  # x from, x to
    impact_bar: tuple[int, int]  # y from, y to
    short_label: str
    n_text: str
    label_x: int = 0
    label_y: int = 0
    anchor: str = "start"
    labelled: bool = False
    leader: tuple[int, int, int, int] | None = None  # a line to a label set off the marker


class MatrixPlot:
    """Where each option, its spread and its label go on the 2x2 plot.

    Markers carry the option's number (its row in the table). Labels are placed one option
    at a time in the results' order (quick wins first): the first of a fixed list of spots
    around the marker where the label stays inside the frame and overlaps no marker, no
    quadrant name and no label placed before; an option with no free spot keeps only its
    number, and is listed in the key under the plot. The same results always give the same
    picture.
    """

    width = PLOT_WIDTH
    height = PLOT_HEIGHT
    marker_radius = MARKER_RADIUS
    number_size = NUMBER_SIZE
    label_size = LABEL_SIZE
    n_size = N_SIZE
    quadrant_size = QUADRANT_SIZE
    tick_size = TICK_SIZE

    def __init__(self, results: list[OptionResult]) -> None:
        self.unplaced = [r for r in results if r.quadrant is None]
        self.points = [
            _point(number, r) for number, r in enumerate(results, start=1) if r.quadrant is not None
        ]
        _fan_out(self.points)
        self.quadrant_labels = _quadrant_labels()
        _place_labels(self.points, self.quadrant_labels)

    @property
    def unlabelled(self) -> list[PlotPoint]:
        return [p for p in self.points if not p.labelled]

    @property
    def fanned(self) -> bool:
        """Whether some options share their medians (and are drawn around that point)."""
        return any((p.x, p.y) != (p.median_x, p.median_y) for p in self.points)

    @property
    def frame(self) -> dict[str, int]:
        left, top, right, bottom = FRAME
        return {
            "left": left,
            "top": top,
            "right": right,
            "bottom": bottom,
            "width": right - left,
            "height": bottom - top,
            "mid_x": round(x_of(MIDLINE)),
            "mid_y": round(y_of(MIDLINE)),
        }

    @property
    def quadrant_areas(self) -> list[dict]:
        left, top, right, bottom = FRAME
        mid_x, mid_y = round(x_of(MIDLINE)), round(y_of(MIDLINE))
        corners = {
            QUICK_WINS: (left, top, mid_x, mid_y),
            MAJOR_PROJECTS: (mid_x, top, right, mid_y),
            FILL_INS: (left, mid_y, mid_x, bottom),
            THANKLESS_TASKS: (mid_x, mid_y, right, bottom),
        }
        return [
            {"slug": q.slug, "x": x1, "y": y1, "w": x2 - x1, "h": y2 - y1}
            for q, (x1, y1, x2, y2) in corners.items()
        ]

    @property
    def ticks(self) -> list[dict]:
        return [
            {"value": v, "x": round(x_of(v)), "y": round(y_of(v))}
            for v in range(1, MATRIX_POINTS + 1)
        ]


def _point(number: int, result: OptionResult) -> PlotPoint:
    impact, effort = result.impact, result.effort
    x, y = round(x_of(effort.median)), round(y_of(impact.median))
    label = result.label
    if len(label) > LABEL_CHARS:
        label = label[: LABEL_CHARS - 1].rstrip() + "…"
    n_text = f"n={impact.n}" if impact.n == effort.n else f"n={impact.n}/{effort.n}"
    return PlotPoint(
        number=number,
        result=result,
        x=x,
        y=y,
        median_x=x,
        median_y=y,
        effort_bar=(round(x_of(effort.q1)), round(x_of(effort.q3))),
        impact_bar=(round(y_of(impact.q1)), round(y_of(impact.q3))),
        short_label=label,
        n_text=n_text,
    )


def _fan_out(points: list[PlotPoint]) -> None:
    """Options with the same medians would hide each other: spread their markers evenly
    around that point, the first straight above it."""
    groups: dict[tuple[int, int], list[PlotPoint]] = {}
    for point in points:
        groups.setdefault((point.x, point.y), []).append(point)
    for (x, y), group in groups.items():
        if len(group) < 2:
            continue
        radius = max(FAN_RADIUS, MARKER_RADIUS * 1.1 / math.sin(math.pi / len(group)))
        for i, point in enumerate(group):
            angle = -math.pi / 2 + 2 * math.pi * i / len(group)
            point.x = round(x + radius * math.cos(angle))
            point.y = round(y + radius * math.sin(angle))


def _quadrant_labels() -> list[QuadrantLabel]:
    left, top, right, bottom = FRAME
    upper, lower = top + 40, bottom - 12
    return [
        QuadrantLabel(QUICK_WINS.name, QUICK_WINS.slug, left + 14, upper, "start"),
        QuadrantLabel(MAJOR_PROJECTS.name, MAJOR_PROJECTS.slug, right - 14, upper, "end"),
        QuadrantLabel(FILL_INS.name, FILL_INS.slug, left + 14, lower, "start"),
        QuadrantLabel(THANKLESS_TASKS.name, THANKLESS_TASKS.slug, right - 14, lower, "end"),
    ]


def _label_spots(point: PlotPoint) -> list[tuple[float, float, str, bool]]:
    """Candidate (x, baseline, anchor, set off) spots for a label, best first: beside the
    marker, above or below it (centred, then leaning right or left), then beside it but
    raised or lowered, joined to it by a leader line."""
    r, size = MARKER_RADIUS, LABEL_SIZE
    gap = r + 8
    middle = point.y + 0.3 * size
    above, below = point.y - gap - 0.25 * size, point.y + gap + 0.8 * size
    spots = [
        (point.x + gap, middle, "start", False),
        (point.x - gap, middle, "end", False),
        (point.x, above, "middle", False),
        (point.x, below, "middle", False),
        (point.x - r, above, "start", False),
        (point.x + r, above, "end", False),
        (point.x - r, below, "start", False),
        (point.x + r, below, "end", False),
    ]
    for lift in (1.3, 2.5, 3.7):
        for sign in (-1, 1):
            baseline = middle + sign * lift * size
            spots.append((point.x + gap + 16, baseline, "start", True))
            spots.append((point.x - gap - 16, baseline, "end", True))
    return spots


def _place_labels(points: list[PlotPoint], quadrant_labels: list[QuadrantLabel]) -> None:
    left, top, right, bottom = FRAME
    bounds = Box(left + 4, top + 4, right - 4, bottom - 4)
    r, c = MARKER_RADIUS, CLEARANCE
    markers = {p.number: Box(p.x - r, p.y - r, p.x + r, p.y + r) for p in points}
    kept_clear = {p.number: Box(p.x - r - c, p.y - r - c, p.x + r + c, p.y + r + c) for p in points}
    taken = [
        _padded(text_box(q.x, q.y, text_width(q.name, QUADRANT_SIZE), QUADRANT_SIZE, q.anchor))
        for q in quadrant_labels
    ]
    for point in points:
        width = text_width(point.short_label, LABEL_SIZE) + text_width(f" {point.n_text}", N_SIZE)
        others = [p for p in points if p.number != point.number]
        obstacles = [markers[point.number]] + [kept_clear[p.number] for p in others]
        for x, baseline, anchor, set_off in _label_spots(point):
            box = text_box(x, baseline, width, LABEL_SIZE, anchor)
            if not box.inside(bounds) or any(box.overlaps(o) for o in obstacles + taken):
                continue
            # Read as the label of the nearest marker: its own must be clearly the nearest.
            own = box.distance_to(point.x, point.y)
            if any(box.distance_to(p.x, p.y) < own + r / 2 for p in others):
                continue
            point.label_x, point.label_y, point.anchor = round(x), round(baseline), anchor
            point.labelled = True
            if set_off:
                side = 1 if anchor == "start" else -1
                point.leader = (
                    point.x + side * r,
                    point.y,
                    round(x - side * 6),
                    round(baseline - 0.35 * LABEL_SIZE),
                )
            taken.append(_padded(box))
            break


def _padded(box: Box) -> Box:
    pad = CLEARANCE / 2
    return Box(box.left - pad, box.top - pad, box.right + pad, box.bottom + pad)


def vote_context(step: Step, names: tuple[str, ...], delegate, request) -> dict:
    poll = Poll.objects.prefetch_related("options").get(step=step)
    context = {"poll": poll, "accepting": poll.accepting}
    if "results" in names or "step" in names:
        context["tally"] = tally_poll(poll)
    if delegate is not None and "step" in names:
        context["ballot_html"] = render_ballot(poll, delegate.pk, request)
    return context


def render_ballot(poll: Poll, delegate_id: int, request=None, ack: dict | None = None) -> str:
    """The delegate's own ballot: their marks, what they have left, one form per option.

    Each option's form carries a command key, so a double tap or a retried request lands
    once. Keys are derived (with the server's secret) from the ballot's revision: drawn
    again for an unchanged ballot, say after a reconnect, the forms keep their keys, so a
    tap whose answer was lost still lands once when retried. `ack` (the command's key and
    change id) marks the answer to a vote.
    """
    revision = (
        Ballot.objects.filter(poll=poll, delegate_id=delegate_id)
        .values_list("revision", flat=True)
        .first()
        or 0
    )

    def key(target) -> uuid.UUID:
        message = f"{delegate_id}:{poll.pk}:{target}:{revision}"
        return uuid.UUID(hex=salted_hmac("facilitate.ballot-key", message).hexdigest()[:32])

    stored = Mark.objects.filter(ballot__poll=poll, ballot__delegate_id=delegate_id)
    efforts: dict[int, int | None] = {}
    marks: dict[int, int] = {}
    for option_id, value, effort in stored.values_list("option_id", "value", "effort"):
        marks[option_id], efforts[option_id] = value, effort
    rows = [
        {
            "option": option,
            "value": marks.get(option.pk, 0),
            "effort": efforts.get(option.pk),
            "dots": range(marks.get(option.pk, 0)),
            "key": key(option.pk),
        }
        for option in poll.options.all()
    ]
    used = sum(marks.values()) if poll.kind == Poll.Kind.DOTS else len(marks)
    context = {
        "poll": poll,
        "rows": rows,
        "used": used,
        "left": max(poll.allowance(len(rows)) - used, 0),
        "accepting": poll.accepting,
        "workshop_id": poll.step.workshop_id,
        "clear_key": key("clear"),
        "scale": range(1, 6),
        "next_rank": len(marks) + 1,
        "ack": ack,
    }
    return render_to_string("workshops/vote/ballot.html", context, request=request)
