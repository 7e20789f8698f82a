"""A request body over Django's limits is a 400 before anything else reads it.

Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE (or with too many fields) when
`request.POST` is first read, which is in the CSRF check; its answer is then rendered by a
default error view decorated with `requires_csrf_token`, which reads `request.POST` again,
fails again, and turns the 400 into a 500. Reading the body here first, once, answers 400
with a message and leaves no view or error handler to trip over it.
"""

from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

TOO_BIG = _("That request was too large to read; nothing was changed.")
WITH_BODY = {"POST"}  # Django parses a form body only for POST


class RequestLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method in WITH_BODY:
            try:
                request.POST  # noqa: B018  (parses the body now, within the limits)
            except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
                return render(
                    request,
                    "workshops/refused.html",
                    {"message": TOO_BIG, "status": 400},
                    status=400,
                )
        return self.get_response(request)
