"""Small helpers every feature's views share."""

from django.http import HttpRequest


def request_base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"
