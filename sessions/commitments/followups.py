"""Following commitments up: the message cadence, magic links and check-ins.

Cadence per consenting commitment (product.md): a same-day summary, then day 7, 30, 60
(only if not done) and 90, each at a sensible local hour of the event's time zone. Each
message carries a magic link to a one-tap check-in. `send_due_followups` is what
`manage.py send_followups` runs from cron: it claims each due message under a row lock and
marks it sent in the transaction that sends it, so runs that overlap or repeat never send
a message twice.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions.errors import Conflict, NotFound
from sessions.models import (
    LINK_LIFETIME,
    AccessLink,
    CheckIn,
    Commitment,
    Delegate,
    Event,
    FollowUp,
    Status,
    hash_token,
)
from sessions.snapshot.services import retake_path
from sessions.tokens import new_token

log = logging.getLogger("facilitate.followups")

# (kind, days after the commitment's local date, local hour); the summary goes the same day.
CADENCE = (
    (FollowUp.Kind.SUMMARY, 0, 17),
    (FollowUp.Kind.DAY_7, 7, 10),
    (FollowUp.Kind.DAY_30, 30, 10),
    (FollowUp.Kind.DAY_60, 60, 10),
    (FollowUp.Kind.DAY_90, 90, 10),
)
SUMMARY_GRACE = datetime.timedelta(minutes=10)

LINK_NOT_VALID = _("This link is not valid. Use the link in your most recent message.")
LINK_EXPIRED = (
    "This link has expired. The next message about your commitment brings a new one, "
    "or ask the organisers for help."
)


def local_hour(day: datetime.date, hour: int, zone: datetime.tzinfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone)


def schedule_followups(*, commitment: Commitment, event: Event) -> list[FollowUp]:
    """Create the cadence's messages for a consenting commitment (inside its transaction).

    The summary is due at 17:00 local on the day of the commitment, or a few minutes after
    it was made when that is later; the rest at 10:00 local N days later.
    """
    zone = event.zone
    made = timezone.localtime(commitment.created_at, zone)
    rows = []
    for kind, days, hour in CADENCE:
        due = local_hour(made.date() + datetime.timedelta(days=days), hour, zone)
        if kind == FollowUp.Kind.SUMMARY:
            due = max(due, made + SUMMARY_GRACE)
        rows.append(FollowUp(commitment=commitment, kind=kind, due_at=due))
    return FollowUp.objects.bulk_create(rows)


# --- magic links ---------------------------------------------------------------------------


def issue_link(
    *,
    purpose: str,
    commitment: Commitment | None = None,
    delegate: Delegate | None = None,
    now: datetime.datetime | None = None,
) -> str:
    """A new magic link's token (only its hash is stored)."""
    token = new_token()
    AccessLink.objects.create(
        token_hash=hash_token(token),
        purpose=purpose,
        commitment=commitment,
        delegate=delegate,
        expires_at=(now or timezone.now()) + LINK_LIFETIME,
    )
    return token


def resolve_link(token: str, purpose: str, *, commitment_id: int | None = None) -> AccessLink:
    """The live link for `token` and `purpose` (and, for check-ins, that commitment).

    A forged token, a token for another purpose and a token for another commitment all get
    the same answer; an expired one is told so.
    """
    link = (
        AccessLink.objects.select_related("commitment", "delegate")
        .filter(token_hash=hash_token(token or ""), purpose=purpose)
        .first()
    )
    if link is None or (commitment_id is not None and link.commitment_id != commitment_id):
        raise NotFound(LINK_NOT_VALID)
    if link.expired:
        raise Conflict(LINK_EXPIRED)
    return link


def check_in_path(commitment: Commitment, token: str) -> str:
    return reverse("workshops:check_in", args=[commitment.pk, token])


def my_data_path(token: str) -> str:
    return reverse("workshops:my_data_link", args=[token])


# --- sending -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    followup_id: int
    commitment_id: int
    kind: str
    to: str


def due_followups(now: datetime.datetime) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(
        due_at__lte=now,
        sent_at__isnull=True,
        skipped_at__isnull=True,
        commitment__consent=True,
    ).exclude(commitment__email="")


def send_due_followups(*, now: datetime.datetime | None = None, base_url: str) -> list[Sent]:
    """Send every message that is due and not yet sent; returns (and logs) what was sent.

    Each message is claimed with a row lock (others running at once skip it) and marked
    sent in the transaction that sends it. When several messages of one commitment are due
    at once (the job did not run for a while), only the latest is sent and the older ones
    are skipped: nobody gets their day 7 and day 30 messages in the same minute. Day 60 is
    skipped once the commitment is done.
    """
    now = now or timezone.now()
    sent = []
    ids = list(due_followups(now).order_by("commitment_id", "due_at").values_list("id", flat=True))
    for followup_id in ids:
        result = _send_one(followup_id, now, base_url)
        if result is not None:
            sent.append(result)
            log.info(
                "sent %s for commitment %s to %s", result.kind, result.commitment_id, result.to
            )
    return sent


@transaction.atomic
def _send_one(followup_id: int, now: datetime.datetime, base_url: str) -> Sent | None:
    rows = due_followups(now).filter(pk=followup_id)
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    followup = rows.select_related("commitment__step__workshop__event").first()
    if followup is None:  # sent, skipped or claimed by another run meanwhile
        return None
    commitment = followup.commitment
    later = due_followups(now).filter(commitment=commitment, due_at__gt=followup.due_at)
    done = commitment.status == Status.DONE
    if later.exists() or (followup.kind == FollowUp.Kind.DAY_60 and done):
        followup.skipped_at = now
        followup.save(update_fields=["skipped_at"])
        return None
    _email(followup, now, base_url)
    followup.sent_at = now
    followup.save(update_fields=["sent_at"])
    return Sent(followup.pk, commitment.pk, followup.kind, commitment.email)


def _email(followup: FollowUp, now: datetime.datetime, base_url: str) -> None:
    commitment = followup.commitment
    check_in = issue_link(purpose=AccessLink.Purpose.CHECK_IN, commitment=commitment, now=now)
    context = {
        "followup": followup,
        "kind": followup.kind,
        "commitment": commitment,
        "workshop": commitment.step.workshop,
        "event": commitment.step.workshop.event,
        "check_in_url": base_url + check_in_path(commitment, check_in),
        "statuses": Status.choices,
        "retake_url": None,
    }
    delegate = commitment.delegate if commitment.delegate_id else None
    retake = retake_path(delegate) if delegate is not None else None
    if followup.kind == FollowUp.Kind.DAY_90 and retake:
        context["retake_url"] = base_url + retake
    if commitment.delegate_id:
        my_data = issue_link(
            purpose=AccessLink.Purpose.MY_DATA, delegate=commitment.delegate, now=now
        )
        context["my_data_url"] = base_url + my_data_path(my_data)
    subject = render_to_string("workshops/email/followup_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("workshops/email/followup.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[commitment.email],
    )
    message.attach_alternative(
        render_to_string("workshops/email/followup.html", context), "text/html"
    )
    message.send()


# --- check-ins -----------------------------------------------------------------------------


@transaction.atomic
def record_check_in(
    *,
    link: AccessLink,
    status: str,
    first_step_taken: bool | None = None,
    what_happened: str = "",
    verdict: str = "",
    next_step: str = "",
    key: str,
    now: datetime.datetime | None = None,
) -> CheckIn | None:
    """Record where a commitment stands; a replayed `key` records nothing (None).

    The commitment's latest status (what the organiser's dashboard shows) follows.
    """
    now = now or timezone.now()
    # A check-in link always names its commitment (a database constraint).
    assert link.commitment_id is not None
    commitment = Commitment.objects.select_for_update().get(pk=link.commitment_id)
    key = f"{commitment.pk}:{key}"  # scoped: nobody can spend another commitment's key
    if CheckIn.objects.filter(key=key).exists():
        return None
    latest_sent = commitment.followups.filter(sent_at__isnull=False).order_by("-sent_at").first()
    check_in = CheckIn.objects.create(
        commitment=commitment,
        followup=latest_sent,
        status=status,
        first_step_taken=first_step_taken,
        what_happened=what_happened.strip(),
        verdict=verdict,
        next_step=next_step.strip(),
        key=key,
        created_at=now,
    )
    commitment.status = status
    commitment.status_at = now
    fields = ["status", "status_at"]
    if first_step_taken is not None or status in {Status.IN_PROGRESS, Status.DONE}:
        commitment.first_step_taken = True if first_step_taken is None else first_step_taken
        fields.append("first_step_taken")
    commitment.save(update_fields=fields)
    return check_in
