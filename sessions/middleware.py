from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sessions.errors import Refused


class RefusalMiddleware:
    """Turn a `Refused` raised anywhere in a view into its 4xx answer with a clear message.

    htmx requests get the message as an out-of-band #flash fragment; others get a full page.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, Refused):
            return None
        context = {"message": exception.message, "status": exception.status}
        if getattr(request, "htmx", False):
            template = "workshops/flash.html"
            context["level"] = "error"
        else:
            template = "workshops/refused.html"
        return render(request, template, context, status=exception.status)
