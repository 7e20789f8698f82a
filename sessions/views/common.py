from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from sessions.regions import REGIONS, render_regions


def request_base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def live_regions(
    request: HttpRequest, workshop_id: int, audience: str, regions: tuple[str, ...] | None = None
) -> HttpResponse:
    """The audience's live regions as out-of-band fragments (polling fallback, htmx answers).

    `?region=NAME` asks for one region only (the join panel refreshes itself that way).
    """
    asked = request.GET.get("region")
    if regions is None and asked in REGIONS[audience]:
        regions = (asked,)
    snapshot = render_regions(
        workshop_id, audience, regions, base_url=request_base_url(request), request=request
    )
    response = HttpResponse(snapshot.joined())
    add_never_cache_headers(response)  # changes by the second
    return response


def answer(
    request: HttpRequest,
    redirect_to: str,
    *,
    workshop_id: int,
    audience: str,
    regions: tuple[str, ...],
    message: str = "",
    extra: str = "",
) -> HttpResponse:
    """Acknowledge a command once it has committed.

    htmx gets the regions it changed (and a #flash message) to swap at once; a plain form
    POST is redirected back to the page.
    """
    if not request.htmx:
        return redirect(redirect_to)
    snapshot = render_regions(
        workshop_id, audience, regions, base_url=request_base_url(request), request=request
    )
    flash = render_to_string("workshops/flash.html", {"message": message, "level": "info"})
    return HttpResponse(snapshot.joined() + flash + extra)
