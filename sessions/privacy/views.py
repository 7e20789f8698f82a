"""A delegate's own data after the event: see it, download it, erase it.

Nobody logs in here. A data link works for one delegate; a phone that joined an event can
open its own data by its cookie. Asking for a data link by email never tells whether an
address is known.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from sessions.commitments import followups
from sessions.errors import InvalidInput, NotFound
from sessions.identity import read_delegate_key
from sessions.models import AccessLink, Delegate
from sessions.privacy import services as privacy
from sessions.privacy.forms import AddressForm, EraseForm
from sessions.responses import request_base_url

log = logging.getLogger("facilitate.followups")

SENT_IF_KNOWN = _(
    "If we hold that address, a link to your data is on its way to it. It works for 45 days."
)


# --- a delegate's own data -----------------------------------------------------------------


def _delegate_by_link(token: str) -> Delegate:
    delegate = followups.resolve_link(token, AccessLink.Purpose.MY_DATA).delegate
    assert delegate is not None  # a my-data link always names its delegate (a constraint)
    return delegate


def _delegate_by_cookie(request: HttpRequest, event_id: int) -> Delegate:
    key = read_delegate_key(request.COOKIES, event_id)
    delegate = Delegate.objects.filter(key=key, event_id=event_id).first() if key else None
    if delegate is None:
        raise NotFound(_("This phone has not joined that event, or its data has been erased."))
    return delegate


def _data_page(request: HttpRequest, delegate: Delegate, actions: dict[str, Any]) -> HttpResponse:
    context = {
        "delegate": delegate,
        "data": privacy.my_data(delegate),
        "erase_form": EraseForm(),
        **actions,
    }
    response = render(request, "workshops/followup/my_data.html", context)
    add_never_cache_headers(response)
    return response


def _download(delegate: Delegate) -> HttpResponse:
    body = json.dumps(privacy.my_data(delegate), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-facilitate-data.json"'
    add_never_cache_headers(response)
    return response


def _erase(request: HttpRequest, delegate: Delegate) -> HttpResponse:
    form = EraseForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Tick the box to confirm, then erase; nothing was erased."))
    privacy.erase_delegate(delegate=delegate)
    return render(request, "workshops/followup/erased.html")


@require_safe
def my_data_link(request: HttpRequest, token: str) -> HttpResponse:
    delegate = _delegate_by_link(token)
    return _data_page(
        request,
        delegate,
        {
            "download_url": reverse("workshops:my_data_link_download", args=[token]),
            "erase_url": reverse("workshops:my_data_link_erase", args=[token]),
        },
    )


@require_GET
def my_data_link_download(request: HttpRequest, token: str) -> HttpResponse:
    return _download(_delegate_by_link(token))


@require_POST
def my_data_link_erase(request: HttpRequest, token: str) -> HttpResponse:
    return _erase(request, _delegate_by_link(token))


@require_safe
def my_data(request: HttpRequest, event_id: int) -> HttpResponse:
    delegate = _delegate_by_cookie(request, event_id)
    return _data_page(
        request,
        delegate,
        {
            "download_url": reverse("workshops:my_data_download", args=[event_id]),
            "erase_url": reverse("workshops:my_data_erase", args=[event_id]),
        },
    )


@require_GET
def my_data_download(request: HttpRequest, event_id: int) -> HttpResponse:
    return _download(_delegate_by_cookie(request, event_id))


@require_POST
def my_data_erase(request: HttpRequest, event_id: int) -> HttpResponse:
    return _erase(request, _delegate_by_cookie(request, event_id))


@require_http_methods(["GET", "POST"])
def privacy_request(request: HttpRequest) -> HttpResponse:
    """Ask for a link to your data by the address you gave. The answer is the same whether
    or not the address is known, so nobody can test addresses here."""
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _send_data_links(form.cleaned_data["email"], request_base_url(request))
        return render(request, "workshops/followup/privacy_request.html", {"sent": SENT_IF_KNOWN})
    status = 400 if form.errors else 200
    context = {"form": form}
    return render(request, "workshops/followup/privacy_request.html", context, status=status)


def _send_data_links(email: str, base_url: str) -> None:
    delegates = Delegate.objects.filter(
        commitments__email__iexact=email, forgotten_at__isnull=True
    ).distinct()
    for delegate in delegates:
        token = followups.issue_link(purpose=AccessLink.Purpose.MY_DATA, delegate=delegate)
        context = {
            "event": delegate.event,
            "url": (settings.PUBLIC_URL or base_url) + followups.my_data_path(token),
        }
        send_mail(
            subject=f"Your data from {delegate.event.name}",
            message=render_to_string("workshops/email/my_data.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[email],
        )
        log.info("sent a data link for delegate %s", delegate.pk)
