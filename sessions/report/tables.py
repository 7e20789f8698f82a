"""The series' report as tables: one row per figure, one column per edition and a last one
for the series. Nothing is computed here: every cell is a figure of `figures`, as
suppressed there; a group an edition does not list is an empty cell (it had nobody, or
they are in its "other")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from sessions.report.figures import (
    Report,
    SeriesReport,
    Share,
    Split,
    Suppressed,
    sectors_order,
    sizes_order,
    statuses_order,
    verdicts_order,
)

Cell = Share | Suppressed | int | float | None


@dataclass(frozen=True)
class Row:
    label: StrOrPromise
    cells: tuple[Cell, ...]
    whole: bool = False  # the row of what the others are out of


@dataclass(frozen=True)
class Table:
    caption: StrOrPromise
    heading: StrOrPromise
    rows: tuple[Row, ...]


def columns(s: SeriesReport) -> list[Report]:
    return [*s.editions, s.total]


def figure_table(
    s: SeriesReport,
    caption: StrOrPromise,
    heading: StrOrPromise,
    figures: Sequence[tuple[StrOrPromise, Callable[[Report], Cell]]],
) -> Table:
    rows = tuple(Row(label, tuple(pick(r) for r in columns(s))) for label, pick in figures)
    return Table(caption, heading, rows)


def _listed(split: Split, label: str) -> Share | None:
    return next((item for item in split.shown if str(item.label) == label), None)


def split_table(
    s: SeriesReport,
    caption: StrOrPromise,
    heading: StrOrPromise,
    pick: Callable[[Report], Split],
    order: Sequence[str] = (),
) -> Table:
    """One row per group any column lists: in `order` (a list's own, such as the sizes'),
    then as the series lists them, then as the editions do."""
    splits = [pick(r) for r in columns(s)]
    labels: list[str] = []
    for split in [splits[-1], *splits[:-1]]:
        labels += [str(item.label) for item in split.shown if str(item.label) not in labels]
    known = [str(label) for label in order]
    labels.sort(key=lambda label: known.index(label) if label in known else len(known))
    rows = [Row(label, tuple(_listed(split, label) for split in splits)) for label in labels]
    if any(split.other is not None for split in splits):
        rows.append(Row(_("Other (small groups together)"), tuple(x.other for x in splits)))
    rows.append(Row(_("Out of"), tuple(split.of for split in splits), whole=True))
    return Table(caption, heading, tuple(rows))


def tables(s: SeriesReport) -> dict[str, Table]:
    """Every table of the series' page, by section."""
    by = [(label, (lambda r, n=n: r.funnel[n][1])) for n, (label, _i) in enumerate(s.total.funnel)]
    moves = [
        (name, (lambda r, n=n: r.movement.changes[n][1]))
        for n, (name, _c) in enumerate(s.total.movement.changes)
    ]
    return {
        "reach": figure_table(s, _("Who took part, by edition"), _("Figure"), [
            (_("Delegates"), lambda r: r.reach.delegates),
            (_("Businesses benchmarked"), lambda r: r.reach.firms),
            (_("Workshops"), lambda r: r.reach.workshops),
            (_("Commitments made"), lambda r: r.reach.commitments),
        ]),
        "sizes": split_table(s, _("Businesses by employees"), _("Employees"),
                             lambda r: r.reach.sizes, sizes_order()),
        "sectors": split_table(s, _("Businesses by sector"), _("Sector"),
                               lambda r: r.reach.sectors, sectors_order()),
        "challenges": split_table(s, _("Commitments by the challenge they address"),
                                  _("Challenge"), lambda r: r.challenges),
        "funnel": figure_table(s, _("Follow-up, each stage out of the one before"), _("Stage"),
                               by),
        "outcomes": split_table(s, _("Latest answer about each commitment"), _("Latest answer"),
                                lambda r: r.outcomes, statuses_order()),
        "verdicts": split_table(s, _("What delegates decided to do with their experiment"),
                                _("Verdict"), lambda r: r.verdicts, verdicts_order()),
        "movement": figure_table(
            s, _("Median change per firm, in points out of 100"), _("Dimension"),
            [(_("Took the retake"), lambda r: r.movement.pairs), *moves],
        ),
    }  # fmt: skip
