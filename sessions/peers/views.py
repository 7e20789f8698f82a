"""The peers page, reached from a commitment's check-in link (nobody logs in): opt in,
see anonymous offers, accept or decline them, or withdraw."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from sessions.commitments import followups
from sessions.errors import NOT_UNDERSTOOD, InvalidInput
from sessions.models import AccessLink, Commitment, PeerOptIn
from sessions.peers import services as peers
from sessions.peers.forms import AnswerForm, OptInForm


def _commitment(commitment_id: int, token: str) -> Commitment:
    followups.resolve_link(token, AccessLink.Purpose.CHECK_IN, commitment_id=commitment_id)
    # resolve_link checked that the link is this commitment's.
    return Commitment.objects.select_related("step__workshop__event", "delegate").get(
        pk=commitment_id
    )


def _opted(commitment: Commitment) -> PeerOptIn | None:
    return PeerOptIn.objects.filter(commitment=commitment).first()


@require_http_methods(["GET", "POST"])
def peers_page(request: HttpRequest, commitment_id: int, token: str) -> HttpResponse:
    """Opt in (POST) or see the offers (GET). `?part=offers&v=<version>` is the open page
    asking again for its offers region: 204 while it still shows the current one."""
    commitment = _commitment(commitment_id, token)
    opted = _opted(commitment)
    if request.method == "GET" and request.GET.get("part") == "offers":
        return _offers_region(request, commitment, token, opted)
    form = None
    if request.method == "POST":
        form = OptInForm(request.POST)
        if not form.is_valid():
            return _page(request, commitment, token, opted, form, status=400)
        data = form.cleaned_data
        peers.opt_in(
            commitment=commitment, name=data["name"], company=data["company"], email=data["email"]
        )
        return redirect(request.path + "?saved=1")
    return _page(request, commitment, token, opted, form, saved=request.GET.get("saved") == "1")


@require_POST
def answer(request: HttpRequest, commitment_id: int, token: str) -> HttpResponse:
    commitment = _commitment(commitment_id, token)
    form = AnswerForm(request.POST)
    opted = _opted(commitment)
    if not form.is_valid() or opted is None:
        raise InvalidInput(NOT_UNDERSTOOD)
    peers.answer_offer(
        opted=opted, offer_id=form.cleaned_data["offer"], answer=form.cleaned_data["answer"]
    )
    return redirect(reverse("workshops:peers", args=[commitment_id, token]) + "?saved=1")


@require_POST
def withdraw(request: HttpRequest, commitment_id: int, token: str) -> HttpResponse:
    commitment = _commitment(commitment_id, token)
    peers.opt_out(commitment=commitment)
    return redirect(reverse("workshops:peers", args=[commitment_id, token]))


def _page(
    request: HttpRequest,
    commitment: Commitment,
    token: str,
    opted: PeerOptIn | None,
    form: OptInForm | None,
    *,
    status: int = 200,
    saved: bool = False,
) -> HttpResponse:
    if form is None and opted is None:
        delegate = commitment.delegate
        initial = {"email": commitment.email, "name": delegate.display_name if delegate else ""}
        form = OptInForm(initial=initial)
    context = {**_offers_context(commitment, token, opted), "form": form, "saved": saved}
    response = render(request, "workshops/followup/peers.html", context, status=status)
    add_never_cache_headers(response)
    return response


def _offers_context(commitment: Commitment, token: str, opted: PeerOptIn | None) -> dict[str, Any]:
    offers = peers.offers_for(opted) if opted else []
    introduced = peers.introduced_to(opted) if opted else []
    return {
        "commitment": commitment,
        "token": token,
        "opted": opted,
        "offers": offers,
        "introduced": introduced,
        "version": peers.version_of(offers, introduced),
        "poll_seconds": settings.PEERS_POLL_SECONDS,
    }


def _offers_region(
    request: HttpRequest, commitment: Commitment, token: str, opted: PeerOptIn | None
) -> HttpResponse:
    """The offers region again, or 204 when the page already shows this version. Never
    stored by a browser or proxy: it names introduced peers, behind a magic link."""
    context = _offers_context(commitment, token, opted)
    if request.GET.get("v") == context["version"]:
        response = HttpResponse(status=204)
    else:
        response = render(request, "workshops/followup/peers.html#offers", context)
    add_never_cache_headers(response)
    return response
