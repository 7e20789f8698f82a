"""This edition and the last: the figures of the organiser's comparison, all of them
suppressed as the Snapshot's are (`sessions.snapshot.scoring`): no figure for a group of
fewer than `CUT_MIN`, the cohort only from `COHORT_MIN` firms."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from sessions.models import (
    ChallengeLink,
    CheckIn,
    Commitment,
    Event,
    Mark,
    Return,
    SeriesChallenge,
    SnapshotResponse,
    SnapshotSetup,
    Status,
    Verdict,
)
from sessions.snapshot import scoring
from sessions.snapshot import services as snapshot
from sessions.snapshot.bank import DIMENSIONS

TOP = 5  # challenges listed per edition

Figure = int | scoring.Suppressed


def shown(count: int) -> Figure:
    """A count of people or commitments, or Suppressed for a group under CUT_MIN."""
    return count if count >= scoring.CUT_MIN else scoring.Suppressed()


@dataclass(frozen=True)
class Reach:
    delegates: Figure
    firms: Figure  # finished first-round Snapshots: one per firm
    sizes: scoring.Groups | scoring.Suppressed
    sectors: scoring.Groups | scoring.Suppressed


@dataclass(frozen=True)
class Edition:
    event: Event
    reach: Reach
    top: list[tuple[SeriesChallenge, int]]  # each count >= CUT_MIN
    cohort: scoring.Cohort | scoring.Suppressed


@dataclass(frozen=True)
class Outcomes:
    """Last edition's commitments about one challenge (None: about no series challenge)."""

    challenge: SeriesChallenge | None
    made: Figure
    followed_up: Figure
    responded: Figure
    done: Figure
    changed: Figure
    dropped: Figure
    adopt: Figure
    adapt: Figure
    abandon: Figure

    @property
    def figures(self) -> tuple[Figure, ...]:
        """In the order of the page's columns."""
        return (
            self.made, self.followed_up, self.responded, self.done, self.changed,
            self.dropped, self.adopt, self.adapt, self.abandon,
        )  # fmt: skip


def _mix(
    responses: list[SnapshotResponse], field: str, choices: list[tuple[str, str]]
) -> scoring.Groups:
    counts: dict[str, int] = defaultdict(int)
    for response in responses:
        counts[dict(choices).get(getattr(response, field), "Not given")] += 1
    return scoring.groups(counts, [label for _value, label in choices] + ["Not given"])


def reach(event: Event, responses: list[SnapshotResponse]) -> Reach:
    firms = shown(len(responses))
    if isinstance(firms, scoring.Suppressed):
        return Reach(shown(event.delegates.count()), firms, firms, firms)
    return Reach(
        delegates=shown(event.delegates.count()),
        firms=firms,
        sizes=_mix(responses, "employees", SnapshotResponse.Employees.choices),
        sectors=_mix(responses, "sector", SnapshotResponse.Sector.choices),
    )


def choosers(event: Event, responses: list[SnapshotResponse]) -> dict[int, set[int]]:
    """Series challenge id -> the delegates who chose it in this edition: picked it in the
    Snapshot, or put a mark on one of its vote options."""
    links = ChallengeLink.objects.filter(event=event)
    by_text = {link.snapshot_text: link.challenge_id for link in links if link.snapshot_text}
    who: dict[int, set[int]] = defaultdict(set)
    for response in responses:
        for text in response.challenges:
            if text in by_text:
                who[by_text[text]].add(response.delegate_id)
    marks = Mark.objects.filter(option__series_link__event=event, value__gt=0).values_list(
        "option__series_link__challenge_id", "ballot__delegate_id"
    )
    for challenge_id, delegate_id in marks:
        who[challenge_id].add(delegate_id)
    return who


def top_challenges(
    event: Event, responses: list[SnapshotResponse]
) -> list[tuple[SeriesChallenge, int]]:
    counts = {pk: len(people) for pk, people in choosers(event, responses).items()}
    counts = {pk: n for pk, n in counts.items() if n >= scoring.CUT_MIN}
    challenges = SeriesChallenge.objects.in_bulk(list(counts))
    ranked = sorted(counts, key=lambda pk: (-counts[pk], challenges[pk].label))
    return [(challenges[pk], counts[pk]) for pk in ranked[:TOP]]


def edition(event: Event) -> Edition:
    setup = SnapshotSetup.objects.filter(event=event).first()
    responses = list(snapshot.completed(setup)) if setup else []
    scores = snapshot.scores_by_response(responses)
    return Edition(
        event=event,
        reach=reach(event, responses),
        top=top_challenges(event, responses),
        cohort=scoring.cohort(list(scores.values())),
    )


Row = tuple[bool, str, str | None, int | None]  # consent, status, verdict, answered


def _outcomes(challenge: SeriesChallenge | None, group: list[Row]) -> Outcomes:
    def count(test: Callable[[Row], bool]) -> Figure:
        return shown(sum(1 for row in group if test(row)))

    return Outcomes(
        challenge=challenge,
        made=shown(len(group)),
        followed_up=count(lambda r: r[0]),
        responded=count(lambda r: r[3] is not None),
        done=count(lambda r: r[1] == Status.DONE),
        changed=count(lambda r: r[1] == Status.CHANGED),
        dropped=count(lambda r: r[1] == Status.DROPPED),
        adopt=count(lambda r: r[2] == Verdict.ADOPT),
        adapt=count(lambda r: r[2] == Verdict.ADAPT),
        abandon=count(lambda r: r[2] == Verdict.ABANDON),
    )


def outcomes(event: Event) -> list[Outcomes]:
    """The event's commitments by series challenge, with their funnel and outcomes; groups
    of fewer than CUT_MIN commitments show no figure."""
    latest = CheckIn.objects.filter(commitment=OuterRef("pk")).order_by("-created_at", "-id")
    rows = (
        Commitment.objects.filter(step__workshop__event=event)
        .annotate(verdict=Subquery(latest.values("verdict")[:1]))
        .annotate(answered=Subquery(latest.values("pk")[:1]))
        .values_list(
            "challenge__series_link__challenge_id", "consent", "status", "verdict", "answered"
        )
    )
    groups: dict[int | None, list[Row]] = defaultdict(list)
    for challenge_id, consent, status, verdict, answered in rows:
        groups[challenge_id].append((consent, status, verdict, answered))
    challenges = SeriesChallenge.objects.in_bulk([pk for pk in groups if pk is not None])
    result = [
        _outcomes(challenges[pk] if pk is not None else None, group) for pk, group in groups.items()
    ]
    return sorted(
        result, key=lambda o: (o.challenge is None, o.challenge.label if o.challenge else "")
    )


@dataclass(frozen=True)
class Moved:
    """A challenge in either edition's top list, with both editions' counts (None where it
    was not shown: under CUT_MIN choosers, or outside the top)."""

    challenge: SeriesChallenge
    then: int | None
    now: int | None


def moved(
    then: list[tuple[SeriesChallenge, int]], now: list[tuple[SeriesChallenge, int]]
) -> list[Moved]:
    before, after = dict(then), dict(now)
    order = [c for c, _n in now] + [c for c, _n in then if c not in after]
    return [Moved(c, before.get(c), after.get(c)) for c in order]


Change = float | scoring.Suppressed


def firm_pairs(last: Event, event: Event) -> list[tuple[SnapshotResponse, SnapshotResponse]]:
    """(last edition's, this edition's) finished first-round Snapshots of the firms that took
    part in both: a delegate recognised across the editions (`Return`, made only from their
    follow-up link) who finished the first round of both editions' Snapshots. In a stable
    order (this edition's response ids)."""
    people = set(
        Return.objects.filter(
            delegate__event=event,
            commitment__step__workshop__event=last,
            commitment__delegate__isnull=False,
        ).values_list("commitment__delegate_id", "delegate_id")
    )
    done = SnapshotResponse.objects.filter(round=1, completed_at__isnull=False)
    firsts = {r.delegate_id: r for r in done.filter(delegate_id__in=[old for old, _new in people])}
    seconds = {r.delegate_id: r for r in done.filter(delegate_id__in=[new for _old, new in people])}
    both = [(firsts[old], seconds[new]) for old, new in people if old in firsts and new in seconds]
    return sorted(both, key=lambda pair: pair[1].pk)


def returning_pairs(last: Event, event: Event) -> list[tuple[scoring.Scores, scoring.Scores]]:
    """The Snapshot scores of `firm_pairs`: (last edition's, this edition's)."""
    both = firm_pairs(last, event)
    scores = snapshot.scores_by_response([r for pair in both for r in pair])
    return [(scores[before.pk], scores[after.pk]) for before, after in both]


LARGER, SAME_SIZE, SMALLER, NOT_GIVEN = "Larger", "Same size band", "Smaller", "Not given"
SAME_SECTOR, OTHER_SECTOR = "Same sector", "Another sector"


def _size_move(before: SnapshotResponse, after: SnapshotResponse) -> str:
    bands = SnapshotResponse.Employees.values
    if before.employees not in bands or after.employees not in bands:
        return NOT_GIVEN
    then, now = bands.index(before.employees), bands.index(after.employees)
    return LARGER if now > then else SMALLER if now < then else SAME_SIZE


def _sector_move(before: SnapshotResponse, after: SnapshotResponse) -> str:
    if not before.sector or not after.sector:
        return NOT_GIVEN
    return SAME_SECTOR if before.sector == after.sector else OTHER_SECTOR


@dataclass(frozen=True)
class Paired:
    """The firms that took part in both editions, then and now: how many, their size mix at
    each, how their size band and sector moved, and how many of them chose each challenge
    at each. Every group under CUT_MIN is withheld, the mixes pooled as `scoring.groups`
    pools them (so no hidden group can be worked out from the shown ones)."""

    firms: Figure
    sizes_then: scoring.Groups | scoring.Suppressed
    sizes_now: scoring.Groups | scoring.Suppressed
    size_moves: scoring.Groups | scoring.Suppressed
    sector_moves: scoring.Groups | scoring.Suppressed
    challenges: list[tuple[SeriesChallenge, Figure, Figure]]  # chosen then, chosen now


def paired(last: Event, event: Event) -> Paired:
    both = firm_pairs(last, event)
    firms = shown(len(both))
    if isinstance(firms, scoring.Suppressed):
        return Paired(firms, firms, firms, firms, firms, [])
    befores, afters = [b for b, _a in both], [a for _b, a in both]
    sizes = SnapshotResponse.Employees.choices
    moves: dict[str, int] = defaultdict(int)
    sectors: dict[str, int] = defaultdict(int)
    for before, after in both:
        moves[_size_move(before, after)] += 1
        sectors[_sector_move(before, after)] += 1
    return Paired(
        firms=firms,
        sizes_then=_mix(befores, "employees", sizes),
        sizes_now=_mix(afters, "employees", sizes),
        size_moves=scoring.groups(moves, [LARGER, SAME_SIZE, SMALLER, NOT_GIVEN]),
        sector_moves=scoring.groups(sectors, [SAME_SECTOR, OTHER_SECTOR, NOT_GIVEN]),
        challenges=paired_challenges(last, event, both),
    )


def paired_challenges(
    last: Event, event: Event, both: list[tuple[SnapshotResponse, SnapshotResponse]]
) -> list[tuple[SeriesChallenge, Figure, Figure]]:
    """Per series challenge, how many of the firms in both chose it at the last edition and
    at this one (`choosers`); listed when either count reaches CUT_MIN, by label (an order
    that says nothing about the withheld counts)."""
    then_who = choosers(last, [b for b, _a in both])
    now_who = choosers(event, [a for _b, a in both])
    counts = {
        pk: (
            sum(1 for b, _a in both if b.delegate_id in then_who.get(pk, ())),
            sum(1 for _b, a in both if a.delegate_id in now_who.get(pk, ())),
        )
        for pk in set(then_who) | set(now_who)
    }
    kept = {pk: c for pk, c in counts.items() if max(c) >= scoring.CUT_MIN}
    challenges = SeriesChallenge.objects.in_bulk(list(kept))
    rows = [(challenges[pk], shown(then), shown(now)) for pk, (then, now) in kept.items()]
    return sorted(rows, key=lambda row: (row[0].label, row[0].pk))


def dimensions(
    then: scoring.Cohort | scoring.Suppressed,
    now: scoring.Cohort | scoring.Suppressed,
    change: dict[str, Change],
) -> list[
    tuple[str, scoring.Spread | scoring.Suppressed, scoring.Spread | scoring.Suppressed, Change]
]:
    """(area, then, now, the paired change) for the overall score and each dimension; the
    change is `scoring.paired_change`'s, suppressed below CUT_MIN pairs."""

    def of(
        cohort: scoring.Cohort | scoring.Suppressed, code: str
    ) -> scoring.Spread | scoring.Suppressed:
        if isinstance(cohort, scoring.Suppressed):
            return cohort
        return cohort.overall if code == "overall" else cohort.of(code)

    rows = [("Overall", of(then, "overall"), of(now, "overall"), change["overall"])]
    rows += [(d.name, of(then, d.code), of(now, d.code), change[d.code]) for d in DIMENSIONS]
    return rows


@dataclass(frozen=True)
class SinceLastTime:
    """What the "Since last time" step shows: the last edition's commitments made, done and
    changed, and the challenges that moved between its top list and this edition's so far."""

    last: Event
    made: Figure
    done: Figure
    changed: Figure
    moved: list[Moved]


def top_of(event: Event) -> list[tuple[SeriesChallenge, int]]:
    setup = SnapshotSetup.objects.filter(event=event).first()
    return top_challenges(event, list(snapshot.completed(setup)) if setup else [])


def since_last_time(event: Event) -> SinceLastTime | None:
    """None when `event` follows no earlier edition."""
    from sessions.editions.services import last_edition  # services imports nothing of ours

    last = last_edition(event)
    if last is None:
        return None
    made = Commitment.objects.filter(step__workshop__event=last)
    return SinceLastTime(
        last=last,
        made=shown(made.count()),
        done=shown(made.filter(status=Status.DONE).count()),
        changed=shown(made.filter(status=Status.CHANGED).count()),
        moved=moved(top_of(last), top_of(event)),
    )
