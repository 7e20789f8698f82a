"""A delegate's take-home page once the workshop has finished: their commitment cards with
calendar files, the room's results, the shared archive's link (once shared), their Snapshot
position, and the magic link that brings them back later.

Two ways in, one answer: the phone's cookie (`get_membership`), or the take-home link
(`services.delegate_by_link`). Either way the delegate must have joined the workshop, and a
commitment must be theirs: anything else is the same 404 as what does not exist.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from sessions.access import get_membership
from sessions.errors import NotFound
from sessions.models import Attendance, Commitment, Delegate, Workshop
from sessions.takehome import calendar, read, services

NOT_YET = _("Your take-home page opens when the workshop finishes.")
NO_CALENDAR = _("There is no such calendar file.")


def _finished(workshop: Workshop) -> Workshop:
    if not workshop.is_closed:
        raise NotFound(NOT_YET)
    return workshop


def _by_link(workshop_id: int, token: str) -> tuple[Workshop, Delegate]:
    delegate = services.delegate_by_link(token)
    workshop = Workshop.objects.select_related("event").filter(pk=workshop_id).first()
    joined = Attendance.objects.filter(workshop_id=workshop_id, delegate=delegate).exists()
    if workshop is None or not joined:
        raise NotFound(services.NOT_VALID)
    return workshop, delegate


def _page(
    request: HttpRequest, workshop: Workshop, delegate: Delegate, token: str, *, by_link: bool
) -> HttpResponse:
    back = request.build_absolute_uri(
        reverse("workshops:take_home_link", args=[workshop.pk, token])
    )
    context = {
        "workshop": workshop,
        "mine": read.commitments_of(workshop, delegate),
        "room": read.room_results(workshop),
        "snapshot": read.snapshot_position(delegate),
        "back_link": back,
        "token": token,
        "by_link": by_link,
    }
    if workshop.archive_token:
        context["archive_url"] = reverse("workshops:archive_shared", args=[workshop.archive_token])
    response = render(request, "workshops/takehome/page.html", context)
    add_never_cache_headers(response)
    return response


@require_GET
def take_home(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """The take-home page of this phone's delegate (by cookie); makes their link."""
    workshop, delegate = get_membership(request, workshop_id)
    _finished(workshop)
    token = services.take_home_link(delegate=delegate)
    return _page(request, workshop, delegate, token, by_link=False)


@require_GET
def take_home_link(request: HttpRequest, workshop_id: int, token: str) -> HttpResponse:
    """The same page from the magic link, on any device."""
    workshop, delegate = _by_link(workshop_id, token)
    _finished(workshop)
    return _page(request, workshop, delegate, token, by_link=True)


def _ics(workshop: Workshop, delegate: Delegate, commitment_id: int, which: str) -> HttpResponse:
    _finished(workshop)
    try:
        kind = calendar.Which(which)
    except ValueError:
        raise NotFound(NO_CALENDAR) from None
    commitment = (
        Commitment.objects.select_related("step__workshop__event")
        .filter(pk=commitment_id, step__workshop=workshop, delegate=delegate, erased=False)
        .first()
    )
    if commitment is None:
        raise NotFound(NO_CALENDAR)
    response = HttpResponse(calendar.ics_for(commitment, kind), content_type="text/calendar")
    response["Content-Disposition"] = (
        f'attachment; filename="{calendar.filename(commitment, kind)}"'
    )
    add_never_cache_headers(response)
    return response


@require_GET
def take_home_ics(
    request: HttpRequest, workshop_id: int, commitment_id: int, which: str
) -> HttpResponse:
    workshop, delegate = get_membership(request, workshop_id)
    return _ics(workshop, delegate, commitment_id, which)


@require_GET
def take_home_link_ics(
    request: HttpRequest, workshop_id: int, token: str, commitment_id: int, which: str
) -> HttpResponse:
    workshop, delegate = _by_link(workshop_id, token)
    return _ics(workshop, delegate, commitment_id, which)
