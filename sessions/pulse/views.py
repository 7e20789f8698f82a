"""The closing pulse (delegates answer, the facilitator runs it) and finishing a workshop."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sessions import ratelimit
from sessions.access import get_membership, get_workshop_for_facilitator, required_on_screen
from sessions.agenda.shown import as_shown
from sessions.errors import NOT_UNDERSTOOD, InvalidInput
from sessions.live.audiences import FACILITATOR
from sessions.live.views import answer
from sessions.models import Delegate, Pulse, PulseAnswer, Step, Workshop
from sessions.pulse import services as pulse_service
from sessions.pulse.forms import PulseAnswerForm, PulseControlForm
from sessions.pulse.read import render_my_pulse
from sessions.requests import AuthenticatedHttpRequest, HtmxHttpRequest
from sessions.responses import form_refused, with_flash

if TYPE_CHECKING:
    from sessions.errors import FieldErrors

# --- delegates -----------------------------------------------------------------------------


PULSE_MOVED_ON = _("The room has moved on: the pulse is not on screen now.")


@never_cache
@require_GET
def my_pulse(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """The delegate's pulse form with their answer (fetched when the pulse shows)."""
    workshop, delegate = get_membership(request, workshop_id)
    return HttpResponse(
        render_my_pulse(required_on_screen(Pulse, workshop, PULSE_MOVED_ON), delegate.pk, request)
    )


@require_POST
def pulse_answer(request: HtmxHttpRequest, workshop_id: int) -> HttpResponse:
    """Answer (or change the answer to) the pulse. Answers with the delegate's form showing
    what was stored, or what was wrong (400) with what they typed kept."""
    workshop, delegate = get_membership(request, workshop_id)
    ratelimit.keep_pace(delegate.pk)
    form = PulseAnswerForm(request.POST)
    if not form.is_valid():
        if "pulse" in form.errors or not request.htmx:
            message = "; ".join(" ".join(str(m) for m in e) for e in form.errors.values())
            raise InvalidInput(message or NOT_UNDERSTOOD, form.errors)
        return _form_again(request, workshop, delegate, form.errors)
    data = form.cleaned_data
    try:
        stored = pulse_service.answer_pulse(
            workshop_id=workshop.pk,
            delegate_id=delegate.pk,
            pulse_id=data["pulse"],
            usefulness=data["usefulness"],
            word=data["word"],
            key=form.command_key(),
        )
    except InvalidInput as refusal:
        if not request.htmx:
            raise
        return _form_again(request, workshop, delegate, refusal.errors)
    if not request.htmx:
        return redirect("workshops:phone", workshop_id=workshop.pk)
    pulse = Pulse.objects.select_related("step").get(pk=data["pulse"])
    acknowledged = _("Already counted.") if stored is None else ""
    return with_flash(render_my_pulse(pulse, delegate.pk, request, sent=True), acknowledged)


def _form_again(
    request: HttpRequest, workshop: Workshop, delegate: Delegate, errors: FieldErrors
) -> HttpResponse:
    html = render_my_pulse(
        required_on_screen(Pulse, workshop, PULSE_MOVED_ON),
        delegate.pk,
        request,
        errors=errors,
        data=request.POST,
    )
    return form_refused(html, errors)


# --- the facilitator -----------------------------------------------------------------------


@login_required
@require_POST
def pulse_control(
    request: AuthenticatedHttpRequest, workshop_id: int, pulse_id: int
) -> HttpResponse:
    """Open, close, reveal or hide the pulse."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    pulse = pulse_service.pulse_for(workshop, pulse_id)
    form = PulseControlForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(NOT_UNDERSTOOD)
    action = form.cleaned_data["action"]
    with as_shown(request, workshop, pulse):
        if action in {"open", "close"}:
            verb = pulse_service.open_pulse if action == "open" else pulse_service.close_pulse
            verb(pulse=pulse)
        else:
            pulse_service.reveal_pulse(pulse=pulse, revealed=action == "reveal")
    message = {
        "open": _("The pulse is open."),
        "close": _("The pulse is closed."),
        "reveal": _("Pulse results are on the projector."),
        "hide": _("Pulse results are hidden."),
    }[action]
    return answer(
        request,
        reverse("workshops:console", args=[workshop.pk]),
        workshop_id=workshop.pk,
        audience=FACILITATOR,
        regions=("step", "results", "agenda"),
        message=message,
    )


@login_required
@require_GET
def finish(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    """Finishing asks first: take the pulse (adding the step if the agenda has none), or
    close now."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    pulse_step = (
        Step.objects.filter(workshop=workshop, kind=Step.Kind.PULSE).order_by("-position").first()
    )
    answers = PulseAnswer.objects.filter(pulse__step=pulse_step).count() if pulse_step else 0
    context = {"workshop": workshop, "pulse_step": pulse_step, "answers": answers}
    return render(request, "workshops/finish.html", context)


@login_required
@require_POST
def pulse_first(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    """Put the pulse on screen and open it (adding a pulse step if there is none)."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    with as_shown(request, workshop):
        pulse_service.pulse_before_closing(workshop=workshop)
    return redirect("workshops:console", workshop_id=workshop.pk)
