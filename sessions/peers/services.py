"""Peers across companies: opting in, matching, answering offers and introductions.

Nothing about a person reaches anyone else until both sides of an offer accept: offers are
described by what the pair shares (a challenge, or a Snapshot dimension), never by sector,
size, region or name. On the second accept both get an email with the other's name,
company and address. The organiser sees only counts, each withheld under `COUNT_MIN`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions.errors import Conflict, NotFound
from sessions.models import (
    Commitment,
    Event,
    PeerOffer,
    PeerOptIn,
    SnapshotResponse,
)
from sessions.peers.matching import Profile, challenge_key, new_matches
from sessions.snapshot import scoring
from sessions.snapshot.bank import DIMENSION_BY_CODE
from sessions.snapshot.services import scores_by_response

COUNT_MIN = scoring.CUT_MIN

NO_OFFER = _("That offer does not exist.")
ANSWERED = _("You have already answered this offer; nothing was changed.")
CLOSED = _("This offer is closed; nothing was changed.")
ERASED = _("This commitment was erased; peers cannot be offered for it.")


# --- opting in -----------------------------------------------------------------------------


@transaction.atomic
def opt_in(
    *,
    commitment: Commitment,
    name: str,
    company: str,
    email: str,
    now: datetime.datetime | None = None,
) -> PeerOptIn:
    """Opt a commitment's delegate in (or update what they would share), then match the
    event's opt-ins. Refuses an erased commitment."""
    if commitment.erased or commitment.delegate_id is None:
        raise Conflict(ERASED)
    fields = {"name": name.strip(), "company": " ".join(company.split()), "email": email.strip()}
    opted, created = PeerOptIn.objects.get_or_create(
        commitment=commitment, defaults={**fields, "created_at": now or timezone.now()}
    )
    if not created:
        for key, value in fields.items():
            setattr(opted, key, value)
        opted.save(update_fields=list(fields))
    match_event(event=commitment.step.workshop.event, now=now)
    return opted


@transaction.atomic
def opt_out(*, commitment: Commitment) -> None:
    """Withdraw: the opt-in and every offer it was part of go (the other side sees the offer
    vanish, and nothing else). Doing it twice changes nothing."""
    PeerOptIn.objects.filter(commitment=commitment).delete()


# --- matching ------------------------------------------------------------------------------


def opt_ins_of(event: Event) -> QuerySet[PeerOptIn]:
    return PeerOptIn.objects.filter(
        commitment__step__workshop__event=event,
        commitment__delegate__isnull=False,
        commitment__erased=False,
    )


def offers_of(event: Event) -> QuerySet[PeerOffer]:
    return PeerOffer.objects.filter(first__commitment__step__workshop__event=event)


def _profiles(opt_ins: list[PeerOptIn]) -> list[Profile]:
    delegate_ids = [o.commitment.delegate_id for o in opt_ins]
    responses = {
        r.delegate_id: r
        for r in SnapshotResponse.objects.filter(
            delegate_id__in=delegate_ids, round=1, completed_at__isnull=False
        )
    }
    scores = scores_by_response(list(responses.values()))
    profiles = []
    for order, o in enumerate(opt_ins):
        commitment = o.commitment
        assert commitment.delegate_id is not None
        labels = [commitment.linked_to]
        response = responses.get(commitment.delegate_id)
        dimensions: dict[str, int | None] = {}
        if response is not None:
            labels += [str(pick) for pick in response.challenges]
            dimensions = {d.code: d.score for d in scores[response.pk].dimensions}
        challenges = {challenge_key(label): label for label in reversed(labels) if label}
        profiles.append(
            Profile(o.pk, commitment.delegate_id, o.company, challenges, dimensions, order)
        )
    return profiles


@transaction.atomic
def match_event(*, event: Event, now: datetime.datetime | None = None) -> list[PeerOffer]:
    """Add the offers the matching rule finds for the event (`sessions.peers.matching`).
    Running it again adds only what is new. The event row is locked: runs queue."""
    Event.objects.select_for_update().filter(pk=event.pk).first()
    opt_ins = list(opt_ins_of(event).select_related("commitment__challenge", "commitment__cluster"))
    existing = offers_of(event).values_list("first_id", "second_id")
    made = [
        PeerOffer(
            first_id=m.a,
            second_id=m.b,
            reason=PeerOffer.Reason.SAME_CHALLENGE
            if m.same_challenge
            else PeerOffer.Reason.COMPLEMENT,
            topic=m.topic[:120],
            first_strong=m.a_strong,
            created_at=now or timezone.now(),
        )
        for m in new_matches(_profiles(opt_ins), list(existing))
    ]
    return PeerOffer.objects.bulk_create(made)


# --- what one side sees ---------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """An offer as one side sees it: no name, company, sector or size of the other."""

    id: int
    description: str
    mine: str  # "", "accept" or "decline"
    state: str  # "open", "waiting", "introduced" or "closed"


def _side(offer: PeerOffer, opted: PeerOptIn) -> str:
    return "first" if offer.first_id == opted.pk else "second"


def describe(offer: PeerOffer, opted: PeerOptIn) -> str:
    if offer.reason == PeerOffer.Reason.SAME_CHALLENGE:
        return str(_("Someone from another company also working on “%(topic)s”.")) % {
            "topic": offer.topic
        }
    dimension = DIMENSION_BY_CODE[offer.topic].name
    mine_strong = offer.first_strong == (_side(offer, opted) == "first")
    if mine_strong:
        text = _(
            "Someone from another company starting out in %(dimension)s, where yours is strong."
        )
    else:
        text = _(
            "Someone from another company strong in %(dimension)s, where yours is starting out."
        )
    return str(text) % {"dimension": dimension}


def state_of(offer: PeerOffer, mine: str) -> str:
    if offer.introduced_at is not None:
        return "introduced"
    if PeerOffer.Answer.DECLINE in (offer.first_answer, offer.second_answer):
        return "closed"
    return "waiting" if mine == PeerOffer.Answer.ACCEPT else "open"


def offers_for(opted: PeerOptIn) -> list[Shown]:
    rows = PeerOffer.objects.filter(Q(first=opted) | Q(second=opted)).order_by("created_at", "id")
    shown = []
    for offer in rows:
        mine = getattr(offer, f"{_side(offer, opted)}_answer")
        shown.append(Shown(offer.pk, describe(offer, opted), mine, state_of(offer, mine)))
    return shown


def introduced_to(opted: PeerOptIn) -> list[PeerOptIn]:
    """The peers this opt-in was introduced to (both accepted): name, company, email."""
    rows = PeerOffer.objects.filter(
        Q(first=opted) | Q(second=opted), introduced_at__isnull=False
    ).select_related("first", "second")
    return [o.second if o.first_id == opted.pk else o.first for o in rows]


# --- answering -----------------------------------------------------------------------------


@transaction.atomic
def answer_offer(
    *, opted: PeerOptIn, offer_id: int, answer: str, now: datetime.datetime | None = None
) -> bool:
    """One side accepts or declines. Returns whether anything changed.

    Another opt-in's offer and one that does not exist get the same answer (NotFound). The
    same answer again changes nothing; a different one after answering, or any answer once
    the offer is closed, is refused. On the second accept both are emailed (on commit).
    """
    offer = (
        PeerOffer.objects.select_for_update()
        .filter(Q(first=opted) | Q(second=opted), pk=offer_id)
        .first()
    )
    if offer is None:
        raise NotFound(NO_OFFER)
    field = f"{_side(offer, opted)}_answer"
    mine = getattr(offer, field)
    if mine == answer:
        return False
    if mine:
        raise Conflict(ANSWERED)
    if state_of(offer, mine) == "closed":
        raise Conflict(CLOSED)
    setattr(offer, field, answer)
    fields = [field]
    if offer.first_answer == offer.second_answer == PeerOffer.Answer.ACCEPT:
        offer.introduced_at = now or timezone.now()
        fields.append("introduced_at")
        offer_pk = offer.pk
        transaction.on_commit(lambda: _introduce(offer_pk))
    offer.save(update_fields=fields)
    return True


def _introduce(offer_id: int) -> None:
    offer = (
        PeerOffer.objects.select_related("first__commitment__step__workshop__event", "second")
        .filter(pk=offer_id, introduced_at__isnull=False)
        .first()
    )
    if offer is None:  # erased meanwhile
        return
    event = offer.first.commitment.step.workshop.event
    for me, peer in ((offer.first, offer.second), (offer.second, offer.first)):
        context = {"me": me, "peer": peer, "event": event, "about": describe(offer, me)}
        EmailMessage(
            subject=str(_("An introduction: %(name)s from %(company)s"))
            % {"name": peer.name, "company": peer.company},
            body=render_to_string("workshops/email/peer_introduction.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[me.email],
        ).send()


# --- the organiser's counts ----------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    offered: int | scoring.Suppressed
    accepted: int | scoring.Suppressed
    introduced: int | scoring.Suppressed


def _shown(n: int) -> int | scoring.Suppressed:
    return n if n >= COUNT_MIN else scoring.Suppressed(_("fewer than 5"))


def counts(event: Event) -> Counts:
    """Offers made, acceptances given and introductions made; each withheld under 5."""
    offers = offers_of(event)
    accepted = (
        offers.filter(first_answer=PeerOffer.Answer.ACCEPT).count()
        + offers.filter(second_answer=PeerOffer.Answer.ACCEPT).count()
    )
    return Counts(
        offered=_shown(offers.count()),
        accepted=_shown(accepted),
        introduced=_shown(offers.filter(introduced_at__isnull=False).count()),
    )


def peer_data(commitment: Commitment) -> dict[str, Any] | None:
    """What a delegate's data download holds about peers for one commitment: what they
    would share, their offers as they see them, and the peers they were introduced to."""
    opted = PeerOptIn.objects.filter(commitment=commitment).first()
    if opted is None:
        return None
    return {
        "shared_on_introduction": {
            "name": opted.name,
            "company": opted.company,
            "email": opted.email,
        },
        "offers": [
            {"offer": o.description, "your_answer": o.mine, "state": o.state}
            for o in offers_for(opted)
        ],
        "introduced_to": [
            {"name": p.name, "company": p.company, "email": p.email} for p in introduced_to(opted)
        ],
    }
