"""A rehearsal from start to verdict: one at a time, its room removed in every outcome.

`begin` records a running rehearsal (refused while another runs); `run` makes the room,
drives it over the network (`sessions.rehearsal.drive`), removes the room and records the
figures and the verdict, whatever happened (an error, Ctrl-C). `start_in_background` does
both from the console, on a thread with its own event loop inside the server.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions.errors import Conflict
from sessions.models import Event, Rehearsal
from sessions.rehearsal import drive
from sessions.rehearsal.figures import Figures, judge
from sessions.rehearsal.room import USERNAME_PREFIX, Room, make_room, remove_room, stored_dots

log = logging.getLogger(__name__)
T = TypeVar("T")

# A rehearsal still "running" after this long was cut off (its server stopped during it).
ABANDONED_AFTER = datetime.timedelta(minutes=30)
_starting = threading.Lock()


@dataclass(frozen=True)
class Options:
    phones: int
    join_seconds: float
    vote_seconds: float
    send_seconds: float
    dots: int = 3

    @classmethod
    def for_room(cls, phones: int, **given: Any) -> Options:
        """A room's pace: a hall of 300 scans the QR code over about 30 s, places its dots
        within 15 s, and types its ideas and commitments over 30 s each; a small room is
        quicker (3 s at least for each)."""
        pace = {
            "join_seconds": min(30.0, max(3.0, phones / 10)),
            "vote_seconds": min(15.0, max(3.0, phones / 20)),
            "send_seconds": min(30.0, max(3.0, phones / 10)),
        }
        return cls(phones=phones, **(pace | {k: v for k, v in given.items() if v is not None}))


def begin(*, url: str, phones: int, started_from: str, user: User | None = None) -> Rehearsal:
    """Record a running rehearsal; Conflict while another one runs. First tidies away what
    a rehearsal cut off by a stopped server left."""
    with _starting, transaction.atomic():
        sweep_abandoned()
        if Rehearsal.objects.filter(state=Rehearsal.State.RUNNING).exists():
            raise Conflict(
                _("A rehearsal is already running. Wait for its verdict, then start another.")
            )
        return Rehearsal.objects.create(
            phones=phones, url=url, started_from=started_from, started_by=user
        )


def sweep_abandoned() -> None:
    cut_off = timezone.now() - ABANDONED_AFTER
    Rehearsal.objects.filter(state=Rehearsal.State.RUNNING, started_at__lt=cut_off).update(
        state=Rehearsal.State.FAILED,
        verdict=_("Could not run: the server stopped during the rehearsal."),
        finished_at=timezone.now(),
    )
    if not Rehearsal.objects.filter(state=Rehearsal.State.RUNNING).exists():
        Event.objects.filter(is_rehearsal=True).delete()
        get_user_model().objects.filter(
            username__startswith=USERNAME_PREFIX, facilitated_events=None
        ).delete()


def run(rehearsal: Rehearsal, options: Options) -> tuple[Rehearsal, Figures | None]:
    """Make the room, drive it, remove it, record the outcome. Call with no event loop
    running in this thread. Ctrl-C is recorded as a failure and raised again."""
    plan = drive.Plan(
        url=rehearsal.url,
        phones=options.phones,
        join_seconds=options.join_seconds,
        vote_seconds=options.vote_seconds,
        send_seconds=options.send_seconds,
    )
    room: Room | None = None
    try:
        asyncio.run(drive.check_reachable(plan.url))
        room = make_room(dots=options.dots)
        today = Event.objects.get(pk=room.event_id).local_today()
        figures = asyncio.run(_drive(rehearsal.pk, plan, room, today))
    except drive.CouldNotRun as error:
        return _finish(rehearsal, Rehearsal.State.FAILED, _("Could not run: %s.") % error), None
    except BaseException as error:
        why = "interrupted" if isinstance(error, KeyboardInterrupt) else repr(error)
        _finish(rehearsal, Rehearsal.State.FAILED, _("Could not run: %s.") % why)
        raise
    finally:
        if room is not None:
            remove_room(room)
    held, verdict = judge(figures)
    state = Rehearsal.State.HELD if held else Rehearsal.State.NOT_HELD
    return _finish(rehearsal, state, verdict, figures.as_json()), figures


async def _drive(rehearsal_id: int, plan: drive.Plan, room: Room, today: datetime.date) -> Figures:
    async def progress(text: str) -> None:
        await _in_thread(
            lambda: Rehearsal.objects.filter(pk=rehearsal_id).update(progress=text[:200])
        )

    async def stored() -> dict[int, int]:
        return await _in_thread(lambda: stored_dots(room.poll_id))

    return await drive.rehearse(plan, room, today, stored, progress)


async def _in_thread(function: Callable[[], T]) -> T:
    """Database work from the event loop, on a worker thread whose connection is closed
    after it (the loop's threads outlive no rehearsal)."""

    def closing() -> T:
        try:
            return function()
        finally:
            connection.close()

    return await asyncio.to_thread(closing)


def _finish(
    rehearsal: Rehearsal, state: str, verdict: str, figures: dict[str, Any] | None = None
) -> Rehearsal:
    rehearsal.state = state
    rehearsal.verdict = verdict
    rehearsal.figures = figures or {}
    rehearsal.progress = ""
    rehearsal.finished_at = timezone.now()
    rehearsal.save(update_fields=["state", "verdict", "figures", "progress", "finished_at"])
    return rehearsal


def start_in_background(*, url: str, phones: int, user: User) -> Rehearsal:
    """Begin a rehearsal (Conflict while one runs) and run it on a thread of its own, with
    its own event loop, inside this server process."""
    rehearsal = begin(url=url, phones=phones, started_from="console", user=user)

    def in_thread() -> None:
        try:
            run(rehearsal, Options.for_room(phones))
        except Exception:
            log.exception("The rehearsal %s failed", rehearsal.pk)
        finally:
            connection.close()

    threading.Thread(target=in_thread, name=f"rehearsal-{rehearsal.pk}", daemon=True).start()
    return rehearsal
