"""The projector: a revocable display link, no login."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_safe

from sessions.access import get_workshop_for_display
from sessions.regions import PROJECTOR, render_regions
from sessions.views.common import live_regions, request_base_url


@require_safe
def display(request: HttpRequest, token: str) -> HttpResponse:
    workshop = get_workshop_for_display(token)
    snapshot = render_regions(
        workshop.pk, PROJECTOR, base_url=request_base_url(request), request=request
    )
    context = {"workshop": workshop, "regions": snapshot.html, "token": token}
    return render(request, "workshops/display.html", context)


@require_GET
def display_live(request: HttpRequest, token: str) -> HttpResponse:
    """Polling fallback, and the join panel's own refresh after the code changes."""
    workshop = get_workshop_for_display(token)
    return live_regions(request, workshop.pk, PROJECTOR)
