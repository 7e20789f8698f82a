"""Votes: a delegate's ballot and taps on it, and the console's poll controls."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from django_stubs_ext import StrOrPromise

from sessions import ratelimit
from sessions.access import get_membership, get_workshop_for_facilitator, member_id, on_screen
from sessions.agenda.shown import as_shown
from sessions.commands import invalid_form
from sessions.errors import NOT_UNDERSTOOD, InvalidInput, NotFound
from sessions.live.audiences import FACILITATOR
from sessions.live.views import answer
from sessions.middleware import send_uncompressed
from sessions.models import Poll
from sessions.requests import AuthenticatedHttpRequest, HtmxHttpRequest
from sessions.responses import flash
from sessions.voting import services as voting
from sessions.voting.forms import PollControlForm, VoteForm
from sessions.voting.read import render_answer, render_ballot
from sessions.voting.writer import release_connections, writer


@require_GET
def ballot(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """The delegate's own ballot for the vote on screen (fetched after a vote opens)."""
    workshop, delegate = get_membership(request, workshop_id)
    poll = on_screen(Poll, workshop)
    if poll is None:
        return HttpResponse('<section id="ballot" hx-swap-oob="true"></section>')
    response = HttpResponse(render_ballot(poll, delegate.pk, request))
    add_never_cache_headers(response)
    return response


@require_POST
async def vote(request: HtmxHttpRequest, workshop_id: int) -> HttpResponse:
    """One tap on the ballot. Answers with the delegate's updated ballot (the acknowledgement,
    sent after commit); everyone else learns by push. A replay lands once.

    The vote is written by the process's batched writer (`sessions.voting.writer`) with the
    votes arriving at the same time over sockets and HTTP: one writer, so on SQLite no
    request thread waits on the database's lock for a vote, and the answer is drawn on the
    writer's thread right after the commit."""
    delegate_id, form = await sync_to_async(_understood_tap)(request, workshop_id)
    key = form.command_key()

    def answered(outcome: voting.CastResult) -> str:
        if not request.htmx:
            return ""
        message = _("Already counted.") if outcome.replayed else ""
        poll_id: int = form.cleaned_data["poll"]
        return render_answer(outcome, poll_id, delegate_id, key, request) + flash(message)

    ballot: str = await writer.cast(
        workshop_id=workshop_id, delegate_id=delegate_id, answer=answered, **form.command()
    )
    if not request.htmx:
        return redirect("workshops:phone", workshop_id=workshop_id)
    return send_uncompressed(HttpResponse(ballot))


def _understood_tap(request: HttpRequest, workshop_id: int) -> tuple[int, VoteForm]:
    """Whose tap this is (the writer reads the workshop and the attendance under its lock),
    within their pace, and what it says; refused otherwise.

    The request's database connection goes back (to the pool, on PostgreSQL) before the
    vote waits for its writer: requests holding every pooled connection while the writer
    waited for one would stall the room."""
    try:
        delegate_id = member_id(request, workshop_id)
    finally:
        release_connections()
    ratelimit.keep_pace(delegate_id)
    form = VoteForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(NOT_UNDERSTOOD)
    return delegate_id, form


@login_required
@require_POST
def poll_control(request: AuthenticatedHttpRequest, workshop_id: int, poll_id: int) -> HttpResponse:
    """Open (with an optional countdown), close, reveal or hide a vote; carry its top
    options forward as the focus."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    poll = Poll.objects.filter(pk=poll_id, step__workshop=workshop).first()
    if poll is None:
        raise NotFound(_("That vote is not part of this workshop."))
    form = PollControlForm(request.POST)
    if not form.is_valid():
        raise invalid_form(form)
    action = form.cleaned_data["action"]
    message: StrOrPromise = {
        "open": _("Voting is open."),
        "close": _("Voting is closed."),
        "reveal": _("Results are on the projector."),
        "hide": _("Results are hidden."),
        "focus": _("Focus set."),
    }[action]
    with as_shown(request, workshop, poll):
        if action == "open":
            voting.open_poll(poll=poll, seconds=form.cleaned_data["seconds"])
        elif action == "close":
            voting.close_poll(poll=poll)
        elif action in {"reveal", "hide"}:
            voting.reveal_results(poll=poll, revealed=action == "reveal")
        else:
            voting.set_focus(poll=poll, top=form.cleaned_data["top"] or 2)
    return answer(
        request,
        reverse("workshops:console", args=[workshop.pk]),
        workshop_id=workshop.pk,
        audience=FACILITATOR,
        regions=("step", "results", "agenda"),
        message=message,
    )
