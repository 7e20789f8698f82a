"""A delegate's own data: what we hold, a copy to download, erasure; and retention.

Erasure and retention keep every anonymous aggregate (vote tallies, idea walls, commitment
counts and statuses, the funnel): they cut the links between a person and their words and
remove contact details. Erasure, asked for by the delegate, also removes the words of their
commitments, check-ins and Snapshot (its free-text challenge and region), including an earlier
edition's commitment they brought to their phone (`Return`). Either removes every `Return`
that links the delegates forgotten to another edition: it is the one link between them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from sessions.models import (
    AccessLink,
    Ballot,
    CheckIn,
    CloudWord,
    Commitment,
    Delegate,
    Event,
    FollowUp,
    Idea,
    PeerOptIn,
    PulseAnswer,
    Question,
    Reaction,
    Return,
    SnapshotResponse,
    Upvote,
)
from sessions.peers.services import peer_data
from sessions.tokens import new_token

ERASED_TEXT = ""


def my_data(delegate: Delegate) -> dict[str, Any]:
    """Everything held about the delegate, as plain data (the download and the page)."""
    commitments = Commitment.objects.filter(delegate=delegate).select_related(
        "step__workshop", "challenge", "cluster", "buddy"
    )
    return {
        "event": delegate.event.name,
        "display_name": delegate.display_name,
        "joined": delegate.created_at.isoformat(timespec="seconds"),
        "workshops": [a.workshop.title for a in delegate.attendances.select_related("workshop")],
        "ideas": [
            {
                "workshop": i.board.step.workshop.title,
                "text": i.text,
                "shown_with_name": bool(i.author_name),
            }
            for i in Idea.objects.filter(delegate=delegate).select_related("board__step__workshop")
        ],
        "votes": Ballot.objects.filter(delegate=delegate).count(),
        "plus_ones_on_ideas": Reaction.objects.filter(delegate=delegate).count(),
        "questions": [
            {
                "workshop": q.board.workshop.title,
                "text": q.text,
                "shown_with_name": q.name_shown,
            }
            for q in Question.objects.filter(delegate=delegate).select_related("board__workshop")
        ],
        "upvotes": Upvote.objects.filter(delegate=delegate).count(),
        "pulse": [
            {"usefulness": a.usefulness, "word": a.word}
            for a in PulseAnswer.objects.filter(delegate=delegate)
        ],
        "word_cloud": [
            {"workshop": w.cloud.step.workshop.title, "word": w.text}
            for w in CloudWord.objects.filter(delegate=delegate).select_related(
                "cloud__step__workshop"
            )
        ],
        "snapshot": [
            {
                "round": r.round,
                "sector": r.get_sector_display() if r.sector else "",
                "employees": r.get_employees_display() if r.employees else "",
                "region": r.region,
                "role": r.get_role_display() if r.role else "",
                "answers": {a.item: a.value for a in r.answers.all()},
                "challenges": r.challenges,
                "other_challenge": r.challenge_other,
                "completed": r.completed_at.isoformat(timespec="seconds") if r.completed_at else "",
            }
            for r in SnapshotResponse.objects.filter(delegate=delegate).order_by("round")
        ],
        "commitments": [_commitment_data(c) for c in commitments],
        "brought_back": [_return_data(r) for r in _returns(delegate)],
    }


def _returns(delegate: Delegate) -> QuerySet[Return]:
    """Commitments of an earlier edition the delegate brought to their phone at this one."""
    return (
        Return.objects.filter(delegate=delegate)
        .select_related(
            "commitment__step__workshop__event",
            "commitment__challenge",
            "commitment__cluster",
            "commitment__buddy",
        )
        .order_by("created_at", "id")
    )


def _return_data(r: Return) -> dict[str, Any]:
    return {
        "from_event": r.commitment.step.workshop.event.name,
        "brought_back": r.created_at.isoformat(timespec="seconds"),
        "answer": r.get_outcome_display() if r.outcome else "",
        "answered": r.closed_at.isoformat(timespec="seconds") if r.closed_at else "",
        "commitment": _commitment_data(r.commitment),
    }


def _commitment_data(c: Commitment) -> dict[str, Any]:
    return {
        "workshop": c.step.workshop.title,
        "action": f"I will {c.action}",
        "about": c.linked_to,
        "first_step": f"{c.first_step_when}, then I will {c.first_step_action}",
        "first_step_on": c.first_step_on.isoformat(),
        "measure": c.measure,
        "done_by": c.done_by.isoformat(),
        "buddy": c.buddy.display_name if c.buddy_id and c.buddy else "",
        "help_wanted": c.help_wanted,
        "email": c.email,
        "follow_up_consent": c.consent,
        "status": c.get_status_display() if c.status else "",
        "peers": peer_data(c),
        "check_ins": [
            {
                "when": ci.created_at.isoformat(timespec="seconds"),
                "status": ci.get_status_display(),
                "what_happened": ci.what_happened,
                "verdict": ci.get_verdict_display() if ci.verdict else "",
                "next_step": ci.next_step,
            }
            for ci in c.check_ins.all()
        ],
    }


def _forget(delegates: QuerySet[Delegate], *, now: datetime.datetime, words_too: bool) -> int:
    """Cut the delegates' links to their words and drop contact details and links."""
    delegate_ids = list(delegates.values_list("id", flat=True))
    theirs = Q(delegate_id__in=delegate_ids)
    if words_too:  # an earlier edition's commitment they brought here is theirs to erase
        theirs |= Q(returns__delegate_id__in=delegate_ids)
    commitment_ids = list(Commitment.objects.filter(theirs).values_list("id", flat=True).distinct())
    commitments = Commitment.objects.filter(pk__in=commitment_ids)
    # The one link between a delegate and an earlier edition's commitment: gone with either.
    Return.objects.filter(
        Q(delegate_id__in=delegate_ids) | Q(commitment_id__in=commitment_ids)
    ).delete()
    FollowUp.objects.filter(commitment_id__in=commitment_ids, sent_at__isnull=True).delete()
    AccessLink.objects.filter(commitment_id__in=commitment_ids).delete()
    AccessLink.objects.filter(delegate_id__in=delegate_ids).delete()
    if words_too:
        CheckIn.objects.filter(commitment_id__in=commitment_ids).update(
            what_happened=ERASED_TEXT, next_step=ERASED_TEXT
        )
        commitments.update(
            action=ERASED_TEXT,
            first_step_when=ERASED_TEXT,
            first_step_then=ERASED_TEXT,
            measure=ERASED_TEXT,
            erased=True,
        )
    # Their peer opt-ins and every offer they were in: the other side's offer vanishes.
    PeerOptIn.objects.filter(commitment_id__in=commitment_ids).delete()
    Commitment.objects.filter(pk__in=commitment_ids).update(delegate=None, buddy=None, email="")
    Commitment.objects.filter(buddy_id__in=delegate_ids).update(buddy=None)
    Idea.objects.filter(delegate_id__in=delegate_ids).update(delegate=None, author_name="")
    # The +1s stay counted on their ideas, no longer anyone's.
    Reaction.objects.filter(delegate_id__in=delegate_ids).update(delegate=None)
    PulseAnswer.objects.filter(delegate_id__in=delegate_ids).update(delegate=None)
    CloudWord.objects.filter(delegate_id__in=delegate_ids).update(delegate=None)
    # Questions and upvotes stay, counted and anonymous.
    Question.objects.filter(delegate_id__in=delegate_ids).update(delegate=None, name_shown=False)
    Upvote.objects.filter(delegate_id__in=delegate_ids).update(delegate=None)
    # Snapshot answers stay with the (now nameless) delegate row, so a retake still pairs
    # with its first round in the anonymous figures; the responses' own links stop working.
    responses = SnapshotResponse.objects.filter(delegate_id__in=delegate_ids)
    responses.update(consent_contact=False)
    if words_too:
        responses.update(challenge_other="", region="")
    for response_id in responses.values_list("id", flat=True):
        SnapshotResponse.objects.filter(pk=response_id).update(token=new_token())
    for delegate_id in delegate_ids:
        # A fresh key: the phone's cookie no longer finds this row.
        Delegate.objects.filter(pk=delegate_id).update(
            display_name="", key=new_token(), forgotten_at=now
        )
    return len(delegate_ids)


@transaction.atomic
def erase_delegate(*, delegate: Delegate) -> None:
    """Erase what the delegate gave us: name, addresses, their commitments' and check-ins'
    words, and every link from them to their ideas. Counts and tallies stay, anonymous."""
    _forget(Delegate.objects.filter(pk=delegate.pk), now=timezone.now(), words_too=True)


def retention_ends(event: Event) -> datetime.date:
    return event.date + datetime.timedelta(days=event.retention_days)


@transaction.atomic
def apply_retention(*, today: datetime.date | None = None) -> dict[int, int]:
    """For every event past its retention period: remove contact details and the links
    between delegates and their words (the words stay, anonymous). Running it again changes
    nothing more. Returns {event id: delegates forgotten now}."""
    forgotten = {}
    for event in Event.objects.all():
        local_today = today or event.local_today()
        if local_today <= retention_ends(event):
            continue
        pending = Delegate.objects.filter(event=event, forgotten_at__isnull=True)
        if pending.exists():
            forgotten[event.pk] = _forget(pending, now=timezone.now(), words_too=False)
    return forgotten
