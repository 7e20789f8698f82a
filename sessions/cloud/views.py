"""The word cloud: delegates send and withdraw words, the facilitator runs and moderates it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_stubs_ext import StrOrPromise

from sessions import ratelimit
from sessions.access import get_membership, get_workshop_for_facilitator, required_on_screen
from sessions.agenda.shown import as_shown
from sessions.cloud import services
from sessions.cloud.forms import (
    CloudControlForm,
    CloudModerateForm,
    CloudWordsForm,
    WithdrawWordForm,
)
from sessions.cloud.read import render_my_words
from sessions.commands import invalid_form
from sessions.errors import NOT_UNDERSTOOD, InvalidInput
from sessions.live.audiences import FACILITATOR
from sessions.live.views import answer
from sessions.models import CloudTerm, Delegate, WordCloud, Workshop
from sessions.requests import AuthenticatedHttpRequest, HtmxHttpRequest
from sessions.responses import form_refused, with_flash

if TYPE_CHECKING:
    from sessions.errors import FieldErrors

# --- delegates -----------------------------------------------------------------------------


CLOUD_MOVED_ON = _("The room has moved on: the word cloud is not on screen now.")


@never_cache
@require_GET
def my_words(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """The delegate's words form with their words (fetched when the cloud shows)."""
    workshop, delegate = get_membership(request, workshop_id)
    return HttpResponse(
        render_my_words(
            required_on_screen(WordCloud, workshop, CLOUD_MOVED_ON), delegate.pk, request
        )
    )


@require_POST
def send_words(request: HtmxHttpRequest, workshop_id: int) -> HttpResponse:
    """Send (or change) the delegate's words. Answers with their words form showing what was
    stored, or what was wrong (400) with what they typed kept."""
    workshop, delegate = get_membership(request, workshop_id)
    ratelimit.keep_pace(delegate.pk)
    form = CloudWordsForm(request.POST)
    if not form.is_valid():
        raise invalid_form(form)
    data = form.cleaned_data
    try:
        stored = services.send_words(
            workshop_id=workshop.pk,
            delegate_id=delegate.pk,
            cloud_id=data["cloud"],
            words=data["word"],
            key=form.command_key(),
        )
    except InvalidInput as refusal:
        if not request.htmx or "words" not in refusal.errors:
            raise
        return _form_again(request, workshop, delegate, refusal.errors, data["word"])
    return _sent(request, workshop, delegate, data["cloud"], replayed=stored is None)


@require_POST
def withdraw_word(request: HtmxHttpRequest, workshop_id: int) -> HttpResponse:
    """Withdraw one of the delegate's words."""
    workshop, delegate = get_membership(request, workshop_id)
    ratelimit.keep_pace(delegate.pk)
    form = WithdrawWordForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(NOT_UNDERSTOOD, form.errors)
    data = form.cleaned_data
    done = services.withdraw_word(
        workshop_id=workshop.pk,
        delegate_id=delegate.pk,
        cloud_id=data["cloud"],
        word_id=data["word"],
        key=form.command_key(),
    )
    return _sent(request, workshop, delegate, data["cloud"], replayed=done is None)


def _sent(
    request: HtmxHttpRequest,
    workshop: Workshop,
    delegate: Delegate,
    cloud_id: int,
    *,
    replayed: bool,
) -> HttpResponse:
    if not request.htmx:
        return redirect("workshops:phone", workshop_id=workshop.pk)
    cloud = services.cloud_for(workshop, cloud_id)
    message = _("Already counted.") if replayed else ""
    return with_flash(render_my_words(cloud, delegate.pk, request, sent=True), message)


def _form_again(
    request: HttpRequest,
    workshop: Workshop,
    delegate: Delegate,
    errors: FieldErrors,
    typed: list[str],
) -> HttpResponse:
    cloud = required_on_screen(WordCloud, workshop, CLOUD_MOVED_ON)
    html = render_my_words(cloud, delegate.pk, request, errors=errors, typed=typed)
    return form_refused(html, errors)


# --- the facilitator -----------------------------------------------------------------------


@login_required
@require_POST
def cloud_control(
    request: AuthenticatedHttpRequest, workshop_id: int, cloud_id: int
) -> HttpResponse:
    """Open or close the cloud; switch "approve before showing" on or off."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    cloud = services.cloud_for(workshop, cloud_id)
    form = CloudControlForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(NOT_UNDERSTOOD)
    action = form.cleaned_data["action"]
    with as_shown(request, workshop, cloud):
        if action == "open":
            services.open_cloud(cloud=cloud)
        elif action == "close":
            services.close_cloud(cloud=cloud)
        else:
            services.require_approval(cloud=cloud, needs_approval=action == "approval-on")
    message = {
        "open": _("Words are open."),
        "close": _("Words are closed."),
        "approval-on": _("New words wait for your approval."),
        "approval-off": _("New words go straight to the projector (held-back words still wait)."),
    }[action]
    return _answer(request, workshop, message)


@login_required
@require_POST
def cloud_moderate(
    request: AuthenticatedHttpRequest, workshop_id: int, cloud_id: int
) -> HttpResponse:
    """Show, hide or merge a counted word."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    cloud = services.cloud_for(workshop, cloud_id)
    form = CloudModerateForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(NOT_UNDERSTOOD)
    data = form.cleaned_data
    action, term_id = data["action"], data["term"]
    if action == "merge":
        if data["into"] is None:
            raise InvalidInput(_("Choose the word to merge it into."))
        services.merge_terms(cloud=cloud, term_id=term_id, into_id=data["into"])
        message = _("The two words now count as one.")
    else:
        state = CloudTerm.State.SHOWN if action == "show" else CloudTerm.State.HIDDEN
        services.moderate_term(cloud=cloud, term_id=term_id, state=state)
        message = _("The word is shown.") if action == "show" else _("The word is hidden.")
    return _answer(request, workshop, message)


def _answer(
    request: AuthenticatedHttpRequest, workshop: Workshop, message: StrOrPromise
) -> HttpResponse:
    return answer(
        request,
        reverse("workshops:console", args=[workshop.pk]),
        workshop_id=workshop.pk,
        audience=FACILITATOR,
        regions=("step", "results", "agenda"),
        message=message,
    )
