"""The console's run sheets: the run sheets page (mine, shared with my events' teams, the
built-in library), and a workshop's run sheet page (save, export, duplicate, import steps).
Every route is the facilitator's only (`sessions.access`)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST, require_safe

from sessions.access import (
    get_event_for_facilitator,
    get_run_sheet_for_facilitator,
    get_workshop_for_facilitator,
)
from sessions.commands import invalid_form
from sessions.models import Event, RunSheet, Step, Workshop
from sessions.requests import AuthenticatedHttpRequest
from sessions.runsheets import services
from sessions.runsheets.document import MAX_BYTES, BadSheet
from sessions.runsheets.forms import (
    DuplicateForm,
    EditSheetForm,
    ImportFileForm,
    ImportStepsForm,
    SaveSheetForm,
    ShareSheetForm,
)
from sessions.runsheets.library import built_ins


def _events(user: Any) -> QuerySet[Event]:
    return Event.objects.all() if user.is_superuser else user.facilitated_events.all()


def _sheets_url(sheet: RunSheet | None = None) -> str:
    url = reverse("workshops:run_sheets")
    return f"{url}#sheet-{sheet.pk}" if sheet is not None else url


def shown_steps(document: dict[str, Any]) -> list[dict[str, Any]]:
    """A document's steps as the pages list them, each with its kind's name."""
    labels = dict(Step.Kind.choices)
    return [{**step, "kind_label": labels[step["kind"]]} for step in document["steps"]]


def _sheet_row(sheet: RunSheet, user: Any, events: list[Event]) -> dict[str, Any]:
    mine = sheet.owner_id == user.pk or user.is_superuser
    return {
        "sheet": sheet,
        "steps": shown_steps(sheet.document),
        "minutes": services.total_minutes(sheet.document),
        "mine": mine,
        "shared_with": list(sheet.shared_with.all()),
        "edit_form": EditSheetForm(
            initial={"title": sheet.title, "description": sheet.description},
            prefix=f"sheet-{sheet.pk}",
        )
        if mine
        else None,
        "share_form": ShareSheetForm(events=events, prefix=f"share-{sheet.pk}") if mine else None,
    }


def _sheets_page(
    request: AuthenticatedHttpRequest,
    *,
    import_form: ImportFileForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    events = list(_events(user))
    visible = RunSheet.objects.visible_to(user).select_related("owner")
    rows = [_sheet_row(sheet, user, events) for sheet in visible.prefetch_related("shared_with")]
    context = {
        "mine": [row for row in rows if row["sheet"].owner_id == user.pk],
        "shared": [row for row in rows if row["sheet"].owner_id != user.pk],
        "library": [
            {
                "built_in": b,
                "steps": shown_steps(b.document),
                "minutes": services.total_minutes(b.document),
            }
            for b in built_ins()
        ],
        "import_form": import_form or ImportFileForm(initial={"key": services.new_key()}),
        "max_kb": MAX_BYTES // 1024,
    }
    return render(request, "workshops/runsheets/run_sheets.html", context, status=status)


@login_required
@require_safe
def run_sheets(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _sheets_page(request)


@login_required
@require_POST
def run_sheet_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Import a run sheet file (upload): a new run sheet of mine, or the file's problem."""
    form = ImportFileForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        raw = upload.read(MAX_BYTES + 1)
        try:
            sheet = services.import_file(user=request.user, raw=raw, key=form.command_key())
        except BadSheet as bad:
            form.add_error("file", bad.message)
        else:
            return redirect(_sheets_url(sheet))
    return _sheets_page(request, import_form=form, status=400)


@login_required
@require_POST
def run_sheet_edit(request: AuthenticatedHttpRequest, sheet_id: int) -> HttpResponse:
    sheet = get_run_sheet_for_facilitator(request.user, sheet_id, own=True)
    form = EditSheetForm(request.POST, prefix=f"sheet-{sheet.pk}")
    if not form.is_valid():
        raise invalid_form(form)
    services.rename_run_sheet(sheet=sheet, **form.cleaned_data)
    return redirect(_sheets_url(sheet))


@login_required
@require_POST
def run_sheet_delete(request: AuthenticatedHttpRequest, sheet_id: int) -> HttpResponse:
    sheet = get_run_sheet_for_facilitator(request.user, sheet_id, own=True)
    services.delete_run_sheet(sheet=sheet)
    return redirect(_sheets_url())


@login_required
@require_POST
def run_sheet_share(request: AuthenticatedHttpRequest, sheet_id: int) -> HttpResponse:
    """Share my run sheet with an event I facilitate (its facilitators may use it), or stop."""
    sheet = get_run_sheet_for_facilitator(request.user, sheet_id, own=True)
    form = ShareSheetForm(request.POST, prefix=f"share-{sheet.pk}")
    if not form.is_valid():
        raise invalid_form(form)
    event = get_event_for_facilitator(request.user, form.cleaned_data["event"])
    shared = form.cleaned_data["shared"] == "share"
    services.share_run_sheet(sheet=sheet, event=event, shared=shared)
    return redirect(_sheets_url(sheet))


def _json_file(document: dict[str, Any], name: str) -> HttpResponse:
    body = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"{slugify(name)[:60] or 'run-sheet'}.run-sheet.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_safe
def run_sheet_download(request: AuthenticatedHttpRequest, sheet_id: int) -> HttpResponse:
    sheet = get_run_sheet_for_facilitator(request.user, sheet_id)
    return _json_file(sheet.document, sheet.title)


# --- a workshop's run sheet ----------------------------------------------------------------

# The page's three forms, each with its own element ids.
SAVE, DUPLICATE, IMPORT = "save-%s", "duplicate-%s", "import-%s"


def _workshop_page(
    request: AuthenticatedHttpRequest,
    workshop: Workshop,
    *,
    save_form: SaveSheetForm | None = None,
    duplicate_form: DuplicateForm | None = None,
    import_form: ImportStepsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    events = list(_events(user))
    others = Workshop.objects.facilitated_by(user).exclude(pk=workshop.pk).select_related("event")
    document = services.workshop_document(workshop)
    key = services.new_key
    context = {
        "workshop": workshop,
        "steps": shown_steps(document),
        "minutes": services.total_minutes(document),
        "save_form": save_form
        or SaveSheetForm(initial={"key": key(), "title": workshop.title}, auto_id=SAVE),
        "duplicate_form": duplicate_form
        or DuplicateForm(
            events=events,
            initial={"key": key(), "event": workshop.event_id, "title": workshop.title},
            auto_id=DUPLICATE,
        ),
        "import_form": import_form
        or ImportStepsForm(workshops=others, initial={"key": key()}, auto_id=IMPORT),
        "has_others": others.exists(),
    }
    return render(request, "workshops/runsheets/workshop.html", context, status=status)


@login_required
@require_safe
def workshop_sheet(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    return _workshop_page(request, workshop)


@login_required
@require_POST
def workshop_sheet_save(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    """Save the workshop's agenda as a new run sheet of mine."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    form = SaveSheetForm(request.POST, auto_id=SAVE)
    if form.is_valid():
        try:
            sheet = services.save_workshop(
                user=request.user,
                workshop=workshop,
                title=form.cleaned_data["title"],
                key=form.command_key(),
            )
        except BadSheet as bad:
            form.add_error(None, bad.message)
        else:
            return redirect(_sheets_url(sheet))
    return _workshop_page(request, workshop, save_form=form, status=400)


@login_required
@require_safe
def workshop_sheet_export(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    return _json_file(services.workshop_document(workshop), workshop.title)


@login_required
@require_POST
def workshop_duplicate(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    """A new workshop with this one's steps, in this event or another I facilitate."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    events = list(_events(request.user))
    form = DuplicateForm(request.POST, events=events, auto_id=DUPLICATE)
    if form.is_valid():
        event = get_event_for_facilitator(request.user, form.cleaned_data["event"])
        try:
            copy = services.duplicate_workshop(
                user=request.user,
                workshop=workshop,
                event=event,
                title=form.cleaned_data["title"],
                key=form.command_key(),
            )
        except BadSheet as bad:
            form.add_error(None, bad.message)
        else:
            return redirect(_console_or_sheets(copy))
    return _workshop_page(request, workshop, duplicate_form=form, status=400)


def _console_or_sheets(workshop: Workshop | None) -> str:
    """Where a command that made a workshop goes: its console (the sheets page when a
    replayed command's workshop was deleted since)."""
    if workshop is None:
        return reverse("workshops:console_home")
    return reverse("workshops:console", args=[workshop.pk])


@login_required
@require_POST
def workshop_steps_import(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    """Append another workshop's steps (one I facilitate) to this one's agenda."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    form = ImportStepsForm(request.POST, auto_id=IMPORT)
    if form.is_valid():
        source = get_workshop_for_facilitator(request.user, form.cleaned_data["source"])
        try:
            services.import_steps(
                user=request.user, workshop=workshop, source=source, key=form.command_key()
            )
        except BadSheet as bad:
            form.add_error(None, bad.message)
        else:
            return redirect(reverse("workshops:console", args=[workshop.pk]))
    others = Workshop.objects.facilitated_by(request.user).exclude(pk=workshop.pk)
    form.fields["source"].widget = (
        ImportStepsForm(workshops=others.select_related("event")).fields["source"].widget
    )
    return _workshop_page(request, workshop, import_form=form, status=400)
