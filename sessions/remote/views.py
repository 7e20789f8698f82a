"""The facilitator's remote: a phone page that moves the room and works the step on screen's
main controls, opened two ways. A facilitator opens it from the console, logged in; a
co-facilitator with no account opens the workshop's remote link (`/remote/<token>/`),
which drives that workshop's room only: never its console, archive or exports.

Both pages draw the same shared region (`templates/workshops/live/remote.html`), whose forms
post to the relative address `go/`: the page's own `go/` view, one per way in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST, require_safe
from django_stubs_ext import StrOrPromise

from sessions.access import get_step, get_workshop_for_facilitator, get_workshop_for_remote
from sessions.agenda.services import FINISHED
from sessions.agenda.shown import as_shown
from sessions.commands import invalid_form
from sessions.errors import NOT_UNDERSTOOD, Conflict, InvalidInput, Refused
from sessions.live.audiences import REMOTE
from sessions.live.regions import render_regions
from sessions.live.views import answer, live_regions
from sessions.models import Workshop
from sessions.remote import services
from sessions.remote.forms import MOVES, RemoteCommandForm, RemoteTimerForm
from sessions.requests import AuthenticatedHttpRequest, HtmxHttpRequest
from sessions.responses import request_base_url
from sessions.timer import services as timers

ALREADY_DONE = _("Already done.")


# --- a facilitator's remote, by login --------------------------------------------------------


@login_required
@require_safe
def remote(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    return _page(request, workshop, socket=f"/ws/console/{workshop.pk}/remote/")


@login_required
@require_GET
def remote_live(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    """Polling fallback."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    return live_regions(request, workshop.pk, REMOTE)


@login_required
@require_POST
def remote_go(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    page = reverse("workshops:remote", args=[workshop.pk])
    return _command(request, workshop, page, socket=f"/ws/console/{workshop.pk}/remote/")


@login_required
@require_POST
def remote_timer(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    page = reverse("workshops:remote", args=[workshop.pk])
    return _command(
        request, workshop, page, socket=f"/ws/console/{workshop.pk}/remote/", timer=True
    )


# --- a co-facilitator's remote, by the remote link ---------------------------------------


@require_safe
def remote_link(request: HttpRequest, token: str) -> HttpResponse:
    workshop = get_workshop_for_remote(token)
    return _page(request, workshop, socket=f"/ws/remote/{token}/")


@require_GET
def remote_link_live(request: HttpRequest, token: str) -> HttpResponse:
    """Polling fallback."""
    workshop = get_workshop_for_remote(token)
    return live_regions(request, workshop.pk, REMOTE)


@require_POST
def remote_link_go(request: HtmxHttpRequest, token: str) -> HttpResponse:
    workshop = get_workshop_for_remote(token)
    page = reverse("workshops:remote_link", args=[token])
    return _command(request, workshop, page, socket=f"/ws/remote/{token}/")


@require_POST
def remote_link_timer(request: HtmxHttpRequest, token: str) -> HttpResponse:
    workshop = get_workshop_for_remote(token)
    page = reverse("workshops:remote_link", args=[token])
    return _command(request, workshop, page, socket=f"/ws/remote/{token}/", timer=True)


# --- the remote link, made and revoked on the console ---------------------------------------


@login_required
@require_POST
def remote_link_make(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    services.make_remote_link(workshop=workshop)
    return redirect(reverse("workshops:console", args=[workshop.pk]) + "#remote-heading")


@login_required
@require_POST
def remote_link_revoke(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    services.revoke_remote_link(workshop=workshop)
    return redirect(reverse("workshops:console", args=[workshop.pk]) + "#remote-heading")


# --- shared by both ways in ---------------------------------------------------------------


def _page(
    request: HttpRequest,
    workshop: Workshop,
    *,
    socket: str,
    refusal: StrOrPromise = "",
    status: int = 200,
) -> HttpResponse:
    frame = render_regions(workshop.pk, REMOTE, base_url=request_base_url(request), request=request)
    context: dict[str, Any] = {
        "workshop": workshop,
        "regions": frame.html,
        "socket": socket,
        "refusal": refusal,
        "by_link": socket.startswith("/ws/remote/"),
    }
    return render(request, "workshops/remote/page.html", context, status=status)


def _command(
    request: HtmxHttpRequest,
    workshop: Workshop,
    page_url: str,
    *,
    socket: str,
    timer: bool = False,
) -> HttpResponse:
    """Carry out a tap (on the timer's buttons with `timer`); htmx gets the redrawn remote and
    a message, a plain form post goes back to the page, or (refused) gets the page again with
    the refusal."""
    try:
        message = _work_timer(request, workshop) if timer else _carry_out(request, workshop)
    except Refused as refused:
        if request.htmx:
            raise  # an #flash fragment (RefusalMiddleware)
        return _page(
            request, workshop, socket=socket, refusal=refused.message, status=refused.status
        )
    return answer(
        request,
        page_url,
        workshop_id=workshop.pk,
        audience=REMOTE,
        regions=("timer",) if timer else ("remote",),
        message=message,
    )


def _work_timer(request: HttpRequest, workshop: Workshop) -> StrOrPromise:
    """A timer button, through the timer's own services (which lock the workshop, refuse a
    finished one or a timer stopped meanwhile, and land a replayed key once)."""
    form = RemoteTimerForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(NOT_UNDERSTOOD)
    data, key = form.cleaned_data, form.command_key()
    if data["do"] == "start":
        timers.start_timer(workshop=workshop, minutes=data["preset"], key=key)
        return _("Timer started.")
    if data["do"] == "minute":
        timers.add_minute(workshop=workshop, timer_id=data["timer"], key=key)
        return _("A minute added.")
    timers.stop_timer(workshop=workshop, timer_id=data["timer"], key=key)
    return _("Timer stopped.")


def _carry_out(request: HttpRequest, workshop: Workshop) -> StrOrPromise:
    """One remote command, in one transaction (`as_shown`'s, which locks the workshop's
    row first): a replayed key changes nothing; a button
    drawn for another step or state than the room's now (`as_shown`) is refused (409); the
    step must be this workshop's (404, as for one that does not exist)."""
    form = RemoteCommandForm(request.POST)
    if not form.is_valid():
        raise invalid_form(form)
    if "shown" not in request.POST:
        raise InvalidInput(NOT_UNDERSTOOD)  # every remote button says what it was drawn for
    go = form.cleaned_data["go"]
    step_id = form.cleaned_data["step"]
    step = get_step(workshop, step_id) if step_id is not None else None
    target = None if go in MOVES else services.target_of(step)
    if go not in MOVES and target is None:
        raise InvalidInput(NOT_UNDERSTOOD)
    key = form.command_key()
    if services.carried_out(workshop=workshop, key=key):
        return ALREADY_DONE  # before `as_shown`: the room has moved on since, by this tap
    # The key is recorded under the workshop's lock (`as_shown`), with the command: a
    # refused command records nothing.
    with as_shown(request, workshop, target):
        if not services.record_command(workshop=workshop, key=key):
            return ALREADY_DONE
        if Workshop.objects.filter(pk=workshop.pk, closed_at__isnull=False).exists():
            raise Conflict(FINISHED)
        if target is None:
            services.move(workshop=workshop, seen=step, offset=1 if go == "next" else -1)
            return ""
        return services.control(target=target, go=go)
