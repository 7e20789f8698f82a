"""What became of each vote, and the figures drawn from it.

Times are `time.monotonic()` seconds. A vote's latencies count from its *scheduled* send time
(open loop), so a generator or server that falls behind shows up in them.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

INF = math.inf


@dataclass
class VoteLog:
    """One ladder step's votes, by index: when each was due, sent and answered, and how."""

    scheduled: list[float]
    sent: list[float] = field(default_factory=list)
    answered: list[float] = field(default_factory=list)
    change: list[int | None] = field(default_factory=list)
    outcome: list[str] = field(default_factory=list)  # "", "ack", "replayed", "refused", "lost"
    reason: list[str] = field(default_factory=list)
    settled: int = 0
    late: int = 0  # acknowledgements that came after the vote was given up as lost

    def __post_init__(self) -> None:
        n = len(self.scheduled)
        self.sent = [math.nan] * n
        self.answered = [math.nan] * n
        self.change = [None] * n
        self.outcome = [""] * n
        self.reason = [""] * n

    def __len__(self) -> int:
        return len(self.scheduled)

    def _settle(self, index: int, t: float, outcome: str, reason: str = "") -> None:
        if self.outcome[index]:
            return
        self.settled += 1
        self.answered[index] = t
        self.outcome[index] = outcome
        self.reason[index] = reason

    def ack(self, index: int, t: float, change: int | None) -> None:
        if self.outcome[index] == "lost":
            self.late += 1
            return
        if change is None:
            self._settle(index, t, "replayed", "answered as a replay")
            return
        self.change[index] = change
        self._settle(index, t, "ack")

    def refuse(self, index: int, t: float, reason: str) -> None:
        self._settle(index, t, "refused", reason)

    def lose(self, index: int, t: float, reason: str) -> None:
        self._settle(index, t, "lost", reason)

    def unanswered(self) -> int:
        return len(self.scheduled) - self.settled

    def expire(self, t: float, reason: str) -> None:
        """Give up on the votes not answered yet (a later acknowledgement counts as late)."""
        for index, outcome in enumerate(self.outcome):
            if not outcome:
                self.lose(index, t, reason if not math.isnan(self.sent[index]) else "never sent")

    def acked(self) -> list[int]:
        return [i for i, outcome in enumerate(self.outcome) if outcome == "ack"]

    def sent_count(self) -> int:
        return sum(1 for t in self.sent if not math.isnan(t))

    def errors(self) -> dict[str, int]:
        """Every vote that was not acknowledged, by outcome and reason."""
        kinds = Counter(
            f"{outcome}: {reason}" if reason else outcome
            for outcome, reason in zip(self.outcome, self.reason, strict=True)
            if outcome != "ack"
        )
        return dict(kinds.most_common())


def percentile(values: Sequence[float], q: float, total: int | None = None) -> float:
    """Nearest-rank percentile of sorted `values`, counting `total - len(values)` samples that
    never arrived as infinitely late."""
    total = len(values) if total is None else total
    if total == 0:
        return math.nan
    rank = max(1, math.ceil(q / 100 * total))
    return values[rank - 1] if rank <= len(values) else INF


def summary(values: Iterable[float], total: int | None = None) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": percentile(ordered, 50, total),
        "p95": percentile(ordered, 95, total),
        "p99": percentile(ordered, 99, total),
        "max": ordered[-1] if ordered else math.nan,
        "n": len(ordered),
        "total": len(ordered) if total is None else total,
    }


class Arrivals:
    """A client's #results frames as arrival times against the highest version seen so far
    (a socket never goes back a version, but the running maximum makes sure of it)."""

    def __init__(self, frames: Iterable[tuple[float, int]]) -> None:
        self.times: list[float] = []
        self.versions: list[int] = []
        highest = -1
        for arrival, version in frames:
            highest = max(highest, version)
            self.times.append(arrival)
            self.versions.append(highest)

    def first_at_least(self, version: int) -> float | None:
        """When the first frame that includes `version` arrived."""
        index = bisect_left(self.versions, version)
        return self.times[index] if index < len(self.times) else None


def delays(log: VoteLog, arrivals: Arrivals, indexes: Iterable[int]) -> list[float]:
    """From each vote's scheduled time to the first frame including it (seen ones only)."""
    found = []
    for i in indexes:
        change = log.change[i]
        t = arrivals.first_at_least(change) if change is not None else None
        if t is not None:
            found.append(t - log.scheduled[i])
    return found


def version_violations(log: VoteLog, frames: Iterable[tuple[int, float]]) -> tuple[int, int]:
    """Frames (version, tally) that show fewer votes than were acknowledged with a change id
    at or below their version: (frames in violation, largest shortfall)."""
    changes = sorted(c for c in log.change if c is not None)
    bad = worst = 0
    for version, total in frames:
        shortfall = bisect_right(changes, version) - int(total)
        if shortfall > 0:
            bad += 1
            worst = max(worst, shortfall)
    return bad, worst
