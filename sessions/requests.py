"""The request types views annotate with (typing only: at run time every request is Django's
HttpRequest, with what the middleware adds).

`HtmxHttpRequest`: django-htmx's middleware sets `request.htmx` on every request (and
`RefusalMiddleware` sets `refused_post` on a refused phone form's request, before it draws
the phone page again with what was typed).
`AuthenticatedHttpRequest`: behind `@login_required`, `request.user` is a signed-in `User`.
"""

from django.contrib.auth.models import User
from django.http import HttpRequest, QueryDict
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    refused_post: QueryDict


class AuthenticatedHttpRequest(HtmxHttpRequest):
    user: User
