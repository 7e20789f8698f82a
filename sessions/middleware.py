"""Refusals (`sessions.errors`) as answers: a page or fragment with the message, never a 500;
htmx refusals say not to swap."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render

from sessions.errors import Refused
from sessions.requests import HtmxHttpRequest

# The phone's forms. Refused as a plain POST (no script), they answer with the phone page:
# the message in its flash area and what was typed still in the form (`request.refused_post`).
PHONE_FORMS = frozenset(
    {
        "idea_send",
        "suggest_theme",
        "plus_one",
        "pulse_answer",
        "vote",
        "commit",
        "cloud_words",
        "cloud_withdraw",
        "question_ask",
        "question_upvote",
        "close_returned",
    }
)


class RefusalMiddleware:
    """Turn a `Refused` raised anywhere in a view into its 4xx answer with a clear message.

    htmx requests get the message as an out-of-band #flash fragment, with `HX-Reswap: none`
    so that, whatever the requesting element's target, nothing but #flash changes (the page
    and what was typed stay). A refused plain POST from a phone form gets the phone page
    again with the message and the typed text; others get a page with the message.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(
        self, request: HtmxHttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if not isinstance(exception, Refused):
            return None
        context = {"message": exception.message, "status": exception.status}
        if getattr(request, "htmx", False):
            context["level"] = "error"
            response = render(request, "workshops/flash.html", context, status=exception.status)
            response["HX-Reswap"] = "none"
            return response
        page = _phone_page_again(request, exception)
        if page is not None:
            return page
        return render(request, "workshops/refused.html", context, status=exception.status)


def _phone_page_again(request: HtmxHttpRequest, refusal: Refused) -> HttpResponse | None:
    match = request.resolver_match
    if request.method != "POST" or match is None or match.url_name not in PHONE_FORMS:
        return None
    if refusal.status not in (400, 409):
        return None  # not this phone's workshop, or not joined: the page is not theirs
    # The web layer's own page (this middleware is part of it, like the views).
    from sessions.joining.views import phone_page

    request.refused_post = request.POST
    try:
        return phone_page(request, match.kwargs["workshop_id"], refusal)
    except Refused:
        return None


# Set on an answer its view sends as it is (`send_uncompressed`).
UNCOMPRESSED = "send_uncompressed"


class Compression(GZipMiddleware):
    """Django's gzip for pages and fragments (a phone's vote page goes out at a third of its
    size), except the answers a view sends as they are: a tap's answer over HTTP is on the
    path a room votes through when its sockets are blocked, and compressing each one cost
    the server more than the bytes it saved (at 100 taps/s, the answers' p99 went from 130-150
    ms to 185-320 ms)."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(response, UNCOMPRESSED, False):
            return response
        return super().process_response(request, response)


def send_uncompressed(response: HttpResponse) -> HttpResponse:
    setattr(response, UNCOMPRESSED, True)
    return response
