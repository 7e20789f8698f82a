"""Delegates suggest a cluster for an idea; the facilitator accepts one or dismisses them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from sessions.access import get_workshop_for_facilitator
from sessions.errors import InvalidInput
from sessions.forms import ClusterSuggestionForm, SuggestionDecisionForm
from sessions.regions import DELEGATE, FACILITATOR, render_regions
from sessions.services import ideas, suggestions
from sessions.views.common import answer
from sessions.views.delegate import _membership
from sessions.views.ideas import NOT_UNDERSTOOD


@require_POST
def suggest_theme(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """A delegate suggests a theme for an idea. Answers (after commit) with their list of
    ideas to suggest for, showing their own suggestions; the console learns by push. A
    retried suggestion (same key) lands once."""
    workshop, delegate = _membership(request, workshop_id)
    form = ClusterSuggestionForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("That suggestion was not understood; nothing was sent.")
    data = form.cleaned_data
    suggestion = suggestions.suggest_cluster(
        workshop_id=workshop.pk,
        delegate_id=delegate.pk,
        idea_id=data["idea"],
        cluster_id=data["cluster"],
        name=data["name"] or "",
        key=form.command_key(),
    )
    if not request.htmx:
        return redirect("workshops:phone", workshop_id=workshop.pk)
    message = "Already sent." if suggestion is None else "Thank you: the facilitator will see it."
    flash = render_to_string("workshops/flash.html", {"message": message, "level": "info"})
    snapshot = render_regions(
        workshop.pk, DELEGATE, ("suggest",), request=request, delegate=delegate
    )
    return HttpResponse(snapshot.joined() + flash)


@login_required
@require_POST
def suggestion_decide(request: HttpRequest, workshop_id: int, board_id: int) -> HttpResponse:
    """Accept one suggested cluster for an idea (an undoable clustering action) or dismiss
    the idea's suggestions; answers with the board, and everyone else learns by push."""
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    board = ideas.board_for(workshop, board_id)
    form = SuggestionDecisionForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(NOT_UNDERSTOOD)
    take = form.cleaned_data["take"]
    if take == "dismiss":
        removed = suggestions.dismiss_suggestions(board=board, idea_id=form.cleaned_data["idea"])
        message = "Suggestions dismissed." if removed else "There were no suggestions to dismiss."
    else:
        taken = suggestions.accept_suggestion(board=board, suggestion_id=int(take))
        name = taken.cluster.name if taken.cluster else taken.name
        message = f"Put the idea in “{name}”."
    return answer(
        request,
        reverse("workshops:console", args=[workshop.pk]),
        workshop_id=workshop.pk,
        audience=FACILITATOR,
        regions=("ideas",),
        message=message,
    )
