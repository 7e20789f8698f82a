"""The "Since last time" step: the last edition's commitments and the challenges that moved,
as an opening for this edition's workshop."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sessions.agenda.kind import MessageKind
from sessions.editions.compare import since_last_time
from sessions.models import Step
from sessions.steps import register

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sessions.models import Delegate

LIVE = "workshops/editions/since.html"


class SinceLastTimeKind(MessageKind):
    """Added like a message; on screen it draws the series' last edition, suppressed as the
    comparison is (`sessions.editions.compare`)."""

    value = Step.Kind.SINCE
    partials = {
        "delegate.step": f"{LIVE}#delegate_step",
        "projector.step": f"{LIVE}#room_step",
        "facilitator.step": f"{LIVE}#room_step",
    }

    def context(
        self,
        step: Step,
        names: tuple[str, ...],
        audience: str,
        delegate: Delegate | None,
        request: HttpRequest | None,
    ) -> dict[str, Any]:
        return {"since": since_last_time(step.workshop.event)}


SINCE = register(SinceLastTimeKind())
