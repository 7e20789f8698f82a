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
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

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
        return "on time"
    unit = "minute" if minutes == 1 else "minutes"
    return f"{minutes} {unit} {'behind' if seconds > 0 else 'ahead'}"


@dataclass(frozen=True)
class Clock:
    """The clock at `now` (epoch seconds); see the module's docstring for the rule."""

    now: int
    started_at: datetime.datetime | None
    finished: bool
    elapsed_seconds: int
    step_seconds: int | None  # None: no step on screen
    planned_minutes: int | None  # the step on screen's
    lag_seconds: int
    lag_grows_from: int | None  # epoch seconds; None: it does not grow by itself

    @property
    def started(self) -> bool:
        return self.started_at is not None

    @property
    def step_since(self) -> int:
        """When the step on screen's time was zero, counting its earlier stretches."""
        return self.now - (self.step_seconds or 0)

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
    """The workshop's clock at `now` (default: the current time)."""
    now = now or timezone.now()
    end = workshop.closed_at or now
    spent: dict[int | None, float] = {}
    for showing in Showing.objects.filter(workshop=workshop):
        until = showing.ended_at or end
        stretch = max(0.0, (until - showing.started_at).total_seconds())
        spent[showing.step_id] = spent.get(showing.step_id, 0.0) + stretch
    plans = dict(workshop.steps.values_list("pk", "planned_minutes"))
    current = None if workshop.is_closed else workshop.current_step_id
    planned_so_far = 0.0
    for step_id, seconds in spent.items():
        plan = plans.get(step_id) if step_id is not None else None
        if plan is None:
            planned_so_far += seconds
        elif step_id == current:
            planned_so_far += min(seconds, plan * 60)
        else:
            planned_so_far += plan * 60
    elapsed = (end - workshop.started_at).total_seconds() if workshop.started_at else 0.0
    on_step = int(spent.get(current, 0.0)) if current is not None else None
    plan_now = plans.get(current) if current is not None else None
    return Clock(
        now=_epoch(now),
        started_at=workshop.started_at,
        finished=workshop.is_closed,
        elapsed_seconds=int(elapsed),
        step_seconds=on_step,
        planned_minutes=plan_now,
        lag_seconds=round(elapsed - planned_so_far),
        lag_grows_from=_grows_from(workshop, now, on_step, plan_now),
    )


def _grows_from(
    workshop: Workshop, now: datetime.datetime, on_step: int | None, plan: int | None
) -> int | None:
    if workshop.is_closed or workshop.started_at is None:
        return None
    if on_step is None:
        return _epoch(now)  # the waiting screen: time no plan has
    if plan is None:
        return None
    return _epoch(now) + max(0, plan * 60 - on_step)


def clock_context(workshop: Workshop, *, now: datetime.datetime | None = None) -> dict[str, Any]:
    """What `workshops/clock/clock.html` needs: the console's presenter bar and the remote
    include it with this context."""
    return {"clock": read_clock(workshop, now=now)}


def plan_totals(steps: list[Step]) -> dict[str, Any]:
    """The agenda's planned minutes in total, and how many steps have no plan."""
    planned = [step.planned_minutes for step in steps if step.planned_minutes is not None]
    return {"planned_total": sum(planned), "unplanned_count": len(steps) - len(planned)}
