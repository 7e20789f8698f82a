"""The 2x2 plot's geometry: where each option, its spread and its label go.

Computed here rather than in the template so that it is computed once per rendering and
every audience (projector, console, phones, the archive) draws the same picture. Units are
the SVG's viewBox units; the template (workshops/vote/matrix.html) scales the whole drawing to
the screen. The results come from sessions.voting.read (`Tally.plot`).

The Productivity Snapshot's rows (workshops/snapshot/row_svg.html) need no geometry: their
viewBox is the 0-100 score scale itself, so scores are coordinates as they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from sessions.models import MATRIX_POINTS
from sessions.voting.read import FILL_INS, MAJOR_PROJECTS, MIDLINE, QUICK_WINS, THANKLESS_TASKS

if TYPE_CHECKING:
    from sessions.voting.read import OptionResult

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
    def quadrant_areas(self) -> list[dict[str, Any]]:
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
    def ticks(self) -> list[dict[str, Any]]:
        return [
            {"value": v, "x": round(x_of(v)), "y": round(y_of(v))}
            for v in range(1, MATRIX_POINTS + 1)
        ]


def _point(number: int, result: OptionResult) -> PlotPoint:
    impact, effort = result.impact, result.effort
    # Only placed options are plotted, and a placed option has both axes rated.
    assert impact is not None
    assert effort is not None
    assert impact.quartiles is not None
    assert effort.quartiles is not None
    impact_q1, impact_median, impact_q3 = impact.quartiles
    effort_q1, effort_median, effort_q3 = effort.quartiles
    x, y = round(x_of(effort_median)), round(y_of(impact_median))
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
        effort_bar=(round(x_of(effort_q1)), round(x_of(effort_q3))),
        impact_bar=(round(y_of(impact_q1)), round(y_of(impact_q3))),
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
    spots: list[tuple[float, float, str, bool]] = [
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
