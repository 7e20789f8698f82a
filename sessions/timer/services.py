"""The timer's verbs: start, a minute more, stop.

One timer runs per workshop at a time, over whatever step is on screen (or the waiting
screen): moving the room keeps a running timer; one that has run out is done with when the
room moves on (`sessions.agenda.clock.step_changed`) or another starts. Each verb locks the
workshop, refuses a finished one, records a `Change` under the command's key (a replay does
nothing) and pushes #timer to every screen on commit, and again when the timer runs out.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions.agenda.services import changed, lock_open_workshop
from sessions.errors import Conflict, InvalidInput
from sessions.live import broadcast, events
from sessions.models import TIMER_LABEL_MAX, TIMER_MINUTES_MAX, Timer, Workshop
from sessions.timer.read import current_timer

# A push a moment after the end, so the server's "Time is up" comes after the pages' own.
END_PUSH_DELAY = 0.2
TIMER_GONE = _("That timer has already stopped; nothing was changed.")


def _running(workshop: Workshop, timer_id: int) -> Timer:
    timer = current_timer(workshop)
    if timer is None or timer.pk != timer_id:
        raise Conflict(TIMER_GONE)
    return timer


def _push_at_end(workshop: Workshop, timer: Timer) -> None:
    seconds = (timer.ends_at - timezone.now()).total_seconds()
    broadcast.happened(workshop.pk, events.TIMER_ENDED, delay=max(0.0, seconds) + END_PUSH_DELAY)


@transaction.atomic
def start_timer(
    *, workshop: Workshop, minutes: int, label: str = "", key: str | None = None
) -> Timer | None:
    """Start a timer of `minutes` (1 to TIMER_MINUTES_MAX) with an optional `label`, in place
    of any timer not stopped. None for a replayed `key` (nothing changes). Broadcasts #timer
    on commit and when it runs out."""
    if not 1 <= minutes <= TIMER_MINUTES_MAX:
        raise InvalidInput(
            _("A timer runs from 1 to %(most)d minutes.") % {"most": TIMER_MINUTES_MAX},
            {"minutes": [_("Give 1 to %(most)d minutes.") % {"most": TIMER_MINUTES_MAX}]},
        )
    if len(label) > TIMER_LABEL_MAX:
        raise InvalidInput(
            _("Keep the label to %(most)d characters.") % {"most": TIMER_LABEL_MAX},
            {"label": [_("Keep it to %(most)d characters.") % {"most": TIMER_LABEL_MAX}]},
        )
    locked = lock_open_workshop(workshop.pk)
    if not changed(locked.pk, events.TIMER_STARTED, key=key):
        return None
    now = timezone.now()
    Timer.objects.filter(workshop=locked, stopped_at=None).update(stopped_at=now)
    timer = Timer.objects.create(
        workshop=locked,
        label=label,
        started_at=now,
        ends_at=now + timedelta(minutes=minutes),
    )
    _push_at_end(locked, timer)
    return timer


@transaction.atomic
def add_minute(*, workshop: Workshop, timer_id: int, key: str | None = None) -> Timer | None:
    """One more minute on the timer `timer_id` (from now if it has run out). Refuses
    (Conflict) a timer no longer on screen, or one that would run past TIMER_MINUTES_MAX
    from now. None for a replayed `key`. Broadcasts #timer on commit and at its new end."""
    locked = lock_open_workshop(workshop.pk)
    # A replay is answered as landed before any refusal (which rolls the change back).
    if not changed(locked.pk, events.TIMER_EXTENDED, key=key):
        return None
    timer = _running(locked, timer_id)
    now = timezone.now()
    ends_at = max(timer.ends_at, now) + timedelta(minutes=1)
    if ends_at - now > timedelta(minutes=TIMER_MINUTES_MAX):
        raise Conflict(
            _("A timer runs at most %(most)d minutes; nothing was changed.")
            % {"most": TIMER_MINUTES_MAX}
        )
    timer.ends_at = ends_at
    timer.save(update_fields=["ends_at"])
    _push_at_end(locked, timer)
    return timer


@transaction.atomic
def stop_timer(*, workshop: Workshop, timer_id: int, key: str | None = None) -> Timer | None:
    """Stop (or clear, once it has run out) the timer `timer_id`. Refuses (Conflict) a timer
    no longer on screen: a stale button, or one another tab stopped. None for a replayed
    `key`. Broadcasts #timer on commit."""
    locked = lock_open_workshop(workshop.pk)
    # A replay is answered as landed before any refusal (which rolls the change back).
    if not changed(locked.pk, events.TIMER_STOPPED, key=key):
        return None
    timer = _running(locked, timer_id)
    timer.stopped_at = timezone.now()
    timer.save(update_fields=["stopped_at"])
    return timer
