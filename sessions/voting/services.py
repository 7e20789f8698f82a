"""Votes: setting up a vote step, running it, and casting marks.

The invariants hold in the database as well as here: one ballot per delegate per poll
(unique), marks within their cap and ballots within their allowance (check constraints),
one option per rank (unique), 2x2 ratings 1-5 on each axis (check constraints). A ballot is
changed only with its row locked, and every vote holds a share lock on the workshop row
(`delegate_command`) that the facilitator's commands wait for, so closing a poll or the
workshop waits for the votes in flight and no vote lands after the close commits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions.agenda.services import (
    VOTE_CLOSED,
    VOTE_NOT_OPEN_YET,
    add_step,
    changed,
    command_key,
    delegate_command,
    delegate_refusal,
    lock_open_workshop,
    locked_attendances,
    locked_workshop,
    refuse_unless_open,
)
from sessions.errors import Conflict, InvalidInput, NotFound, Refused
from sessions.live import broadcast, events
from sessions.live import reads as live_reads
from sessions.models import (
    MATRIX_POINTS,
    Ballot,
    Change,
    Cluster,
    Mark,
    Option,
    Poll,
    Step,
    Workshop,
)
from sessions.snapshot.services import challenge_labels_for_vote
from sessions.statements import Insert, Plain, run_each

MAX_OPTIONS = 30
CLOSED = VOTE_CLOSED
NOT_OPEN_YET = VOTE_NOT_OPEN_YET
DOES_NOT_FIT = _("That action does not fit this kind of vote.")
NO_IDEAS_STEP = _("That ideas step is not part of this workshop.")
NO_CLUSTERS = _("That ideas step has no clusters yet.")
NO_OPTION = _("That option is not part of this vote.")
NOT_IN_WORKSHOP = _("That vote is not part of this workshop.")
# Step.config key of a vote whose options are taken from an ideas step's clusters when it
# opens: the settings it was planned with (`PollSettings` as a dict).
PLANNED = "planned_options"
# In a vote step's config: its options were the challenges picked in the Snapshot.
FROM_SNAPSHOT = "options_from_snapshot"


def default_budget(option_count: int) -> int:
    """clamp(round(options / 3), 3, 5) dots each."""
    return min(max(round(option_count / 3), 3), 5)


@dataclass(frozen=True)
class PollSettings:
    kind: str
    options: list[str]
    budget: int | None = None
    per_option_max: int = 2
    max_picks: int = 3
    show_live: bool = False
    scale_low_label: str = "Not at all"
    scale_high_label: str = "Very much"
    # An ideas step of the same workshop: its clusters' names are the options (the typed
    # `options` are then ignored), taken again each time the vote opens until the first
    # vote is cast, so a rename before then is followed. With no clusters yet, the vote is
    # planned with no options and cannot open until there are some.
    options_from: int | None = None
    # The challenges delegates picked in the event's Productivity Snapshot, most picked first.
    options_from_snapshot: bool = False


# --- setting up ----------------------------------------------------------------------------


@transaction.atomic
def add_vote_step(
    *, workshop: Workshop, title: str, body: str, settings: PollSettings, key: str | None = None
) -> Step | None:
    """Append a vote step with its options. A replayed `key` adds nothing (returns None)."""
    step = add_step(workshop=workshop, title=title, body=body, kind=Step.Kind.VOTE, key=key)
    if step is None:
        return None
    poll = Poll.objects.create(step=step)
    _apply_settings(poll, settings)
    return step


@transaction.atomic
def configure_poll(*, poll: Poll, settings: PollSettings) -> Poll:
    """Change a poll's kind, options and limits: only before anyone has voted."""
    poll, workshop = _locked_poll(poll.pk)
    if poll.ballots.exists():
        raise Conflict(_("People have voted already, so the options and limits are fixed."))
    _apply_settings(poll, settings)
    changed(workshop.pk, events.VOTE_CONFIGURED)
    return poll


def _apply_settings(poll: Poll, settings: PollSettings, *, opening: bool = False) -> None:
    """Store the vote's kind, limits and options. Options from an ideas step's clusters are
    remembered as planned (`PLANNED` in the step's config) and may be missing until the vote
    opens (`opening`), when they must exist."""
    options = settings.options
    if settings.options_from is not None:
        options = _planned_labels(poll.step, settings.options_from, opening=opening)
    elif settings.options_from_snapshot:
        options = challenge_labels_for_vote(poll.step.workshop.event)
    labels = [label.strip() for label in options if label.strip()]
    planned_later = settings.options_from is not None and not labels
    if not planned_later and not 2 <= len(labels) <= MAX_OPTIONS:
        raise InvalidInput(_("A vote needs between 2 and %(n)d options.") % {"n": MAX_OPTIONS})
    if len({label.casefold() for label in labels}) != len(labels):
        raise InvalidInput(_("Two options have the same text; make each option different."))
    poll.kind = settings.kind
    poll.budget = settings.budget or default_budget(len(labels))
    poll.per_option_max = settings.per_option_max
    poll.max_picks = min(settings.max_picks, len(labels) or settings.max_picks)
    poll.show_live = settings.show_live
    poll.scale_low_label = settings.scale_low_label
    poll.scale_high_label = settings.scale_high_label
    poll.save()
    if list(poll.options.values_list("label", flat=True)) != labels:
        poll.options.all().delete()
        Option.objects.bulk_create(
            Option(poll=poll, position=i, label=label) for i, label in enumerate(labels)
        )
    _remember_plan(poll.step, settings if settings.options_from is not None else None)
    _remember_seeding(poll.step, settings.options_from is None and settings.options_from_snapshot)


def _remember_seeding(step: Step, from_snapshot: bool) -> None:
    """Keep whether the options came from the Snapshot (a run sheet plans it again)."""
    if bool(step.config.get(FROM_SNAPSHOT)) != from_snapshot:
        config = {key: value for key, value in step.config.items() if key != FROM_SNAPSHOT}
        if from_snapshot:
            config[FROM_SNAPSHOT] = True
        step.config = config
        step.save(update_fields=["config"])


def seeded_from_snapshot(step: Step) -> bool:
    """Whether a vote step's options were the challenges picked in the Snapshot."""
    return bool(step.config.get(FROM_SNAPSHOT))


def _planned_labels(step: Step, ideas_step_id: int, *, opening: bool) -> list[str]:
    """The clusters' names now; none yet is fine while planning, not when opening."""
    try:
        return cluster_labels(step.workshop, ideas_step_id)
    except Conflict:
        if not opening:
            return []
        title = Step.objects.get(pk=ideas_step_id).title
        raise Conflict(
            _(
                "This vote takes its options from the clusters of “%(title)s”, which has none "
                "yet: cluster the ideas first. The vote was not opened."
            )
            % {"title": title}
        ) from None


def _remember_plan(step: Step, settings: PollSettings | None) -> None:
    config = {key: value for key, value in step.config.items() if key != PLANNED}
    if settings is not None:
        config[PLANNED] = asdict(settings)
    if config != step.config:
        step.config = config
        step.save(update_fields=["config"])


def planned_source(step: Step) -> int | None:
    """The ideas step whose clusters a vote step takes its options from, if planned so."""
    return (step.config.get(PLANNED) or {}).get("options_from")


def _take_planned_options(poll: Poll) -> None:
    """Before the first vote, a planned vote's options become the clusters' current names."""
    planned = poll.step.config.get(PLANNED)
    if planned and not poll.ballots.exists():
        _apply_settings(poll, PollSettings(**planned), opening=True)


def cluster_labels(workshop: Workshop, step_id: int) -> list[str]:
    """The names of the clusters of one of `workshop`'s ideas steps, in the board's order.

    Another workshop's step answers like a missing one; so does a step that is not an ideas
    step. Refuses (Conflict) when the step has no clusters yet.
    """
    step = Step.objects.filter(pk=step_id, workshop=workshop, kind=Step.Kind.IDEAS).first()
    if step is None:
        raise NotFound(NO_IDEAS_STEP)
    names = list(Cluster.objects.filter(board__step=step).values_list("name", flat=True))
    if not names:
        raise Conflict(NO_CLUSTERS)
    return names


# --- running -------------------------------------------------------------------------------


def _locked_poll(poll_id: int) -> tuple[Poll, Workshop]:
    """The poll and its workshop, locked for a facilitator's command.

    The workshop row is taken first in NO KEY UPDATE mode (on PostgreSQL): other console
    commands, which take it first too (`sessions.agenda.shown`), queue there, and so does this
    one behind the votes in flight, which hold a share lock on it (`delegate_command`); then
    the poll. One order everywhere, so two commands never deadlock.
    """
    workshop_id = Poll.objects.filter(pk=poll_id).values_list("step__workshop_id", flat=True)
    queue = Workshop.objects.select_for_update(no_key=True).filter(pk__in=workshop_id)
    list(queue.values_list("pk", flat=True))
    poll = Poll.objects.select_for_update().select_related("step").get(pk=poll_id)
    return poll, lock_open_workshop(poll.step.workshop_id)


@transaction.atomic
def open_poll(*, poll: Poll, seconds: int | None = None) -> Poll:
    """Open (or reopen) the vote, optionally closing by itself after `seconds`. A vote
    planned on an ideas step's clusters takes their current names as its options first
    (until the first vote is cast); refused (Conflict) while that step has no clusters.

    Broadcasts the step and results on commit, and again when the countdown ends.
    """
    poll, workshop = _locked_poll(poll.pk)
    _take_planned_options(poll)
    now = timezone.now()
    poll.is_open = True
    poll.opened_at = now
    poll.closes_at = now + timedelta(seconds=seconds) if seconds else None
    poll.save(update_fields=["is_open", "opened_at", "closes_at"])
    changed(workshop.pk, events.VOTE_OPENED)
    if seconds:
        # The countdown's end is a change of state without a command: push it then.
        broadcast.happened(workshop.pk, events.VOTE_COUNTDOWN_ENDED, delay=seconds + 0.2)
    return poll


@transaction.atomic
def close_poll(*, poll: Poll) -> Poll:
    """Stop accepting votes; waits for votes in flight. Broadcasts on commit."""
    poll, workshop = _locked_poll(poll.pk)
    poll.is_open = False
    if poll.closes_at and poll.closes_at > timezone.now():
        poll.closes_at = None
    poll.save(update_fields=["is_open", "closes_at"])
    changed(workshop.pk, events.VOTE_CLOSED)
    return poll


@transaction.atomic
def reveal_results(*, poll: Poll, revealed: bool = True) -> Poll:
    """Show (or hide again) the results on the projector and phones."""
    poll, workshop = _locked_poll(poll.pk)
    poll.revealed = revealed
    poll.save(update_fields=["revealed"])
    changed(workshop.pk, events.RESULTS_REVEALED)
    return poll


@transaction.atomic
def set_focus(*, poll: Poll, top: int) -> list[Option]:
    """Make the top `top` options of this vote the focus of the steps that follow."""
    from sessions.voting.read import tally_poll

    poll, workshop = _locked_poll(poll.pk)
    ranked = [r.option_id for r in tally_poll(poll).results[:top]]
    focus = list(Option.objects.filter(pk__in=ranked))
    focus.sort(key=lambda o: ranked.index(o.pk))
    workshop.focus_options.set(focus)
    changed(workshop.pk, events.FOCUS_SET)
    return focus


# --- casting -------------------------------------------------------------------------------

AXES = ("impact", "effort")
ACTIONS = {"add", "remove", "pick", "rate", "rank", "unrank", "clear", *AXES}
# A 2x2 rating: (impact, or 0 while only effort is rated; effort, or None while unrated).
Rating = tuple[int, int | None]


@dataclass
class CastResult:
    ballot: Ballot | None
    replayed: bool = False
    # The workshop's version (its count of committed changes) read once the vote committed:
    # every frame at this version or newer shows the vote. Filled after commit by `cast`
    # and the batched writer; None for a replay.
    version: int | None = None
    # What the vote left, for drawing the delegate's ballot without reading it again: the
    # poll, its options, and the ballot's marks (option -> value and 2x2 effort). None for
    # a replay, which changed nothing and knows only the stored ballot.
    poll: Poll | None = None
    options: list[Option] | None = None
    marks: dict[int, tuple[int, int | None]] | None = None
    revision: int = 0  # the ballot's revision after the vote (its forms' keys derive from it)


@dataclass
class BatchReads:
    """What the votes of one transaction share: each workshop share-locked and read once,
    each poll and its options read once.

    Valid only inside the transaction that filled it, and only once the workshops of its
    votes were locked in that transaction's outer level (`lock`), never inside a savepoint
    that may roll back: that lock keeps the workshop from closing and every console command
    (which locks the workshop first) from opening, closing or editing a poll until the
    transaction commits.
    """

    workshops: dict[int, Workshop | None] = field(default_factory=dict)
    polls: dict[int, tuple[Poll, list[Option]] | None] = field(default_factory=dict)

    def lock(self, workshop_id: int) -> None:
        if workshop_id not in self.workshops:
            self.workshops[workshop_id] = locked_workshop(workshop_id)

    def poll(self, poll_id: int) -> tuple[Poll, list[Option]] | None:
        if poll_id not in self.polls:
            self.polls[poll_id] = _read_poll(poll_id)
        return self.polls[poll_id]


def _read_poll(poll_id: int) -> tuple[Poll, list[Option]] | None:
    return live_reads.poll(poll_id)


def cast(**command: Any) -> CastResult:
    """One vote in its own transaction (`cast_in` says what it does), with the version that
    shows it."""
    with transaction.atomic():
        result = cast_in(**command)
    if not result.replayed:
        result.version = Change.objects.version_of(command["workshop_id"])
    return result


def cast_in(
    *,
    poll_id: int,
    workshop_id: int,
    delegate_id: int,
    option_id: int | None,
    action: str,
    value: int | None = None,
    key: str | None = None,
    reads: BatchReads | None = None,
) -> CastResult:
    """Change one delegate's ballot by one action; a replayed `key` changes nothing.

    Actions: dots `add`/`remove` a dot on the option; single and multiple `pick` (toggle);
    scale `rate` (value 1-5); ranking `rank` (next place) and `unrank`; 2x2 `impact` and
    `effort` (value 1-5, in either order) and `clear` with an option (that option's
    ratings); any kind `clear` without an option (the whole ballot).
    Refuses, changing nothing, when the delegate has not joined, the workshop has finished,
    the vote is not open, the option is not the poll's, or a limit would be passed.
    Broadcasts on commit.

    Runs inside the caller's transaction: `cast` gives it one of its own, and the socket's
    batched writer (`sessions.voting.writer`) runs many in one, each in a savepoint, so a
    refusal (raised before or after a write) undoes only its own vote.
    """
    locked = reads.workshops.get(workshop_id) if reads is not None else None
    command = delegate_command(
        workshop_id=workshop_id, delegate_id=delegate_id, key=key, workshop=locked
    )
    poll, listed = _poll_in(
        reads.poll(poll_id) if reads is not None else _read_poll(poll_id), workshop_id
    )
    matrix = poll.kind == Poll.Kind.MATRIX
    # On a 2x2 ballot an option's impact, effort and clear forms carry the option's one key,
    # so the action is part of the command's name: tapping effort while the impact tap is
    # still on its way is a second command, not a replay of the first.
    change = command.record(events.VOTE_CAST, scope=action if matrix else "")
    if change is None:
        ballot = Ballot.objects.filter(poll=poll, delegate_id=delegate_id).first()
        return CastResult(ballot, replayed=True)
    _refuse_unless_taking(poll, listed, option_id, action)
    # The attendance lock taken above serialises this delegate's commands, so the ballot
    # found (or created) here is theirs alone until the transaction ends.
    ballot = Ballot.objects.filter(poll=poll, delegate_id=delegate_id).first()
    if ballot is None:
        ballot = Ballot.objects.create(
            poll=poll, delegate_id=delegate_id, allowance=poll.allowance(len(listed))
        )
    if matrix:
        ratings = _ratings(ballot)
        rated = rate_matrix(ratings, option_id, action, value)
        _store_ratings(ballot, ratings, rated)
        after = dict(rated)
    else:
        marks = dict(Mark.objects.filter(ballot=ballot).values_list("option_id", "value"))
        wanted = apply_action(poll, marks, option_id, action, value, len(listed))
        _store(ballot, marks, wanted, poll.cap, kind=poll.kind)
        after = {o: (v, None) for o, v in wanted.items()}
    return CastResult(ballot, poll=poll, options=listed, marks=after, revision=ballot.revision)


def _poll_in(read: tuple[Poll, list[Option]] | None, workshop_id: int) -> tuple[Poll, list[Option]]:
    """The poll and its options, or NotFound when it is not one of the workshop's."""
    if read is None or read[0].step.workshop_id != workshop_id:
        raise NotFound(NOT_IN_WORKSHOP)
    return read


def _refuse_unless_taking(
    poll: Poll, options: list[Option], option_id: int | None, action: str
) -> None:
    """Refuses a vote the poll does not take now: closed (or not open yet), or naming an
    option that is not the poll's (a `clear` of the whole ballot names none)."""
    refuse_unless_open(poll.accepting, CLOSED, not_yet=NOT_OPEN_YET, opened=bool(poll.opened_at))
    names_option = action != "clear" or (poll.kind == Poll.Kind.MATRIX and option_id is not None)
    if names_option and option_id not in {o.pk for o in options}:
        raise NotFound(NO_OPTION)


# What one vote of `cast_many` may name: `cast_in`'s arguments.
COMMAND_ARGUMENTS = frozenset(
    {"poll_id", "workshop_id", "delegate_id", "option_id", "action", "value", "key"}
)


@dataclass(eq=False)
class _Held:
    """One delegate's ballot on one poll while a batch is carried out: as stored (`stored`,
    the marks' ids to delete when they change) and as the batch's votes leave it."""

    poll: Poll
    options: list[Option]
    ballot: Ballot | None
    stored: dict[int, Rating]
    mark_ids: dict[int, int]
    marks: dict[int, Rating]
    revision: int
    touched: bool = False


def cast_many(commands: list[dict[str, Any]], reads: BatchReads) -> list[CastResult | Refused]:
    """The votes of a batch (`cast_in`'s arguments each) in a few statements, not a
    transaction each: each vote's outcome in order, its `CastResult` or the `Refused` that
    `cast_in` raises for it (the same checks in the same order, against the state the
    batch's earlier votes leave), and the same rows stored.

    Runs in the caller's transaction, with every workshop of the batch locked in `reads`. The
    attendances are locked in delegate order (so two batches never deadlock); the replayed
    keys are found in one read, the ballots and marks in one each; then each vote is decided
    in memory, and the changes, new ballots, marks and ballots are written in one statement
    of each kind. The database's constraints still hold every vote: one that would break
    one raises here, and the caller then undoes the batch and carries its votes out one by
    one (`cast_in`).
    """
    for command in commands:
        unknown = set(command) - COMMAND_ARGUMENTS
        if unknown:
            raise TypeError(f"cast_many() got unexpected arguments {sorted(unknown)}")
    outcomes: list[CastResult | Refused | None] = [None] * len(commands)
    attendances = locked_attendances(commands)
    # The preamble, the poll, and the key: replays are answered as landed, as by cast_in.
    keys: dict[int, str | None] = {}
    for i, command in enumerate(commands):
        workshop_id, delegate_id = command["workshop_id"], command["delegate_id"]
        attendance = attendances.get((workshop_id, delegate_id))
        try:
            refusal = delegate_refusal(reads.workshops.get(workshop_id), attendance)
            if refusal is not None:
                raise refusal
            poll, _listed = _poll_in(reads.poll(command["poll_id"]), workshop_id)
        except Refused as refused:
            outcomes[i] = refused
            continue
        assert attendance is not None  # refused otherwise
        matrix = poll.kind == Poll.Kind.MATRIX
        scope = command["action"] if matrix else ""
        keys[i] = command_key(attendance, command.get("key"), scope)
    taken = live_reads.taken_keys([k for k in keys.values() if k])
    held = _held_ballots(commands, keys, reads)
    replayed: set[int] = set()
    for i, key in keys.items():
        if key and key in taken:
            replayed.add(i)
            continue
        outcomes[i] = _decide(commands[i], held[_pair(commands[i])])
        if key and isinstance(outcomes[i], CastResult):
            taken.add(key)  # spent: the same key again in this batch lands once
    for i in replayed:
        ballot = held[_pair(commands[i])].ballot
        outcomes[i] = CastResult(
            ballot if ballot is not None and ballot.pk else None, replayed=True
        )
    _write(commands, outcomes, keys, held)
    decided = [outcome for outcome in outcomes if outcome is not None]
    if len(decided) != len(commands):
        raise RuntimeError("a vote of the batch was left without an outcome")
    return decided


def _pair(command: dict[str, Any]) -> tuple[int, int]:
    return command["poll_id"], command["delegate_id"]


def _update_ballots(ballots: list[Ballot]) -> None:
    """Store the ballots' spent, revision and time in one prepared statement run for each
    (`executemany`): `bulk_update` builds a CASE of every ballot for every column, which
    cost a batch more than its inserts. The constraints are the database's, as ever."""
    if not ballots:
        return
    quote = connection.ops.quote_name
    fields = {field.name: field for field in Ballot._meta.concrete_fields}
    names = ("spent", "revision", "updated_at", "id")
    sets = ", ".join(f"{quote(fields[name].column)} = %s" for name in names[:-1])
    table, pk = quote(Ballot._meta.db_table), quote(fields["id"].column)
    statement = f"UPDATE {table} SET {sets} WHERE {pk} = %s"  # noqa: S608
    rows = [
        [fields[name].get_db_prep_save(getattr(ballot, name), connection) for name in names]
        for ballot in ballots
    ]
    with connection.cursor() as cursor:
        run_each(cursor, statement, rows)


def _held_ballots(
    commands: list[dict[str, Any]], keys: dict[int, str | None], reads: BatchReads
) -> dict[tuple[int, int], _Held]:
    """The ballots (as stored) of the votes that got past the preamble."""
    pairs = {_pair(commands[i]) for i in keys}
    polls = {poll_id for poll_id, _ in pairs}
    delegates = {delegate_id for _, delegate_id in pairs}
    ballots: dict[tuple[int, int], Ballot] = {}
    stored: dict[int, dict[int, Rating]] = {}
    mark_ids: dict[int, dict[int, int]] = {}
    for found, marks_stored in live_reads.ballots(polls, delegates):
        if (found.poll_id, found.delegate_id) not in pairs:
            continue
        ballots[(found.poll_id, found.delegate_id)] = found
        for pk, option_id, value, effort in marks_stored:
            stored.setdefault(found.pk, {})[option_id] = (value, effort)
            mark_ids.setdefault(found.pk, {})[option_id] = pk
    held = {}
    for pair in pairs:
        read = reads.poll(pair[0])
        assert read is not None  # checked by _poll_in
        ballot = ballots.get(pair)
        marks = stored.get(ballot.pk, {}) if ballot is not None else {}
        held[pair] = _Held(
            poll=read[0],
            options=read[1],
            ballot=ballot,
            stored=dict(marks),
            mark_ids=mark_ids.get(ballot.pk, {}) if ballot is not None else {},
            marks=dict(marks),
            revision=ballot.revision if ballot is not None else 0,
        )
    return held


def _decide(command: dict[str, Any], held: _Held) -> CastResult | Refused:
    """One vote against its ballot as the batch has left it: the result (and the ballot
    in memory changed) or the refusal (and nothing changed)."""
    poll, option_id, action = held.poll, command["option_id"], command["action"]
    value = command.get("value")
    try:
        _refuse_unless_taking(poll, held.options, option_id, action)
        if poll.kind == Poll.Kind.MATRIX:
            after = rate_matrix(held.marks, option_id, action, value)
        else:
            values = {o: v for o, (v, _effort) in held.marks.items()}
            wanted = apply_action(poll, values, option_id, action, value, len(held.options))
            after = {o: (v, None) for o, v in wanted.items()}
    except Refused as refused:
        return refused
    held.touched = True  # a vote that lands makes the ballot, even one changing nothing
    if after != held.marks:
        held.marks = after
        held.revision += 1
    return CastResult(
        held.ballot,
        poll=poll,
        options=held.options,
        marks=dict(after),
        revision=held.revision,
    )


# A batch's rows, written as fixed statements (`sessions.statements`).
_CHANGES = Insert(Change, ["workshop", "key", "created_at"])
_MARKS = Insert(Mark, ["ballot", "option", "value", "effort", "cap", "rank"])
_DELETE_MARKS = Plain("DELETE FROM {Mark} WHERE id IN ({list})")


def _write(
    commands: list[dict[str, Any]],
    outcomes: list[CastResult | Refused | None],
    keys: dict[int, str | None],
    held: dict[tuple[int, int], _Held],
) -> None:
    """The batch's rows: a change per vote that landed, then the ballots and their marks."""
    landed = [
        i
        for i, outcome in enumerate(outcomes)
        if isinstance(outcome, CastResult) and not outcome.replayed
    ]
    now = timezone.now()
    _CHANGES.run([(commands[i]["workshop_id"], keys.get(i) or None, now) for i in landed])
    for workshop_id in sorted({commands[i]["workshop_id"] for i in landed}):
        broadcast.happened(workshop_id, events.VOTE_CAST)
    touched = [h for h in held.values() if h.touched]
    new = [(pair, h) for pair, h in held.items() if h.touched and h.ballot is None]
    made = (
        Ballot.objects.bulk_create(
            Ballot(poll=h.poll, delegate_id=pair[1], allowance=h.poll.allowance(len(h.options)))
            for pair, h in new
        )
        if new
        else []
    )
    for (_pair_made, h), ballot in zip(new, made, strict=True):
        h.ballot = ballot
    gone: list[int] = []
    fresh: list[tuple[int, int, int, int | None, int, int | None]] = []
    changed_ballots: list[Ballot] = []
    for h in touched:
        if h.ballot is None or h.revision == h.ballot.revision:
            continue  # nothing changed (a change and its undo still count as two)
        moved = [o for o, was in h.stored.items() if h.marks.get(o) != was]
        gone += [h.mark_ids[o] for o in moved]
        matrix = h.poll.kind == Poll.Kind.MATRIX
        ranking = h.poll.kind == Poll.Kind.RANKING
        cap = MATRIX_POINTS if matrix else h.poll.cap
        fresh += [
            (h.ballot.pk, o, v, effort, cap, v if ranking else None)
            for o, (v, effort) in h.marks.items()
            if h.stored.get(o) != (v, effort)
        ]
        values = [v for v, _effort in h.marks.values()]
        h.ballot.spent = sum(values) if h.poll.kind == Poll.Kind.DOTS else len(values)
        h.ballot.revision = h.revision
        h.ballot.updated_at = now
        changed_ballots.append(h.ballot)
    if gone:
        _DELETE_MARKS.execute([], lists=[gone])
    _MARKS.run(fresh)
    _update_ballots(changed_ballots)
    for i in landed:
        outcome = outcomes[i]
        assert isinstance(outcome, CastResult)
        outcome.ballot = held[_pair(commands[i])].ballot


def apply_action(
    poll: Poll,
    marks: dict[int, int],
    option_id: int | None,
    action: str,
    value: int | None,
    option_count: int,
) -> dict[int, int]:
    """The ballot's marks after `action`, or Refused with the limit it would pass."""
    wanted = dict(marks)
    if action == "clear":
        return {}
    if option_id is None:  # every other action names an option of the vote
        raise NotFound(NO_OPTION)
    kind = poll.kind
    if kind == Poll.Kind.DOTS and action in {"add", "remove"}:
        current = wanted.get(option_id, 0)
        if action == "add":
            if sum(wanted.values()) >= poll.budget:
                raise Conflict(
                    _("You have used all %(n)d dots. Take one off another option first.")
                    % {"n": poll.budget}
                )
            if current >= poll.per_option_max:
                raise Conflict(
                    _("At most %(n)d dots can go on one option.") % {"n": poll.per_option_max}
                )
            wanted[option_id] = current + 1
        elif current:
            wanted[option_id] = current - 1
        return {o: v for o, v in wanted.items() if v}
    if kind == Poll.Kind.SINGLE and action == "pick":
        return {} if option_id in wanted else {option_id: 1}
    if kind == Poll.Kind.MULTIPLE and action == "pick":
        if option_id in wanted:
            del wanted[option_id]
        elif len(wanted) >= poll.max_picks:
            raise Conflict(
                _("You can pick at most %(n)d. Unpick one first.") % {"n": poll.max_picks}
            )
        else:
            wanted[option_id] = 1
        return wanted
    if kind == Poll.Kind.SCALE and action == "rate":
        if value is None or not 1 <= value <= 5:
            raise InvalidInput(_("A rating is a whole number from 1 to 5."))
        wanted[option_id] = value
        return wanted
    if kind == Poll.Kind.RANKING and action in {"rank", "unrank"}:
        return _rerank(poll, wanted, option_id, action)
    raise InvalidInput(DOES_NOT_FIT)


def _rerank(poll: Poll, wanted: dict[int, int], option_id: int, action: str) -> dict[int, int]:
    order = sorted(wanted, key=lambda option: wanted[option])
    if action == "unrank":
        order = [o for o in order if o != option_id]
    elif option_id not in order:
        if len(order) >= poll.max_picks:
            raise Conflict(
                _("Your top %(n)d are already chosen. Remove one first.") % {"n": poll.max_picks}
            )
        order.append(option_id)
    return {o: place for place, o in enumerate(order, start=1)}


def _store(
    ballot: Ballot, before: dict[int, int], after: dict[int, int], cap: int, *, kind: str
) -> None:
    if before == after:
        return
    ranking = kind == Poll.Kind.RANKING
    removed = [o for o in before if o not in after]
    changed_marks = {o: v for o, v in after.items() if o in before and before[o] != v}
    if removed or (ranking and changed_marks):
        # Ranks shift: clear the moved ones first so the unique rank never collides.
        Mark.objects.filter(ballot=ballot, option_id__in=removed + list(changed_marks)).delete()
        created = {o: v for o, v in after.items() if o not in before or o in changed_marks}
    else:
        for option_id, v in changed_marks.items():
            Mark.objects.filter(ballot=ballot, option_id=option_id).update(value=v)
        created = {o: v for o, v in after.items() if o not in before}
    Mark.objects.bulk_create(
        Mark(ballot=ballot, option_id=o, value=v, cap=cap, rank=v if ranking else None)
        for o, v in created.items()
    )
    ballot.spent = sum(after.values()) if kind == Poll.Kind.DOTS else len(after)
    ballot.revision += 1
    ballot.save(update_fields=["spent", "revision", "updated_at"])


# --- 2x2 ratings ---------------------------------------------------------------------------


def rate_matrix(
    ratings: dict[int, Rating], option_id: int | None, action: str, value: int | None
) -> dict[int, Rating]:
    """The ballot's 2x2 ratings after `action`, or Refused with what was wrong.

    `impact` and `effort` set one axis of the option (the other keeps its rating or stays
    unrated); `clear` with an option removes its ratings, without one every rating.
    """
    wanted = dict(ratings)
    if action == "clear":
        if option_id is None:
            return {}
        wanted.pop(option_id, None)
        return wanted
    if action not in AXES:
        raise InvalidInput(DOES_NOT_FIT)
    if option_id is None:
        raise NotFound(NO_OPTION)
    if value is None or isinstance(value, bool) or not 1 <= value <= MATRIX_POINTS:
        raise InvalidInput(
            _("An %(axis)s rating is a whole number from 1 to %(n)d.")
            % {"axis": action, "n": MATRIX_POINTS}
        )
    impact, effort = wanted.get(option_id, (0, None))
    wanted[option_id] = (value, effort) if action == "impact" else (impact, value)
    return wanted


def _ratings(ballot: Ballot) -> dict[int, Rating]:
    rows = Mark.objects.filter(ballot=ballot).values_list("option_id", "value", "effort")
    return {option_id: (impact, effort) for option_id, impact, effort in rows}


def _store_ratings(ballot: Ballot, before: dict[int, Rating], after: dict[int, Rating]) -> None:
    if before == after:
        return
    removed = [o for o in before if o not in after]
    if removed:
        Mark.objects.filter(ballot=ballot, option_id__in=removed).delete()
    for option_id, (impact, effort) in after.items():
        if option_id in before and before[option_id] != (impact, effort):
            Mark.objects.filter(ballot=ballot, option_id=option_id).update(
                value=impact, effort=effort
            )
    Mark.objects.bulk_create(
        Mark(ballot=ballot, option_id=o, value=impact, effort=effort, cap=MATRIX_POINTS)
        for o, (impact, effort) in after.items()
        if o not in before
    )
    ballot.spent = len(after)
    ballot.revision += 1
    ballot.save(update_fields=["spent", "revision", "updated_at"])
