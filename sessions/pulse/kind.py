"""The pulse step: the delegate's answer form on the phones, the answers on every screen
once shown, the results in the archive, and the answers' export."""

from __future__ import annotations

from sessions.models import Pulse, Step
from sessions.pulse import services
from sessions.pulse.exports import PULSE
from sessions.pulse.read import pulse_context, pulse_results
from sessions.steps import StepKind, register

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

    def add(self, workshop, form) -> Step:
        data = form.cleaned_data
        return services.add_pulse_step(
            workshop=workshop, title=data["title"], body=data["body"], key=form.command_key()
        )

    def context(self, step, names, audience, delegate, request) -> dict:
        return pulse_context(step, names, delegate, request)

    def record(self, step, *, facilitator):
        pulse: Pulse | None = getattr(step, "pulse", None)
        if pulse is None:
            return None
        return {"pulse": pulse, "pulse_results": pulse_results(pulse)}


PULSE_KIND = register(PulseKind())
