"""The archive: a read-only record of every step and its results, its share link, the
printable report and the CSV exports.

A facilitator may look at (and export) the archive at any time, as a preview until the
workshop has finished. Delegates see it only through the share link, and only once the
workshop has finished; the shared page leaves out what only the facilitator saw.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from sessions.access import Action, get_workshop_for_facilitator, get_workshop_for_team, may
from sessions.archive import services as archive_service
from sessions.archive.exports import exports, zip_members
from sessions.archive.forms import ShareForm
from sessions.archive.read import archive_of
from sessions.errors import NOT_UNDERSTOOD, InvalidInput, NotFound
from sessions.models import Workshop
from sessions.questions.exports import archived_questions
from sessions.requests import AuthenticatedHttpRequest
from sessions.spreadsheet import csv_response, zip_response

NOT_SHARED = (
    "This archive link is not valid: sharing was stopped, the link was mistyped, "
    "or the workshop has not finished yet."
)


def _page(
    request: HttpRequest, workshop: Workshop, *, facilitator: bool, printing: bool
) -> HttpResponse:
    context = {
        "workshop": workshop,
        "records": archive_of(workshop, facilitator=facilitator),
        "facilitator": facilitator,
        "printing": printing,
        "exports": exports().values(),
        "questions": archived_questions(workshop, facilitator=facilitator),
    }
    # An organiser sees what the facilitator sees, but sharing is the facilitator's call.
    context["can_share"] = facilitator and may(request.user, workshop.event, Action.DRIVE)  # type: ignore[arg-type]
    if context["can_share"] and workshop.archive_token:
        path = reverse("workshops:archive_shared", args=[workshop.archive_token])
        context["share_url"] = request.build_absolute_uri(path)
    response = render(request, "workshops/archive/page.html", context)
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
def archive(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_team(request.user, workshop_id)
    return _page(request, workshop, facilitator=True, printing=False)


@login_required
@require_GET
def archive_print(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_team(request.user, workshop_id)
    return _page(request, workshop, facilitator=True, printing=True)


def _shared_workshop(token: str) -> Workshop:
    workshop = Workshop.objects.select_related("event").filter(archive_token=token).first()
    if workshop is None or not workshop.is_closed:
        raise NotFound(NOT_SHARED)
    return workshop


@require_GET
def archive_shared(request: HttpRequest, token: str) -> HttpResponse:
    workshop = _shared_workshop(token)
    return _page(request, workshop, facilitator=False, printing=False)


@require_GET
def archive_shared_print(request: HttpRequest, token: str) -> HttpResponse:
    workshop = _shared_workshop(token)
    return _page(request, workshop, facilitator=False, printing=True)


@login_required
@require_POST
def archive_share(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    """Share the archive with delegates by link, or stop sharing (the link stops working)."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    form = ShareForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(NOT_UNDERSTOOD)
    if form.cleaned_data["do"] == "share":
        archive_service.share_archive(workshop=workshop)
    else:
        archive_service.stop_sharing_archive(workshop=workshop)
    return redirect("workshops:archive", workshop_id=workshop.pk)


@login_required
@require_GET
def export_csv(request: AuthenticatedHttpRequest, workshop_id: int, kind: str) -> HttpResponseBase:
    workshop = get_workshop_for_team(request.user, workshop_id)
    export = exports().get(kind)
    if export is None:
        raise NotFound(_("There is no such export."))
    return csv_response(export.filename(workshop), export.header, export.rows(workshop))


@login_required
@require_GET
def export_zip(request: AuthenticatedHttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for_team(request.user, workshop_id)
    return zip_response(f"workshop-{workshop.pk}.zip", zip_members(workshop))
