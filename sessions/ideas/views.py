"""Ideas steps: delegates send ideas and suggest themes for them; the facilitator moderates
and clusters them and takes or dismisses the suggestions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_stubs_ext import StrOrPromise

from sessions import ratelimit
from sessions.access import get_membership, get_workshop_for_facilitator, required_on_screen
from sessions.agenda.shown import as_shown
from sessions.commands import parse_int
from sessions.errors import NOT_UNDERSTOOD, InvalidInput
from sessions.ideas import reactions, suggestions
from sessions.ideas import services as ideas
from sessions.ideas.clustering import EXPLANATION, suggest_clusters
from sessions.ideas.forms import (
    BoardCommandForm,
    ClusterSuggestionForm,
    IdeaForm,
    PlusOneForm,
    SuggestionDecisionForm,
)
from sessions.ideas.read import render_my_ideas
from sessions.live.audiences import DELEGATE, FACILITATOR
from sessions.live.regions import render_regions
from sessions.live.views import answer
from sessions.models import MAX_CLUSTERS, Board, Idea, Workshop
from sessions.requests import AuthenticatedHttpRequest, HtmxHttpRequest
from sessions.responses import with_flash

STAGE_TIME_DIGITS = 6  # far beyond the longest stage; the service says what is allowed


# --- delegates -----------------------------------------------------------------------------


IDEAS_MOVED_ON = _("The room has moved on: ideas are not being collected now.")


@never_cache
@require_GET
def my_ideas(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """The delegate's own ideas and the form to send one (fetched when an ideas step shows)."""
    workshop, delegate = get_membership(request, workshop_id)
    return HttpResponse(
        render_my_ideas(required_on_screen(Board, workshop, IDEAS_MOVED_ON), delegate.pk, request)
    )


@require_POST
def idea_send(request: HtmxHttpRequest, workshop_id: int) -> HttpResponse:
    """Send an idea. Answers with the delegate's ideas and a fresh form (after commit); the
    wall learns by push. A retried send (same key) lands once."""
    workshop, delegate = get_membership(request, workshop_id)
    ratelimit.keep_pace(delegate.pk)
    form = IdeaForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(NOT_UNDERSTOOD)
    data = form.cleaned_data
    idea = ideas.submit_idea(
        workshop_id=workshop.pk,
        delegate_id=delegate.pk,
        board_id=data["board"],
        text=data["text"],
        key=form.command_key(),
    )
    if not request.htmx:
        return redirect("workshops:phone", workshop_id=workshop.pk)
    board = Board.objects.select_related("step").get(pk=data["board"])
    message = _("Already sent.") if idea is None else ""
    return with_flash(render_my_ideas(board, delegate.pk, request, sent=True), message)


# --- the facilitator -----------------------------------------------------------------------


def _board_for(
    request: AuthenticatedHttpRequest, workshop_id: int, board_id: int
) -> tuple[Workshop, Board]:
    workshop = get_workshop_for_facilitator(request.user, workshop_id)
    return workshop, ideas.board_for(workshop, board_id)


@login_required
@require_GET
def board_suggest(
    request: AuthenticatedHttpRequest, workshop_id: int, board_id: int
) -> HttpResponse:
    """Suggested clusters for the board's ideas on the wall, for this console only."""
    workshop, board = _board_for(request, workshop_id, board_id)
    visible = {i.pk: i for i in Idea.objects.for_board(board).visible().filter(cluster=None)}
    found = suggest_clusters([(pk, idea.text) for pk, idea in visible.items()])
    suggestions = [
        {"name": s.name, "ideas": [visible[pk] for pk in s.idea_ids]} for s in found[:MAX_CLUSTERS]
    ]
    response = HttpResponse(_suggestions(request, workshop, board, suggestions))
    add_never_cache_headers(response)
    return response


def _suggestions(
    request: HttpRequest,
    workshop: Workshop,
    board: Board,
    suggestions: list[dict[str, Any]] | None,
) -> str:
    context = {
        "workshop": workshop,
        "board": board,
        "suggestions": suggestions,
        "explanation": EXPLANATION,
    }
    return render_to_string("workshops/ideas/suggestions.html", context, request=request)


@login_required
@require_POST
def board_command(
    request: AuthenticatedHttpRequest, workshop_id: int, board_id: int
) -> HttpResponse:
    """One control of the ideas board (see `BoardCommandForm`); answers with the changed
    regions, and everyone else learns by push."""
    workshop, board = _board_for(request, workshop_id, board_id)
    form = BoardCommandForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(NOT_UNDERSTOOD)
    verb, target = form.cleaned_data["do"]
    handler = HANDLERS[verb]
    with as_shown(request, workshop, board):
        message = handler(board, _Command(form.cleaned_data, request.POST, target))
    extra = ""
    if verb in {"accept", "discard"}:
        extra = _suggestions(request, workshop, board, None)
    return answer(
        request,
        reverse("workshops:console", args=[workshop.pk]),
        workshop_id=workshop.pk,
        audience=FACILITATOR,
        regions=("step", "ideas", "agenda"),
        message=message,
        extra=extra,
    )


class _Command:
    """What a board control sent: the cleaned form, the raw fields named per target (the
    rename and edit boxes), and the button's target id."""

    def __init__(self, cleaned: dict[str, Any], post: QueryDict, target: str) -> None:
        self.cleaned, self.post, self.target = cleaned, post, target

    def target_id(self) -> int:
        target_id = parse_int(self.target)
        if target_id is None:
            raise InvalidInput(NOT_UNDERSTOOD)
        return target_id

    def field(self, prefix: str) -> str:
        return self.post.get(f"{prefix}-{self.target_id()}", "")

    def ticked(self) -> list[int]:
        ticked: list[int] = self.cleaned["ideas"] or []
        return ticked


def _toggle(board: Board, command: _Command, setting: str) -> str:
    if command.target not in {"on", "off"}:
        raise InvalidInput(NOT_UNDERSTOOD)
    values: dict[str, Any] = {
        "prompt": board.prompt,
        "show_names": board.show_names,
        "needs_approval": board.needs_approval,
        "staged": board.staged,
    }
    values[setting] = command.target == "on"
    ideas.configure_board(board=board, **values)
    return "Saved."


def _stage(board: Board, command: _Command) -> str:
    ideas.start_stage(board=board, stage=command.target_id())
    return f"Stage {command.target_id() + 1} started."


def _durations(board: Board, command: _Command) -> str:
    raw = [command.post.get(f"stage-time-{i}", "") for i in range(len(board.stages))]
    stages = [parse_int(value.strip(), max_digits=STAGE_TIME_DIGITS) for value in raw]
    seconds = [stage for stage in stages if stage is not None]
    if len(seconds) < len(stages):
        raise InvalidInput(_("Give each stage a time in whole seconds."))
    ideas.set_stage_durations(board=board, stages=seconds)
    return "Stage times saved."


def _merge(board: Board, command: _Command) -> str:
    others = [pk for pk in command.ticked() if pk != command.target_id()]
    if not others:
        raise InvalidInput(_("Tick the ideas to merge into this one first."))
    ideas.merge_ideas(board=board, survivor_id=command.target_id(), other_ids=others)
    n = len(others)
    return ngettext("Merged %(n)d idea.", "Merged %(n)d ideas.", n) % {"n": n}


def _create(board: Board, command: _Command) -> str:
    cluster = ideas.create_cluster(board=board, name=command.cleaned["name"] or "")
    if cluster is not None and command.ticked():
        ideas.assign_ideas(board=board, idea_ids=command.ticked(), cluster_id=cluster.pk)
    return "Cluster created."


def _assign(board: Board, command: _Command) -> str:
    if not command.ticked():
        raise InvalidInput(_("Tick the ideas to move first."))
    moved = ideas.assign_ideas(
        board=board, idea_ids=command.ticked(), cluster_id=command.cleaned["cluster"]
    )
    return ngettext("Moved %(n)d idea.", "Moved %(n)d ideas.", moved) % {"n": moved}


def _accept(board: Board, command: _Command) -> str:
    post = command.post
    count = parse_int(post.get("count", "0"))
    if count is None:
        raise InvalidInput(NOT_UNDERSTOOD)
    sent = [
        (
            post.get(f"suggestion-name-{i}", ""),
            [parse_int(pk) for pk in post.getlist(f"suggestion-{i}")],
        )
        for i in range(min(count, MAX_CLUSTERS))
    ]
    if any(None in ids for _other, ids in sent):
        raise InvalidInput(NOT_UNDERSTOOD)
    groups = [(name, [pk for pk in ids if pk is not None]) for name, ids in sent if ids]
    if not groups:
        raise InvalidInput(_("No suggested cluster has any ticked idea; nothing was changed."))
    ideas.apply_suggestions(board=board, groups=groups)
    n = len(groups)
    return ngettext("Accepted %(n)d cluster.", "Accepted %(n)d clusters.", n) % {"n": n}


def _undo(board: Board, command: _Command) -> str:
    label = ideas.undo_clustering(board=board)
    return f"Undone: {label}." if label else "Nothing to undo."


def _plain(
    verb: Callable[[Board, _Command], object], message: StrOrPromise
) -> Callable[[Board, _Command], StrOrPromise]:
    """A handler that carries out `verb` and says `message`."""

    def handler(board: Board, command: _Command) -> StrOrPromise:
        verb(board, command)
        return message

    return handler


def _plus_ones(board: Board, command: _Command) -> StrOrPromise:
    if command.target not in {"on", "off"}:
        raise InvalidInput(NOT_UNDERSTOOD)
    on = command.target == "on"
    raw = (command.cleaned["budget"] or "").strip()
    budget = None
    if raw and on:
        budget = parse_int(raw, max_digits=3)
        if budget is None:
            raise InvalidInput(reactions.budget_range())
    board = ideas.set_reactions(board=board, on=on, budget=budget)
    if not on:
        return _("+1s are off. The +1s given stay on the wall.")
    n = board.reaction_budget
    return ngettext(
        "+1s are on: each delegate has %(n)d +1 to give.",
        "+1s are on: each delegate has %(n)d +1s to give.",
        n,
    ) % {"n": n}


def _edit(board: Board, command: _Command) -> None:
    ideas.edit_idea(board=board, idea_id=command.target_id(), text=command.field("text"))


def _rename(board: Board, command: _Command) -> None:
    ideas.rename_cluster(board=board, cluster_id=command.target_id(), name=command.field("name"))


HANDLERS: dict[str, Callable[[Board, _Command], StrOrPromise]] = {
    "open": _plain(lambda b, c: ideas.open_board(board=b), _("Ideas are open.")),
    "close": _plain(lambda b, c: ideas.close_board(board=b), _("Ideas are closed.")),
    "stage": _stage,
    "plusones": _plus_ones,
    "stop": _plain(lambda b, c: ideas.stop_stages(board=b), _("Stages stopped.")),
    "durations": _durations,
    "names": lambda b, c: _toggle(b, c, "show_names"),
    "approval": lambda b, c: _toggle(b, c, "needs_approval"),
    "approve": _plain(lambda b, c: ideas.approve_idea(board=b, idea_id=c.target_id()), "Approved."),
    "hide": _plain(lambda b, c: ideas.hide_idea(board=b, idea_id=c.target_id()), "Hidden."),
    "restore": _plain(lambda b, c: ideas.restore_idea(board=b, idea_id=c.target_id()), "Restored."),
    "edit": _plain(_edit, "Saved."),
    "merge": _merge,
    "unmerge": _plain(lambda b, c: ideas.unmerge_idea(board=b, idea_id=c.target_id()), "Unmerged."),
    "create": _create,
    "rename": _plain(_rename, "Renamed."),
    "delete": _plain(
        lambda b, c: ideas.delete_cluster(board=b, cluster_id=c.target_id()),
        _("Cluster deleted; its ideas are back among the unclustered."),
    ),
    "assign": _assign,
    "undo": _undo,
    "accept": _accept,
    "discard": _plain(lambda b, c: None, _("Suggestions discarded.")),
}


# --- delegates' +1s ------------------------------------------------------------------------


@require_POST
def plus_one(request: HtmxHttpRequest, workshop_id: int) -> HttpResponse:
    """A delegate gives an idea a +1 or takes it back. Answers (after commit) with their +1s
    and budget; the wall and console learn by push. A retried tap (same key) lands once."""
    workshop, delegate = get_membership(request, workshop_id)
    ratelimit.keep_pace(delegate.pk)
    form = PlusOneForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(NOT_UNDERSTOOD)
    data = form.cleaned_data
    verb = reactions.give_plus_one if data["do"] == "give" else reactions.take_back_plus_one
    done = verb(
        workshop_id=workshop.pk,
        delegate_id=delegate.pk,
        idea_id=data["idea"],
        key=form.command_key(),
    )
    if not request.htmx:
        return redirect("workshops:phone", workshop_id=workshop.pk)
    message = _("Already sent.") if done is None else ""
    frame = render_regions(
        workshop.pk, DELEGATE, ("reactions",), request=request, delegate=delegate
    )
    return with_flash(frame.joined(), message)


# --- delegates' cluster suggestions --------------------------------------------------------


@require_POST
def suggest_theme(request: HtmxHttpRequest, workshop_id: int) -> HttpResponse:
    """A delegate suggests a theme for an idea. Answers (after commit) with their list of
    ideas to suggest for, showing their own suggestions; the console learns by push. A
    retried suggestion (same key) lands once."""
    workshop, delegate = get_membership(request, workshop_id)
    ratelimit.keep_pace(delegate.pk)
    form = ClusterSuggestionForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(NOT_UNDERSTOOD)
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
    message = (
        _("Already sent.") if suggestion is None else _("Thank you: the facilitator will see it.")
    )
    frame = render_regions(workshop.pk, DELEGATE, ("suggest",), request=request, delegate=delegate)
    return with_flash(frame.joined(), message)


@login_required
@require_POST
def suggestion_decide(
    request: AuthenticatedHttpRequest, workshop_id: int, board_id: int
) -> HttpResponse:
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
        message: StrOrPromise = (
            _("Suggestions dismissed.") if removed else _("There were no suggestions to dismiss.")
        )
    else:
        taken = suggestions.accept_suggestion(board=board, suggestion_id=int(take))
        name = taken.cluster.name if taken.cluster else taken.name
        message = _("Put the idea in “%(name)s”.") % {"name": name}
    return answer(
        request,
        reverse("workshops:console", args=[workshop.pk]),
        workshop_id=workshop.pk,
        audience=FACILITATOR,
        regions=("ideas",),
        message=message,
    )
