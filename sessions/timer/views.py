"""The console's timer commands: start, a minute more, stop. Each answers with #timer (htmx)
or back to the console; refusals are 4xx answers with their message (a bad start redraws
the form with the message by its field)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from sessions.access import get_workshop_for_facilitator
from sessions.commands import invalid_form
from sessions.live.audiences import FACILITATOR
from sessions.live.views import answer
from sessions.requests import AuthenticatedHttpRequest
from sessions.timer import services
from sessions.timer.forms import TimerForm, TimerStartForm
from sessions.timer.read import timer_context


def _done(request: AuthenticatedHttpRequest, workshop_id: int, message: str) -> HttpResponse:
    return answer(
        request,
        reverse("workshops:console", args=[workshop_id]),
        workshop_id=workshop_id,
        audience=FACILITATOR,
        regions=("timer",),
        message=message,
    )


@login_required
@require_POST
def timer_start(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    form = TimerStartForm(request.POST)
    if not form.is_valid():
        if not request.htmx:
            raise invalid_form(form)
        context = {**timer_context(workshop), "workshop": workshop, "timer_form": form}
        html = render_to_string("workshops/timer/controls.html", context, request=request)
        return HttpResponse(html, status=400)
    data = form.cleaned_data
    services.start_timer(
        workshop=workshop, minutes=data["minutes"], label=data["label"], key=form.command_key()
    )
    return _done(request, workshop.pk, str(_("Timer started.")))


def _timer_id(request: AuthenticatedHttpRequest) -> tuple[int, str | None]:
    form = TimerForm(request.POST)
    if not form.is_valid():
        raise invalid_form(form)
    return form.cleaned_data["timer"], form.command_key()


@login_required
@require_POST
def timer_add_minute(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    timer_id, key = _timer_id(request)
    services.add_minute(workshop=workshop, timer_id=timer_id, key=key)
    return _done(request, workshop.pk, str(_("A minute added.")))


@login_required
@require_POST
def timer_stop(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    timer_id, key = _timer_id(request)
    services.stop_timer(workshop=workshop, timer_id=timer_id, key=key)
    return _done(request, workshop.pk, str(_("Timer stopped.")))
