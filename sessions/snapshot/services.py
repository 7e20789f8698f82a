"""Snapshot verbs (keyword-only, one transaction each) and the reads several screens need.

The Snapshot happens before and after the event, outside any workshop, so these verbs record
no workshop `Change` and push nothing: the "Where we are" step reads the cohort when it is
drawn. Numbers come only from `sessions.snapshot.scoring`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions.errors import Conflict, InvalidInput, NotFound
from sessions.models import Delegate, Event, SnapshotAnswer, SnapshotResponse, SnapshotSetup
from sessions.snapshot import scoring
from sessions.snapshot.bank import CORE_CODES, EDITABLE_CODES, ITEM_BY_CODE, ITEMS

NOT_OPEN = _("This Snapshot is not open. Ask the organiser for a current invitation.")
CLOSED = _("This Snapshot has closed, so answers can no longer be changed.")
FINISHED = _("You have finished this Snapshot, so your answers are fixed.")
NO_SUCH_LINK = _("That Snapshot link is not valid. Check you copied all of it.")
CORE_FIXED = _(
    "Core items keep their wording at every event, so results compare; it was not changed."
)


# --- the organiser ---------------------------------------------------------------------------


def setup_for(event: Event) -> SnapshotSetup:
    """The event's Snapshot set-up, created (not enabled) the first time it is asked for."""
    setup, _created = SnapshotSetup.objects.get_or_create(event=event)
    return setup


@transaction.atomic
def configure(
    *, setup: SnapshotSetup, state: str, challenges: list[str], wording: dict[str, str]
) -> SnapshotSetup:
    """Open, close or disable the Snapshot, set its challenge list and the event's wording of
    non-core items (blank: the shipped words). Refuses core items, and a new wording of an
    item someone has already answered (their answer was to the old words)."""
    locked = SnapshotSetup.objects.select_for_update().get(pk=setup.pk)
    if CORE_CODES & wording.keys() or not set(wording) <= set(EDITABLE_CODES):
        raise InvalidInput(CORE_FIXED)
    if state not in SnapshotSetup.State.values:
        raise InvalidInput(_("Choose whether the Snapshot is off, open or closed."))
    new_wording = {code: text.strip() for code, text in wording.items() if text.strip()}
    answered = set(
        SnapshotAnswer.objects.filter(response__setup=locked).values_list("item", flat=True)
    )
    for code in EDITABLE_CODES:
        if code in answered and new_wording.get(code) != locked.wording.get(code):
            raise Conflict(
                _(
                    "People have answered “%(item)s…” already, so its wording is fixed for "
                    "this event."
                )
                % {"item": ITEM_BY_CODE[code].text[:40]}
            )
    locked.state = state
    locked.challenges = challenges
    locked.wording = new_wording
    locked.save(update_fields=["state", "challenges", "wording"])
    return locked


# --- the delegate ----------------------------------------------------------------------------


def setup_by_invitation(token: str) -> SnapshotSetup:
    setup = SnapshotSetup.objects.select_related("event").filter(invite_token=token).first()
    if setup is None or setup.state == SnapshotSetup.State.OFF:
        raise NotFound(NOT_OPEN)
    return setup


def response_by_token(token: str) -> SnapshotResponse:
    response = (
        SnapshotResponse.objects.select_related("setup__event", "delegate")
        .filter(token=token)
        .first()
    )
    if response is None:
        raise NotFound(NO_SUCH_LINK)
    return response


@transaction.atomic
def start(*, setup: SnapshotSetup, delegate_key: str | None) -> SnapshotResponse:
    """The first-round response of the delegate this phone's key names (a new delegate of the
    event if none): starting twice, or on a second device with the same key, resumes."""
    if setup.state != SnapshotSetup.State.OPEN:
        raise Conflict(CLOSED)
    delegate = None
    if delegate_key:
        delegate = Delegate.objects.filter(key=delegate_key, event_id=setup.event_id).first()
    if delegate is None:
        delegate = Delegate.objects.create(event_id=setup.event_id)
    response, _created = SnapshotResponse.objects.get_or_create(
        delegate=delegate, round=1, defaults={"setup": setup}
    )
    return response


def _locked_open(response: SnapshotResponse) -> SnapshotResponse:
    """The response row locked for a change: refused once finished, or (first round) once
    the organiser has closed the Snapshot."""
    locked = (
        SnapshotResponse.objects.select_for_update().select_related("setup").get(pk=response.pk)
    )
    if locked.is_complete:
        raise Conflict(FINISHED)
    state = locked.setup.state
    if state == SnapshotSetup.State.OFF or (locked.round == 1 and state != "open"):
        raise Conflict(CLOSED)
    return locked


@transaction.atomic
def answer(*, response: SnapshotResponse, item: str, value: int | None) -> SnapshotAnswer:
    """Save one item's answer at once (0-4, or None for "not sure"); answering again replaces
    it, so a retried tap lands once."""
    if item not in ITEM_BY_CODE:
        raise InvalidInput(_("That question is not part of the Snapshot."))
    if value is not None and not 0 <= value <= 4:
        raise InvalidInput(_("Choose one of the answers shown, or “not sure”."))
    locked = _locked_open(response)
    saved, _created = SnapshotAnswer.objects.update_or_create(
        response=locked, item=item, defaults={"value": value}
    )
    return saved


PROFILE_FIELDS = ("sector", "employees", "region", "role", "consent_export", "consent_contact")


@transaction.atomic
def save_profile(*, response: SnapshotResponse, **profile: Any) -> SnapshotResponse:
    """Sector, employees, region, role and the consent choices."""
    locked = _locked_open(response)
    for name in PROFILE_FIELDS:
        setattr(locked, name, profile[name])
    locked.save(update_fields=list(PROFILE_FIELDS))
    return locked


@transaction.atomic
def finish(*, response: SnapshotResponse, picks: list[str], other: str) -> SnapshotResponse:
    """Save the top-3 challenges and finish. Finishing a finished response changes nothing."""
    current = SnapshotResponse.objects.select_for_update().get(pk=response.pk)
    if current.is_complete:
        return current
    locked = _locked_open(current)
    offered = locked.setup.challenges
    if len(picks) > 3 or any(pick not in offered for pick in picks):
        raise InvalidInput(_("Pick up to 3 challenges from the list."))
    locked.challenges = picks
    locked.challenge_other = other
    locked.completed_at = timezone.now()
    locked.save(update_fields=["challenges", "challenge_other", "completed_at"])
    return locked


@transaction.atomic
def start_retake(*, first: SnapshotResponse) -> SnapshotResponse:
    """The delegate's second round (created once; starting again resumes it), with the
    profile and consent of the first copied."""
    if first.round != 1 or not first.is_complete:
        raise Conflict(_("A retake starts after the first Snapshot is finished."))
    if first.setup.state == SnapshotSetup.State.OFF:
        raise Conflict(NOT_OPEN)
    profile = {name: getattr(first, name) for name in PROFILE_FIELDS}
    second, _created = SnapshotResponse.objects.get_or_create(
        delegate=first.delegate, round=2, defaults={"setup": first.setup, **profile}
    )
    return second


def retake_path(delegate: Delegate) -> str | None:
    """The path of the retake page for a delegate who finished a first Snapshot, else None.
    (The day-90 follow-up adds its base URL.)"""
    first = SnapshotResponse.objects.filter(
        delegate=delegate, round=1, completed_at__isnull=False
    ).first()
    if first is None:
        return None
    return reverse("workshops:snapshot_retake", args=[first.token])


def own_link_path(delegate: Delegate) -> str | None:
    """The path of the delegate's own Snapshot link (their latest round), if they have one."""
    latest = SnapshotResponse.objects.filter(delegate=delegate).order_by("-round").first()
    return reverse("workshops:snapshot_resume", args=[latest.token]) if latest else None


# --- reads -----------------------------------------------------------------------------------


def answers_of(response: SnapshotResponse) -> dict[str, int | None]:
    return dict(response.answers.values_list("item", "value"))


def next_place(response: SnapshotResponse) -> tuple[str, int | None]:
    """Where a resumed Snapshot continues: ("item", n) for the first unanswered item,
    ("about", None), ("challenges", None), or ("results", None) when finished."""
    if response.is_complete:
        return "results", None
    answered = answers_of(response)
    for number, item in enumerate(ITEMS, start=1):
        if item.code not in answered:
            return "item", number
    if not response.sector:
        return "about", None
    return "challenges", None


def scores_of(response: SnapshotResponse) -> scoring.Scores:
    return scoring.score_answers(answers_of(response))


def completed(setup: SnapshotSetup, round: int = 1) -> QuerySet[SnapshotResponse]:
    return setup.responses.filter(round=round, completed_at__isnull=False)


def scores_by_response(responses: Iterable[SnapshotResponse]) -> dict[int, scoring.Scores]:
    """Scores of many responses from one query."""
    answers: dict[int, dict[str, int | None]] = {r.pk: {} for r in responses}
    rows = SnapshotAnswer.objects.filter(response__in=list(answers)).values_list(
        "response_id", "item", "value"
    )
    for response_id, item, value in rows:
        answers[response_id][item] = value
    return {pk: scoring.score_answers(values) for pk, values in answers.items()}


def cohort_of(setup: SnapshotSetup) -> scoring.Cohort | scoring.Suppressed:
    """The event's cohort: its finished first-round responses."""
    return scoring.cohort(list(scores_by_response(list(completed(setup))).values()))


def pairs_of(setup: SnapshotSetup) -> list[tuple[scoring.Scores, scoring.Scores]]:
    """(first, retake) scores of the delegates who finished both rounds."""
    firsts = {r.delegate_id: r for r in completed(setup, 1)}
    seconds = [r for r in completed(setup, 2) if r.delegate_id in firsts]
    scores = scores_by_response([*firsts.values(), *seconds])
    return [(scores[firsts[r.delegate_id].pk], scores[r.pk]) for r in seconds]


@dataclass(frozen=True)
class Room:
    """What the "Where we are" step shows: all of it already suppressed where needed."""

    cohort: scoring.Cohort | scoring.Suppressed
    sizes: scoring.Groups | scoring.Suppressed
    challenges: list[tuple[str, int]]


def room_profile(event: Event) -> Room | None:
    setup = SnapshotSetup.objects.filter(event=event).first()
    if setup is None:
        return None
    responses = list(completed(setup))
    cohort = cohort_of(setup)
    if isinstance(cohort, scoring.Suppressed):
        return Room(cohort, scoring.Suppressed(), [])
    return Room(
        cohort=cohort,
        sizes=size_mix(responses),
        challenges=scoring.challenge_ranking(
            (r.challenges for r in responses), setup.challenges, min_count=scoring.CUT_MIN
        ),
    )


def size_mix(responses: Iterable[SnapshotResponse]) -> scoring.Groups:
    counts: dict[str, int] = {}
    for response in responses:
        label = response.get_employees_display() or "Not given"
        counts[label] = counts.get(label, 0) + 1
    order = [label for _other, label in SnapshotResponse.Employees.choices] + ["Not given"]
    return scoring.groups(counts, order)


def challenge_labels_for_vote(event: Event, limit: int = 10) -> list[str]:
    """The challenges delegates picked in the event's Snapshot, most picked first: the
    options of a vote seeded from the Snapshot. Refuses when fewer than 2 were picked."""
    setup = SnapshotSetup.objects.filter(event=event).first()
    if setup is None:
        raise Conflict(_("This event has no Snapshot, so there are no picked challenges."))
    picks = completed(setup).values_list("challenges", flat=True)
    ranked = scoring.challenge_ranking(picks, setup.challenges)
    if len(ranked) < 2:
        raise Conflict(_("Fewer than 2 challenges have been picked in the Snapshot so far."))
    return [label for label, _other in ranked[:limit]]
