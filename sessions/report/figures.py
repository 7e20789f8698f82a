"""The outcome report's figures: `report` over one event, `series_report` over the editions
of a series. The pages and the CSVs take every number from here.

Suppression (the Snapshot's rule, `sessions.snapshot.scoring.CUT_MIN`): no figure describes a
group of fewer than 5 people. Counts that split a whole (commitments by challenge, answers by
status, verdicts) go through `scoring.groups`, which pools small groups so none can be worked
out from the others; a share "n of d" is withheld when n, d or d - n is between 1 and 4.
Snapshot movement uses `scoring.paired_change`, which suppresses on its own.

Suppression comes before anything derived from it. A figure whose whole is another figure
(a follow-up stage out of the stage before it, the verdicts out of those who answered, the
firms that retook the Snapshot out of those who took it) is withheld with that figure, or
when the rest would be a group under 5, so no withheld count is one subtraction away. Every
ratio is guarded: a count outside 0..whole is withheld as not adding up, never shown as a
negative number or above 100%, and a whole of 0 has no percent. A series' totals are added
up from its editions' figures as each edition's report shows them (`series_report`), so
they tell nothing that the editions' own reports do not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from sessions.commitments.funnel import funnel
from sessions.models import (
    CheckIn,
    Commitment,
    Delegate,
    Event,
    Series,
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
NOT_ADDING_UP = _("Not shown: these figures do not add up")
WITHHELD_IN_AN_EDITION = _("Not shown: an edition's figure is withheld")
NOT_GIVEN = _("Not given")
VERDICT_NAMES = {"adopt": _("Adopt"), "adapt": _("Adapt"), "abandon": _("Abandon")}


# Each split's groups in the order a reader expects them (a group under 5 is pooled whatever
# its place); read when used, in the language of the request.
def sizes_order() -> list[str]:
    return [*(str(label) for _value, label in SnapshotResponse.Employees.choices), str(NOT_GIVEN)]


def sectors_order() -> list[str]:
    return [*(str(label) for _value, label in SnapshotResponse.Sector.choices), str(NOT_GIVEN)]


def statuses_order() -> list[str]:
    labels = dict(Status.choices)
    ordered = (Status.DONE, Status.IN_PROGRESS, Status.CHANGED, Status.DROPPED, Status.NOT_STARTED)
    return [str(labels[s]) for s in ordered]


def verdicts_order() -> list[str]:
    return [str(VERDICT_NAMES[v]) for v in Verdict.values]


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
    whole, or the rest), or when the count is not between 0 and the whole."""
    if not 0 <= count <= of:
        return Suppressed(NOT_ADDING_UP)
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
    sizes: Split  # those businesses by employees
    sectors: Split  # and by sector


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
    # Firms that took the Snapshot before and at the 90-day retake, of those that took it.
    pairs: Share | Suppressed
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


def benchmarked(events: Sequence[Event]) -> QuerySet[SnapshotResponse]:
    """The businesses that finished the Snapshot before the event (its first round)."""
    return SnapshotResponse.objects.filter(
        setup__event__in=events, round=1, completed_at__isnull=False
    )


def profile_mix(firms: QuerySet[SnapshotResponse]) -> tuple[Split, Split]:
    """The businesses by employees and by sector, as they said in the Snapshot (a blank
    answer is "Not given", so each split adds up to every business)."""
    sizes: dict[str, int] = {}
    sectors: dict[str, int] = {}
    size_names = dict(SnapshotResponse.Employees.choices)
    sector_names = dict(SnapshotResponse.Sector.choices)
    for employees, sector in firms.values_list("employees", "sector").order_by("id"):
        size = str(size_names.get(employees, NOT_GIVEN))
        kind = str(sector_names.get(sector, NOT_GIVEN))
        sizes[size] = sizes.get(size, 0) + 1
        sectors[kind] = sectors.get(kind, 0) + 1
    of_label = _("businesses benchmarked")
    return split(sizes, sizes_order(), of_label), split(sectors, sectors_order(), of_label)


def reach(events: Sequence[Event]) -> Reach:
    firms = benchmarked(events)
    sizes, sectors = profile_mix(firms)
    return Reach(
        events=len(events),
        workshops=Workshop.objects.filter(event__in=events).count(),
        delegates=count_of(
            Delegate.objects.filter(event__in=events, attendances__isnull=False).distinct().count()
        ),
        firms=count_of(firms.count()),
        commitments=count_of(commitments_of(events).count()),
        sizes=sizes,
        sectors=sectors,
    )


def by_challenge(commitments: QuerySet[Commitment]) -> Split:
    """Commitments by the challenge (or cluster of ideas) they are about, merged by name
    across events; a vote option mapped to a challenge of its series is named as the series
    names it, so editions that worded it differently add up the same challenge."""
    counts: dict[str, int] = {}
    rows = commitments.values_list(
        "challenge__series_link__challenge__label", "challenge__label", "cluster__name"
    ).order_by("id")
    for mapped, challenge, cluster in rows.iterator(chunk_size=500):
        label = mapped or challenge or cluster or str(NOT_LINKED)
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
    # Each stage's whole is the count of the stage it names (None: commitments made).
    stages = (
        (_("Asked for follow-up (consented)"), f.followed_up, f.made, _("commitments"), None),
        (_("Sent at least one follow-up"), f.reached, f.followed_up, _("followed up"), 0),
        (_("Answered at least once"), f.responded, f.reached, _("sent a follow-up"), 1),
        (_("Took their first step"), first_step.count, f.responded, _("who answered"), 2),
        (_("No answer yet"), no_response.count, f.reached, _("sent a follow-up"), 1),
    )
    shares: list[tuple[StrOrPromise, Share | Suppressed]] = []
    for label, n, of, of_label, whole_from in stages:
        item = share(label, n, of, of_label)
        if whole_from is not None and isinstance(shares[whole_from][1], Suppressed):
            # Its whole is withheld: "n of m" would show it.
            item = Suppressed(FEWER)
        shares.append((label, item))
    return tuple(shares)


def outcomes(commitments: QuerySet[Commitment]) -> Split:
    """Where the commitments whose delegates answered stand now, by their latest answer:
    each commitment once, however many times it was answered (a join on the check-ins would
    count it once per answer, and its total would then not be the funnel's)."""
    answered = commitments.filter(Exists(CheckIn.objects.filter(commitment=OuterRef("pk"))))
    counts = dict(answered.values_list("status").annotate(n=Count("id")).order_by())
    labels = dict(Status.choices)
    named = {str(labels[s]): counts.get(s, 0) for s in Status.values}
    return split(named, statuses_order(), _("who answered"))


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
    counts = {str(VERDICT_NAMES[v]): sum(c.verdict == v for c in given) for v in Verdict.values}
    return split(counts, verdicts_order(), _("who gave a verdict"))


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


def paired(events: Sequence[Event]) -> list[tuple[scoring.Scores, scoring.Scores]]:
    return [
        pair
        for setup in SnapshotSetup.objects.filter(event__in=events).order_by("id")
        for pair in services.pairs_of(setup)
    ]


def changes_of(
    pairs: Sequence[tuple[scoring.Scores, scoring.Scores]],
) -> tuple[tuple[str, float | Suppressed], ...]:
    return tuple(
        (str(DIMENSION_BY_CODE[code].name) if code != "overall" else str(_("Overall")), change)
        for code, change in scoring.paired_change(pairs).items()
    )


def movement(events: Sequence[Event]) -> Movement:
    """The Snapshot cohort's median movement between the first round and the retake, over
    the firms that took both (suppressed per figure by `scoring.paired_change`); how many
    took both is a share of those that took the first round."""
    pairs = paired(events)
    firms = benchmarked(events).count()
    took = share(_("Took the retake"), len(pairs), firms, _("businesses benchmarked"))
    return Movement(pairs=took, changes=changes_of(pairs))


def withheld(s: Split, message: StrOrPromise = FEWER) -> Split:
    return Split(of=Suppressed(message), of_label=s.of_label, shown=(), other=None)


def _withheld_within(part: Split, whole: Split) -> bool:
    """Whether `part`'s total, shown beside `whole`'s, would show a group under 5 (those
    in `whole` but not in `part`, e.g. who answered but gave no verdict) or `whole`'s own
    withheld total."""
    if isinstance(part.of, Suppressed):
        return False
    if isinstance(whole.of, Suppressed):
        return True
    return isinstance(share("", part.of, whole.of, ""), Suppressed)


def report(events: Sequence[Event]) -> Report:
    """Every figure of the report over these events (rehearsals never count)."""
    counted = tuple(e for e in events if not e.is_rehearsal)
    commitments = commitments_of(counted)
    follow_up = funnel_shares(commitments)
    answered = outcomes(commitments)
    decided = verdicts(commitments)
    if isinstance(follow_up[2][1], Suppressed):
        # "n answered of m sent" is withheld (n or m - n is under 5): the outcomes' total
        # would give it away, so the outcomes are withheld with it.
        answered = withheld(answered)
    if _withheld_within(decided, answered):
        decided = withheld(decided)
    return Report(
        events=counted,
        reach=reach(counted),
        challenges=by_challenge(commitments),
        funnel=follow_up,
        outcomes=answered,
        verdicts=decided,
        stories=stories(commitments),
        movement=movement(counted),
    )


# --- a series: its editions side by side, and totals added up from what they show ----------


@dataclass(frozen=True)
class SeriesReport:
    series: Series
    editions: tuple[Report, ...]  # one per edition that counts, oldest first
    total: Report  # every figure added up from the editions' own, as they show them


def added(values: Sequence[int | Suppressed]) -> int | Suppressed:
    """The sum of the editions' counts; withheld when one of them is."""
    if any(isinstance(v, Suppressed) for v in values):
        return Suppressed(WITHHELD_IN_AN_EDITION)
    return sum(v for v in values if not isinstance(v, Suppressed))


def added_share(items: Sequence[Share | Suppressed]) -> Share | Suppressed:
    """The editions' "n of m" added up: (sum of n) of (sum of m); withheld when one is.
    Each edition's n, m and m - n are 0 or at least 5, so their sums are too."""
    shown = [item for item in items if isinstance(item, Share)]
    if len(shown) < len(items) or not shown:
        return Suppressed(WITHHELD_IN_AN_EDITION)
    first = shown[0]
    return Share(first.label, sum(s.count for s in shown), sum(s.of for s in shown), first.of_label)


def _count_in(s: Split, label: str) -> int | None:
    """The group's count as `s` shows it: listed, or 0 when `s` pools nobody; else None."""
    listed = next((item.count for item in s.shown if str(item.label) == label), None)
    return listed if listed is not None or s.other is not None else 0


def added_split(splits: Sequence[Split]) -> Split:
    """The editions' splits added up. A group is listed when each edition lists it or is
    known to have nobody in it (an edition of nobody, or one with no "other": every group
    it does not list is empty); otherwise an edition may have pooled it, so its total
    would give its count away, and it stays in "other". "Other" is then 0 or at least 5:
    it holds each edition's own "other" and some of its listed groups."""
    of_label = splits[0].of_label
    wholes = [s.of for s in splits]
    if any(isinstance(whole, Suppressed) for whole in wholes):
        return withheld(splits[0], WITHHELD_IN_AN_EDITION)
    total = sum(whole for whole in wholes if not isinstance(whole, Suppressed))
    counting = [s for s in splits if s.of]
    labels: list[str] = []
    for s in counting:
        labels += [str(item.label) for item in s.shown if str(item.label) not in labels]
    listed = []
    for label in labels:
        counts = [_count_in(s, label) for s in counting]
        if all(n is not None for n in counts):
            listed.append(Share(label, sum(n or 0 for n in counts), total, of_label))
    rest = total - sum(item.count for item in listed)
    other: Share | Suppressed | None = None
    if rest:
        other = share(POOLED, rest, total, of_label)
    return Split(of=total, of_label=of_label, shown=tuple(listed), other=other)


def added_reach(reaches: Sequence[Reach]) -> Reach:
    return Reach(
        events=sum(r.events for r in reaches),
        workshops=sum(r.workshops for r in reaches),
        delegates=added([r.delegates for r in reaches]),
        firms=added([r.firms for r in reaches]),
        commitments=added([r.commitments for r in reaches]),
        sizes=added_split([r.sizes for r in reaches]),
        sectors=added_split([r.sectors for r in reaches]),
    )


def added_movement(events: Sequence[Event], movements: Sequence[Movement]) -> Movement:
    """The median change over every edition's pairs, for a dimension that each edition with
    pairs shows (a median cannot be added up, so it is taken afresh over the editions that
    show theirs; an edition with none adds nothing)."""
    by_edition = [paired([event]) for event in events]
    counting = [dict(m.changes) for pairs, m in zip(by_edition, movements, strict=True) if pairs]
    changes = tuple(
        (name, Suppressed(WITHHELD_IN_AN_EDITION)
         if any(isinstance(shown[name], Suppressed) for shown in counting) else change)
        for name, change in changes_of([pair for pairs in by_edition for pair in pairs])
    )  # fmt: skip
    return Movement(pairs=added_share([m.pairs for m in movements]), changes=changes)


def series_report(series: Series, events: Sequence[Event]) -> SeriesReport:
    """The report of each edition (`events`, oldest first; rehearsals never count) and the
    series' totals, added up from what each edition's report shows."""
    counted = [e for e in events if not e.is_rehearsal]
    editions = tuple(report([event]) for event in counted)
    if not editions:
        return SeriesReport(series=series, editions=(), total=report([]))
    funnels = [r.funnel for r in editions]
    total = Report(
        events=tuple(counted),
        reach=added_reach([r.reach for r in editions]),
        challenges=added_split([r.challenges for r in editions]),
        funnel=tuple(
            (label, added_share([f[n][1] for f in funnels]))
            for n, (label, _item) in enumerate(funnels[0])
        ),
        outcomes=added_split([r.outcomes for r in editions]),
        verdicts=added_split([r.verdicts for r in editions]),
        stories=tuple(story for r in editions for story in r.stories),
        movement=added_movement(counted, [r.movement for r in editions]),
    )
    return SeriesReport(series=series, editions=editions, total=total)


__all__ = ["Report", "SeriesReport", "Share", "Split", "Story", "Suppressed", "report",
           "series_report"]  # fmt: skip
