"""Small helpers every feature's views share."""

from django.http import HttpRequest, HttpResponse


def request_base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def no_store(response: HttpResponse) -> HttpResponse:
    """Mark an answer that is personal or changes by the second: no browser or proxy keeps
    it (a phone's fragment, a live region, a page behind a magic link)."""
    response["Cache-Control"] = "no-store"
    return response
