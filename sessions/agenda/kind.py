"""The plain message step: a title and a text on every screen, nothing more."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sessions.agenda.services import add_step
from sessions.models import Step
from sessions.steps import StepKind, register

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sessions.agenda.forms import StepForm
    from sessions.models import Delegate, Workshop


class MessageKind(StepKind):
    value = Step.Kind.MESSAGE

    def add(self, workshop: Workshop, form: StepForm) -> Step | None:
        data = form.cleaned_data
        return add_step(
            workshop=workshop,
            title=data["title"],
            body=data["body"],
            kind=self.value,
            key=form.command_key(),
        )

    def context(
        self,
        step: Step,
        names: tuple[str, ...],
        audience: str,
        delegate: Delegate | None,
        request: HttpRequest | None,
    ) -> dict[str, Any]:
        return {}

    def record(self, step: Step, *, facilitator: bool) -> dict[str, Any] | None:
        return None


MESSAGE = register(MessageKind())
