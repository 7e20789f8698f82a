"""The buddy named on a commitment card: told the same day, and nudged on day 7 to ask how
it went, by `manage.py send_followups`.

A buddy is only emailed if they agreed to our emails at the event: a commitment of their own
with follow-up consent and an address. That is checked when each message is due (a buddy
who commits later in the room is still told), and a message nobody may receive is skipped.
Messages are claimed under a row lock and marked sent in the transaction that sends them,
as the follow-ups are: never twice.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from sessions.commitments.followups import SUMMARY_GRACE, Sent, local_hour
from sessions.models import BuddyNote, Commitment, Event

log = logging.getLogger("facilitate.followups")

TOLD_HOUR = 17
NUDGE_DAYS, NUDGE_HOUR = 7, 10


def schedule_buddy_notes(*, commitment: Commitment, event: Event) -> list[BuddyNote]:
    """For a card naming a buddy (inside its transaction): told at 17:00 local that day (or
    a few minutes after the card when later), nudged at 10:00 local on day 7."""
    if commitment.buddy_id is None:
        return []
    zone = event.zone
    made = timezone.localtime(commitment.created_at, zone)
    told = max(local_hour(made.date(), TOLD_HOUR, zone), made + SUMMARY_GRACE)
    nudge = local_hour(made.date() + datetime.timedelta(days=NUDGE_DAYS), NUDGE_HOUR, zone)
    return BuddyNote.objects.bulk_create(
        [
            BuddyNote(commitment=commitment, kind=BuddyNote.Kind.TOLD, due_at=told),
            BuddyNote(commitment=commitment, kind=BuddyNote.Kind.DAY_7, due_at=nudge),
        ]
    )


def buddy_address(commitment: Commitment) -> str:
    """The buddy's own follow-up address at the event, or "" if they gave none with consent."""
    if commitment.buddy_id is None:
        return ""
    theirs = (
        Commitment.objects.filter(
            delegate_id=commitment.buddy_id,
            step__workshop__event_id=commitment.step.workshop.event_id,
            consent=True,
        )
        .exclude(email="")
        .order_by("-created_at", "-id")
        .values_list("email", flat=True)
        .first()
    )
    return theirs or ""


def due_notes(now: datetime.datetime) -> QuerySet[BuddyNote]:
    return BuddyNote.objects.filter(due_at__lte=now, sent_at__isnull=True, skipped_at__isnull=True)


def send_due_buddy_notes(*, now: datetime.datetime | None = None) -> list[Sent]:
    """Send every buddy message that is due; returns (and logs) what was sent."""
    now = now or timezone.now()
    sent = []
    ids = list(due_notes(now).order_by("commitment_id", "due_at").values_list("id", flat=True))
    for note_id in ids:
        result = _send_one(note_id, now)
        if result is not None:
            sent.append(result)
            log.info("sent buddy %s for commitment %s", result.kind, result.commitment_id)
    return sent


@transaction.atomic
def _send_one(note_id: int, now: datetime.datetime) -> Sent | None:
    rows = due_notes(now).filter(pk=note_id)
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    note = rows.select_related("commitment__step__workshop__event", "commitment__delegate").first()
    if note is None:  # sent, skipped or claimed by another run meanwhile
        return None
    commitment = note.commitment
    later = due_notes(now).filter(commitment=commitment, due_at__gt=note.due_at)
    address = buddy_address(commitment)
    gone = commitment.erased or commitment.delegate_id is None
    if later.exists() or gone or not address:
        note.skipped_at = now
        note.save(update_fields=["skipped_at"])
        return None
    context = {
        "kind": note.kind,
        "commitment": commitment,
        "name": commitment.delegate.display_name if commitment.delegate else "",
        "event": commitment.step.workshop.event,
    }
    EmailMessage(
        subject=render_to_string("workshops/email/buddy_subject.txt", context).strip(),
        body=render_to_string("workshops/email/buddy.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
    ).send()
    note.sent_at = now
    note.save(update_fields=["sent_at"])
    return Sent(note.pk, commitment.pk, f"buddy {note.kind}", address)
