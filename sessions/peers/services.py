"""Peers across companies: opting in, matching, answering offers and introductions.

Nothing about a person reaches anyone else until both sides of an offer accept: offers are
described by what the pair shares (a challenge, or a Snapshot dimension), never by sector,
size, region or name. On the second accept both get an email with the other's name,
company and address. The organiser sees only counts, each withheld under `COUNT_MIN`.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions.commitments import followups
from sessions.errors import Conflict, NotFound
from sessions.models import (
    CHALLENGE_KEY_MAX,
    AccessLink,
    Commitment,
    Delegate,
    Event,
    PeerOffer,
    PeerOptIn,
    PeerTopic,
    SnapshotResponse,
    Workshop,
)
from sessions.peers.matching import (
    Match,
    Profile,
    can_match,
    challenge_key,
    new_matches,
    topics_of,
)
from sessions.snapshot import scoring
from sessions.snapshot.bank import DIMENSION_BY_CODE
from sessions.snapshot.services import scores_by_response

COUNT_MIN = scoring.CUT_MIN
KEY_MAX = CHALLENGE_KEY_MAX

NO_OFFER = _("That offer does not exist.")
ANSWERED = _("You have already answered this offer; nothing was changed.")
CLOSED = _("This offer is closed; nothing was changed.")
ERASED = _("This commitment was erased; peers cannot be offered for it.")
NO_COMMITMENT = _("That commitment is not one of yours in this workshop; nothing was changed.")
ROOM_CLOSED = _("This workshop has finished; say yes to peers from the link in your summary email.")


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
    """Opt a commitment's delegate in (or update what they would share), then offer them
    peers from the candidates that share a topic with them (`match_one`). Refuses an erased
    commitment. The event row is locked: opt-ins of one event queue."""
    if commitment.erased or commitment.delegate_id is None:
        raise Conflict(ERASED)
    event = commitment.step.workshop.event
    _lock(event)
    fields = {"name": name.strip(), "company": " ".join(company.split()), "email": email.strip()}
    opted, created = PeerOptIn.objects.get_or_create(
        commitment=commitment, defaults={**fields, "created_at": now or timezone.now()}
    )
    if not created:
        for key, value in fields.items():
            setattr(opted, key, value)
        opted.save(update_fields=list(fields))
    _write_topics([opted], event)
    match_one(opted=opted, event=event, now=now)
    return opted


def room_commitment(*, workshop: Workshop, delegate: Delegate, commitment_id: int) -> Commitment:
    """One of the delegate's own commitments in this workshop, while it runs: another
    delegate's or workshop's commitment gets the same answer as one that does not exist."""
    commitment = (
        Commitment.objects.select_related("step__workshop__event", "challenge", "cluster")
        .filter(pk=commitment_id, step__workshop=workshop, delegate=delegate, erased=False)
        .first()
    )
    if commitment is None:
        raise NotFound(NO_COMMITMENT)
    if workshop.is_closed:
        raise Conflict(ROOM_CLOSED)
    return commitment


@transaction.atomic
def opt_in_in_room(
    *,
    workshop: Workshop,
    delegate: Delegate,
    commitment_id: int,
    name: str,
    company: str,
    email: str,
) -> tuple[PeerOptIn, str]:
    """The phone's opt-in, under the delegate's card, for a `room_commitment`. A replayed
    send finds the opt-in made and changes only what differs. Returns the opt-in and a new
    check-in link's token for the commitment (its peers page hangs off it: the phone shows
    it once)."""
    commitment = room_commitment(workshop=workshop, delegate=delegate, commitment_id=commitment_id)
    opted = opt_in(commitment=commitment, name=name, company=company, email=email)
    return opted, followups.issue_link(purpose=AccessLink.Purpose.CHECK_IN, commitment=commitment)


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


def _lock(event: Event) -> None:
    Event.objects.select_for_update().filter(pk=event.pk).first()


def _write_topics(opt_ins: list[PeerOptIn], event: Event) -> None:
    """(Re)write what these opt-ins can be matched on: their commitment's challenge and
    their Snapshot's top picks, and the dimensions where they are strong or starting.
    The commitments' challenge and cluster should be loaded. A fixed number of queries."""
    responses = {
        r.delegate_id: r
        for r in SnapshotResponse.objects.filter(
            delegate_id__in=[o.commitment.delegate_id for o in opt_ins],
            round=1,
            completed_at__isnull=False,
        )
    }
    scores = scores_by_response(list(responses.values()))
    PeerTopic.objects.filter(opt_in__in=[o.pk for o in opt_ins]).delete()
    rows = []
    for o in opt_ins:
        labels = [o.commitment.linked_to]
        person = o.commitment.delegate_id
        response = responses.get(person) if person is not None else None
        if response is not None:
            labels += [str(pick) for pick in response.challenges]
        challenges = {challenge_key(label)[:KEY_MAX]: label for label in reversed(labels) if label}
        dimensions = scores[response.pk].dimensions if response is not None else []
        profile = Profile(
            o.pk, person or 0, o.company, challenges, {d.code: d.score for d in dimensions}
        )
        rows += [
            PeerTopic(
                opt_in=o,
                event=event,
                kind=kind,
                key=key,
                label=challenges.get(key, "")[:KEY_MAX] if kind == PeerTopic.Kind.CHALLENGE else "",
                score=None if kind == PeerTopic.Kind.CHALLENGE else profile.scores[key],
            )
            for kind, key in topics_of(profile)
        ]
    PeerTopic.objects.bulk_create(rows)


def _profiles(opt_ins: list[PeerOptIn]) -> list[Profile]:
    """What matching knows of these opt-ins, from their topics (one query)."""
    challenges: dict[int, dict[str, str]] = {o.pk: {} for o in opt_ins}
    scores: dict[int, dict[str, int | None]] = {o.pk: {} for o in opt_ins}
    rows = PeerTopic.objects.filter(opt_in__in=list(challenges)).values_list(
        "opt_in_id", "kind", "key", "label", "score"
    )
    for pk, kind, key, label, score in rows:
        if kind == PeerTopic.Kind.CHALLENGE:
            challenges[pk][key] = label
        else:
            scores[pk][key] = score
    queue = sorted(opt_ins, key=lambda o: (o.created_at, o.pk))
    profiles = []
    for order, o in enumerate(queue):
        assert o.commitment.delegate_id is not None
        person = o.commitment.delegate_id
        profiles.append(Profile(o.pk, person, o.company, challenges[o.pk], scores[o.pk], order))
    return profiles


def _offers(matches: list[Match], now: datetime.datetime | None) -> list[PeerOffer]:
    made = [
        PeerOffer(
            first_id=m.a,
            second_id=m.b,
            reason=PeerOffer.Reason.SAME_CHALLENGE
            if m.same_challenge
            else PeerOffer.Reason.COMPLEMENT,
            topic=m.topic[:KEY_MAX],
            first_strong=m.a_strong,
            created_at=now or timezone.now(),
        )
        for m in matches
    ]
    return PeerOffer.objects.bulk_create(made)


@transaction.atomic
def match_event(*, event: Event, now: datetime.datetime | None = None) -> list[PeerOffer]:
    """Add the offers the matching rule finds for the event (`sessions.peers.matching`),
    every pair scored: for `manage.py match_peers`, after the workshops (it also refreshes
    each opt-in's topics, for a Snapshot finished after opting in, and fills places freed by
    a withdrawal or an erasure). Running it again adds only what is new. The event row is
    locked: runs queue."""
    _lock(event)
    opt_ins = list(opt_ins_of(event).select_related("commitment__challenge", "commitment__cluster"))
    _write_topics(opt_ins, event)
    existing = offers_of(event).values_list("first_id", "second_id")
    return _offers(new_matches(_profiles(opt_ins), list(existing)), now)


def match_one(
    *, opted: PeerOptIn, event: Event, now: datetime.datetime | None = None
) -> list[PeerOffer]:
    """Offer one opt-in (whose topics are written) the best of its candidates: the opt-ins
    of the event with a topic it can match (the same challenge, or the other end of a
    dimension), found through the topics' index. Its cost grows with those candidates, not
    with the event's opt-ins, in a fixed number of queries. Call with the event locked."""
    me = _profiles([opted])[0]
    wanted: dict[str, list[str]] = {}
    for kind, key in can_match(me):
        wanted.setdefault(kind, []).append(key)
    if not wanted:
        return []
    topics = Q()
    for kind, keys in wanted.items():
        topics |= Q(kind=kind, key__in=keys)
    candidate_ids = PeerTopic.objects.filter(topics, event=event).exclude(opt_in=opted)
    candidates = list(
        opt_ins_of(event)
        .filter(pk__in=candidate_ids.values("opt_in_id"))
        .select_related("commitment")
    )
    if not candidates:
        return []
    profiles = _profiles([opted, *candidates])
    ids = [p.id for p in profiles]
    rows = PeerOffer.objects.filter(
        Q(first_id__in=ids)
        | Q(second_id__in=ids)
        | Q(first__commitment__delegate_id=me.person)
        | Q(second__commitment__delegate_id=me.person)
    ).values_list(
        "first_id", "second_id", "first__commitment__delegate_id", "second__commitment__delegate_id"
    )
    existing, people = [], []
    for first, second, first_person, second_person in rows:
        existing.append((first, second))
        if first_person is not None and second_person is not None:
            people.append((first_person, second_person))
    return _offers(new_matches(profiles, existing, only=opted.pk, people_paired=people), now)


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


def version_of(offers: list[Shown], introduced: list[PeerOptIn]) -> str:
    """A short digest of what one side's offers region shows: it changes exactly when the
    region would (an offer made, answered on either side, closed, or gone)."""
    shown = [(o.id, o.mine, o.state) for o in offers], [p.pk for p in introduced]
    return hashlib.sha256(repr(shown).encode()).hexdigest()[:16]


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
