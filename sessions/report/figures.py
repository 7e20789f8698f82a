"""The outcome report's figures, over a list of events (one event now; the events of a
series once series exist). The page and the CSV both take every number from `report`.

Suppression (the Snapshot's rule, `sessions.snapshot.scoring.CUT_MIN`): no figure describes a
group of fewer than 5 people. Counts that split a whole (commitments by challenge, answers by
status, verdicts) go through `scoring.groups`, which pools small groups so none can be worked
out from the others; a share "n of d" is withheld when n, d or d - n is between 1 and 4.
Snapshot movement uses `scoring.paired_change`, which suppresses on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from sessions.commitments.funnel import funnel
from sessions.models import (
    CheckIn,
    Commitment,
    Delegate,
    Event,
    SnapshotResponse,
    SnapshotSetup,
    Status,
    Verdict,
    Workshop,
)
from sessions.snapshot import scoring, services
from sessions.snapshot.bank import DIMENSION_BY_CODE
from sessions.snapshot.scoring import CUT_MIN, Suppressed

NOT_LINKED = _("Not linked to a challenge")
POOLED = _("Other (small groups together)")
FEWER = _("Fewer than %(min)s: not shown") % {"min": CUT_MIN}
REDACTED = "[…]"


def count_of(n: int) -> int | Suppressed:
    """A count of people (or their commitments): withheld from 1 to CUT_MIN - 1."""
    return Suppressed(FEWER) if 0 < n < CUT_MIN else n


@dataclass(frozen=True)
class Share:
    """`count` of `of` `of_label`, e.g. 12 of 40 answered said done."""

    label: StrOrPromise
    count: int
    of: int
    of_label: StrOrPromise

    @property
    def percent(self) -> int | None:
        return scoring.whole(100 * self.count / self.of) if self.of else None


def share(label: StrOrPromise, count: int, of: int, of_label: StrOrPromise) -> Share | Suppressed:
    """The share, or Suppressed when it would describe a group of 1 to 4 (the count, the
    whole, or the rest)."""
    if any(0 < n < CUT_MIN for n in (count, of, of - count)):
        return Suppressed(FEWER)
    return Share(label, count, of, of_label)


@dataclass(frozen=True)
class Split:
    """A whole split into groups: each shown group's count out of `of` (all >= CUT_MIN), the
    small ones pooled into `other` (shown only if the pool reaches CUT_MIN)."""

    of: int | Suppressed
    of_label: StrOrPromise
    shown: tuple[Share, ...]
    other: Share | Suppressed | None


def split(counts: Mapping[str, int], order: Sequence[str], of_label: StrOrPromise) -> Split:
    total = sum(counts.values())
    kept = scoring.groups(counts, order)
    shown = tuple(Share(label, n, total, of_label) for label, n in kept.shown)
    other: Share | Suppressed | None
    if kept.other is None or isinstance(kept.other, Suppressed):
        other = kept.other if kept.other is None else Suppressed(FEWER)
    else:
        other = Share(POOLED, kept.other, total, of_label)
    return Split(of=count_of(total), of_label=of_label, shown=shown, other=other)


@dataclass(frozen=True)
class Reach:
    events: int
    workshops: int
    delegates: int | Suppressed
    firms: int | Suppressed  # businesses that finished the Snapshot before the event
    commitments: int | Suppressed


@dataclass(frozen=True)
class Story:
    """A delegate's own words about what happened, quoted as written (their name and
    address taken out if they typed them), with no field that says who they are."""

    text: str
    about: str
    status: str
    verdict: str


@dataclass(frozen=True)
class Movement:
    pairs: int | Suppressed  # firms that took the Snapshot before and at the 90-day retake
    changes: tuple[tuple[str, float | Suppressed], ...]


@dataclass(frozen=True)
class Report:
    events: tuple[Event, ...]
    reach: Reach
    challenges: Split
    funnel: tuple[tuple[StrOrPromise, Share | Suppressed], ...]
    outcomes: Split
    verdicts: Split
    stories: tuple[Story, ...]
    movement: Movement


def commitments_of(events: Sequence[Event]) -> QuerySet[Commitment]:
    return Commitment.objects.filter(step__workshop__event__in=events)


def reach(events: Sequence[Event]) -> Reach:
    firms = SnapshotResponse.objects.filter(
        setup__event__in=events, round=1, completed_at__isnull=False
    )
    return Reach(
        events=len(events),
        workshops=Workshop.objects.filter(event__in=events).count(),
        delegates=count_of(
            Delegate.objects.filter(event__in=events, attendances__isnull=False).distinct().count()
        ),
        firms=count_of(firms.count()),
        commitments=count_of(commitments_of(events).count()),
    )


def by_challenge(commitments: QuerySet[Commitment]) -> Split:
    """Commitments by the challenge (or cluster of ideas) they are about, merged by name
    across events so a series adds up the same challenge."""
    counts: dict[str, int] = {}
    rows = commitments.values_list("challenge__label", "cluster__name").order_by("id")
    for challenge, cluster in rows.iterator(chunk_size=500):
        label = challenge or cluster or str(NOT_LINKED)
        counts[label] = counts.get(label, 0) + 1
    order = sorted(counts, key=lambda label: (label == str(NOT_LINKED), -counts[label], label))
    return split(counts, order, _("commitments"))


def funnel_shares(
    commitments: QuerySet[Commitment],
) -> tuple[tuple[StrOrPromise, Share | Suppressed], ...]:
    """The follow-up funnel's reach stages, each out of the stage before it."""
    f = funnel(commitments)
    first_step = next(s for s in f.stages if s.label == "First step taken")
    no_response = next(s for s in f.stages if s.label == "No response")
    stages = (
        (_("Asked for follow-up (consented)"), f.followed_up, f.made, _("commitments")),
        (_("Sent at least one follow-up"), f.reached, f.followed_up, _("followed up")),
        (_("Answered at least once"), f.responded, f.reached, _("sent a follow-up")),
        (_("Took their first step"), first_step.count, f.responded, _("who answered")),
        (_("No answer yet"), no_response.count, f.reached, _("sent a follow-up")),
    )
    return tuple((label, share(label, n, of, of_label)) for label, n, of, of_label in stages)


def outcomes(commitments: QuerySet[Commitment]) -> Split:
    """Where the commitments whose delegates answered stand now, by their latest answer."""
    answered = commitments.filter(check_ins__isnull=False).distinct()
    counts = dict(answered.values_list("status").annotate(n=Count("id")).order_by())
    labels = dict(Status.choices)
    named = {str(labels[s]): counts.get(s, 0) for s in Status.values}
    order = [str(labels[s]) for s in (Status.DONE, Status.IN_PROGRESS, Status.CHANGED,
                                      Status.DROPPED, Status.NOT_STARTED)]  # fmt: skip
    return split(named, order, _("who answered"))


def latest_check_ins(commitments: QuerySet[Commitment], **having: object) -> list[CheckIn]:
    """Each commitment's latest check-in among those matching `having`."""
    latest: dict[int, CheckIn] = {}
    rows = CheckIn.objects.filter(commitment__in=commitments, **having).order_by("created_at", "id")
    related = ("commitment__challenge", "commitment__cluster", "commitment__delegate")
    for check_in in rows.select_related(*related):
        latest[check_in.commitment_id] = check_in
    return list(latest.values())


def verdicts(commitments: QuerySet[Commitment]) -> Split:
    """Adopt, adapt or abandon: each commitment's latest verdict."""
    given = latest_check_ins(commitments, verdict__in=Verdict.values)
    names = {"adopt": _("Adopt"), "adapt": _("Adapt"), "abandon": _("Abandon")}
    counts = {str(names[v]): sum(c.verdict == v for c in given) for v in Verdict.values}
    return split(counts, [str(names[v]) for v in Verdict.values], _("who gave a verdict"))


def _without_who(text: str, commitment: Commitment) -> str:
    """The story with the delegate's own name and address taken out where they typed them."""
    for known in (
        commitment.email,
        commitment.delegate.display_name if commitment.delegate else "",
    ):
        if len(known.strip()) >= 3:
            text = _replace_folded(text, known.strip())
    return text


def _replace_folded(text: str, word: str) -> str:
    lowered, target, out, start = text.casefold(), word.casefold(), [], 0
    while (found := lowered.find(target, start)) != -1:
        out.append(text[start:found] + REDACTED)
        start = found + len(target)
    return "".join(out) + text[start:]


def stories(commitments: QuerySet[Commitment]) -> tuple[Story, ...]:
    """The latest story of each commitment whose delegate consented to follow-up and is still
    known: erased words are blank, and once erasure or the event's retention has cut the
    link to the delegate, their name can no longer be taken out of the text, so the story is
    not quoted either."""
    consented = commitments.filter(
        consent=True, erased=False, delegate__isnull=False, delegate__forgotten_at__isnull=True
    ).select_related("delegate")
    told = latest_check_ins(consented, what_happened__gt="")
    return tuple(
        Story(
            text=_without_who(c.what_happened.strip(), c.commitment),
            about=c.commitment.linked_to,
            status=c.get_status_display(),
            verdict=c.get_verdict_display() if c.verdict else "",
        )
        for c in sorted(told, key=lambda c: (c.created_at, c.pk))
        if c.what_happened.strip()
    )


def movement(events: Sequence[Event]) -> Movement:
    """The Snapshot cohort's median movement between the first round and the retake, over
    the firms that took both (suppressed per figure by `scoring.paired_change`)."""
    pairs = [
        pair
        for setup in SnapshotSetup.objects.filter(event__in=events).order_by("id")
        for pair in services.pairs_of(setup)
    ]
    changes = tuple(
        (str(DIMENSION_BY_CODE[code].name) if code != "overall" else str(_("Overall")), change)
        for code, change in scoring.paired_change(pairs).items()
    )
    return Movement(pairs=count_of(len(pairs)), changes=changes)


def report(events: Sequence[Event]) -> Report:
    """Every figure of the report over these events (rehearsals never count)."""
    counted = tuple(e for e in events if not e.is_rehearsal)
    commitments = commitments_of(counted)
    follow_up = funnel_shares(commitments)
    answered = outcomes(commitments)
    if isinstance(follow_up[2][1], Suppressed):
        # "n answered of m sent" is withheld (n or m - n is under 5): the outcomes' total
        # would give it away, so the outcomes are withheld with it.
        answered = Split(of=Suppressed(FEWER), of_label=answered.of_label, shown=(), other=None)
    return Report(
        events=counted,
        reach=reach(counted),
        challenges=by_challenge(commitments),
        funnel=follow_up,
        outcomes=answered,
        verdicts=verdicts(commitments),
        stories=stories(commitments),
        movement=movement(counted),
    )


__all__ = ["Report", "Share", "Split", "Story", "Suppressed", "report"]
