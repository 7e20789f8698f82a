"""Domain verbs: every change to workshop state happens here (votes in `.voting`).

Each verb is keyword-only, runs in one transaction, records a `Change` (the workshop's new
version) when any screen shows the change, and schedules its broadcast with
`transaction.on_commit` (so a socket never sees something that was rolled back). Callers
translate `Refused` into a 4xx answer or a socket close code.
"""

from __future__ import annotations

import datetime
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from sessions import broadcast
from sessions.errors import Conflict, NotFound
from sessions.models import (
    Attendance,
    Change,
    Delegate,
    Event,
    Presence,
    Step,
    Workshop,
    join_code_expiry,
)
from sessions.regions import STEP_REGIONS
from sessions.tokens import new_join_code, new_token

FINISHED = "This workshop has finished, so nothing more can be changed."


# --- helpers -------------------------------------------------------------------------------


def lock_open_workshop(workshop_id: int) -> Workshop:
    """The workshop row, locked for this transaction; refuses a finished workshop."""
    workshop = Workshop.objects.select_for_update().get(pk=workshop_id)
    if workshop.is_closed:
        raise Conflict(FINISHED)
    return workshop


def changed(workshop_id: int, regions: set[str], *, key: str | None = None) -> Change | None:
    """Record a change (the workshop's new version) and push `regions` once it commits.

    With a client-generated `key`, a command already carried out records and pushes
    nothing and returns None: the caller must then change nothing either.
    """
    try:
        with transaction.atomic():
            change = Change.objects.create(workshop_id=workshop_id, key=key or None)
    except IntegrityError:
        return None
    broadcast.regions_changed(workshop_id, regions)
    return change


def _changed(workshop: Workshop, regions: set[str]) -> None:
    changed(workshop.pk, regions)


# --- events and workshops ------------------------------------------------------------------


@transaction.atomic
def create_event(*, user, name: str, date: datetime.date, venue: str = "", **settings) -> Event:
    """A new event facilitated by `user`; `settings` are Event fields (time_zone,
    retention_days) left at their defaults when not given."""
    event = Event.objects.create(name=name, date=date, venue=venue, **settings)
    event.facilitators.add(user)
    return event


@transaction.atomic
def create_workshop(*, event: Event, title: str, description: str = "") -> Workshop:
    return Workshop.objects.create(event=event, title=title, description=description)


@transaction.atomic
def renew_join_code(*, workshop: Workshop) -> Workshop:
    """A fresh short code with a fresh expiry; broadcasts #join on commit."""
    locked = lock_open_workshop(workshop.pk)
    code = new_join_code()
    while Workshop.objects.filter(join_code=code).exists():
        code = new_join_code()
    locked.join_code = code
    locked.join_code_expires_at = join_code_expiry()
    locked.save(update_fields=["join_code", "join_code_expires_at"])
    _changed(locked, {"join"})
    return locked


@transaction.atomic
def revoke_display_link(*, workshop: Workshop) -> Workshop:
    """Replace the projector link; sockets opened with the old one are closed on commit."""
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
    old_token = locked.display_token
    locked.display_token = new_token()
    locked.save(update_fields=["display_token"])
    broadcast.display_revoked(locked.pk, old_token)
    _changed(locked, {"join"})  # consoles show the projector link
    return locked


@transaction.atomic
def close_workshop(*, workshop: Workshop) -> Workshop:
    """Finish the workshop: every later write is refused. Broadcasts every region on commit."""
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if locked.is_closed:
        return locked
    locked.closed_at = timezone.now()
    locked.save(update_fields=["closed_at"])
    _changed(locked, set(STEP_REGIONS | {"status", "join"}))
    return locked


# --- delegates -----------------------------------------------------------------------------


@transaction.atomic
def join_workshop(*, workshop: Workshop, delegate_key: str | None, display_name: str) -> Delegate:
    """The delegate for this phone (reused when its cookie key is known) attending `workshop`.

    Joining twice is the same delegate and one attendance. A new display name replaces the old.
    """
    locked = lock_open_workshop(workshop.pk)
    delegate = None
    if delegate_key:
        delegate = Delegate.objects.filter(key=delegate_key, event_id=locked.event_id).first()
    if delegate is None:
        delegate = Delegate.objects.create(event_id=locked.event_id, display_name=display_name)
    elif display_name and display_name != delegate.display_name:
        delegate.display_name = display_name
        delegate.save(update_fields=["display_name"])
    Attendance.objects.get_or_create(workshop=locked, delegate=delegate)
    return delegate


def workshop_for_join_code(typed_code: str) -> Workshop:
    """The workshop whose current code this is; NotFound for unknown and expired codes alike."""
    workshop = Workshop.objects.filter(join_code=typed_code).first()
    if workshop is None or not workshop.join_code_is_valid:
        raise NotFound("That code did not match a workshop. Check the code on the screen.")
    return workshop


# --- presence ------------------------------------------------------------------------------


@transaction.atomic
def connect_presence(*, workshop_id: int, delegate_id: int, channel_name: str) -> None:
    """Count this socket as present; broadcasts #presence on commit."""
    Presence.objects.update_or_create(
        channel_name=channel_name,
        defaults={
            "workshop_id": workshop_id,
            "delegate_id": delegate_id,
            "process": broadcast.PROCESS_ID,
            "seen_at": timezone.now(),
        },
    )
    workshop = Workshop.objects.get(pk=workshop_id)
    _changed(workshop, {"presence"})


@transaction.atomic
def disconnect_presence(*, channel_name: str) -> None:
    """Stop counting this socket; broadcasts #presence on commit."""
    row = Presence.objects.filter(channel_name=channel_name).first()
    if row is None:
        return
    row.delete()
    _changed(row.workshop, {"presence"})


# A phone on the polling fallback (no socket) is present while it polls: one row per delegate
# and workshop, refreshed by each poll, stale after PRESENCE_STALE_SECONDS like a socket's.
POLLING = "poll"


@transaction.atomic
def poll_presence(*, workshop_id: int, delegate_id: int) -> None:
    """Count a polling phone as present (a delegate with a socket too still counts once).
    One UPDATE per poll; broadcasts #presence on commit only when the phone was not already
    counted as polling."""
    now = timezone.now()
    channel_name = f"{POLLING}:{workshop_id}:{delegate_id}"
    fresh_after = now - timedelta(seconds=settings.PRESENCE_STALE_SECONDS)
    if Presence.objects.filter(channel_name=channel_name, seen_at__gte=fresh_after).update(
        seen_at=now
    ):
        return
    Presence.objects.update_or_create(
        channel_name=channel_name,
        defaults={
            "workshop_id": workshop_id,
            "delegate_id": delegate_id,
            "process": POLLING,  # no server process refreshes it: only its polls do
            "seen_at": now,
        },
    )
    changed(workshop_id, {"presence"})


@transaction.atomic
def refresh_presence(*, only_this_process: bool = False) -> list[int]:
    """Keep this process's sockets fresh and remove stale ones (of processes that died, and
    of phones that stopped polling).

    With `only_this_process` (one server process owns every socket, as with the in-memory
    channel layer) every other socket's row is stale at once. Broadcasts #presence to the workshops
    whose count changed; returns their ids.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.PRESENCE_STALE_SECONDS)
    mine = Presence.objects.filter(process=broadcast.PROCESS_ID)
    mine.update(seen_at=now)
    if only_this_process:
        stale = Presence.objects.exclude(process=broadcast.PROCESS_ID).exclude(
            process=POLLING, seen_at__gte=cutoff
        )
    else:
        stale = Presence.objects.filter(seen_at__lt=cutoff)
    workshop_ids = sorted(set(stale.values_list("workshop_id", flat=True)))
    stale.delete()
    for workshop in Workshop.objects.filter(pk__in=workshop_ids):
        _changed(workshop, {"presence"})
    return workshop_ids


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

    Broadcasts #agenda on commit.
    """
    locked = lock_open_workshop(workshop.pk)
    if not changed(locked.pk, {"agenda"}, key=key):
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
def set_step_config(*, workshop: Workshop, step: Step, changes: dict) -> Step:
    """Change some of a step's settings; broadcasts the step's regions on commit."""
    lock_open_workshop(workshop.pk)
    step = Step.objects.select_for_update().get(pk=step.pk, workshop=workshop)
    step.config = {**step.config, **changes}
    step.save(update_fields=["config"])
    changed(workshop.pk, {"step", "commitments"})
    return step


@transaction.atomic
def edit_step(*, step: Step, title: str, body: str) -> Step:
    """Change a step's text; broadcasts #agenda and, if it is showing, #step."""
    workshop = lock_open_workshop(step.workshop_id)
    step.title = title
    step.body = body
    step.save(update_fields=["title", "body"])
    _changed(workshop, {"agenda", "step"} if workshop.current_step_id == step.pk else {"agenda"})
    return step


@transaction.atomic
def delete_step(*, step: Step) -> None:
    """Remove a step; if the room was on it, the room waits. Broadcasts on commit."""
    workshop = lock_open_workshop(step.workshop_id)
    showing = workshop.current_step_id == step.pk
    step.delete()
    _renumber(workshop)
    _changed(workshop, set(STEP_REGIONS) if showing else {"agenda"})


@transaction.atomic
def move_step(*, step: Step, offset: int) -> None:
    """Move a step up (-1) or down (+1) the agenda; broadcasts #agenda on commit."""
    workshop = lock_open_workshop(step.workshop_id)
    steps = list(workshop.steps.all())
    index = next(i for i, s in enumerate(steps) if s.pk == step.pk)
    target = index + offset
    if not 0 <= target < len(steps):
        return
    steps.insert(target, steps.pop(index))
    _renumber(workshop, steps)
    _changed(workshop, {"agenda"})


def _renumber(workshop: Workshop, steps: list[Step] | None = None) -> None:
    ordered = steps if steps is not None else list(workshop.steps.all())
    for position, each in enumerate(ordered):
        if each.position != position:
            each.position = position
            each.save(update_fields=["position"])


@transaction.atomic
def show_step(*, workshop: Workshop, step: Step | None) -> Workshop:
    """Move the room to `step` (None: back to the waiting screen).

    Broadcasts every region that depends on the step (`STEP_REGIONS`) on commit.
    """
    locked = lock_open_workshop(workshop.pk)
    if step is not None and step.workshop_id != locked.pk:
        raise NotFound("That step is not part of this workshop.")
    if locked.current_step_id != (step.pk if step else None):
        locked.current_step = step
        locked.save(update_fields=["current_step"])
        _changed(locked, set(STEP_REGIONS))
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
