"""Delegates: join by QR link or typed code, then follow the workshop on the phone page."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_safe,
)

from sessions import ratelimit
from sessions.access import get_membership, get_workshop_by_join_token
from sessions.errors import Conflict, NotFound, Refused, TooManyAttempts
from sessions.identity import read_delegate_key, remember_delegate
from sessions.joining import services
from sessions.joining.forms import JoinCodeForm, JoinForm
from sessions.live import presence
from sessions.live.audiences import DELEGATE
from sessions.live.regions import connect_frame, frame_digest, render_regions
from sessions.live.views import live_regions
from sessions.models import Attendance
from sessions.responses import request_base_url
from sessions.snapshot.services import own_link_path

TOO_MANY = _(
    "Too many wrong codes from this network. Wait {minutes} and try again, or scan the QR code."
)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "workshops/home.html")


@require_http_methods(["GET", "POST"])
def join_with_code(request: HttpRequest) -> HttpResponse:
    """Typed short code: case-insensitive. A correct code always joins; wrong codes are
    counted per client address, and past the budget answered 429 (see sessions.ratelimit)."""
    form = JoinCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workshop = services.workshop_for_join_code(form.cleaned_data["code"])
        except NotFound as refusal:
            wait = ratelimit.record_join_failure(request)
            if wait is not None:
                raise TooManyAttempts(TOO_MANY.format(minutes=_minutes(wait))) from None
            form.add_error("code", refusal.message)
        else:
            return redirect("workshops:join_link", token=workshop.join_token)
    status = 400 if form.errors else 200
    return render(request, "workshops/join_code.html", {"form": form}, status=status)


def _minutes(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext("a minute", "%(n)d minutes", minutes) % {"n": minutes}


@require_http_methods(["GET", "POST"])
def join_link(request: HttpRequest, token: str) -> HttpResponse:
    """The QR code's link: pick an optional name and join; a known phone goes straight in."""
    workshop = get_workshop_by_join_token(token)
    key = read_delegate_key(request.COOKIES, workshop.event_id)
    already = (
        key is not None and Attendance.objects.filter(workshop=workshop, delegate__key=key).exists()
    )
    if request.method == "GET" and already:
        return redirect("workshops:phone", workshop_id=workshop.pk)
    if workshop.is_closed:
        raise Conflict(_("This workshop has finished. Thank you for taking part."))
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        delegate = services.join_workshop(
            workshop=workshop,
            delegate_key=key,
            display_name=form.cleaned_data["display_name"],
        )
        response = redirect("workshops:phone", workshop_id=workshop.pk)
        remember_delegate(response, workshop.event_id, delegate.key)
        return response
    status = 400 if form.errors else 200
    context = {"form": form, "workshop": workshop}
    return render(request, "workshops/join.html", context, status=status)


@require_safe
def phone(request: HttpRequest, workshop_id: int) -> HttpResponse:
    return phone_page(request, workshop_id)


def phone_page(
    request: HttpRequest, workshop_id: int, refusal: Refused | None = None
) -> HttpResponse:
    """The phone page; after a refused plain POST from one of its forms, with the message in
    its flash area and what was typed back in its field (templates read
    `request.refused_post`). Raises NotFound when the phone has not joined."""
    workshop, delegate = get_membership(request, workshop_id)
    frame = render_regions(workshop.pk, DELEGATE, request=request, delegate=delegate)
    context = {"workshop": workshop, "delegate": delegate, "regions": frame.html}
    context["snapshot_link"] = own_link_path(delegate)
    if refusal is None:
        # What the socket's first frame would be (drawn for the address the socket sees, as
        # `WorkshopConsumer.base_url`): it sends only its mark if the page still has it.
        first = connect_frame(
            workshop.pk, DELEGATE, base_url=request_base_url(request), delegate_id=delegate.pk
        )
        context["frame_digest"] = frame_digest(first)
        return render(request, "workshops/phone.html", context)
    context["refusal"] = refusal.message
    response = render(request, "workshops/phone.html", context, status=refusal.status)
    add_never_cache_headers(response)
    return response


@require_GET
def phone_live(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """The phone's regions for the polling fallback; a polling phone counts as present."""
    workshop, delegate = get_membership(request, workshop_id)
    presence.poll_presence(workshop_id=workshop.pk, delegate_id=delegate.pk)
    return live_regions(request, workshop.pk, DELEGATE)
