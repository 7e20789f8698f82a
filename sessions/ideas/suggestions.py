"""Delegates suggest a cluster (a theme) for an idea; the facilitator accepts or dismisses.

A suggestion is shown to the facilitator only, as each idea's tally on the console (the
projector shows none: the facilitator decides what the wall shows); nobody sees anyone
else's suggestions. Accepting goes through the
ordinary clustering verbs, so it is undone like any clustering action.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sessions.agenda.services import (
    THEMES_CLOSED,
    changed,
    delegate_command,
    lock_open_workshop,
    refuse_unless_open,
)
from sessions.errors import Conflict, InvalidInput, NotFound
from sessions.ideas.services import NO_IDEA, apply_suggestions, assign_idea, clean_text
from sessions.live import events
from sessions.models import (
    CLUSTER_NAME_MAX,
    Board,
    Cluster,
    ClusterSuggestion,
    Idea,
)

NOT_ASKED = _("The facilitator has not asked for theme suggestions on this step.")
CLOSED = THEMES_CLOSED
NOT_ON_WALL = _("That idea is no longer on the wall (it was hidden or merged).")
NO_THEME = _("That theme is no longer on this step's board. Choose another.")
CHOOSE = _("Choose a theme, or write a new one.")
NOT_BOTH = _("Choose a theme or write a new one, not both.")
NO_SUGGESTION = _("That suggestion is no longer there; nothing was changed.")


@transaction.atomic
def suggest_cluster(
    *,
    workshop_id: int,
    delegate_id: int,
    idea_id: int,
    cluster_id: int | None,
    name: str = "",
    key: str | None = None,
) -> ClusterSuggestion | None:
    """A delegate suggests one of the board's clusters (`cluster_id`) or a new theme (`name`)
    for a visible idea, replacing their earlier suggestion for it. A replayed `key` changes
    nothing and returns None. A new theme named like a cluster (ignoring case) is that cluster.

    Refuses, changing nothing, when the delegate has not joined, the idea is not one of the
    workshop's or is not on the wall, the workshop has finished, the board does not ask for
    suggestions or is closed, or the choice is missing, ambiguous, another board's or too
    long. Broadcasts the console's tallies on commit.
    """
    command = delegate_command(workshop_id=workshop_id, delegate_id=delegate_id, key=key)
    idea = (
        Idea.objects.select_related("board")
        .filter(pk=idea_id, board__step__workshop_id=workshop_id)
        .first()
    )
    if idea is None:
        raise NotFound(NO_IDEA)
    if not command.record(events.THEME_SUGGESTED):
        return None
    _check_taking(idea)
    cluster, name = _choice(idea.board, cluster_id, name)
    suggestion, _created = ClusterSuggestion.objects.update_or_create(
        idea=idea, delegate_id=delegate_id, defaults={"cluster": cluster, "name": name}
    )
    return suggestion


def _check_taking(idea: Idea) -> None:
    if not idea.board.delegates_suggest:
        raise Conflict(NOT_ASKED)
    refuse_unless_open(idea.board.is_open, CLOSED)
    if idea.status != Idea.Status.SHOWN or idea.merged_into_id is not None:
        raise Conflict(NOT_ON_WALL)


def _choice(board: Board, cluster_id: int | None, name: str) -> tuple[Cluster | None, str]:
    """The suggested cluster (None for a new theme) and the name to keep with it."""
    name = clean_text(name)
    if cluster_id is None and not name:
        raise InvalidInput(CHOOSE, {"cluster": [CHOOSE]})
    if cluster_id is not None and name:
        raise InvalidInput(NOT_BOTH, {"name": [NOT_BOTH]})
    if cluster_id is not None:
        cluster = Cluster.objects.filter(pk=cluster_id, board=board).first()
        if cluster is None:
            raise NotFound(NO_THEME)
        return cluster, cluster.name
    if len(name) > CLUSTER_NAME_MAX:
        message = _("A theme can be at most %(max)d characters; this one has %(n)d.") % {
            "max": CLUSTER_NAME_MAX,
            "n": len(name),
        }
        raise InvalidInput(message, {"name": [message]})
    folded = name.casefold()
    same = next((c for c in board.clusters.all() if c.name.casefold() == folded), None)
    return (same, same.name) if same else (None, name)


@transaction.atomic
def accept_suggestion(*, board: Board, suggestion_id: int) -> ClusterSuggestion:
    """Put the suggestion's idea in the suggested cluster (`assign_idea`), or in a new cluster
    of the suggested name (`apply_suggestions`): one undoable clustering action either way,
    and none when the idea is there already (a double click). The suggestions stay, so the
    console can show which was taken. Broadcasts on commit.
    """
    lock_open_workshop(board.step.workshop_id)
    suggestion = (
        ClusterSuggestion.objects.select_related("idea", "cluster")
        .filter(pk=suggestion_id, idea__board=board)
        .first()
    )
    if suggestion is None:
        raise NotFound(NO_SUGGESTION)
    idea = suggestion.idea
    if idea.status != Idea.Status.SHOWN or idea.merged_into_id is not None:
        raise Conflict(NOT_ON_WALL)
    if suggestion.cluster_id is not None:
        assign_idea(board=board, idea_id=idea.pk, cluster_id=suggestion.cluster_id)
    elif not _in_cluster_named(idea, suggestion.name):
        apply_suggestions(board=board, groups=[(suggestion.name, [idea.pk])])
    return suggestion


def _in_cluster_named(idea: Idea, name: str) -> bool:
    cluster = Cluster.objects.filter(pk=idea.cluster_id).first() if idea.cluster_id else None
    return cluster is not None and cluster.name.casefold() == name.casefold()


@transaction.atomic
def dismiss_suggestions(*, board: Board, idea_id: int) -> int:
    """Remove every suggestion for one of the board's ideas; returns how many there were.

    Broadcasts on commit when there were any.
    """
    lock_open_workshop(board.step.workshop_id)
    if not Idea.objects.filter(pk=idea_id, board=board).exists():
        raise NotFound(NO_IDEA)
    removed, _ = ClusterSuggestion.objects.filter(idea_id=idea_id).delete()
    if removed:
        changed(board.step.workshop_id, events.SUGGESTIONS_DISMISSED)
    return removed
