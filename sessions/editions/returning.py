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
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions.commitments import followups
from sessions.errors import Conflict, NotFound
from sessions.identity import read_delegate_key
from sessions.models import (
    DONE_BY_DEFAULT_DAYS,
    AccessLink,
    Commitment,
    Delegate,
    Event,
    Return,
    Status,
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
    delegate: Delegate,
    return_id: int,
    outcome: str,
    key: str,
    now: datetime.datetime | None = None,
) -> Return:
    """Answer a brought-back commitment in one tap: "done", or "renewed" (in progress again,
    due `DONE_BY_DEFAULT_DAYS` from today in this edition's time zone). A replayed `key`
    changes nothing; another answer to an answered one is refused."""
    now = now or timezone.now()
    returned = (
        Return.objects.select_for_update(of=("self",))
        .filter(pk=return_id, delegate=delegate)
        .select_related("link")
        .first()
    )
    if returned is None:
        raise NotFound(NOT_YOURS)
    if returned.closed_at is not None:
        if returned.closed_key == key:
            return returned
        raise Conflict(ALREADY_CLOSED)
    if returned.link is None:
        raise Conflict(LINK_GONE)
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
    if renewed:
        due = delegate.event.local_today() + datetime.timedelta(days=DONE_BY_DEFAULT_DAYS)
        Commitment.objects.filter(pk=returned.commitment_id).update(done_by=due)
    returned.outcome, returned.closed_key, returned.closed_at = outcome, key, now
    returned.save(update_fields=["outcome", "closed_key", "closed_at"])
    return returned
