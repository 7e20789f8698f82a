"""Commitment steps: delegates fill in commitment cards; the console sets the wall. After
the event, a one-tap check-in on a commitment from its magic link (nobody logs in)."""

from __future__ import annotations

import json

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sessions import ratelimit
from sessions.access import get_membership, get_workshop_for_facilitator
from sessions.agenda import services
from sessions.agenda.shown import as_shown
from sessions.commands import parse_int
from sessions.commitments import followups
from sessions.commitments import services as commitments
from sessions.commitments.forms import CheckInForm, CommitmentForm
from sessions.commitments.hints import action_hints, hint_rules
from sessions.errors import NOT_UNDERSTOOD, InvalidInput, NotFound
from sessions.live.audiences import FACILITATOR
from sessions.live.views import answer
from sessions.models import (
    ACTION_MAX,
    MAX_COMMITMENTS_PER_DELEGATE,
    AccessLink,
    Commitment,
    Delegate,
    PeerOptIn,
    Status,
    Step,
    Workshop,
)
from sessions.peers import services as peers
from sessions.peers.forms import RoomOptInForm
from sessions.requests import AuthenticatedHttpRequest, HtmxHttpRequest


def _commit_step(workshop: Workshop, step_id: int | None = None) -> Step:
    step_id = step_id or workshop.current_step_id
    step = (
        Step.objects.filter(pk=step_id, workshop=workshop, kind=Step.Kind.COMMIT).first()
        if step_id is not None
        else None
    )
    if step is None:
        raise NotFound(commitments.NO_STEP)
    return step


def _form(workshop: Workshop, delegate: Delegate, data: QueryDict | None = None) -> CommitmentForm:
    return CommitmentForm(
        data,
        links=commitments.link_choices(workshop),
        buddies=commitments.buddy_choices(workshop, delegate.pk),
        today=workshop.event.local_today(),
    )


def render_card(
    request: HttpRequest,
    workshop: Workshop,
    step: Step,
    delegate: Delegate,
    form: CommitmentForm | None = None,
    sent: Commitment | bool | None = None,
    peer_form: RoomOptInForm | None = None,
    peers_link: str = "",
) -> str:
    """The delegate's commitments and a card for another (fresh, or `form` with its errors),
    and the offer of peers for their latest commitment without one (`peer_form` with its
    errors; `peers_link` once they said yes)."""
    mine = list(
        Commitment.objects.filter(step__workshop=workshop, delegate=delegate)
        .select_related("challenge", "cluster")
        .order_by("created_at", "id")
    )
    if form is None:
        form = _form(workshop, delegate)
        if workshop.focus_options.exists():
            # Pre-selected from the facilitator's focus: the first focus challenge.
            link = form.fields["link"]
            assert isinstance(link, forms.ChoiceField)
            choices = link.choices
            assert isinstance(choices, list)  # ChoiceField normalises what it is given to a list
            form.initial["link"] = choices[0][0]
    typed = form["action"].value() or ""
    opted = set(PeerOptIn.objects.filter(commitment__in=mine).values_list("commitment", flat=True))
    asked = next((c for c in reversed(mine) if c.pk not in opted and not c.erased), None)
    if asked is not None and peer_form is None:
        initial = {"commitment": asked.pk, "email": asked.email, "name": delegate.display_name}
        peer_form = RoomOptInForm(initial=initial)
    context = {
        "workshop": workshop,
        "step": step,
        "mine": mine,
        "most": MAX_COMMITMENTS_PER_DELEGATE,
        "left": MAX_COMMITMENTS_PER_DELEGATE - len(mine),
        "form": form,
        "sent": sent,
        "action_max": ACTION_MAX,
        "hints": action_hints(typed) if form.is_bound else [],
        "hint_rules": json.dumps(hint_rules()),
        "who_sees": commitments.who_sees(commitments.names_shown(step)),
        "names_promised": commitments.names_shown(step),
        "opted": opted,
        "peer_form": peer_form if asked is not None and not workshop.is_closed else None,
        "peers_link": peers_link,
    }
    return render_to_string("workshops/commit/card.html", context, request=request)


def _card_response(
    request: HtmxHttpRequest, workshop: Workshop, html: str, status: int = 200
) -> HttpResponse:
    if request.htmx:
        response = HttpResponse(html, status=status)
    else:
        context = {"workshop": workshop, "card": html}
        response = render(request, "workshops/commit/card_page.html", context, status=status)
    add_never_cache_headers(response)
    return response


@require_GET
def my_commitments(request: HtmxHttpRequest, workshop_id: int) -> HttpResponse:
    """The delegate's card (fetched when a commitment step shows, or as a page without JS)."""
    workshop, delegate = get_membership(request, workshop_id)
    step = _commit_step(workshop)
    return _card_response(request, workshop, render_card(request, workshop, step, delegate))


@require_POST
def commit(request: HtmxHttpRequest, workshop_id: int) -> HttpResponse:
    """Make a commitment. Answers with the delegate's commitments and a fresh card; a card
    with something to fix comes back with its messages and what was typed (400). A retried
    send (same key) lands once."""
    workshop, delegate = get_membership(request, workshop_id)
    ratelimit.keep_pace(delegate.pk)
    form = _form(workshop, delegate, request.POST)
    step = _commit_step(workshop, _posted_step(request))
    made = None
    if form.is_valid():
        try:
            made = commitments.make_commitment(
                workshop_id=workshop.pk,
                delegate_id=delegate.pk,
                step_id=step.pk,
                card=form.card(),
                key=form.command_key(),
            )
        except InvalidInput as refusal:
            for field, messages in refusal.errors.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
            if not refusal.errors:
                form.add_error(None, refusal.message)
    if form.errors:
        html = render_card(request, workshop, step, delegate, form=form)
        return _card_response(request, workshop, html, status=400)
    if not request.htmx:
        return redirect("workshops:phone", workshop_id=workshop.pk)
    html = render_card(request, workshop, step, delegate, sent=made or True)
    return _card_response(request, workshop, html)


@require_POST
def peers_opt_in(request: HtmxHttpRequest, workshop_id: int) -> HttpResponse:
    """Say yes to peers from other companies for one of the delegate's commitments, under
    their card. Answers with the card region: the yes, and the link to the peers page (shown
    this once); a form with something to fix comes back with its messages (400). Refused for
    a finished workshop, a phone that has not joined, and a commitment not theirs here."""
    workshop, delegate = get_membership(request, workshop_id)
    ratelimit.keep_pace(delegate.pk)
    form = RoomOptInForm(request.POST)
    if not form.is_valid() and "commitment" in form.errors:
        raise InvalidInput(NOT_UNDERSTOOD)
    commitment_id = form.cleaned_data["commitment"]
    commitment = peers.room_commitment(
        workshop=workshop, delegate=delegate, commitment_id=commitment_id
    )
    step = commitment.step
    if form.errors:
        html = render_card(request, workshop, step, delegate, peer_form=form)
        return _card_response(request, workshop, html, status=400)
    data = form.cleaned_data
    _opted, token = peers.opt_in_in_room(
        workshop=workshop,
        delegate=delegate,
        commitment_id=commitment_id,
        name=data["name"],
        company=data["company"],
        email=data["email"],
    )
    link = reverse("workshops:peers", args=[commitment_id, token])
    if not request.htmx:
        return redirect(link + "?saved=1")
    html = render_card(request, workshop, step, delegate, peers_link=link)
    return _card_response(request, workshop, html)


def _posted_step(request: HttpRequest) -> int:
    """The card's step id; a missing or malformed one is no step of this workshop."""
    step_id = parse_int(request.POST.get("step", ""))
    if step_id is None:
        raise NotFound(commitments.NO_STEP)
    return step_id


@login_required
@require_POST
def commit_names(request: AuthenticatedHttpRequest, workshop_id: int, step_id: int) -> HttpResponse:
    """Show or hide delegates' names on the commitment wall. Names apply only to cards made
    while they are shown: a card made before said the room would not see its name."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    step = _commit_step(workshop, step_id)
    show = request.POST.get("show_names") == "on"
    with as_shown(request, workshop, step):
        services.set_step_config(workshop=workshop, step=step, changes={"show_names": show})
    return answer(
        request,
        reverse("workshops:console", args=[workshop.pk]),
        workshop_id=workshop.pk,
        audience=FACILITATOR,
        regions=("commitments",),
        message=(
            _("Names are shown on the wall with the commitments made from now on.")
            if show
            else _("The wall shows no names.")
        ),
    )


@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, commitment_id: int, token: str) -> HttpResponse:
    """The one-tap status page of a follow-up message's link."""
    link = followups.resolve_link(token, AccessLink.Purpose.CHECK_IN, commitment_id=commitment_id)
    # The link is that commitment's (resolve_link checked).
    commitment = Commitment.objects.select_related("step__workshop", "challenge", "cluster").get(
        pk=commitment_id
    )
    form = CheckInForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return _check_in_page(request, commitment, form, status=400)
        key = form.command_key()
        if key is None:
            raise InvalidInput(NOT_UNDERSTOOD)
        data = form.cleaned_data
        followups.record_check_in(
            link=link,
            status=data["status"],
            first_step_taken=data["first_step_taken"],
            what_happened=data["what_happened"],
            verdict=data["verdict"],
            next_step=data["next_step"],
            key=key,
        )
        return redirect(request.path + "?saved=1")
    return _check_in_page(request, commitment, form, saved=request.GET.get("saved") == "1")


def _check_in_page(
    request: HttpRequest,
    commitment: Commitment,
    form: CheckInForm,
    *,
    status: int = 200,
    saved: bool = False,
) -> HttpResponse:
    context = {
        "commitment": commitment,
        "form": form,
        "statuses": Status.choices,
        "saved": saved,
        "history": list(commitment.check_ins.order_by("-created_at")[:5]),
        "key_value": form.key_to_send(),
    }
    response = render(request, "workshops/followup/check_in.html", context, status=status)
    add_never_cache_headers(response)
    return response
