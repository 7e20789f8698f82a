"""Commitment steps: each delegate commits to up to three small experiments.

A commitment with an address and consent gets the follow-up cadence (`sessions.
commitments.followups`); without them it still counts in the room. The projector and consoles
show the room's commitments as they arrive.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from sessions.agenda.services import add_step, delegate_command
from sessions.commitments.followups import schedule_followups
from sessions.commitments.hints import without_i_will
from sessions.errors import Conflict, InvalidInput, NotFound
from sessions.live import events
from sessions.models import (
    ACTION_MAX,
    DONE_BY_MAX_DAYS,
    FIRST_STEP_WITHIN_DAYS,
    MAX_COMMITMENTS_PER_DELEGATE,
    Attendance,
    Cluster,
    Commitment,
    HelpWanted,
    Option,
    Step,
    Workshop,
)
from sessions.peers.buddy import schedule_buddy_notes

NO_STEP = _("Commitments are not being collected now.")
TOO_MANY = format_lazy(
    _("You have made {n} commitments, the most one person can."), n=MAX_COMMITMENTS_PER_DELEGATE
)

# What a commitment's card says about who sees what. The first sentence is the step's setting
# when the card is shown; a card keeps that promise (`Commitment.name_shown`).
WHO_SEES = _(
    "The room will see your action on the screen, {names}. "
    "The organisers see your whole card with your name, to follow it up and to report "
    "anonymous totals to the event's funders. "
    "If your buddy gets our follow-ups, we email them your action and a reminder a week on."
)


def who_sees(show_names: bool) -> str:
    return WHO_SEES.format(names=_("with your name") if show_names else _("without your name"))


def names_shown(step: Step) -> bool:
    """Whether the step shows names now: on the wall only for cards made while it did."""
    return bool(step.config.get("show_names", False))


@dataclass(frozen=True)
class Card:
    """What a delegate filled in on a commitment card (lengths already checked by the form)."""

    action: str
    first_step_when: str
    first_step_then: str
    first_step_on: datetime.date
    measure: str
    done_by: datetime.date
    link: str = ""  # "option:<id>", "cluster:<id>" or "" for none
    buddy_id: int | None = None
    help_wanted: tuple[str, ...] = field(default_factory=tuple)
    email: str = ""
    consent: bool = False
    # The card said the room would see the name (the step showed names when it was drawn).
    name_shown: bool = False


@transaction.atomic
def add_commit_step(
    *,
    workshop: Workshop,
    title: str,
    body: str = "",
    show_names: bool = False,
    key: str | None = None,
) -> Step | None:
    """Append a commitment step. A replayed `key` adds nothing (None). Broadcasts on commit."""
    step = add_step(workshop=workshop, title=title, body=body, kind=Step.Kind.COMMIT, key=key)
    if step is not None and show_names:
        step.config = {"show_names": True}
        step.save(update_fields=["config"])
    return step


def action_text(text: str) -> str:
    """The action without a typed "I will" (the card prints it), refused when empty/long."""
    text = without_i_will(" ".join(text.split()))
    if not text:
        raise InvalidInput(_("Say what you will do."), {"action": ["Say what you will do."]})
    if len(text) > ACTION_MAX:
        message = _("An action can be at most %(max)d characters; this one has %(n)d.") % {
            "max": ACTION_MAX,
            "n": len(text),
        }
        raise InvalidInput(message, {"action": [message]})
    return text


def first_step_text(text: str) -> str:
    """The first step without a typed "I will" (the card prints "then I will"), refused when
    nothing is left."""
    text = without_i_will(" ".join(text.split()))
    if not text:
        raise _refuse("first_step_then", _("Say what your first step will be."))
    return text


def link_choices(workshop: Workshop) -> list[tuple[str, str]]:
    """What a commitment can be about: the focus challenges first, then the other options of
    the workshop's votes, then its clusters of ideas. Each challenge is listed once: votes
    built from clusters (a dot vote, then a 2x2 of the same) repeat their names, and the
    first place a name appears is the one kept."""
    focus = list(workshop.focus_options.order_by("position", "id"))
    focus_ids = {o.pk for o in focus}
    options = Option.objects.filter(poll__step__workshop=workshop).exclude(pk__in=focus_ids)
    clusters = Cluster.objects.filter(board__step__workshop=workshop)
    every = (
        [(f"option:{o.pk}", o.label) for o in focus]
        + [(f"option:{o.pk}", o.label) for o in options.order_by("poll__step__position", "id")]
        + [(f"cluster:{c.pk}", c.name) for c in clusters.order_by("board__step__position", "id")]
    )
    seen: set[str] = set()
    choices = []
    for value, label in every:
        name = " ".join(label.split()).casefold()
        if name not in seen:
            seen.add(name)
            choices.append((value, label))
    return choices


def buddy_choices(workshop: Workshop, delegate_id: int) -> list[tuple[int, str]]:
    """Other delegates of the workshop who gave a name (nobody can pick a nameless one):
    (id, name) pairs read as such, since a full room is hundreds of them on every card."""
    named = _buddies(workshop, delegate_id).order_by("delegate__display_name", "delegate_id")
    return list(named.values_list("delegate_id", "delegate__display_name"))


def _buddies(workshop: Workshop, delegate_id: int) -> QuerySet[Attendance]:
    return (
        Attendance.objects.filter(workshop=workshop)
        .exclude(delegate_id=delegate_id)
        .exclude(delegate__display_name="")
    )


@transaction.atomic
def make_commitment(
    *, workshop_id: int, delegate_id: int, step_id: int, card: Card, key: str | None = None
) -> Commitment | None:
    """A delegate commits to an experiment; a replayed `key` changes nothing (None).

    Refuses, changing nothing: a delegate who has not joined, a step that is not this
    workshop's commitment step, a finished workshop, a fourth commitment, dates outside the
    card's rules (in the event's time zone), a link, buddy or help choice that is not on
    offer, consent without an address. The name may be shown with it only if the card said
    so and the step shows names now (`name_shown`). Schedules the follow-ups when consented
    and the buddy's messages when one is named; broadcasts on commit.
    """
    command = delegate_command(workshop_id=workshop_id, delegate_id=delegate_id, key=key)
    workshop = command.workshop
    step = Step.objects.filter(pk=step_id, workshop=workshop, kind=Step.Kind.COMMIT).first()
    if step is None:
        raise NotFound(NO_STEP)
    if not command.record(events.COMMITMENT_MADE):
        return None
    mine = Commitment.objects.filter(step__workshop=workshop, delegate_id=delegate_id)
    if mine.count() >= MAX_COMMITMENTS_PER_DELEGATE:
        raise Conflict(TOO_MANY)
    commitment = Commitment(
        step=step,
        delegate_id=delegate_id,
        action=action_text(card.action),
        first_step_when=card.first_step_when.strip(),
        first_step_then=first_step_text(card.first_step_then),
        measure=card.measure.strip(),
        **_checked_dates(workshop, card),
        **_checked_link(workshop, card.link),
        buddy_id=_checked_buddy(workshop, delegate_id, card.buddy_id),
        help_wanted=_checked_help(card.help_wanted),
        **_checked_contact(card),
        name_shown=card.name_shown and names_shown(step),
    )
    commitment.save()
    if commitment.followed_up:
        schedule_followups(commitment=commitment, event=workshop.event)
    schedule_buddy_notes(commitment=commitment, event=workshop.event)
    return commitment


def _refuse(field_name: str, message: StrOrPromise) -> InvalidInput:
    return InvalidInput(message, {field_name: [message]})


def _checked_dates(workshop: Workshop, card: Card) -> dict[str, Any]:
    today = workshop.event.local_today()
    latest_first = today + datetime.timedelta(days=FIRST_STEP_WITHIN_DAYS)
    if not today <= card.first_step_on <= latest_first:
        raise _refuse(
            "first_step_on",
            f"Pick a day for the first step between today and {latest_first:%-d %B} "
            f"(within {FIRST_STEP_WITHIN_DAYS} days).",
        )
    latest_done = today + datetime.timedelta(days=DONE_BY_MAX_DAYS)
    if not card.first_step_on <= card.done_by <= latest_done:
        raise _refuse(
            "done_by",
            f"Pick a done-by date between the first step and {latest_done:%-d %B} "
            f"(at most {DONE_BY_MAX_DAYS} days away).",
        )
    return {"first_step_on": card.first_step_on, "done_by": card.done_by}


def _checked_link(workshop: Workshop, link: str) -> dict[str, Any]:
    offered = dict(link_choices(workshop))
    if not link:
        if offered:
            raise _refuse("link", _("Pick the challenge or theme this is about."))
        return {}
    if link not in offered:
        raise _refuse("link", _("That challenge is not one of this workshop's; pick another."))
    kind, pk = link.split(":")
    return {"challenge_id": int(pk)} if kind == "option" else {"cluster_id": int(pk)}


def _checked_buddy(workshop: Workshop, delegate_id: int, buddy_id: int | None) -> int | None:
    if buddy_id is None:
        return None
    if not _buddies(workshop, delegate_id).filter(delegate__pk=buddy_id).exists():
        raise _refuse("buddy", _("Pick a buddy from the people in this workshop."))
    return buddy_id


def _checked_help(chosen: tuple[str, ...]) -> list[str]:
    unknown = set(chosen) - set(HelpWanted.values)
    if unknown:
        raise _refuse("help_wanted", _("Pick help from the list."))
    return [value for value in HelpWanted.values if value in chosen]


def _checked_contact(card: Card) -> dict[str, Any]:
    email = card.email.strip()
    if card.consent and not email:
        raise _refuse("email", _("Give an email address to be followed up, or untick the box."))
    # An address without consent is not kept: we would have no right to use it.
    return {"email": email if card.consent else "", "consent": card.consent}


def commitment_for(workshop: Workshop, commitment_id: int) -> Commitment:
    commitment = Commitment.objects.filter(pk=commitment_id, step__workshop=workshop).first()
    if commitment is None:
        raise NotFound(_("That commitment does not exist."))
    return commitment
