"""The returning delegate: last edition's open commitment on their phone at this one.

A delegate is recognised across editions only by the follow-up link of their commitment
(sent to the address they consented with): opening it on a phone that has joined a later
edition of the same series offers to bring the commitment there. Names are never compared.
Closing ("done") or renewing records a check-in through that link, as the link's own page
would, so the organiser's funnel counts it.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions.agenda.services import changed, delegate_command
from sessions.commitments import followups
from sessions.errors import NOT_UNDERSTOOD, Conflict, InvalidInput
from sessions.identity import read_delegate_key
from sessions.live import broadcast, events
from sessions.models import (
    DONE_BY_DEFAULT_DAYS,
    AccessLink,
    Commitment,
    Delegate,
    Event,
    FollowUp,
    Return,
    Status,
    Step,
    Workshop,
)

NO_LATER_EDITION = _(
    "This phone has not joined a later edition of this event. Join its workshop first, "
    "then open the link again on this phone."
)
NOT_YOURS = _("That commitment is not on this phone.")
ALREADY_CLOSED = _("You have already answered for that commitment; nothing was changed.")
LINK_GONE = _("That commitment can no longer be changed here; nothing was changed.")


def later_delegate(cookies: Mapping[str, str], commitment: Commitment) -> Delegate | None:
    """The delegate this phone is at the latest later edition of `commitment`'s series that
    it has joined, if any."""
    event = commitment.step.workshop.event
    if event.series_id is None or event.edition is None:
        return None
    later = Event.objects.filter(series_id=event.series_id, edition__gt=event.edition)
    for edition in later.order_by("-edition"):
        key = read_delegate_key(cookies, edition.pk)
        delegate = Delegate.objects.filter(key=key, event=edition).first() if key else None
        if delegate is not None and delegate.forgotten_at is None:
            return delegate
    return None


@transaction.atomic
def bring_back(*, link: AccessLink, delegate: Delegate) -> Return:
    """Bring `link`'s commitment to `delegate`'s phone (once: bringing it again returns the
    same row). `delegate` must be at a later edition of the commitment's series."""
    assert link.commitment_id is not None  # a check-in link names its commitment
    commitment = Commitment.objects.select_related("step__workshop__event").get(
        pk=link.commitment_id
    )
    event, here = commitment.step.workshop.event, delegate.event
    if (
        event.series_id is None
        or here.series_id != event.series_id
        or (here.edition or 0) <= (event.edition or 0)
    ):
        raise Conflict(NO_LATER_EDITION)
    returned, _created = Return.objects.get_or_create(
        delegate=delegate, commitment=commitment, defaults={"link": link}
    )
    return returned


def open_returns(delegate: Delegate) -> QuerySet[Return]:
    """The delegate's brought-back commitments not yet answered, oldest first."""
    return (
        Return.objects.filter(delegate=delegate, closed_at__isnull=True, commitment__erased=False)
        .select_related("commitment__step__workshop__event")
        .order_by("created_at", "id")
    )


@transaction.atomic
def close_return(
    *,
    workshop_id: int,
    delegate: Delegate,
    return_id: int,
    outcome: str,
    key: str,
    now: datetime.datetime | None = None,
) -> Return:
    """Answer a brought-back commitment in one tap from a phone at `workshop_id` (a workshop
    of this edition the delegate joined, not finished): "done", or "renewed" (in progress
    again, due `DONE_BY_DEFAULT_DAYS` from today in this edition's time zone). A replayed
    `key` changes nothing; another answer to an answered one is refused, as is a return
    that is not this delegate's (the same answer whether or not it exists).

    Done cancels the commitment's pending follow-ups; renewed cancels them and schedules
    the cadence again from today (`reschedule_followups`). On commit, the delegate's phones
    at this edition redraw their brought-back commitments, and the rooms showing "Since
    last time" about the commitment's edition redraw it (`announce`)."""
    now = now or timezone.now()
    command = delegate_command(workshop_id=workshop_id, delegate_id=delegate.pk, key=key)
    returned = (
        Return.objects.select_for_update(of=("self",))
        .filter(pk=return_id, delegate=delegate)
        .select_related("link")
        .first()
    )
    if returned is None:
        raise InvalidInput(NOT_YOURS)
    if returned.closed_at is not None:
        if returned.closed_key == key:
            return returned
        raise Conflict(ALREADY_CLOSED)
    if returned.link is None:
        raise Conflict(LINK_GONE)
    if command.record() is None:  # the key was spent on another of this phone's commands
        raise InvalidInput(NOT_UNDERSTOOD)
    renewed = outcome == Return.Outcome.RENEWED
    followups.record_check_in(
        link=returned.link,
        status=Status.IN_PROGRESS if renewed else Status.DONE,
        next_step=str(_("Renewed at %(event)s") % {"event": delegate.event.name})
        if renewed
        else "",
        key=key,
        now=now,
    )
    commitment = Commitment.objects.select_related("step__workshop__event").get(
        pk=returned.commitment_id
    )
    if renewed:
        today = timezone.localdate(now, delegate.event.zone)
        commitment.done_by = today + datetime.timedelta(days=DONE_BY_DEFAULT_DAYS)
        commitment.save(update_fields=["done_by"])
    reschedule_followups(
        commitment=commitment, renewed_in=delegate.event if renewed else None, now=now
    )
    returned.outcome, returned.closed_key, returned.closed_at = outcome, key, now
    returned.save(update_fields=["outcome", "closed_key", "closed_at"])
    announce(delegate=delegate, commitment=commitment)
    return returned


# The renewed cadence: the check-ins of the commitment's first cadence after its summary,
# counted again from the day it was renewed.
RENEWED_CADENCE = tuple(row for row in followups.CADENCE if row[0] != FollowUp.Kind.SUMMARY)


def reschedule_followups(
    *, commitment: Commitment, renewed_in: Event | None, now: datetime.datetime
) -> list[FollowUp]:
    """Cancel the commitment's follow-ups not yet sent (marked skipped, so what was sent
    stays on record); when `renewed_in` an edition, schedule the check-ins again from
    today, at the local hours of that edition's time zone, as the next renewal's round.
    A commitment without consent or address gets nothing new. Inside the caller's
    transaction."""
    pending = commitment.followups.filter(sent_at__isnull=True, skipped_at__isnull=True)
    pending.update(skipped_at=now)
    if renewed_in is None or not commitment.followed_up:
        return []
    zone = renewed_in.zone
    today = timezone.localtime(now, zone).date()
    latest = commitment.followups.aggregate(latest=Max("renewal"))["latest"] or 0
    rows = [
        FollowUp(
            commitment=commitment,
            kind=kind,
            renewal=latest + 1,
            due_at=followups.local_hour(today + datetime.timedelta(days=days), hour, zone),
        )
        for kind, days, hour in RENEWED_CADENCE
    ]
    return FollowUp.objects.bulk_create(rows)


def announce(*, delegate: Delegate, commitment: Commitment) -> None:
    """After commit: redraw the brought-back commitments on the delegate's phones at every
    workshop of their edition, and the step on every screen of the next edition's rooms
    that show "Since last time" (its figures count the commitment's status)."""
    rooms = list(delegate.attendances.values_list("workshop_id", flat=True))
    broadcast.own_returns_changed(rooms, delegate.pk)
    event = commitment.step.workshop.event
    if event.series_id is None or event.edition is None:
        return
    following = (
        Event.objects.filter(series_id=event.series_id, edition__gt=event.edition)
        .order_by("edition")
        .first()
    )
    if following is None:
        return
    showing = Workshop.objects.filter(event=following, current_step__kind=Step.Kind.SINCE)
    for workshop_id in showing.values_list("pk", flat=True):
        changed(workshop_id, events.SINCE_LAST_TIME_CHANGED)
