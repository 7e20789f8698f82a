"""HTTP views of the real-time layer: the projector page (a revocable display link, no login),
the live regions for the polling fallback, and the acknowledgement of a command as the
regions it changed."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_safe
from django_stubs_ext import StrOrPromise

from sessions.access import get_workshop_for_display
from sessions.live.audiences import PROJECTOR, REGIONS
from sessions.live.regions import render_regions
from sessions.requests import HtmxHttpRequest
from sessions.responses import flash, request_base_url


@require_safe
@xframe_options_sameorigin  # the console shows it as a live miniature of the room
def display(request: HttpRequest, token: str) -> HttpResponse:
    workshop = get_workshop_for_display(token)
    frame = render_regions(
        workshop.pk, PROJECTOR, base_url=request_base_url(request), request=request
    )
    context = {"workshop": workshop, "regions": frame.html, "token": token}
    return render(request, "workshops/display.html", context)


@require_GET
def display_live(request: HttpRequest, token: str) -> HttpResponse:
    """Polling fallback, and the join panel's own refresh after the code changes."""
    workshop = get_workshop_for_display(token)
    return live_regions(request, workshop.pk, PROJECTOR)


def live_regions(
    request: HttpRequest, workshop_id: int, audience: str, regions: tuple[str, ...] | None = None
) -> HttpResponse:
    """The audience's live regions as out-of-band fragments (polling fallback, htmx answers).

    `?region=NAME` asks for one region only (the join panel refreshes itself that way).
    """
    asked = request.GET.get("region")
    if regions is None and asked in REGIONS[audience]:
        regions = (asked,)
    frame = render_regions(
        workshop_id, audience, regions, base_url=request_base_url(request), request=request
    )
    response = HttpResponse(frame.joined())
    add_never_cache_headers(response)
    return response


def answer(
    request: HtmxHttpRequest,
    redirect_to: str,
    *,
    workshop_id: int,
    audience: str,
    regions: tuple[str, ...],
    message: StrOrPromise = "",
    extra: str = "",
) -> HttpResponse:
    """Acknowledge a command once it has committed.

    htmx gets the regions it changed (and a #flash message) to swap at once; a plain form
    POST is redirected back to the page.
    """
    if not request.htmx:
        return redirect(redirect_to)
    frame = render_regions(
        workshop_id, audience, regions, base_url=request_base_url(request), request=request
    )
    return HttpResponse(frame.joined() + flash(message) + extra)
