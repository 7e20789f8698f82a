"""The reads the live path makes on every batch of votes and every frame, as fixed statements
(`sessions.statements` says why): the workshop at its version, with its event and step on
screen; the workshop a batch share-locks; a poll with its step and options; a poll's marks
counted per option and value, and its turnout; and for a batch of votes, the attendances it
locks, the command keys already spent and the ballots with their marks.

Each returns what the ORM query it stands for returned (the same instances, with the same
relations cached), so its callers are unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection

from sessions.models import Attendance, Ballot, Event, Option, Poll, Step, Workshop
from sessions.statements import Plain, Statement, cache_many, cache_related

_WORKSHOP_PARTS = [(Workshop, "w"), (Event, "e"), (Step, "s")]
_WORKSHOP_FROM = (
    "FROM {Workshop} w JOIN {Event} e ON e.id = w.event_id"
    " LEFT JOIN {Step} s ON s.id = w.current_step_id WHERE w.id = %s"
)
_WORKSHOP = Statement(_WORKSHOP_PARTS, _WORKSHOP_FROM)
_AT_VERSION = Statement(
    _WORKSHOP_PARTS,
    _WORKSHOP_FROM,
    # The workshop's version (`Change.objects.version_of`), in the same statement: the
    # workshop is read at that version, not before it.
    head=["(SELECT COUNT(*) FROM {Change} c WHERE c.workshop_id = w.id)"],
)


def workshop_at_version(workshop_id: int) -> tuple[int, Workshop] | None:
    """The workshop's version and the workshop as it stands at that version, with its event
    and its step on screen (as `select_related("event", "current_step")`), in one
    statement; None if there is no such workshop."""
    rows = _AT_VERSION.run([workshop_id])
    if not rows:
        return None
    version, *parts = rows[0]
    return int(version), _workshop(parts)


def workshop(workshop_id: int) -> Workshop | None:
    """The workshop, as `workshop_at_version` reads it, without its version."""
    rows = _WORKSHOP.run([workshop_id])
    return _workshop(list(rows[0])) if rows else None


def _workshop(parts: list[Any]) -> Workshop:
    found: Workshop
    found, event, step = parts
    cache_related(found, "event", event)
    cache_related(found, "current_step", step)
    return found


_LOCKED = "FROM {Workshop} w JOIN {Event} e ON e.id = w.event_id WHERE w.id = %s"
_LOCKED_WORKSHOP = Statement([(Workshop, "w"), (Event, "e")], _LOCKED + " FOR SHARE OF w")
_UNLOCKED_WORKSHOP = Statement([(Workshop, "w"), (Event, "e")], _LOCKED)


def share_locked_workshop(workshop_id: int) -> Workshop | None:
    """The workshop with its event (as `select_related("event")`), share-locked for the rest
    of the transaction where the database locks rows (`sessions.agenda.services.
    locked_workshop` says why). One statement: one that waited for the lock reads the
    workshop as the change it waited for left it (a close that committed meanwhile)."""
    shares = connection.vendor == "postgresql"
    rows = (_LOCKED_WORKSHOP if shares else _UNLOCKED_WORKSHOP).run([workshop_id])
    if not rows:
        return None
    found: Workshop
    found, event = rows[0]
    cache_related(found, "event", event)
    return found


_POLL_FROM = (
    "FROM {Poll} p JOIN {Step} s ON s.id = p.step_id"
    " LEFT JOIN {Option} o ON o.poll_id = p.id WHERE p.{where} = %s ORDER BY o.position, o.id"
)
_POLL = Statement([(Poll, "p"), (Step, "s"), (Option, "o")], _POLL_FROM.replace("{where}", "id"))
_POLL_OF_STEP = Statement(
    [(Poll, "p"), (Step, "s"), (Option, "o")], _POLL_FROM.replace("{where}", "step_id")
)


def poll(poll_id: int) -> tuple[Poll, list[Option]] | None:
    """The poll with its step (as `select_related("step")`) and its options in order (each
    with its poll, as `poll.options.all()`), also cached as `poll.options.all()`."""
    return _poll(_POLL.run([poll_id]))


def poll_of_step(step_id: int) -> Poll | None:
    """The step's poll, as `poll`."""
    found = _poll(_POLL_OF_STEP.run([step_id]))
    return None if found is None else found[0]


def _poll(rows: list[tuple[Any, ...]]) -> tuple[Poll, list[Option]] | None:
    if not rows:
        return None
    found, step, _option = rows[0]
    cache_related(found, "step", step)
    options = [option for _poll_row, _step, option in rows if option is not None]
    for option in options:
        cache_related(option, "poll", found)
    cache_many(found, "options", options)
    return found, options


_MARKS = Plain(
    "SELECT option_id, value, COUNT(*) FROM {Mark} WHERE option_id IN ({list})"
    " GROUP BY option_id, value"
)
_MATRIX_MARKS = Plain(
    "SELECT option_id, value, effort, COUNT(*) FROM {Mark} WHERE option_id IN ({list})"
    " GROUP BY option_id, value, effort"
)


def marks_counted(option_ids: list[int], *, matrix: bool = False) -> list[tuple[Any, ...]]:
    """A poll's marks counted per option and value (and effort, on a 2x2).

    Found through the options' index: through the ballots, PostgreSQL's plan read every mark
    of the installation (a tally of 4,900 marks took 25 ms with 170,000 stored, and grew
    with every workshop run since; 1.4 ms this way). A mark's option is always one of its
    ballot's poll (`sessions.voting.services` looks options up in the poll)."""
    if not option_ids:
        return []
    return (_MATRIX_MARKS if matrix else _MARKS).run([], lists=[option_ids])


_TURNOUT = Plain(
    "SELECT a.delegate_id, EXISTS (SELECT 1 FROM {Ballot} b WHERE b.poll_id = %s"
    " AND b.delegate_id = a.delegate_id AND b.spent > 0), w.closed_at"
    " FROM {Attendance} a JOIN {Workshop} w ON w.id = a.workshop_id WHERE a.workshop_id = %s"
)


def turnout_rows(poll_id: int, workshop_id: int) -> list[tuple[int, bool, Any]]:
    """Each attendance of the workshop: its delegate, whether they have a ballot in the poll
    with something spent, and when the workshop closed (None while it runs)."""
    return [
        (delegate_id, bool(voted), closed_at)
        for delegate_id, voted, closed_at in _TURNOUT.run([poll_id, workshop_id])
    ]


_ATTENDANCES = Statement(
    [(Attendance, "a")],
    "FROM {Attendance} a WHERE a.workshop_id = %s AND a.delegate_id IN ({list})"
    " ORDER BY a.delegate_id",
)
_LOCKED_ATTENDANCES = Statement([(Attendance, "a")], _ATTENDANCES.rest.sql + " FOR UPDATE")


def locked_attendances(workshop_id: int, delegate_ids: Iterable[int]) -> list[Attendance]:
    """The workshop's attendances of these delegates, in delegate order, locked for update
    where the database locks rows (as `select_for_update(of=("self",))`)."""
    statement = _LOCKED_ATTENDANCES if connection.features.has_select_for_update else _ATTENDANCES
    return [row[0] for row in statement.run([workshop_id], lists=[sorted(delegate_ids)])]


_TAKEN = Plain('SELECT "key" FROM {Change} WHERE "key" IN ({list})')


def taken_keys(keys: list[str]) -> set[str]:
    """Which of these command keys a committed change has spent."""
    return {row[0] for row in _TAKEN.run([], lists=[keys])} if keys else set()


_BALLOT = Plain(
    "SELECT b.revision, m.option_id, m.value, m.effort"
    " FROM {Ballot} b LEFT JOIN {Mark} m ON m.ballot_id = b.id"
    " WHERE b.poll_id = %s AND b.delegate_id = %s"
)


def ballot(poll_id: int, delegate_id: int) -> list[tuple[int, int | None, int | None, int | None]]:
    """A delegate's ballot in a poll, a row per mark (revision, option, value, effort; the
    mark's columns NULL for a ballot without marks), none without a ballot: read for every
    phone connecting during a vote."""
    return _BALLOT.run([poll_id, delegate_id])


_BALLOTS = Statement(
    [(Ballot, "b")],
    "FROM {Ballot} b LEFT JOIN {Mark} m ON m.ballot_id = b.id"
    " WHERE b.poll_id IN ({list}) AND b.delegate_id IN ({list}) ORDER BY b.id",
    head=["m.id", "m.option_id", "m.value", "m.effort"],
)

# A ballot's mark: its id, option, value and effort.
MarkRow = tuple[int, int, int, int | None]


def ballots(
    poll_ids: Iterable[int], delegate_ids: Iterable[int]
) -> list[tuple[Ballot, list[MarkRow]]]:
    """The ballots in these polls of these delegates, each with its marks: one statement."""
    polls, delegates = sorted(poll_ids), sorted(delegate_ids)
    if not polls or not delegates:
        return []
    found: dict[int, tuple[Ballot, list[MarkRow]]] = {}
    for mark_id, option_id, value, effort, ballot in _BALLOTS.run([], lists=[polls, delegates]):
        marks = found.setdefault(ballot.pk, (ballot, []))[1]
        if mark_id is not None:
            marks.append((mark_id, option_id, value, effort))
    return list(found.values())
