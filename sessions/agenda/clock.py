"""The facilitator's clock: how long the step on screen has been on against its plan, and
whether the workshop as a whole is behind or ahead of its plan.

The rule (the README's "The clock" says the same):

- The workshop starts when its first step goes on screen (`Workshop.started_at`). Elapsed
  time runs from then until now, or until the workshop finished.
- A step's time is the sum of its stretches on screen (`Showing`): showing it again adds to
  it. A step counts as done once the room has moved off it; going back makes it current.
- Planned so far: the planned minutes of every done step (a step without planned minutes,
  or since deleted, counts as planned for exactly the time it took), plus the current
  step's time so far, up to its planned minutes (all of it without a plan).
- Lag = elapsed - planned so far. Its whole minutes say "n minutes behind" (lag > 0) or
  "n minutes ahead" (lag < 0); under a minute either way is "on time".

So the lag grows only while the step on screen runs past its plan, or while the room is on
the waiting screen between steps (time no plan has), and shrinks only when a step is left
before its planned minutes are up. Pages tick the clock themselves (`live.js`) from the
moment the lag starts growing; the server pushes only when something changes.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext, ngettext

from sessions.models import Showing, Step, Timer, Workshop


def step_changed(workshop: Workshop, step: Step | None, now: datetime.datetime) -> None:
    """Inside the transaction that moves the room to `step` (None: the waiting screen): the
    step on screen goes off it, `step` comes on, and the workshop starts with its first step.
    A timer that has already run out is done with once the room moves on (a running one
    stays until it runs out or is stopped). The caller saves `workshop.started_at`."""
    Showing.objects.filter(workshop=workshop, ended_at=None).update(ended_at=now)
    if step is not None:
        Showing.objects.create(workshop=workshop, step=step, started_at=now)
        if workshop.started_at is None:
            workshop.started_at = now
    Timer.objects.filter(workshop=workshop, stopped_at=None, ends_at__lte=now).update(
        stopped_at=now
    )


def workshop_finished(workshop: Workshop, now: datetime.datetime) -> None:
    """Inside the transaction that finishes the workshop: the clock and any timer stop."""
    Showing.objects.filter(workshop=workshop, ended_at=None).update(ended_at=now)
    Timer.objects.filter(workshop=workshop, stopped_at=None).update(stopped_at=now)


def _epoch(moment: datetime.datetime) -> int:
    return int(moment.timestamp())


def minutes_clock(seconds: int) -> str:
    """ "m:ss", as the countdowns show time (`live.js` draws the same)."""
    return f"{seconds // 60}:{seconds % 60:02d}"


def lag_text(seconds: int) -> str:
    """The lag in words (`live.js` draws the same while it ticks)."""
    minutes = abs(seconds) // 60
    if minutes == 0:
        return gettext("on time")
    if seconds > 0:
        words = ngettext("%(n)d minute behind", "%(n)d minutes behind", minutes)
    else:
        words = ngettext("%(n)d minute ahead", "%(n)d minutes ahead", minutes)
    return words % {"n": minutes}


@dataclass(frozen=True)
class Clock:
    """The clock at `now` (epoch seconds); see the module's docstring for the rule."""

    now: int
    started_at: datetime.datetime | None
    finished: bool
    elapsed_seconds: int
    step_seconds: int | None  # None: no step on screen
    step_since: int | None  # epoch seconds when its time was zero, its earlier times counted
    planned_minutes: int | None  # the step on screen's
    lag_seconds: int  # at `now`
    lag_base: int  # at `lag_grows_from` (or at any time, when that is None)
    lag_grows_from: int | None  # epoch seconds; None: it does not grow by itself

    @property
    def started(self) -> bool:
        return self.started_at is not None

    @property
    def step_clock(self) -> str:
        return minutes_clock(self.step_seconds or 0)

    @property
    def elapsed_clock(self) -> str:
        return minutes_clock(self.elapsed_seconds)

    @property
    def over_plan(self) -> bool:
        planned = self.planned_minutes
        return planned is not None and (self.step_seconds or 0) > planned * 60

    @property
    def lag_text(self) -> str:
        return lag_text(self.lag_seconds)


def read_clock(workshop: Workshop, *, now: datetime.datetime | None = None) -> Clock:
    """The workshop's clock at `now` (default: the current time).

    What the page ticks from (when the step on screen's time was zero, when the lag starts
    growing and the lag then) is drawn from the stored times alone, never from `now`: every
    drawing of the same state carries the same values, whenever it is drawn."""
    now = now or timezone.now()
    end = workshop.closed_at or now
    current = None if workshop.is_closed else workshop.current_step_id
    spent: dict[int | None, float] = {}
    on_since: datetime.datetime | None = None  # the step on screen's current stretch
    left_at: datetime.datetime | None = None  # when the room last left a step
    for showing in Showing.objects.filter(workshop=workshop):
        if showing.ended_at is None:
            on_since = showing.started_at
        elif left_at is None or showing.ended_at > left_at:
            left_at = showing.ended_at
        stretch = max(0.0, ((showing.ended_at or end) - showing.started_at).total_seconds())
        spent[showing.step_id] = spent.get(showing.step_id, 0.0) + stretch
    if on_since is None:
        current = None  # shown before the clock was kept: it starts with the next step
    plans = dict(workshop.steps.values_list("pk", "planned_minutes"))
    done = 0.0  # the planned time of the steps shown and left
    for step_id, seconds in spent.items():
        if step_id != current:
            plan = plans.get(step_id) if step_id is not None else None
            done += seconds if plan is None else plan * 60
    started = workshop.started_at
    elapsed = (end - started).total_seconds() if started else 0.0
    on_step = spent.get(current, 0.0) if current is not None else None
    plan_now = plans.get(current) if current is not None else None
    allowance = 0.0 if on_step is None else min(on_step, (plan_now or 0) * 60 or on_step)
    lag = round(elapsed - done - allowance)
    since = None
    if on_step is not None and on_since is not None:
        earlier = on_step - (end - on_since).total_seconds()
        since = math.floor(on_since.timestamp() - earlier)
    grows_from = None
    base = lag
    if started is not None and not workshop.is_closed:
        anchor = _growth_start(on_since, left_at, since, plan_now)
        if anchor is not None:
            grows_from = math.floor(anchor)
            planned_then = done + (plan_now or 0) * 60
            base = round(grows_from - started.timestamp() - planned_then)
            lag = base + max(0, math.floor(now.timestamp()) - grows_from)
    return Clock(
        now=_epoch(now),
        started_at=started,
        finished=workshop.is_closed,
        elapsed_seconds=int(elapsed),
        step_seconds=None if on_step is None else int(on_step),
        step_since=since,
        planned_minutes=plan_now,
        lag_seconds=lag,
        lag_base=base,
        lag_grows_from=grows_from,
    )


def _growth_start(
    on_since: datetime.datetime | None,
    left_at: datetime.datetime | None,
    since: int | None,
    plan: int | None,
) -> float | None:
    """When the lag starts growing a second a second (epoch seconds): when the step on
    screen reaches its plan, or when the room left its last step for the waiting screen;
    None while it holds (a step without a plan)."""
    if on_since is None:
        return left_at.timestamp() if left_at is not None else None
    if plan is None or since is None:
        return None
    return since + plan * 60


def clock_context(workshop: Workshop, *, now: datetime.datetime | None = None) -> dict[str, Any]:
    """What `workshops/clock/clock.html` needs: the console's presenter bar and the remote
    include it with this context."""
    return {"clock": read_clock(workshop, now=now)}


def plan_totals(steps: list[Step]) -> dict[str, Any]:
    """The agenda's planned minutes in total, and how many steps have no plan."""
    planned = [step.planned_minutes for step in steps if step.planned_minutes is not None]
    return {"planned_total": sum(planned), "unplanned_count": len(steps) - len(planned)}
