"""The plain message step: a title and a text on every screen, nothing more."""

from __future__ import annotations

from sessions.agenda.services import add_step
from sessions.models import Step
from sessions.steps import StepKind, register


class MessageKind(StepKind):
    value = Step.Kind.MESSAGE

    def add(self, workshop, form) -> Step:
        data = form.cleaned_data
        return add_step(
            workshop=workshop,
            title=data["title"],
            body=data["body"],
            kind=self.value,
            key=form.command_key(),
        )

    def context(self, step, names, audience, delegate, request) -> dict:
        return {}

    def record(self, step, *, facilitator):
        return None


MESSAGE = register(MessageKind())
