"""What the ideas screens show: the wall, the delegates own ideas, the ideas to suggest a
theme for and the suggestions tallied for the facilitator."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.db.models import Count, F
from django.http import HttpRequest
from django.template.loader import render_to_string

from sessions.live.audiences import APPENDABLE, DELEGATE, FACILITATOR
from sessions.models import (
    CLUSTER_NAME_MAX,
    IDEA_MAX,
    MAX_IDEAS_PER_DELEGATE,
    Board,
    Change,
    Cluster,
    ClusterSuggestion,
    ClusterUndo,
    Delegate,
    Idea,
    Reaction,
    Step,
)


def ideas_context(step: Step, names: tuple[str, ...], audience: str) -> dict[str, Any]:
    board = Board.objects.filter(step=step).first()
    if board is None:
        return {}
    context: dict[str, Any] = {
        "board": board,
        "stage": board.current_stage,
        "idea_max": IDEA_MAX,
    }
    if APPENDABLE in names and audience != DELEGATE:
        context.update(wall_context(board, facilitator=audience == FACILITATOR))
    elif audience != DELEGATE:
        # An append of new ideas draws each with its count (0) where the wall shows counts.
        context["reactions_shown"] = board.reactions_on or has_reactions(board)
    return context


def has_reactions(board: Board) -> bool:
    return Reaction.objects.filter(idea__board=board).exists()


def plus_one_counts(board: Board) -> dict[int, int]:
    """Each idea's +1s on `board` (ideas with none left out): one query."""
    rows = Reaction.objects.filter(idea__board=board).values("idea_id").annotate(n=Count("id"))
    return {row["idea_id"]: row["n"] for row in rows}


def wall_context(board: Board, *, facilitator: bool) -> dict[str, Any]:
    """The board's clusters with their ideas, the unclustered ideas, and for the facilitator
    the queue, the hidden and merged ideas and what undo would undo: four queries."""
    ideas = list(Idea.objects.for_board(board).select_related("merged_into").order_by("id"))
    clusters = list(Cluster.objects.filter(board=board).order_by("position", "id"))
    visible = [i for i in ideas if i.status == Idea.Status.SHOWN and i.merged_into_id is None]
    merged: dict[int, list[Idea]] = {}
    for idea in ideas:
        if idea.merged_into_id is not None:
            merged.setdefault(idea.merged_into_id, []).append(idea)
    for idea in visible:
        idea.merged_texts = merged.get(idea.pk, [])
    counts = plus_one_counts(board)
    shown = board.reactions_on or bool(counts)
    for idea in visible:
        idea.plus_ones = counts.get(idea.pk, 0)
    if shown:
        # Most +1s first; ties keep the order the ideas came in (a new idea, with none,
        # is appended at the end of the list and is in its place there).
        visible.sort(key=lambda i: (-i.plus_ones, i.pk))
    by_cluster: dict[int | None, list[Idea]] = {c.pk: [] for c in clusters}
    for idea in visible:
        if idea.cluster_id in by_cluster:
            by_cluster[idea.cluster_id].append(idea)
    for cluster in clusters:
        cluster.plus_ones = sum(i.plus_ones for i in by_cluster[cluster.pk])
    if shown:
        clusters.sort(key=lambda c: (-c.plus_ones, c.position, c.pk))
    context: dict[str, Any] = {
        "clusters": [(cluster, by_cluster[cluster.pk]) for cluster in clusters],
        "unclustered": [i for i in visible if i.cluster_id not in by_cluster],
        "idea_count": len(visible),
        "reactions_shown": shown,
        "plus_one_total": sum(i.plus_ones for i in visible),
    }
    if facilitator:
        context["queue"] = [
            i for i in ideas if i.status == Idea.Status.PENDING and i.merged_into_id is None
        ]
        context["hidden"] = [
            i for i in ideas if i.status == Idea.Status.HIDDEN or i.merged_into_id is not None
        ]
        context["visible"] = visible
        context["undo"] = ClusterUndo.objects.filter(board=board).order_by("-id").first()
        attach_suggestion_tallies(board, visible, clusters)
    return context


def new_ideas(board: Board, idea_ids: frozenset[int], audience: str) -> list[Idea]:
    """The ideas of an append that this audience sees (the facilitator also gets the queue)."""
    ideas = Idea.objects.filter(board=board, pk__in=idea_ids, merged_into__isnull=True)
    statuses = [Idea.Status.SHOWN]
    if audience == FACILITATOR:
        statuses.append(Idea.Status.PENDING)
    return list(ideas.filter(status__in=statuses).order_by("id"))


def render_my_ideas(
    board: Board, delegate_id: int, request: HttpRequest | None = None, sent: bool = False
) -> str:
    """A delegate's own ideas on this board and the form to send another. The form's key is
    new with each drawing: a retried send of the same form lands once."""
    mine = list(Idea.objects.filter(board=board, delegate_id=delegate_id).order_by("id"))
    context = {
        "board": board,
        "mine": mine,
        "left": max(MAX_IDEAS_PER_DELEGATE - len(mine), 0),
        "idea_max": IDEA_MAX,
        "key": uuid.uuid4(),
        "workshop_id": board.step.workshop_id,
        "sent": sent,
    }
    return render_to_string("workshops/ideas/mine.html", context, request=request)


def render_own_ideas(workshop_id: int, delegate_id: int) -> str:
    """A delegate's own list of ideas on the board showing now, alone (out of band), with
    their +1s where the board asks for them, or "" when no ideas step is showing."""
    board = Board.objects.filter(
        step__workshop_id=workshop_id, step__workshop__current_step=F("step")
    ).first()
    if board is None:
        return ""
    mine = list(Idea.objects.filter(board=board, delegate_id=delegate_id).order_by("id"))
    context = {"board": board, "mine": mine, "oob": True}
    html = render_to_string("workshops/ideas/mine_list.html", context)
    return html + render_own_reactions(board, delegate_id)


# --- +1s on a phone ------------------------------------------------------------------------


def reactions_context(board: Board, delegate_id: int | None) -> dict[str, Any]:
    """A phone's ideas to give +1s to, while the board asks for them: the visible ideas by
    cluster (in the wall's cluster order without counts: phones show only their own +1s),
    then those in no cluster. With `delegate_id` (their page, or the answer to their tap)
    each idea says whether they gave it a +1 and the budget line says how many are left
    (`personal`); pushed to every phone, those parts are kept from the screen (hx-preserve)
    and drawn as for someone who gave none."""
    if not board.reactions_on:
        return {"reactions": None}
    ideas = list(Idea.objects.for_board(board).visible().order_by("id"))
    clusters = list(Cluster.objects.filter(board=board).order_by("position", "id"))
    mine: set[int] = set()
    if delegate_id is not None:
        given = Reaction.objects.filter(delegate_id=delegate_id, idea__board=board)
        mine = set(given.values_list("idea_id", flat=True))
    for idea in ideas:
        idea.reacted = idea.pk in mine
        idea.react_key = uuid.uuid4()
    by_cluster: dict[int, list[Idea]] = {c.pk: [] for c in clusters}
    loose: list[Idea] = []
    for idea in ideas:
        members = by_cluster.get(idea.cluster_id) if idea.cluster_id is not None else None
        (loose if members is None else members).append(idea)
    groups = [{"cluster": c, "ideas": by_cluster[c.pk]} for c in clusters if by_cluster[c.pk]]
    if loose:
        groups.append({"cluster": None, "ideas": loose})
    return {
        "reactions": {
            "board": board,
            "groups": groups,
            "ideas": ideas,
            "left": max(board.reaction_budget - len(mine), 0),
            "personal": delegate_id is not None,
            "workshop_id": board.step.workshop_id,
        }
    }


def render_own_reactions(board: Board, delegate_id: int) -> str:
    """A delegate's whole #reactions region, drawn for them alone at the workshop's current
    version: pushed to them when what they hold changed without their tap (an idea they gave
    a +1 hidden or merged, +1s switched or the budget changed). A shared frame at that
    version or newer keeps their toggles and budget line (hx-preserve); an older one is
    not swapped in."""
    workshop_id = board.step.workshop_id
    version = Change.objects.version_of(workshop_id)
    context = {
        **reactions_context(board, delegate_id),
        "workshop": board.step.workshop,
        "version": version,
    }
    return render_to_string("workshops/ideas/reactions_phone.html", context)


# Ideas a phone lists to suggest a theme for: every phone gets the list at each change, so
# it is kept short; the others come up as these find a cluster.
SUGGEST_LIST_MAX = 40


def suggest_context(board: Board, delegate: Delegate | None = None) -> dict[str, Any]:
    """The phones' ideas to suggest a theme for: the visible ideas in no cluster, while the
    board is open, asks for suggestions and has clusters. With `delegate` (their page, or
    the answer to their suggestion) each idea carries that delegate's own suggestion and
    nothing is kept from the screen (`personal`); otherwise the forms on screen are kept
    (hx-preserve) unless the clusters changed, which changes their ids (`themes_sig`)."""
    if not (board.delegates_suggest and board.is_open):
        return {"themes": None}
    themes = list(Cluster.objects.filter(board=board).order_by("position", "id"))
    if not themes:
        return {"themes": None}
    waiting = Idea.objects.for_board(board).visible().filter(cluster=None).order_by("id")
    listed = list(waiting[:SUGGEST_LIST_MAX])
    mine: dict[int, ClusterSuggestion] = {}
    if delegate is not None:
        own = ClusterSuggestion.objects.filter(delegate=delegate, idea__in=listed)
        mine = {s.idea_id: s for s in own.select_related("cluster")}
    for idea in listed:
        idea.suggest_key = uuid.uuid4()
        idea.my_suggestion = mine.get(idea.pk)
    drawn = repr([(theme.pk, theme.name) for theme in themes]).encode()
    return {
        "themes": themes,
        "theme_ideas": listed,
        "more_ideas": waiting.count() - len(listed) if len(listed) == SUGGEST_LIST_MAX else 0,
        "themes_sig": hashlib.blake2s(drawn, digest_size=6).hexdigest(),
        "theme_max": CLUSTER_NAME_MAX,
        "personal": delegate is not None,
    }


def attach_suggestion_tallies(board: Board, visible: list[Idea], clusters: list[Cluster]) -> None:
    """Give each visible idea `suggestion_tally`: its delegates' suggestions counted by choice
    (see `SuggestionQuerySet.tallies`), each with the name to show (a cluster's current
    name), whether it is a new theme and whether the idea is in that cluster already."""
    tallies = ClusterSuggestion.objects.tallies(board)
    names: dict[int | None, str] = {cluster.pk: cluster.name for cluster in clusters}
    for idea in visible:
        rows = tallies.get(idea.pk, [])
        current = names.get(idea.cluster_id, "").casefold()
        for row in rows:
            row["new"] = row["cluster_id"] is None
            row["label"] = names.get(row["cluster_id"], row["shown"])
            if row["new"]:
                row["taken"] = bool(current) and row["label"].casefold() == current
            else:
                row["taken"] = row["cluster_id"] == idea.cluster_id
        idea.suggestion_tally = rows
