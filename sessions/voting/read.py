"""What a vote's screens show: a poll's results (from a constant number of queries whatever
the room's size), the vote step's context and a delegate's own ballot.

One place computes results: the projector, the console, the phones, the archive and the
tests all read them from `tally_poll`. Three queries at most (the options, the marks grouped
by value, and the turnout), whatever the number of delegates or options.

A 2x2 (impact and effort) vote summarises each option by the median and the interquartile
range of each axis and places it in a quadrant; `Tally.plot` lays out its plot
(sessions.voting.plotting), so every audience draws the same points and labels.
"""

from __future__ import annotations

import statistics
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db.models import F
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac
from django.utils.html import escape

from sessions.live import reads
from sessions.live.memo import shared
from sessions.live.roster import present_delegates
from sessions.models import (
    MATRIX_POINTS,
    Delegate,
    Option,
    Poll,
    Step,
)

if TYPE_CHECKING:
    from sessions.voting.plotting import MatrixPlot
    from sessions.voting.services import CastResult

SCALE_POINTS = 5


@dataclass
class OptionResult:
    option_id: int
    label: str
    score: float = 0  # dots, votes, mean rating or Borda points: what the bars show
    voters: int = 0  # ballots that marked this option
    distribution: list[int] = field(default_factory=list)  # scale: how many gave 1..5
    share: int = 0  # the bar's length, as a percentage of the top score
    # 2x2 only: each axis's summary, and the quadrant (None until both axes are rated).
    impact: Axis | None = None
    effort: Axis | None = None
    quadrant: Quadrant | None = None

    @property
    def mean(self) -> float | None:
        return self.score if self.voters else None


@dataclass
class Tally:
    kind: str
    method: str
    voters: int
    eligible: int
    results: list[OptionResult]

    HEADLINE = 8  # bars the projector draws; more would not be legible across a hall

    @property
    def headline(self) -> list[OptionResult]:
        return self.results[: self.HEADLINE]

    @property
    def more(self) -> int:
        return max(len(self.results) - self.HEADLINE, 0)

    @property
    def top_score(self) -> float:
        return max((r.score for r in self.results), default=0)

    def as_dict(self) -> dict[int, float]:
        return {r.option_id: r.score for r in self.results}

    @cached_property
    def plot(self) -> MatrixPlot | None:
        """The 2x2 plot's geometry (2x2 votes only); no queries."""
        from sessions.voting.plotting import MatrixPlot  # it reads this module's quadrants

        return MatrixPlot(self.results) if self.kind == Poll.Kind.MATRIX else None


METHODS: dict[str, str] = {
    Poll.Kind.DOTS: "Dots placed",
    Poll.Kind.SINGLE: "Votes",
    Poll.Kind.MULTIPLE: "Votes",
    Poll.Kind.SCALE: "Mean rating (1 to 5)",
    Poll.Kind.RANKING: "Borda count: first place scores {k} points, the next {k_1}, and so on",
    Poll.Kind.MATRIX: (
        "Points: median ratings · bars: the middle half of the ratings (interquartile range)"
        " · n: number of ratings · midline at 3: a median of 3 or more counts as high"
    ),
}


def tally_poll(poll: Poll) -> Tally:
    """Results ranked by score (ties in the options' order); 2x2 results by quadrant.
    Computed once for the frames drawn together (`sessions.live.memo`)."""
    return shared(("tally", poll.pk), lambda: _tally(poll))


def _tally(poll: Poll) -> Tally:
    options = _options(poll)
    if poll.kind == Poll.Kind.MATRIX:
        return _tally_matrix(poll, options)
    results = {o.pk: OptionResult(o.pk, o.label, distribution=[0] * SCALE_POINTS) for o in options}
    for option_id, value, n in reads.marks_counted([option.pk for option in options]):
        result = results.get(option_id)
        if result is None:
            continue
        result.voters += n
        result.score += _points(poll, value) * n
        if poll.kind == Poll.Kind.SCALE and 1 <= value <= SCALE_POINTS:
            result.distribution[value - 1] += n
    if poll.kind == Poll.Kind.SCALE:
        for result in results.values():
            result.score = round(result.score / result.voters, 2) if result.voters else 0
    order = {o.pk: i for i, o in enumerate(options)}
    ranked = sorted(results.values(), key=lambda r: (-r.score, order[r.option_id]))
    top = max((r.score for r in ranked), default=0)
    for result in ranked:
        result.share = round(100 * result.score / top) if top else 0
    voters, eligible = _turnout(poll)
    method = METHODS[poll.kind].format(k=poll.max_picks, k_1=max(poll.max_picks - 1, 0))
    return Tally(poll.kind, method, voters, eligible, ranked)


def _options(poll: Poll) -> list[Option]:
    """The poll's options; when its step is not loaded, their query also reads the
    workshop the turnout needs (so a tally stays at its number of queries)."""
    if Poll.step.is_cached(poll) or "options" in getattr(poll, "_prefetched_objects_cache", {}):
        return list(poll.options.all())
    options: list[Option] = list(
        poll.options.annotate(workshop_of_poll=F("poll__step__workshop_id"))
    )
    if options:
        poll.workshop_of_poll = options[0].workshop_of_poll  # type: ignore[attr-defined]
    return options


def _workshop_of(poll: Poll) -> int:
    known: int | None = getattr(poll, "workshop_of_poll", None)
    return known if known is not None else poll.step.workshop_id


def _turnout(poll: Poll) -> tuple[int, int]:
    """Delegates who have marked something, and the delegates they are out of: one query.

    While the workshop runs, "of M" counts the delegates here now (a fresh presence: a
    socket or the polling fallback) and those who voted and then left, so it is never
    below the voters and does not count people long gone. Once the workshop has finished
    nobody is "here": M is everyone who joined.

    The query reads the workshop's attendances, each with whether it voted (the ballots'
    unique index answers that), and the presence is matched in memory: nothing about who is
    here goes into the statement, which stays small however full the room.
    """
    rows = reads.turnout_rows(poll.pk, _workshop_of(poll))
    everyone, voters, attendees = 0, 0, {}
    closed = False
    for delegate_id, has_voted, closed_at in rows:
        everyone += 1
        voters += has_voted
        attendees[delegate_id] = has_voted
        closed = closed_at is not None
    if closed:
        return voters, max(everyone, voters)
    here = present_delegates(_workshop_of(poll))
    present = sum(
        1 for delegate_id, has_voted in attendees.items() if has_voted or delegate_id in here
    )
    return voters, max(present, voters)


def _points(poll: Poll, value: int) -> int:
    if poll.kind == Poll.Kind.RANKING:
        return poll.max_picks - value + 1
    return value


# --- 2x2: impact and effort ----------------------------------------------------------------

MIDLINE = 3  # a median of MIDLINE or more is high


class Quadrant(NamedTuple):
    slug: str
    name: str


QUICK_WINS = Quadrant("quick-wins", "Quick wins")  # high impact, low effort
MAJOR_PROJECTS = Quadrant("major-projects", "Major projects")  # high impact, high effort
FILL_INS = Quadrant("fill-ins", "Fill-ins")  # low impact, low effort
THANKLESS_TASKS = Quadrant("thankless-tasks", "Thankless tasks")  # low impact, high effort
QUADRANTS = (QUICK_WINS, MAJOR_PROJECTS, FILL_INS, THANKLESS_TASKS)


def quadrant_of(impact: float, effort: float) -> Quadrant:
    """Where medians fall, 3 being the midline: exactly 3 counts as high, on either axis."""
    if impact >= MIDLINE:
        return MAJOR_PROJECTS if effort >= MIDLINE else QUICK_WINS
    return THANKLESS_TASKS if effort >= MIDLINE else FILL_INS


def _number(value: float) -> str:
    return f"{round(value, 2):g}"


@dataclass(frozen=True)
class Axis:
    """One axis of an option's 2x2 ratings: how many, their median and quartiles."""

    counts: tuple[int, ...]  # how many gave 1..5

    @property
    def n(self) -> int:
        return sum(self.counts)

    @cached_property
    def quartiles(self) -> tuple[float, float, float] | None:
        """Lower quartile, median and upper quartile; None without ratings.

        Linear interpolation between the two nearest ratings (spreadsheets' QUARTILE.INC), so
        the median of an even number of ratings is the mean of the middle two.
        """
        ratings = [rating for rating, n in enumerate(self.counts, start=1) for _ in range(n)]
        if not ratings:
            return None
        if len(ratings) == 1:  # statistics.quantiles needs two; one rating is every quartile
            return (float(ratings[0]),) * 3
        q1, median, q3 = statistics.quantiles(ratings, n=4, method="inclusive")
        return q1, median, q3

    @property
    def median(self) -> float | None:
        return None if self.quartiles is None else self.quartiles[1]

    @property
    def q1(self) -> float | None:
        return None if self.quartiles is None else self.quartiles[0]

    @property
    def q3(self) -> float | None:
        return None if self.quartiles is None else self.quartiles[2]

    @property
    def iqr(self) -> float | None:
        quartiles = self.quartiles  # None exactly when n is 0
        return None if quartiles is None else quartiles[2] - quartiles[0]

    @property
    def median_text(self) -> str:
        """The median as people read it ("3.5", "4"); empty without ratings."""
        return "" if self.median is None else _number(self.median)

    @property
    def spread_text(self) -> str:
        """The interquartile range as "3 to 4.5" (or "4" when it is one rating wide);
        empty without ratings."""
        if self.quartiles is None:  # n is 0
            return ""
        q1, _, q3 = self.quartiles
        if q1 == q3:
            return _number(q1)
        return f"{_number(q1)} to {_number(q3)}"


def _tally_matrix(poll: Poll, options: list[Option]) -> Tally:
    counts = {o.pk: ([0] * MATRIX_POINTS, [0] * MATRIX_POINTS) for o in options}
    raters = dict.fromkeys(counts, 0)  # one mark per ballot and option: a delegate each
    rows = reads.marks_counted([option.pk for option in options], matrix=True)
    for option_id, impact, effort, n in rows:
        if option_id not in counts:
            continue
        raters[option_id] += n
        if 1 <= impact <= MATRIX_POINTS:
            counts[option_id][0][impact - 1] += n
        if effort is not None and 1 <= effort <= MATRIX_POINTS:
            counts[option_id][1][effort - 1] += n
    results = []
    for option in options:
        impact, effort = (Axis(tuple(c)) for c in counts[option.pk])
        result = OptionResult(option.pk, option.label, impact=impact, effort=effort)
        result.voters = raters[option.pk]
        result.score = impact.median or 0
        if impact.median is not None and effort.median is not None:  # both axes rated
            result.quadrant = quadrant_of(impact.median, effort.median)
        results.append(result)
    order = {o.pk: i for i, o in enumerate(options)}
    results.sort(key=lambda r: _matrix_rank(r, order[r.option_id]))
    voters, eligible = _turnout(poll)
    return Tally(poll.kind, METHODS[poll.kind], voters, eligible, results)


def _matrix_rank(result: OptionResult, position: int) -> tuple[int, float, float, int]:
    """Quick wins first, then major projects, fill-ins, thankless tasks and the unplaced;
    within a quadrant higher impact, then lower effort, then the options' order."""
    # A placed option has both axes rated (see _tally_matrix).
    impact = result.impact.median if result.impact is not None else None
    effort = result.effort.median if result.effort is not None else None
    if result.quadrant is None or impact is None or effort is None:
        return (len(QUADRANTS), 0, 0, position)
    return (QUADRANTS.index(result.quadrant), -impact, effort, position)


# --- what the screens show of a vote ------------------------------------------------------


def vote_context(
    step: Step, names: tuple[str, ...], delegate: Delegate | None, request: HttpRequest | None
) -> dict[str, Any]:
    poll = shared(("poll", step.pk), partial(_poll_of, step))
    poll.step = step  # loaded already: the tally reads its workshop
    # Once revealed, the results take the projector and the step's text steps aside.
    context: dict[str, Any] = {
        "poll": poll,
        "accepting": poll.accepting,
        "body_hidden": poll.revealed,
    }
    if "results" in names or "step" in names:
        context["tally"] = tally_poll(poll)
    if delegate is not None and "step" in names:
        context["ballot_html"] = render_ballot(poll, delegate.pk, request)
    return context


def _poll_of(step: Step) -> Poll:
    poll = reads.poll_of_step(step.pk)
    if poll is None:
        raise Poll.DoesNotExist(f"no poll in step {step.pk}")
    return poll


def render_ballot(
    poll: Poll,
    delegate_id: int,
    request: HttpRequest | None = None,
    ack: dict[str, Any] | None = None,
    known: KnownBallot | None = None,
) -> str:
    """The delegate's own ballot: their marks, what they have left, one form per option.

    Each option's form carries a command key, so a double tap or a retried request lands
    once. Keys are derived (with the server's secret) from the ballot's revision: drawn
    again for an unchanged ballot, say after a reconnect, the forms keep their keys, so a
    tap whose answer was lost still lands once when retried. `ack` (the command's key and
    change id) marks the answer to a vote. `known` is the ballot as the vote that just
    committed left it (the socket's answer draws it without reading it back).
    """
    if known is not None:
        return _draw_ballot(poll, delegate_id, request, ack, *known)
    revision, marks = _stored_ballot(poll, delegate_id)
    return _draw_ballot(poll, delegate_id, request, ack, revision, list(poll.options.all()), marks)


class SharedBallots:
    """The ballots of one poll as a room connecting at once draws them (no request, no
    acknowledgement, the same options): drawn once per distinct set of marks, with slots
    for the forms' keys, then each delegate's keys filled in. Most of a room shares a few
    sets of marks (none yet, one dot here or there), so a phone's ballot is a read and a
    few string replacements rather than a template render. For one version of the workshop
    only (`sessions.live.regions.Shared`); safe to share between threads."""

    def __init__(self, poll: Poll, options: list[Option]) -> None:
        self.poll = poll
        self.options = options
        self.drawn: dict[tuple[bool, tuple[tuple[int, tuple[int, int | None]], ...]], str] = {}

    def render(self, delegate_id: int) -> str:
        revision, marks = _stored_ballot(self.poll, delegate_id)
        shape = (self.poll.accepting, tuple(sorted(marks.items())))
        html = self.drawn.get(shape)
        if html is None:
            html = self.drawn[shape] = _draw_ballot(
                self.poll, delegate_id, None, None, revision, self.options, marks, key=_key_slot
            )
        return _filled(html, self.poll.pk, self.options, delegate_id, revision)


class DrawnAnswers:
    """The ballots answering votes (over the socket, and over HTTP with the request's CSRF
    token), drawn once per shape (the poll and its options as stored, whether it accepts
    votes, the ballot's marks) with slots for the keys, the acknowledgement and the token,
    each answer's filled in: a room voting at once answers most votes with a few string
    replacements instead of a template render. Any change to the poll's or an
    option's row is a new shape. Per process, the latest SIZE shapes; thread-safe."""

    SIZE = 512

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.drawn: OrderedDict[tuple[Any, ...], str] = OrderedDict()

    def render(
        self,
        known: KnownBallot,
        poll: Poll,
        delegate_id: int,
        ack: dict[str, Any],
        csrf_token: str | None = None,
    ) -> str:
        """The ballot answering a vote; with `csrf_token` (an HTTP answer, whose forms post
        without script) its forms carry that token."""
        revision, options, marks = known
        shape = (
            csrf_token is not None,
            poll.step.workshop_id,
            _row(poll),
            tuple(_row(option) for option in options),
            poll.accepting,
            tuple(sorted(marks.items())),
        )
        with self.lock:
            html = self.drawn.get(shape)
            if html is not None:
                self.drawn.move_to_end(shape)
        if html is None:
            slots = {"key": ACK_KEY_SLOT, "change": ACK_CHANGE_SLOT}
            csrf_slot = CSRF_SLOT if csrf_token is not None else None
            html = _draw_ballot(
                poll, delegate_id, None, slots, revision, options, marks, _key_slot, csrf_slot
            )
            with self.lock:
                self.drawn[shape] = html
                while len(self.drawn) > self.SIZE:
                    self.drawn.popitem(last=False)
        if csrf_token is not None:
            html = html.replace(CSRF_SLOT, escape(csrf_token))
        html = html.replace(ACK_KEY_SLOT, escape(ack["key"]))
        html = html.replace(ACK_CHANGE_SLOT, "" if ack["change"] is None else str(ack["change"]))
        return _filled(html, poll.pk, options, delegate_id, revision)

    def clear(self) -> None:
        with self.lock:
            self.drawn.clear()


ACK_KEY_SLOT = "ballot-ack-key-slot"
ACK_CHANGE_SLOT = "ballot-ack-change-slot"
CSRF_SLOT = "ballot-csrf-token-slot"
answers = DrawnAnswers()


def _row(instance: Poll | Option) -> tuple[Any, ...]:
    """A model instance's stored fields, as its shape."""
    return tuple(getattr(instance, field.attname) for field in instance._meta.concrete_fields)


def _filled(html: str, poll_id: int, options: list[Option], delegate_id: int, revision: int) -> str:
    """A ballot drawn with key slots (`_key_slot`), with this delegate's keys."""
    for target in [*(option.pk for option in options), "clear"]:
        key = _ballot_key(delegate_id, poll_id, target, revision)
        html = html.replace(_key_slot(target), str(key))
    return html


def _key_slot(target: object) -> str:
    return f"ballot-key-slot-{target}-end"


def _stored_ballot(poll: Poll, delegate_id: int) -> tuple[int, dict[int, tuple[int, int | None]]]:
    """The ballot's revision and its marks in one read (no ballot yet: revision 0, no marks)."""
    revision, marks = 0, dict[int, tuple[int, int | None]]()
    for stored_revision, option_id, value, effort in reads.ballot(poll.pk, delegate_id):
        revision = stored_revision
        if option_id is not None and value is not None:
            marks[option_id] = (value, effort)
    return revision, marks


def _ballot_key(delegate_id: int, poll_id: int, target: object, revision: int) -> uuid.UUID:
    """A ballot form's command key: the same for the same delegate, poll, option (or
    "clear") and revision of the ballot."""
    message = f"{delegate_id}:{poll_id}:{target}:{revision}"
    return uuid.UUID(hex=salted_hmac("facilitate.ballot-key", message).hexdigest()[:32])


def render_answer(
    outcome: CastResult,
    poll_id: int,
    delegate_id: int,
    key: str | None,
    request: HttpRequest | None = None,
) -> str:
    """The delegate's ballot answering their vote, carrying its key and the version that
    shows it (the acknowledgement): drawn from what the vote left, or read back for a
    replay (which changed nothing)."""
    ack = {"key": key or "", "change": outcome.version}
    if outcome.poll is not None and outcome.options is not None and outcome.marks is not None:
        known = KnownBallot(outcome.revision, outcome.options, outcome.marks)
        csrf = None if request is None else get_token(request)
        return answers.render(known, outcome.poll, delegate_id, ack, csrf)
    poll = Poll.objects.select_related("step").get(pk=poll_id)
    return render_ballot(poll, delegate_id, request, ack)


class KnownBallot(NamedTuple):
    """A ballot's state known without reading it: its revision, the poll's options, and its
    marks (option -> value and 2x2 effort)."""

    revision: int
    options: list[Option]
    marks: dict[int, tuple[int, int | None]]


def _draw_ballot(
    poll: Poll,
    delegate_id: int,
    request: HttpRequest | None,
    ack: dict[str, Any] | None,
    revision: int,
    options: list[Option],
    stored: dict[int, tuple[int, int | None]],
    key: Callable[[object], object] | None = None,
    csrf_token: str | None = None,
) -> str:
    """`key`, if given, draws each form's key instead of the delegate's (`SharedBallots`);
    `csrf_token`, the forms' CSRF token where no request draws it (`DrawnAnswers`)."""
    if key is None:
        key = partial(_ballot_key, delegate_id, poll.pk, revision=revision)

    efforts: dict[int, int | None] = {}
    marks: dict[int, int] = {}
    for option_id, (value, effort) in stored.items():
        marks[option_id], efforts[option_id] = value, effort
    rows = [
        {
            "option": option,
            "value": marks.get(option.pk, 0),
            "effort": efforts.get(option.pk),
            "dots": range(marks.get(option.pk, 0)),
            "key": key(option.pk),
        }
        for option in options
    ]
    used = sum(marks.values()) if poll.kind == Poll.Kind.DOTS else len(marks)
    context = {
        "poll": poll,
        "rows": rows,
        "used": used,
        "left": max(poll.allowance(len(rows)) - used, 0),
        "accepting": poll.accepting,
        "workshop_id": poll.step.workshop_id,
        "clear_key": key("clear"),
        "scale": range(1, 6),
        "next_rank": len(marks) + 1,
        "ack": ack,
    }
    if csrf_token is not None:
        context["csrf_token"] = csrf_token
    return render_to_string("workshops/vote/ballot.html", context, request=request)
