"""The "Where we are" step: the room's benchmark from the event's Productivity Snapshot."""

from __future__ import annotations

from sessions.agenda.kind import MessageKind
from sessions.models import Step
from sessions.snapshot.services import room_profile
from sessions.steps import register


class BenchmarkKind(MessageKind):
    """Added like a message; on screen it draws the event's Snapshot cohort."""

    value = Step.Kind.BENCHMARK
    partials = {
        "delegate.step": "workshops/snapshot/live.html#delegate_step",
        "projector.step": "workshops/snapshot/room.html",
        "facilitator.step": "workshops/snapshot/room.html",
    }

    def context(self, step, names, audience, delegate, request) -> dict:
        return {"room": room_profile(step.workshop.event)}  # the Snapshot's cohort, suppressed


BENCHMARK = register(BenchmarkKind())
