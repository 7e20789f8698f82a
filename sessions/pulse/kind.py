"""The pulse step: the delegate's answer form on the phones, the answers on every screen
once shown, the results in the archive, and the answers' export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sessions.models import Pulse, Step
from sessions.pulse import services
from sessions.pulse.exports import PULSE
from sessions.pulse.read import pulse_context, pulse_results
from sessions.steps import StepKind, register

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sessions.agenda.forms import StepForm
    from sessions.models import Delegate, Workshop

LIVE = "workshops/pulse/live.html"


class PulseKind(StepKind):
    value = Step.Kind.PULSE
    partials = {
        f"{audience}.{region}": f"{LIVE}#{audience}_{region}"
        for audience in ("delegate", "projector", "facilitator")
        for region in ("step", "results")
    }
    archive_template = "workshops/archive/pulse.html"
    exports = (PULSE,)
    related = ("pulse",)

    def add(self, workshop: Workshop, form: StepForm) -> Step | None:
        data = form.cleaned_data
        return services.add_pulse_step(
            workshop=workshop, title=data["title"], body=data["body"], key=form.command_key()
        )

    def context(
        self,
        step: Step,
        names: tuple[str, ...],
        audience: str,
        delegate: Delegate | None,
        request: HttpRequest | None,
    ) -> dict[str, Any]:
        return pulse_context(step, names, delegate, request)

    def record(self, step: Step, *, facilitator: bool) -> dict[str, Any] | None:
        pulse: Pulse | None = getattr(step, "pulse", None)
        if pulse is None:
            return None
        return {"pulse": pulse, "pulse_results": pulse_results(pulse)}


PULSE_KIND = register(PulseKind())
