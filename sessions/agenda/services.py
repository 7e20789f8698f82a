"""The agenda's verbs (events, workshops, steps, the room's position) and the helpers every
feature's verbs share (`lock_open_workshop`, `changed`).

Every change to workshop state happens in a feature's `services` module (votes in
`sessions.voting.services`, ideas in `sessions.ideas.services`, ...).

Each verb is keyword-only, runs in one transaction, records a `Change` (the workshop's new
version) when any screen shows the change, and schedules its broadcast with
`transaction.on_commit` (so a socket never sees something that was rolled back). Callers
translate `Refused` into a 4xx answer or a socket close code.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from sessions.access import NOT_FOUND
from sessions.agenda import clock
from sessions.errors import Conflict, NotFound, Refused
from sessions.live import broadcast, events, reads
from sessions.models import (
    Attendance,
    Change,
    Event,
    Step,
    Workshop,
    join_code_expiry,
)
from sessions.tokens import new_join_code, new_token

# The refusals of delegate commands, one wording each (see `delegate_command`).
FINISHED = _("This workshop has finished, so nothing more can be changed.")
VOTE_CLOSED = _("This vote is closed, so your vote was not changed.")
VOTE_NOT_OPEN_YET = _("This vote has not opened yet.")
IDEAS_CLOSED = _("Ideas are closed for this step.")
THEMES_CLOSED = _("Theme suggestions are closed: ideas are closed for this step.")
PULSE_CLOSED = _("The pulse is closed, so your answer was not changed.")
PULSE_NOT_OPEN_YET = _("The pulse has not opened yet.")


# --- helpers -------------------------------------------------------------------------------


def lock_open_workshop(workshop_id: int) -> Workshop:
    """The workshop row, locked for this transaction; refuses a finished workshop."""
    workshop = Workshop.objects.select_for_update().get(pk=workshop_id)
    if workshop.is_closed:
        raise Conflict(FINISHED)
    return workshop


def changed(workshop_id: int, *happened: str, key: str | None = None) -> Change | None:
    """Record a change (the workshop's new version) and, once it commits, push what
    `happened` (events of `sessions.live.events`) to the screens showing it.

    With a client-generated `key`, a command already carried out records and pushes
    nothing and returns None: the caller must then change nothing either.
    """
    try:
        with transaction.atomic():
            change = Change.objects.create(workshop_id=workshop_id, key=key or None)
    except IntegrityError:
        return None
    broadcast.happened(workshop_id, *happened)
    return change


def _changed(workshop: Workshop, *happened: str) -> None:
    changed(workshop.pk, *happened)


# --- delegate commands ---------------------------------------------------------------------


@dataclass(frozen=True)
class DelegateCommand:
    """A delegate's command under way: their workshop (shared-locked, not finished) and their
    attendance (locked), and the key the command was sent with."""

    workshop: Workshop
    attendance: Attendance
    key: str | None

    def record(self, *happened: str, scope: str = "") -> Change | None:
        """Record the command as a change of the workshop, under the delegate's scoped key.

        None when that key was used already: the command was carried out before (a double
        tap, a retry), so the caller changes nothing and answers as before. This comes before
        any "not open" refusal, so a command that landed is answered as landed even once its
        vote, board or pulse has closed.
        """
        key = command_key(self.attendance, self.key, scope)
        return changed(self.workshop.pk, *happened, key=key)


def command_key(attendance: Attendance, key: str | None, scope: str = "") -> str | None:
    """The key a delegate's command is recorded under. Scoped to the delegate: nobody can
    spend another delegate's key. `scope` names one of several commands one form's key
    stands for (a 2x2 option's impact, effort and clear)."""
    if not key:
        return None
    scoped = f"{attendance.delegate_id}:{key}"
    return f"{scoped}:{scope}" if scope else scoped


def delegate_command(
    *, workshop_id: int, delegate_id: int, key: str | None, workshop: Workshop | None = None
) -> DelegateCommand:
    """The preamble of every delegate write (a vote, an idea, a theme, a commitment, a pulse
    answer), run first in its transaction.

    Locks the workshop row in SHARE mode on PostgreSQL. `close_workshop` (like every console
    command) locks the row for update, which conflicts with SHARE: a close waits for the
    writes in flight to commit, and a write that arrives while a close runs waits for it and
    then reads the workshop as finished. So no write can commit after the close has committed.
    SHARE and not NO KEY UPDATE because SHARE locks do not conflict with each other: a room
    of delegates still writes side by side, each queuing only behind the console. (SQLite
    runs one writing transaction at a time, which gives the same order.)

    Then refuses (NotFound) a delegate who has not joined the workshop, and (Conflict) a
    finished workshop. The attendance row is locked for the rest of the transaction, so one
    delegate's commands (double taps, two tabs) run one at a time and their caps hold.

    `workshop`, when given, was read by `locked_workshop` earlier in the same transaction
    (a batch of votes locks and reads each workshop once).
    """
    if workshop is None or workshop.pk != workshop_id:
        workshop = locked_workshop(workshop_id)
    attendance = (
        Attendance.objects.select_for_update(of=("self",))
        .select_related("delegate")
        .filter(workshop_id=workshop_id, delegate_id=delegate_id)
        .first()
    )
    refusal = delegate_refusal(workshop, attendance)
    if refusal is not None or workshop is None or attendance is None:
        raise refusal or NotFound(NOT_FOUND)
    return DelegateCommand(workshop=workshop, attendance=attendance, key=key)


def locked_attendances(commands: list[dict[str, Any]]) -> dict[tuple[int, int], Attendance]:
    """The attendances of a batch of delegate commands (each with `workshop_id` and
    `delegate_id`), locked as `delegate_command` locks one, in workshop and delegate order
    (so two batches never deadlock), by (workshop id, delegate id); a delegate who has not
    joined is missing."""
    wanted: dict[int, set[int]] = {}
    for command in commands:
        wanted.setdefault(command["workshop_id"], set()).add(command["delegate_id"])
    found: dict[tuple[int, int], Attendance] = {}
    for workshop_id, delegates in sorted(wanted.items()):
        for attendance in reads.locked_attendances(workshop_id, delegates):
            found[(workshop_id, attendance.delegate_id)] = attendance
    return found


def delegate_refusal(workshop: Workshop | None, attendance: Attendance | None) -> Refused | None:
    """Why a delegate's command is refused before anything else: no such workshop or not
    joined (NotFound), or the workshop has finished (Conflict); None when it may go on."""
    if workshop is None or attendance is None:
        return NotFound(NOT_FOUND)
    if workshop.is_closed:
        return Conflict(FINISHED)
    return None


def locked_workshop(workshop_id: int) -> Workshop | None:
    """The workshop, share-locked for the rest of the transaction on PostgreSQL (see
    `delegate_command`); None if there is no such workshop."""
    return reads.share_locked_workshop(workshop_id)


def refuse_unless_open(
    is_open: bool, closed: StrOrPromise, *, not_yet: StrOrPromise = "", opened: bool = True
) -> None:
    """Refuses (Conflict) a command to something not taking input: `closed` once it has been
    open, `not_yet` (when given) before it ever was."""
    if not is_open:
        raise Conflict(not_yet if not_yet and not opened else closed)


# --- events and workshops ------------------------------------------------------------------


@transaction.atomic
def create_event(
    *, user: User, name: str, date: datetime.date, venue: str = "", **settings: Any
) -> Event:
    """A new event facilitated by `user`; `settings` are Event fields (time_zone,
    retention_days, held_words) left at their defaults when not given."""
    event = Event.objects.create(name=name, date=date, venue=venue, **settings)
    event.facilitators.add(user)
    return event


@transaction.atomic
def create_workshop(*, event: Event, title: str, description: str = "") -> Workshop:
    return Workshop.objects.create(event=event, title=title, description=description)


@transaction.atomic
def renew_join_code(*, workshop: Workshop) -> Workshop:
    """A fresh short code with a fresh expiry; broadcasts on commit."""
    locked = lock_open_workshop(workshop.pk)
    code = new_join_code()
    while Workshop.objects.filter(join_code=code).exists():
        code = new_join_code()
    locked.join_code = code
    locked.join_code_expires_at = join_code_expiry()
    locked.save(update_fields=["join_code", "join_code_expires_at"])
    _changed(locked, events.JOIN_CODE_RENEWED)
    return locked


@transaction.atomic
def show_joining(*, workshop: Workshop, shown: bool) -> Workshop:
    """Show how to join full size on the projector while a step is on (a late arrival, a
    second wave), or back to the strip; broadcasts on commit (nothing if already so)."""
    locked = lock_open_workshop(workshop.pk)
    if locked.joining_shown != shown:
        locked.joining_shown = shown
        locked.save(update_fields=["joining_shown"])
        _changed(locked, events.JOINING_SHOWN)
    return locked


@transaction.atomic
def revoke_display_link(*, workshop: Workshop) -> Workshop:
    """Replace the projector link; sockets opened with the old one are closed on commit."""
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
    old_token = locked.display_token
    locked.display_token = new_token()
    locked.save(update_fields=["display_token"])
    broadcast.display_revoked(locked.pk, old_token)
    _changed(locked, events.DISPLAY_LINK_RENEWED)
    return locked


@transaction.atomic
def close_workshop(*, workshop: Workshop) -> Workshop:
    """Finish the workshop: every later write is refused. Broadcasts every region on commit."""
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if locked.is_closed:
        return locked
    locked.closed_at = timezone.now()
    locked.save(update_fields=["closed_at"])
    clock.workshop_finished(locked, locked.closed_at)
    _changed(locked, events.WORKSHOP_FINISHED)
    return locked


# --- the agenda ----------------------------------------------------------------------------


@transaction.atomic
def add_step(
    *,
    workshop: Workshop,
    title: str,
    body: str = "",
    kind: str = Step.Kind.MESSAGE,
    key: str | None = None,
) -> Step | None:
    """Append a step to the agenda. A replayed `key` adds nothing and returns None.

    Broadcasts on commit.
    """
    locked = lock_open_workshop(workshop.pk)
    if not changed(locked.pk, events.STEP_ADDED, key=key):
        return None
    last = locked.steps.aggregate(last=Max("position"))["last"]
    return Step.objects.create(
        workshop=locked,
        position=0 if last is None else last + 1,
        kind=kind,
        title=title,
        body=body,
    )


@transaction.atomic
def plan_step(*, step: Step, notes: str, planned_minutes: int | None) -> Step:
    """Set a step's presenter notes and planned minutes (shown on the console only); records
    and pushes nothing when they are already so. Broadcasts on commit."""
    workshop = lock_open_workshop(step.workshop_id)
    step = Step.objects.select_for_update().get(pk=step.pk)
    if (step.notes, step.planned_minutes) != (notes, planned_minutes):
        step.notes = notes
        step.planned_minutes = planned_minutes
        step.save(update_fields=["notes", "planned_minutes"])
        showing = workshop.current_step_id == step.pk
        _changed(workshop, events.SHOWN_STEP_PLANNED if showing else events.STEP_PLANNED)
    return step


@transaction.atomic
def set_step_config(*, workshop: Workshop, step: Step, changes: dict[str, Any]) -> Step:
    """Change some of a step's settings; broadcasts on commit."""
    lock_open_workshop(workshop.pk)
    step = Step.objects.select_for_update().get(pk=step.pk, workshop=workshop)
    step.config = {**step.config, **changes}
    step.save(update_fields=["config"])
    changed(workshop.pk, events.STEP_SETTINGS_CHANGED)
    return step


@transaction.atomic
def edit_step(*, step: Step, title: str, body: str) -> Step:
    """Change a step's text; broadcasts on commit."""
    workshop = lock_open_workshop(step.workshop_id)
    step.title = title
    step.body = body
    step.save(update_fields=["title", "body"])
    showing = workshop.current_step_id == step.pk
    _changed(workshop, events.SHOWN_STEP_EDITED if showing else events.STEP_EDITED)
    return step


@transaction.atomic
def delete_step(*, step: Step) -> None:
    """Remove a step; if the room was on it, the room waits. Broadcasts on commit."""
    workshop = lock_open_workshop(step.workshop_id)
    showing = workshop.current_step_id == step.pk
    if showing:
        clock.step_changed(workshop, None, timezone.now())
    step.delete()
    _renumber(workshop)
    _changed(workshop, events.SHOWN_STEP_DELETED if showing else events.STEP_DELETED)


@transaction.atomic
def move_step(*, step: Step, offset: int) -> None:
    """Move a step up (-1) or down (+1) the agenda; broadcasts on commit."""
    workshop = lock_open_workshop(step.workshop_id)
    steps = list(workshop.steps.all())
    index = next(i for i, s in enumerate(steps) if s.pk == step.pk)
    target = index + offset
    if not 0 <= target < len(steps):
        return
    steps.insert(target, steps.pop(index))
    _renumber(workshop, steps)
    _changed(workshop, events.STEP_MOVED)


def _renumber(workshop: Workshop, steps: list[Step] | None = None) -> None:
    ordered = steps if steps is not None else list(workshop.steps.all())
    for position, each in enumerate(ordered):
        if each.position != position:
            each.position = position
            each.save(update_fields=["position"])


@transaction.atomic
def show_step(*, workshop: Workshop, step: Step | None) -> Workshop:
    """Move the room to `step` (None: back to the waiting screen).

    Broadcasts every region that depends on the step on commit.
    """
    locked = lock_open_workshop(workshop.pk)
    if step is not None and step.workshop_id != locked.pk:
        raise NotFound(_("That step is not part of this workshop."))
    if locked.current_step_id != (step.pk if step else None):
        locked.current_step = step
        clock.step_changed(locked, step, timezone.now())
        locked.save(update_fields=["current_step", "started_at"])
        _changed(locked, events.STEP_SHOWN)
    return locked


@transaction.atomic
def advance(*, workshop: Workshop, seen_current: int | None, offset: int) -> Step | None:
    """Move the room `offset` steps from `seen_current`, the step the console showed.

    If the room has moved since (another tab, a double tap), nothing happens, so a repeated
    "next" never skips a step. Returns the step now showing; broadcasts on commit.
    """
    locked = lock_open_workshop(workshop.pk)
    if locked.current_step_id != seen_current:
        return locked.current_step
    steps = list(locked.steps.all())
    ids = [s.pk for s in steps]
    # From the waiting screen, "next" is the first step and "previous" goes nowhere.
    start = ids.index(seen_current) if seen_current in ids else -1
    index = start + offset
    if not 0 <= index < len(steps):
        return locked.current_step
    return show_step(workshop=locked, step=steps[index]).current_step
