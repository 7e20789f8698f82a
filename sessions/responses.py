"""Small helpers every feature's views share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from sessions.errors import NOT_UNDERSTOOD

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from sessions.errors import FieldErrors


def request_base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def flash(message: StrOrPromise, *, level: str = "info") -> str:
    """The page's #flash message (an empty one clears it), swapped out of band."""
    return render_to_string("workshops/flash.html", {"message": message, "level": level})


def with_flash(html: str, message: StrOrPromise = "") -> HttpResponse:
    """A command's answer: the fragments it changed and the flash message that goes with them."""
    return HttpResponse(html + flash(message))


def form_refused(html: str, errors: FieldErrors) -> HttpResponse:
    """A phone's form refused: `html` is the form again with its errors tied to their fields,
    and the flash message says them all; nothing was changed."""
    message = "; ".join(" ".join(str(m) for m in e) for e in errors.values()) or NOT_UNDERSTOOD
    return HttpResponse(html + flash(message, level="error"), status=400)
