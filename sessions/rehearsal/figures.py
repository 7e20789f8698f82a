"""What a rehearsal measured, the limits it is judged by, and its verdict in plain words.

The limits come from the design's performance targets (docs: performance.md): a tap's
acknowledgement and the projector following a vote within 250 ms for 99 taps in 100, every
phone connected with its screen within 5 s, and no errors of any kind (no refused or failed
request, no socket closed by the server, nothing left unanswered).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

ACK_P99_LIMIT = 0.25  # seconds, a tap to its acknowledgement on the phone
PROJECTOR_P99_LIMIT = 0.25  # seconds, a tap to the projector counting it
JOIN_LIMIT = 5.0  # seconds, a phone's scan to its live screen (each phone)
ANSWER_TIMEOUT = 5.0  # seconds: a tap, request or screen not answered within this failed
CLIENT_BUSY_CPU = 0.8  # the rehearsal's process used most of a core
CLIENT_BUSY_LAG = 0.05  # seconds its event loop woke late, for 1 wake-up in 100


def limits_text() -> str:
    return _(
        "Limits: a tap answered and shown on the projector within %(ack).2f s for 99 taps "
        "in 100, every phone joined and live within %(join).0f s, no errors, and the "
        "projector ending equal to the stored votes."
    ) % {"ack": ACK_P99_LIMIT, "join": JOIN_LIMIT}


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (`share` 0.5 for the median, 0.99 for p99)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Figures:
    phones: int
    joined: int = 0
    join_times: list[float] = field(default_factory=list)  # per joined phone, seconds
    all_joined_after: float | None = None  # from the first scan to the last phone live
    taps: int = 0
    ack_times: list[float] = field(default_factory=list)
    unanswered: int = 0  # taps with no answer within ANSWER_TIMEOUT
    projector_times: list[float] = field(default_factory=list)
    projector_missed: int = 0  # acknowledged taps the projector never counted
    projector_matches: bool = False
    projector_dots: int = 0
    stored_dots: int = 0
    ideas_sent: int = 0
    commitments_sent: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # kind -> how many
    error_examples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # The rehearsal's own clients: this process's CPU over the run (1.0 is a whole core)
    # and how late its event loop woke (when they are busy, some delays are theirs).
    client_cpu: float = 0.0
    client_lag_p99: float = 0.0

    def error(self, kind: str, detail: str = "") -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if len(self.error_examples) < 10:
            self.error_examples.append(f"{kind}: {detail}" if detail else kind)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def summary(self) -> dict[str, float | None]:
        return {
            "join_p50": percentile(self.join_times, 0.5),
            "join_p99": percentile(self.join_times, 0.99),
            "join_max": max(self.join_times, default=None),
            "ack_p50": percentile(self.ack_times, 0.5),
            "ack_p99": percentile(self.ack_times, 0.99),
            "ack_max": max(self.ack_times, default=None),
            "projector_p50": percentile(self.projector_times, 0.5),
            "projector_p99": percentile(self.projector_times, 0.99),
        }

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("join_times", "ack_times", "projector_times"):
            del data[name]
        data["summary"] = self.summary()
        data["answered"] = len(self.ack_times)
        data["limits"] = {
            "ack_p99": ACK_P99_LIMIT,
            "projector_p99": PROJECTOR_P99_LIMIT,
            "join": JOIN_LIMIT,
            "answer_timeout": ANSWER_TIMEOUT,
        }
        held, verdict = judge(self)
        data["held"] = held
        data["verdict"] = verdict
        return data


def shortfalls(figures: Figures) -> list[str]:
    """What kept the room from holding, one plain sentence each (empty if it held)."""
    found = []
    s = figures.summary()
    missing = figures.phones - figures.joined
    if missing:
        found.append(
            ngettext(
                "%(n)d phone could not join",
                "%(n)d phones could not join",
                missing,
            )
            % {"n": missing}
        )
    slow_joins = sum(1 for t in figures.join_times if t > JOIN_LIMIT)
    if slow_joins:
        found.append(
            ngettext(
                "%(n)d phone took longer than %(limit).0f s to join",
                "%(n)d phones took longer than %(limit).0f s to join",
                slow_joins,
            )
            % {"n": slow_joins, "limit": JOIN_LIMIT}
        )
    if figures.unanswered:
        found.append(
            ngettext(
                "%(n)d tap was not answered within %(limit).0f s",
                "%(n)d taps were not answered within %(limit).0f s",
                figures.unanswered,
            )
            % {"n": figures.unanswered, "limit": ANSWER_TIMEOUT}
        )
    # Under 100 taps, the 99th percentile is the slowest tap: say so.
    few = len(figures.ack_times) < 100
    if (s["ack_p99"] or 0) > ACK_P99_LIMIT:
        found.append(
            (
                _("the slowest tap took %(took).2f s to be answered (the limit is %(limit).2f s)")
                if few
                else _(
                    "1 tap in 100 took %(took).2f s or more to be answered "
                    "(the limit is %(limit).2f s)"
                )
            )
            % {"took": s["ack_p99"], "limit": ACK_P99_LIMIT}
        )
    if (s["projector_p99"] or 0) > PROJECTOR_P99_LIMIT:
        found.append(
            (
                _(
                    "the projector took %(took).2f s for the slowest tap "
                    "(the limit is %(limit).2f s)"
                )
                if few
                else _(
                    "the projector took %(took).2f s or more for 1 tap in 100 "
                    "(the limit is %(limit).2f s)"
                )
            )
            % {"took": s["projector_p99"], "limit": PROJECTOR_P99_LIMIT}
        )
    if not figures.projector_matches:
        found.append(
            _("the projector ended showing %(shown)d dots, but %(stored)d were stored")
            % {"shown": figures.projector_dots, "stored": figures.stored_dots}
        )
    if figures.error_count:
        found.append(
            ngettext("%(n)d error (%(kinds)s)", "%(n)d errors (%(kinds)s)", figures.error_count)
            % {
                "n": figures.error_count,
                "kinds": ", ".join(f"{kind}: {n}" for kind, n in sorted(figures.errors.items())),
            }
        )
    return found


def judge(figures: Figures) -> tuple[bool, str]:
    """Whether the installation held the room, and the verdict a non-engineer can read."""
    held, verdict = _judged(figures)
    if figures.client_cpu > CLIENT_BUSY_CPU or figures.client_lag_p99 > CLIENT_BUSY_LAG:
        verdict += " " + _(
            "The rehearsal's own simulated phones were slowed (they used %(cpu)d %% of a "
            "processor and woke up to %(lag).2f s late): some of the delays may be theirs, "
            "or this machine's. Run it from another machine for the truer test."
        ) % {"cpu": round(figures.client_cpu * 100), "lag": figures.client_lag_p99}
    return held, verdict


def _judged(figures: Figures) -> tuple[bool, str]:
    found = shortfalls(figures)
    if found:
        return False, _("Did not hold %(n)d phones: %(why)s.") % {
            "n": figures.phones,
            "why": "; ".join(found),
        }
    s = figures.summary()
    return True, _(
        "Held %(n)d phones: every phone joined within %(join).1f s; taps were answered within "
        "%(ack).2f s (the slowest %(slowest).2f s); the projector followed within "
        "%(projector).2f s; no errors."
    ) % {
        "n": figures.phones,
        "join": s["join_max"] or 0,
        "ack": s["ack_p99"] or 0,
        "slowest": s["ack_max"] or 0,
        "projector": s["projector_p99"] or 0,
    }


def rows(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The figures (as `Figures.as_json` gives them, or a stored rehearsal's) as labelled
    values, for the printed table and the console's."""

    def sec(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f} s"

    s = data["summary"]
    return [
        (_("phones joined and live"), f"{data['joined']} of {data['phones']}"),
        (_("all joined after"), sec(data["all_joined_after"])),
        (_("join per phone p50 / p99"), f"{sec(s['join_p50'])} / {sec(s['join_p99'])}"),
        (_("taps sent / answered"), f"{data['taps']} / {data['answered']}"),
        (_("tap to answer p50 / p99"), f"{sec(s['ack_p50'])} / {sec(s['ack_p99'])}"),
        (
            _("tap to projector p50 / p99"),
            f"{sec(s['projector_p50'])} / {sec(s['projector_p99'])}",
        ),
        (_("projector / stored dots"), f"{data['projector_dots']} / {data['stored_dots']}"),
        (
            _("ideas / commitments sent"),
            f"{data['ideas_sent']} / {data['commitments_sent']}",
        ),
        (_("errors"), str(sum(data["errors"].values()))),
        (_("took"), sec(data["seconds"])),
        (
            _("simulated phones' CPU / loop late p99"),
            f"{data['client_cpu']:.0%} / {sec(data['client_lag_p99'])}",
        ),
    ]


def table(figures: Figures) -> str:
    """The figures as a short plain-text table, with a few of the errors."""
    labelled = rows(figures.as_json())
    width = max(len(name) for name, _value in labelled)
    lines = [f"{name.ljust(width)}  {value}" for name, value in labelled]
    lines += [f"  {example}" for example in figures.error_examples]
    return "\n".join(lines)
