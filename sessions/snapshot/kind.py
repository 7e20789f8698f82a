"""The "Where we are" step: the room's benchmark from the event's Productivity Snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sessions.agenda.kind import MessageKind
from sessions.models import Step
from sessions.snapshot.services import room_profile
from sessions.steps import register

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sessions.models import Delegate


class BenchmarkKind(MessageKind):
    """Added like a message; on screen it draws the event's Snapshot cohort."""

    value = Step.Kind.BENCHMARK
    partials = {
        "delegate.step": "workshops/snapshot/live.html#delegate_step",
        "projector.step": "workshops/snapshot/room.html",
        "facilitator.step": "workshops/snapshot/room.html",
    }

    def context(
        self,
        step: Step,
        names: tuple[str, ...],
        audience: str,
        delegate: Delegate | None,
        request: HttpRequest | None,
    ) -> dict[str, Any]:
        return {"room": room_profile(step.workshop.event)}  # the Snapshot's cohort, suppressed


BENCHMARK = register(BenchmarkKind())
