"""What the timer's partials show (`workshops/timer/timer.html`, and the console's
`workshops/timer/controls.html`): the live regions and the remote build it with
`timer_context`."""

from __future__ import annotations

import datetime
import math
import uuid
from typing import Any

from django.utils import timezone

from sessions.agenda.clock import minutes_clock
from sessions.models import Timer, Workshop

PRESET_MINUTES = (1, 2, 3, 5, 10)


def current_timer(workshop: Workshop) -> Timer | None:
    """The workshop's timer not stopped (running, or run out and saying "Time is up")."""
    return Timer.objects.filter(workshop=workshop, stopped_at=None).first()


# Keys of the commands on one timer drawn from its state: a double tap, or two consoles
# pressing what they both show, lands once; a press after the push carries a new key.
KEYS = uuid.UUID("6f1d3a52-8d0e-4c55-9a43-2b7f0c9e1d10")


def command_key(timer: Timer, verb: str) -> str:
    return str(uuid.uuid5(KEYS, f"{timer.pk}:{verb}:{timer.ends_at.timestamp()}"))


def timer_context(workshop: Workshop, *, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The workshop's timer (None when none is on screen), when it ends in the event's time
    zone ("10:42"), whether it has run out, and the console's keys for its buttons."""
    timer = None if workshop.is_closed else current_timer(workshop)
    if timer is None:
        return {"timer": None, "timer_presets": PRESET_MINUTES, "timer_key": uuid.uuid4()}
    now = now or timezone.now()
    until = timezone.localtime(timer.ends_at, workshop.event.zone)
    return {
        "timer": timer,
        "timer_presets": PRESET_MINUTES,
        "timer_until": f"{until:%H:%M}",
        "timer_ran_out": timer.ends_at <= now,
        # What the countdown shows at page load ("4:59"; live.js ticks it from there).
        "timer_left": minutes_clock(max(0, math.ceil((timer.ends_at - now).total_seconds()))),
        "timer_key": uuid.uuid4(),
        "timer_add_key": command_key(timer, "add"),
        "timer_stop_key": command_key(timer, "stop"),
    }
