"""The facilitator's console: events, workshops, the agenda and the room's controls."""

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)
from django_stubs_ext import StrOrPromise

from sessions.access import (
    NO_RUN_SHEET,
    events_of,
    get_event_for_facilitator,
    get_run_sheet_for_facilitator,
    get_step,
    get_workshop_for_facilitator,
)
from sessions.agenda import services
from sessions.agenda.forms import (
    EventForm,
    MoveForm,
    ShowStepForm,
    StepEditForm,
    StepForm,
    WorkshopForm,
)
from sessions.agenda.shown import as_shown
from sessions.cloud import services as words
from sessions.cloud.forms import CloudEditForm
from sessions.commands import invalid_form, parse_int
from sessions.errors import NOT_UNDERSTOOD, InvalidInput, NotFound
from sessions.ideas import services as ideas
from sessions.ideas.forms import BoardEditForm
from sessions.live.audiences import FACILITATOR
from sessions.live.regions import render_regions
from sessions.live.views import answer, live_regions
from sessions.models import Board, Poll, Role, RunSheet, Step, WordCloud, Workshop
from sessions.requests import AuthenticatedHttpRequest, HtmxHttpRequest
from sessions.responses import request_base_url
from sessions.runsheets import services as runsheets
from sessions.runsheets.document import BadSheet
from sessions.runsheets.forms import StartFromForm
from sessions.runsheets.library import built_in
from sessions.steps import kind_of
from sessions.voting import services as voting
from sessions.voting.forms import PollForm


def _console_url(workshop: Workshop) -> str:
    return reverse("workshops:console", args=[workshop.pk])


def _done(
    request: HtmxHttpRequest,
    workshop: Workshop,
    regions: tuple[str, ...],
    *,
    message: StrOrPromise = "",
    extra: str = "",
) -> HttpResponse:
    """Acknowledge a console command: the changed regions for htmx, else back to the console.
    A command that moves the room or changes the agenda redraws the presenter bar too, so
    its next press carries the step it now shows (a push would come later)."""
    if {"step", "agenda"} & set(regions):
        regions = ("presenter", *regions)
    return answer(
        request,
        _console_url(workshop),
        workshop_id=workshop.pk,
        audience=FACILITATOR,
        regions=regions,
        message=message,
        extra=extra,
    )


def _new_step_form(workshop: Workshop) -> StepForm:
    form = StepForm(initial={"key": uuid.uuid4()})
    _offer_ideas_steps(form, workshop)
    return form


def _offer_ideas_steps(form: StepForm | PollForm, workshop: Workshop) -> None:
    """A vote may take its options from the clusters of one of the workshop's ideas steps."""
    form.offer_ideas_steps(workshop.steps.filter(kind=Step.Kind.IDEAS))


@login_required
@require_http_methods(["GET", "POST"])
def console_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        event = services.create_event(user=user, **form.cleaned_data)
        return redirect(reverse("workshops:workshop_new", args=[event.pk]))
    # Each event with the role the user holds in it: an organiser's list offers results only.
    events = events_of(user)
    # Rehearsing the installation is for those who run rooms.
    drives = user.is_superuser or any(role == Role.FACILITATOR for _event, role in events)
    context = {"events": events, "form": form, "drives": drives}
    return render(
        request, "workshops/console_home.html", context, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def workshop_new(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    """A new workshop, empty or with the steps of a run sheet (mine, shared with my events'
    teams, or built-in)."""
    event = get_event_for_facilitator(request.user, event_id)
    sheets = RunSheet.objects.visible_to(request.user)
    form = WorkshopForm(request.POST or None)
    start = StartFromForm(request.POST or None, sheets=sheets, initial={"key": uuid.uuid4()})
    if request.method == "POST" and form.is_valid() and start.is_valid():
        document = start_document(request.user, start.cleaned_data["start_from"])
        try:
            workshop = runsheets.start_workshop(
                user=request.user,
                event=event,
                document=document,
                key=start.command_key(),
                **form.cleaned_data,
            )
        except BadSheet as bad:
            start.add_error("start_from", bad.message)
        else:
            target = _console_url(workshop) if workshop else reverse("workshops:console_home")
            return redirect(target)
    status = 400 if form.errors or start.errors else 200
    context = {"event": event, "form": form, "start": start}
    return render(request, "workshops/workshop_new.html", context, status=status)


def start_document(user: User, start_from: tuple[str, str]) -> dict[str, Any] | None:
    """The run sheet document a new workshop starts from (None: empty); one that is not the
    facilitator's answers like one that does not exist."""
    source, name = start_from
    if source == "built-in":
        found = built_in(name)
        if found is None:
            raise NotFound(NO_RUN_SHEET)
        return found.document
    if source == "sheet":
        sheet_id = parse_int(name)
        if sheet_id is None:
            raise NotFound(NO_RUN_SHEET)
        document: dict[str, Any] = get_run_sheet_for_facilitator(user, sheet_id).document
        return document
    return None


@login_required
@require_safe
def console(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    return _console_page(request, workshop, _new_step_form(workshop))


def _console_page(
    request: HttpRequest, workshop: Workshop, step_form: StepForm, status: int = 200
) -> HttpResponse:
    frame = render_regions(
        workshop.pk, FACILITATOR, base_url=request_base_url(request), request=request
    )
    context = {
        "workshop": workshop,
        "regions": frame.html,
        "step_form": step_form,
        "prompt_starters": ideas.prompt_starters(workshop),
    }
    return render(request, "workshops/console.html", context, status=status)


@login_required
@require_GET
def console_live(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    return live_regions(request, workshop.pk, FACILITATOR)


@login_required
@require_POST
def step_add(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    form = StepForm(request.POST)
    _offer_ideas_steps(form, workshop)
    if not form.is_valid():
        if not request.htmx:
            return _console_page(request, workshop, form, status=400)
        html = render_to_string(
            "workshops/step_form.html",
            {
                "workshop": workshop,
                "step_form": form,
                "prompt_starters": ideas.prompt_starters(workshop),
            },
            request=request,
        )
        return HttpResponse(html, status=400)
    with transaction.atomic():
        step = kind_of(form.cleaned_data["kind"]).add(workshop, form)
        if step is not None:  # not a replay
            services.plan_step(step=step, **form.plan())
    fresh = render_to_string(
        "workshops/step_form.html",
        {
            "workshop": workshop,
            "step_form": _new_step_form(workshop),
            "prompt_starters": ideas.prompt_starters(workshop),
        },
        request=request,
    )
    return _done(
        request,
        workshop,
        ("agenda",),
        message="Step added.",
        extra=fresh,
    )


@login_required
@require_http_methods(["GET", "POST"])
def step_edit(request: AuthenticatedHttpRequest, workshop_id: int, step_id: int) -> HttpResponse:
    """Edit a step's text, a vote's options and limits until anyone has voted, and an
    ideas step's prompt and settings."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    step = get_step(workshop, step_id)
    poll = Poll.objects.filter(step=step).first()
    board = Board.objects.filter(step=step).first()
    data = request.POST or None
    form = StepEditForm(data, initial=_step_initial(step))
    poll_form = PollForm(data, initial=_poll_initial(poll)) if poll else None
    if poll_form is not None:
        _offer_ideas_steps(poll_form, workshop)
    board_form = BoardEditForm(data, initial=_board_initial(board)) if board else None
    cloud = WordCloud.objects.filter(step=step).first()
    cloud_form = CloudEditForm(data, initial=_cloud_initial(cloud)) if cloud else None
    extra_forms = [f for f in (poll_form, board_form, cloud_form) if f is not None]
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for f in extra_forms):
        try:
            with transaction.atomic():
                text = form.cleaned_data
                services.edit_step(step=step, title=text["title"], body=text["body"])
                services.plan_step(step=step, **form.plan())
                if poll is not None and poll_form is not None:
                    voting.configure_poll(poll=poll, settings=poll_form.poll_settings())
                if board is not None and board_form is not None:
                    ideas.configure_board(board=board, **board_form.cleaned_data)
                if cloud is not None and cloud_form is not None:
                    words.configure_cloud(cloud=cloud, **cloud_form.cleaned_data)
            return redirect(_console_url(workshop))
        except InvalidInput as refused:
            if cloud_form is None or not refused.errors:
                raise
            for name, messages in refused.errors.items():
                for message in messages:
                    cloud_form.add_error(name if name in cloud_form.fields else None, message)
    status = 400 if form.errors or any(f.errors for f in extra_forms) else 200
    context = {
        "workshop": workshop,
        "step": step,
        "form": form,
        "poll_form": poll_form,
        "board_form": board_form,
        "cloud_form": cloud_form,
    }
    return render(request, "workshops/step_edit.html", context, status=status)


def _step_initial(step: Step) -> dict[str, Any]:
    fields = ("title", "body", "notes", "planned_minutes")
    return {name: getattr(step, name) for name in fields}


def _cloud_initial(cloud: WordCloud | None) -> dict[str, Any]:
    return {} if cloud is None else {"prompt": cloud.prompt, "words_each": cloud.words_each}


def _board_initial(board: Board | None) -> dict[str, Any]:
    if board is None:
        return {}
    fields = ("prompt", "staged", "show_names", "needs_approval", "delegates_suggest")
    return {name: getattr(board, name) for name in fields}


def _poll_initial(poll: Poll | None) -> dict[str, Any]:
    if poll is None:
        return {}
    return {
        "poll_kind": poll.kind,
        "options": "\n".join(poll.options.values_list("label", flat=True)),
        "options_from": voting.planned_source(poll.step),
        "budget": poll.budget,
        "per_option_max": poll.per_option_max,
        "max_picks": poll.max_picks,
        "show_live": poll.show_live,
        "scale_low_label": poll.scale_low_label,
        "scale_high_label": poll.scale_high_label,
    }


@login_required
@require_POST
def step_delete(request: AuthenticatedHttpRequest, workshop_id: int, step_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    services.delete_step(step=get_step(workshop, step_id))
    return _done(
        request,
        workshop,
        ("agenda", "step"),
        message=_("Step deleted."),
    )


@login_required
@require_POST
def step_move(request: AuthenticatedHttpRequest, workshop_id: int, step_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    step = get_step(workshop, step_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        raise invalid_form(form)
    services.move_step(step=step, offset=form.offset())
    return _done(
        request,
        workshop,
        ("agenda",),
    )


@login_required
@require_POST
def show(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    """Move the room: a chosen step, next, previous, or back to the waiting screen."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    form = ShowStepForm(request.POST)
    if not form.is_valid():
        raise invalid_form(form)
    go = form.cleaned_data["go"]
    with as_shown(request, workshop):
        if go == "step":
            if form.cleaned_data["step"] is None:
                raise InvalidInput(_("Choose a step to show."))
            step = get_step(workshop, form.cleaned_data["step"])
            services.show_step(workshop=workshop, step=step)
        elif go == "none":
            services.show_step(workshop=workshop, step=None)
        else:
            services.advance(
                workshop=workshop,
                seen_current=form.cleaned_data["current"],
                offset=1 if go == "next" else -1,
            )
    return _done(
        request,
        workshop,
        ("agenda", "step"),
    )


@login_required
@require_POST
def join_code_renew(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    services.renew_join_code(workshop=workshop)
    return _done(
        request,
        workshop,
        ("join",),
        message=_("New join code issued; the old one no longer works."),
    )


@login_required
@require_POST
def joining_shown(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    shown = request.POST.get("shown")
    if shown not in ("full", "strip"):
        raise InvalidInput(NOT_UNDERSTOOD)
    services.show_joining(workshop=workshop, shown=shown == "full")
    return _done(
        request,
        workshop,
        ("join",),
        message=_("The projector shows how to join full size.")
        if shown == "full"
        else _("The projector shows how to join as a strip along the bottom."),
    )


@login_required
@require_POST
def display_revoke(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    services.revoke_display_link(workshop=workshop)
    return _done(
        request,
        workshop,
        ("join",),
        message=_("Projector link revoked: screens using it have stopped. Open the new link."),
    )


@login_required
@require_POST
def close(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    with as_shown(request, workshop):
        services.close_workshop(workshop=workshop)
    return _done(
        request,
        workshop,
        ("status", "agenda", "step", "results", "join"),
        message=_("The workshop is finished."),
    )
