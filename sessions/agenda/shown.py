"""What a console command was shown for, so that it never acts on something else.

A console's buttons stay on screen for a moment after the room has moved on (the push that
redraws them is on its way): a quick "Open" must not reopen the previous step's vote. Every
console command form therefore carries a hidden `shown` field, drawn by the `shown` template
filter (sessions/templatetags/console.py):

- `"12"`: the room was on step 12 (`""`: on the waiting screen);
- `"12:open-hidden"`: on step 12, and the thing the form controls (a vote, an ideas board, a
  pulse, a commitment wall) was in that state. A form carries the aspects of the state its
  buttons depend on (open shown while closed, start stage 2 shown while stage 1 ran), and
  only those: the others (hiding an idea, say) carry the step only.

`as_shown` carries out a command only while both still hold, checked with the workshop row
locked so that no "show" can slip in between; otherwise it refuses (409) and nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from sessions.errors import NOT_UNDERSTOOD, Conflict, InvalidInput
from sessions.models import Board, Poll, Pulse, Step, WordCloud, Workshop

FIELD = "shown"
_TOKEN = re.compile(r"^(?P<step>[0-9]{1,12})?(?::(?P<state>[a-z0-9-]{1,60}))?$")


def _on_off(value: bool, on: str, off: str) -> str:
    return on if value else off


def state_of(target: Poll | Board | Pulse | WordCloud | Step) -> dict[str, str]:
    """The states a control's meaning may depend on, by aspect, each a short word (the words
    differ across aspects, so a posted set of them is checked by inclusion)."""
    if isinstance(target, Poll | Pulse):
        is_open = target.accepting if isinstance(target, Poll) else target.is_open
        return {
            "open": _on_off(is_open, "open", "closed"),
            "revealed": _on_off(target.revealed, "shown", "hidden"),
        }
    if isinstance(target, Board):
        return {
            "open": _on_off(target.is_open, "open", "closed"),
            "stage": f"stage{'none' if target.stage is None else target.stage}",
            "names": _on_off(target.show_names, "names", "nonames"),
            "approval": _on_off(target.needs_approval, "approval", "noapproval"),
        }
    if isinstance(target, WordCloud):
        return {
            "open": _on_off(target.is_open, "open", "closed"),
            "approval": _on_off(target.needs_approval, "approval", "noapproval"),
        }
    if isinstance(target, Step):  # a commitment step: the wall shows names or not
        return {"names": _on_off(target.config.get("show_names", False), "names", "nonames")}
    raise TypeError(f"No console state for {type(target).__name__}")


WHAT = {
    Poll: _("The vote"),
    Board: _("The ideas step"),
    Pulse: _("The pulse"),
    WordCloud: _("The word cloud"),
    Step: _("The commitment wall"),
}


def token(target: Workshop | Poll | Board | Pulse | WordCloud | Step, aspects: str = "") -> str:
    """The `shown` value for a form drawn now: the room's step and, for a target, its state
    in the comma-separated `aspects` its buttons depend on (all of them when empty). A form
    carries only what its buttons mean: "Reveal" does not care whether voting is open, so
    "Close" then a quick "Reveal" is not refused."""
    if isinstance(target, Workshop):
        return str(target.current_step_id or "")
    states = state_of(target)
    wanted = [a.strip() for a in aspects.split(",") if a.strip()] or list(states)
    return f"{_step_of(target)}:{'-'.join(states[aspect] for aspect in wanted)}"


def _step_of(target: Poll | Board | Pulse | WordCloud | Step) -> int:
    return target.pk if isinstance(target, Step) else target.step_id


def moved_on(step: Step | None) -> StrOrPromise:
    if step is None:
        return _("The room has moved on to the waiting screen; nothing was changed.")
    return _("The room has moved on to “%(title)s”; nothing was changed.") % {"title": step.title}


def _parse(value: str) -> tuple[int | None, str | None]:
    match = _TOKEN.match(value)
    if match is None:
        raise InvalidInput(NOT_UNDERSTOOD)
    step = match["step"]
    return (int(step) if step else None), match["state"]


@contextmanager
def as_shown(
    request: HttpRequest,
    workshop: Workshop,
    target: Poll | Board | Pulse | WordCloud | Step | None = None,
) -> Iterator[None]:
    """Run the command in the `with` block only if the room is still on the step the form
    was shown for and, when the form says, `target` is still in the state it was shown in.

    Refuses (Conflict, 409) otherwise; the check and the command share one transaction, with
    the workshop row locked first (NO KEY UPDATE on PostgreSQL: votes in flight, which only
    reference the row, pass; other console commands queue). A post without the field (a
    script) is carried out as it comes.
    """
    posted = request.POST.get(FIELD)
    if posted is None:
        yield
        return
    seen_step, seen_state = _parse(posted.strip())
    with transaction.atomic():
        room = (
            Workshop.objects.select_for_update(no_key=True, of=("self",))
            .select_related("current_step")
            .get(pk=workshop.pk)
        )
        on_step = room.current_step_id
        if on_step != seen_step or (target is not None and _step_of(target) != on_step):
            raise Conflict(moved_on(room.current_step))
        if seen_state is not None and target is not None:
            now = type(target).objects.get(pk=target.pk)
            if not set(seen_state.split("-")) <= set(state_of(now).values()):
                raise Conflict(
                    _(
                        "%(what)s has changed since your screen showed it; nothing was "
                        "changed. Look again and choose."
                    )
                    % {"what": WHAT[type(target)]}
                )
        yield
