"""The matching rule: who is offered to whom.

Two opted-in delegates of one event may be offered to each other only when their companies
differ (names compared without case, punctuation or a legal suffix) and they are different
people. Then, in this order:

1. the same challenge: a challenge both named (the one their commitment is about, or one of
   their Snapshot top picks; names compared without case or extra spaces);
2. complementary strength: a Snapshot dimension where one scores at least `STRONG_FROM`
   (leading) and the other below `STARTING_BELOW` (starting or developing); the widest gap
   wins, ties in the bank's order.

Pairs are taken one at a time, best first (`_rank`: same challenge before complement; then
the pair whose sides have fewest offers so far, so offers spread; the widest gap; the
earliest opt-ins), each only while both sides have fewer than `MAX_OFFERS` offers and the two
people have no offer yet. Existing offers count and are never made twice.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from sessions.models import MAX_OFFERS
from sessions.snapshot.bank import DIMENSION_CODES

STRONG_FROM = 75
STARTING_BELOW = 50
_SUFFIXES = {"ltd", "limited", "plc", "llp", "inc", "llc", "gmbh", "co", "company", "the"}


def company_key(company: str) -> str:
    words = re.findall(r"\w+", company.casefold())
    kept = [w for w in words if w not in _SUFFIXES]
    return " ".join(kept or words)


def challenge_key(label: str) -> str:
    return " ".join(label.split()).casefold()


@dataclass(frozen=True)
class Profile:
    """What matching knows of one opt-in; `order` is its place in the queue (opt-in time)."""

    id: int
    person: int
    company: str
    challenges: Mapping[str, str] = field(default_factory=dict)  # key -> label as named
    scores: Mapping[str, int | None] = field(default_factory=dict)  # dimension code -> 0-100
    order: int = 0


@dataclass(frozen=True)
class Match:
    """Why `a` and `b` (a.id < b.id) suit each other."""

    a: int
    b: int
    same_challenge: bool
    topic: str  # the challenge's label, or the dimension's code
    a_strong: bool = False
    gap: int = 0


def match(a: Profile, b: Profile) -> Match | None:
    """Why two opt-ins suit each other, or None (same company or person, nothing shared)."""
    if a.id > b.id:
        a, b = b, a
    if a.person == b.person or company_key(a.company) == company_key(b.company):
        return None
    shared = sorted(set(a.challenges) & set(b.challenges))
    if shared:
        return Match(a.id, b.id, True, a.challenges[shared[0]])
    best: Match | None = None
    for code in DIMENSION_CODES:
        mine, theirs = a.scores.get(code), b.scores.get(code)
        if mine is None or theirs is None:
            continue
        if mine >= STRONG_FROM and theirs < STARTING_BELOW:
            candidate = Match(a.id, b.id, False, code, a_strong=True, gap=mine - theirs)
        elif theirs >= STRONG_FROM and mine < STARTING_BELOW:
            candidate = Match(a.id, b.id, False, code, a_strong=False, gap=theirs - mine)
        else:
            continue
        if best is None or candidate.gap > best.gap:
            best = candidate
    return best


def new_matches(
    profiles: Sequence[Profile],
    existing: Iterable[tuple[int, int]] = (),
    *,
    most: int = MAX_OFFERS,
    only: int | None = None,
    people_paired: Iterable[tuple[int, int]] = (),
) -> list[Match]:
    """The offers to add, one at a time, each the best pair still open to both sides.

    `existing` are the offers already made between these opt-ins (and any others: they
    count toward the cap); `people_paired` are pairs of people already offered to each other
    through opt-ins not given here. With `only`, just the pairs of that opt-in and each
    other profile are scored: one new opt-in against its candidates, not everyone against
    everyone.
    """
    taken = {frozenset(pair) for pair in existing}
    by_id = {p.id: p for p in profiles}
    count = dict.fromkeys(by_id, 0)
    paired = {frozenset(pair) for pair in people_paired}
    for pair in taken:
        for pk in pair & by_id.keys():
            count[pk] += 1
        if pair <= by_id.keys():
            paired.add(frozenset(by_id[pk].person for pk in pair))
    heap: list[tuple[tuple[int, ...], int, int, Match]] = []
    for a, b in _pairs(profiles, only):
        found = match(a, b)
        if found is not None and frozenset((a.id, b.id)) not in taken:
            heapq.heappush(heap, (_rank(found, by_id, count), found.a, found.b, found))
    made = []
    while heap:
        rank, _a, _b, found = heapq.heappop(heap)
        people = frozenset((by_id[found.a].person, by_id[found.b].person))
        if max(count[found.a], count[found.b]) >= most or people in paired:
            continue
        now = _rank(found, by_id, count)
        if now != rank:  # someone's count grew since: back in the queue at its new place
            heapq.heappush(heap, (now, found.a, found.b, found))
            continue
        count[found.a] += 1
        count[found.b] += 1
        paired.add(people)
        made.append(found)
    return made


def _pairs(profiles: Sequence[Profile], only: int | None) -> Iterator[tuple[Profile, Profile]]:
    if only is not None:
        me = next(p for p in profiles if p.id == only)
        yield from ((me, other) for other in profiles if other.id != only)
        return
    for i, a in enumerate(profiles):
        for b in profiles[i + 1 :]:
            yield a, b


def topics_of(profile: Profile) -> list[tuple[str, str]]:
    """What a profile is found by, as (kind, key): each challenge it named ("challenge"), and
    each dimension where it is strong or starting (a middling score matches nobody)."""
    found = [("challenge", key) for key in profile.challenges]
    for code in DIMENSION_CODES:
        score = profile.scores.get(code)
        kind = band(score) if score is not None else None
        if kind is not None:
            found.append((kind, code))
    return found


def can_match(profile: Profile) -> list[tuple[str, str]]:
    """The topics another profile must have (one of them) for `match` to pair the two: the
    same challenge, or the other end of a dimension where this one is strong or starting."""
    other_end = {"challenge": "challenge", "strong": "starting", "starting": "strong"}
    return [(other_end[kind], key) for kind, key in topics_of(profile)]


def band(score: int) -> str | None:
    """A dimension score's topic kind: "strong", "starting", or None (matches nobody)."""
    if score >= STRONG_FROM:
        return "strong"
    if score < STARTING_BELOW:
        return "starting"
    return None


def _rank(found: Match, by_id: Mapping[int, Profile], count: Mapping[int, int]) -> tuple[int, ...]:
    """Lower is offered first: the same challenge before complementary strength; then the
    pair whose busier side has fewer offers, then fewer between them (so offers spread);
    then the wider gap; then the earlier opt-ins."""
    a, b = count[found.a], count[found.b]
    late, early = sorted((by_id[found.a].order, by_id[found.b].order), reverse=True)
    return (not found.same_challenge, max(a, b), a + b, -found.gap, late, early)
