"""What the Snapshot's pages and export show, assembled from `scoring` (which computes and
suppresses every number) and `services` (which reads the database)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sessions.models import Delegate, SnapshotAnswer, SnapshotResponse, SnapshotSetup
from sessions.snapshot import scoring, services
from sessions.snapshot.bank import DIMENSION_BY_CODE, DIMENSIONS, ITEMS


def results_context(response: SnapshotResponse) -> dict[str, Any]:
    """The results page: scores, the delegate's place in the cohort, focus areas, and for a
    retake the movement since the first round."""
    scores = services.scores_of(response)
    cohort = services.cohort_of(response.setup)
    first = None
    moves: dict[str, int | None] = {}
    if response.round == 2:
        first = SnapshotResponse.objects.filter(delegate=response.delegate, round=1).first()
        if first is not None:
            moves = scoring.movement(services.scores_of(first), scores)
    rows = []
    for dimension in scores.dimensions:
        spread = None if isinstance(cohort, scoring.Suppressed) else cohort.of(dimension.code)
        rows.append(
            {
                "dimension": dimension,
                "spread": spread,
                "standing": scoring.standing(dimension.score, spread or scoring.Suppressed()),
                "move": moves.get(dimension.code),
            }
        )
    overall_spread = None if isinstance(cohort, scoring.Suppressed) else cohort.overall
    focus = [
        {"dimension": d, "next": DIMENSION_BY_CODE[d.code].next_level[level]}
        for d in scoring.focus_areas(scores)
        if (level := d.level) is not None  # always: a focus area has a score
    ]
    return {
        "response": response,
        "scores": scores,
        "cohort": cohort,
        "rows": rows,
        "overall_standing": scoring.standing(
            scores.overall, overall_spread or scoring.Suppressed()
        ),
        "overall_move": moves.get("overall"),
        "focus": focus,
        "first": first,
    }


def organiser_context(setup: SnapshotSetup) -> dict[str, Any]:
    responses = list(services.completed(setup))
    scores = services.scores_by_response(responses)
    by_size: dict[str, list[scoring.Scores]] = {}
    by_sector: dict[str, list[scoring.Scores]] = {}
    for response in responses:
        size = response.get_employees_display() or "Not given"
        sector = response.get_sector_display() or "Not given"
        by_size.setdefault(size, []).append(scores[response.pk])
        by_sector.setdefault(sector, []).append(scores[response.pk])
    size_order = [label for _, label in SnapshotResponse.Employees.choices] + ["Not given"]
    sector_order = [label for _, label in SnapshotResponse.Sector.choices] + ["Not given"]
    pairs = services.pairs_of(setup)
    return {
        "setup": setup,
        "delegates": Delegate.objects.filter(event=setup.event).count(),
        "started": setup.responses.filter(round=1).count(),
        "finished": len(responses),
        "retakes": services.completed(setup, 2).count(),
        "cohort": scoring.cohort(list(scores.values())),
        "by_size": scoring.group_spreads(by_size, size_order),
        "by_sector": scoring.group_spreads(by_sector, sector_order),
        "ranking": scoring.challenge_ranking((r.challenges for r in responses), setup.challenges),
        "others": [r.challenge_other for r in responses if r.challenge_other],
        "pairs": len(pairs),
        "paired_change": [
            (DIMENSION_BY_CODE[code].name if code != "overall" else "Overall", change)
            for code, change in scoring.paired_change(pairs).items()
        ],
        "core_items": [item for item in ITEMS if item.core],
    }


def export_header() -> list[str]:
    return [
        "firm", "round", "finished_at", "sector", "employees", "region", "role",
        "overall", *[f"score_{d.code}" for d in DIMENSIONS], *[i.code for i in ITEMS],
        "challenges", "other_challenge",
    ]  # fmt: skip


def export_rows(setup: SnapshotSetup) -> Iterator[list[object]]:
    """Finished responses (both rounds) whose consent allows export. `firm` is a number
    that pairs a firm's rounds and means nothing outside this file."""
    allowed = setup.responses.filter(completed_at__isnull=False, consent_export=True)
    for response in allowed.order_by("delegate_id", "round").iterator():
        answers = dict(
            SnapshotAnswer.objects.filter(response=response).values_list("item", "value")
        )
        scores = scoring.score_answers(answers)
        yield [
            response.delegate_id,
            response.round,
            response.completed_at,
            response.get_sector_display(),
            response.get_employees_display(),
            response.region,
            response.get_role_display(),
            scores.overall,
            *[d.score for d in scores.dimensions],
            *[_cell(answers, item.code) for item in ITEMS],
            "; ".join(response.challenges),
            response.challenge_other,
        ]


def _cell(answers: dict[str, int | None], code: str) -> int | str:
    if code not in answers:
        return ""
    value = answers[code]
    return "not sure" if value is None else value
