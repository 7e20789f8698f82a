"""The facilitator's console: events, workshops, the agenda and the room's controls."""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from sessions import services
from sessions.access import get_event_for_facilitator, get_step, get_workshop_for_facilitator
from sessions.errors import InvalidInput
from sessions.forms import EventForm, MoveForm, ShowStepForm, StepEditForm, StepForm, WorkshopForm
from sessions.models import Event, Workshop
from sessions.regions import FACILITATOR, render_regions
from sessions.views.common import answer, live_regions, request_base_url


def _console_url(workshop: Workshop) -> str:
    return reverse("workshops:console", args=[workshop.pk])


def _new_step_form() -> StepForm:
    return StepForm(initial={"key": uuid.uuid4()})


@login_required
def console_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    events = Event.objects.all() if user.is_superuser else user.facilitated_events.all()
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        event = services.create_event(user=user, **form.cleaned_data)
        return redirect(reverse("workshops:workshop_new", args=[event.pk]))
    context = {"events": events.prefetch_related("workshops"), "form": form}
    return render(
        request, "workshops/console_home.html", context, status=400 if form.errors else 200
    )


@login_required
def workshop_new(request: HttpRequest, event_id: int) -> HttpResponse:
    event = get_event_for_facilitator(request.user, event_id)
    form = WorkshopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        workshop = services.create_workshop(event=event, **form.cleaned_data)
        return redirect(_console_url(workshop))
    status = 400 if form.errors else 200
    return render(
        request, "workshops/workshop_new.html", {"event": event, "form": form}, status=status
    )


@login_required
def console(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    return _console_page(request, workshop, _new_step_form())


def _console_page(request, workshop, step_form, status=200) -> HttpResponse:
    snapshot = render_regions(
        workshop.pk, FACILITATOR, base_url=request_base_url(request), request=request
    )
    context = {"workshop": workshop, "regions": snapshot.html, "step_form": step_form}
    return render(request, "workshops/console.html", context, status=status)


@login_required
def console_live(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    return live_regions(request, workshop.pk, FACILITATOR)


def _invalid(form) -> InvalidInput:
    return InvalidInput(
        "Please correct the form: "
        + "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()),
        form.errors,
    )


@login_required
@require_POST
def step_add(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    form = StepForm(request.POST)
    if not form.is_valid():
        if not request.htmx:
            return _console_page(request, workshop, form, status=400)
        html = render_to_string(
            "workshops/step_form.html", {"workshop": workshop, "step_form": form}, request=request
        )
        return HttpResponse(html, status=400)
    services.add_step(
        workshop=workshop,
        title=form.cleaned_data["title"],
        body=form.cleaned_data["body"],
        kind=form.cleaned_data["kind"],
        key=form.command_key(),
    )
    fresh = render_to_string(
        "workshops/step_form.html",
        {"workshop": workshop, "step_form": _new_step_form()},
        request=request,
    )
    return answer(
        request,
        _console_url(workshop),
        workshop_id=workshop.pk,
        audience=FACILITATOR,
        regions=("agenda",),
        message="Step added.",
        extra=fresh,
    )


@login_required
def step_edit(request: HttpRequest, workshop_id: int, step_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    step = get_step(workshop, step_id)
    form = StepEditForm(request.POST or None, initial={"title": step.title, "body": step.body})
    if request.method == "POST" and form.is_valid():
        services.edit_step(step=step, **form.cleaned_data)
        return redirect(_console_url(workshop))
    status = 400 if form.errors else 200
    context = {"workshop": workshop, "step": step, "form": form}
    return render(request, "workshops/step_edit.html", context, status=status)


@login_required
@require_POST
def step_delete(request: HttpRequest, workshop_id: int, step_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    services.delete_step(step=get_step(workshop, step_id))
    return answer(
        request,
        _console_url(workshop),
        workshop_id=workshop.pk,
        audience=FACILITATOR,
        regions=("agenda", "step"),
        message="Step deleted.",
    )


@login_required
@require_POST
def step_move(request: HttpRequest, workshop_id: int, step_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    step = get_step(workshop, step_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    services.move_step(step=step, offset=form.offset())
    return answer(
        request,
        _console_url(workshop),
        workshop_id=workshop.pk,
        audience=FACILITATOR,
        regions=("agenda",),
    )


@login_required
@require_POST
def show(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """Move the room: a chosen step, next, previous, or back to the waiting screen."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    form = ShowStepForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    go = form.cleaned_data["go"]
    if go == "step":
        if form.cleaned_data["step"] is None:
            raise InvalidInput("Choose a step to show.")
        services.show_step(workshop=workshop, step=get_step(workshop, form.cleaned_data["step"]))
    elif go == "none":
        services.show_step(workshop=workshop, step=None)
    else:
        services.advance(
            workshop=workshop,
            seen_current=form.cleaned_data["current"],
            offset=1 if go == "next" else -1,
        )
    return answer(
        request,
        _console_url(workshop),
        workshop_id=workshop.pk,
        audience=FACILITATOR,
        regions=("agenda", "step"),
    )


@login_required
@require_POST
def join_code_renew(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    services.renew_join_code(workshop=workshop)
    return answer(
        request,
        _console_url(workshop),
        workshop_id=workshop.pk,
        audience=FACILITATOR,
        regions=("join",),
        message="New join code issued; the old one no longer works.",
    )


@login_required
@require_POST
def display_revoke(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    services.revoke_display_link(workshop=workshop)
    return answer(
        request,
        _console_url(workshop),
        workshop_id=workshop.pk,
        audience=FACILITATOR,
        regions=("join",),
        message="Projector link revoked: screens using it have stopped. Open the new link.",
    )


@login_required
@require_POST
def close(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    services.close_workshop(workshop=workshop)
    return answer(
        request,
        _console_url(workshop),
        workshop_id=workshop.pk,
        audience=FACILITATOR,
        regions=("status", "agenda", "step"),
        message="The workshop is finished.",
    )
