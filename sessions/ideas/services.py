"""Ideas steps: the board and its settings, sending ideas, moderating them, and clustering.

Every verb says what happened (`sessions.live.events`) and the screens showing it are
redrawn on commit. A new idea is pushed as an append to the wall (`broadcast.ideas_added`),
never as a fresh wall.

Sending an idea is a delegate command (`delegate_command`): it holds a share lock on the
workshop row, so a room of delegates sends ideas side by side while the facilitator's actions
(which lock the row for update, as every verb here does) wait for the ideas in flight and no
idea lands after a close commits. The delegate's attendance row is locked while they send, so
their cap holds against double taps and several tabs.

Each clustering action first records the board's clusters and assignments (`ClusterUndo`);
undo restores the latest record and removes it, so one undo reverses one action.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_stubs_ext import StrOrPromise

from sessions.agenda.services import (
    IDEAS_CLOSED,
    add_step,
    changed,
    delegate_command,
    lock_open_workshop,
    refuse_unless_open,
)
from sessions.errors import Conflict, InvalidInput, NotFound
from sessions.ideas import reactions
from sessions.live import broadcast, events
from sessions.models import (
    CLUSTER_NAME_MAX,
    IDEA_MAX,
    MAX_CLUSTERS,
    MAX_IDEAS_PER_DELEGATE,
    PROMPT_MAX,
    STAGE_SECONDS_MAX,
    STAGE_SECONDS_MIN,
    STAGES,
    Board,
    Cluster,
    ClusterUndo,
    Idea,
    Step,
    Workshop,
)

UNDO_KEPT = 50

NO_BOARD = _("That ideas step is not part of this workshop.")
NO_IDEA = _("That idea is not part of this step.")
NO_CLUSTER = _("That cluster is not part of this step.")
CLOSED = IDEAS_CLOSED
TOO_MANY = f"You have sent {MAX_IDEAS_PER_DELEGATE} ideas, the most one person can send here."


# --- text ----------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """`text` on one line: runs of whitespace become one space, control characters go."""
    kept = "".join(c for c in text if c.isspace() or unicodedata.category(c) != "Cc")
    return " ".join(kept.split())


def _limited(text: str, *, field: str, what: str, limit: int, empty: StrOrPromise) -> str:
    cleaned = clean_text(text)
    if not cleaned:
        raise InvalidInput(empty, {field: [empty]})
    if len(cleaned) > limit:
        message = _("%(what)s can be at most %(limit)d characters; this one has %(n)d.") % {
            "what": what,
            "limit": limit,
            "n": len(cleaned),
        }
        raise InvalidInput(message, {field: [message]})
    return cleaned


def idea_text(text: str) -> str:
    """An idea's text as it is stored, or InvalidInput saying what is wrong with it."""
    return _limited(
        text, field="text", what="An idea", limit=IDEA_MAX, empty=_("Write your idea first.")
    )


def cluster_name(name: str) -> str:
    return _limited(
        name,
        field="name",
        what="A cluster name",
        limit=CLUSTER_NAME_MAX,
        empty=_("Give the cluster a name."),
    )


def board_prompt(prompt: str) -> str:
    return _limited(
        prompt,
        field="prompt",
        what="A prompt",
        limit=PROMPT_MAX,
        empty='Write a prompt for the room, such as "How might we ...?".',
    )


def stage_seconds(stages: Sequence[int]) -> list[int]:
    """Durations for the four 1-2-4-All stages, each within the allowed range."""
    values = list(stages)
    within = all(type(v) is int and STAGE_SECONDS_MIN <= v <= STAGE_SECONDS_MAX for v in values)
    if len(values) != len(STAGES) or not within:
        message = (
            f"Give each of the {len(STAGES)} stages a time between {STAGE_SECONDS_MIN} seconds "
            f"and {STAGE_SECONDS_MAX // 60} minutes."
        )
        raise InvalidInput(message, {"stages": [message]})
    return values


# --- reads ---------------------------------------------------------------------------------


def board_for(workshop: Workshop, board_id: int) -> Board:
    """The board of one of `workshop`'s steps: another workshop's answers like a missing one."""
    board = Board.objects.select_related("step").filter(pk=board_id, step__workshop=workshop)
    found = board.first()
    if found is None:
        raise NotFound(NO_BOARD)
    return found


def prompt_starters(workshop: Workshop) -> list[str]:
    """Starting texts for a prompt, from the challenges an earlier vote put in focus."""
    return [f"How might we improve {_lower_first(o.label)}?" for o in workshop.focus_options.all()]


def _lower_first(label: str) -> str:
    # "Data entry" reads "data entry" mid-sentence; "OEE" and "ERP rollout" keep their capitals.
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


# --- the board -----------------------------------------------------------------------------


@transaction.atomic
def add_ideas_step(
    *,
    workshop: Workshop,
    title: str,
    prompt: str,
    show_names: bool = False,
    needs_approval: bool = False,
    staged: bool = False,
    stages: Sequence[int] | None = None,
    delegates_suggest: bool = False,
    key: str | None = None,
) -> Step | None:
    """Append an ideas step, closed until opened. A replayed `key` adds nothing (None).

    Broadcasts on commit.
    """
    prompt = board_prompt(prompt)
    durations = stage_seconds(stages) if stages is not None else None
    step = add_step(workshop=workshop, title=title, kind=Step.Kind.IDEAS, key=key)
    if step is None:
        return None
    board = Board(
        step=step,
        prompt=prompt,
        show_names=show_names,
        needs_approval=needs_approval,
        staged=staged,
        delegates_suggest=delegates_suggest,
    )
    if durations is not None:
        board.stages = durations
    board.save()
    return step


@transaction.atomic
def configure_board(
    *,
    board: Board,
    prompt: str,
    show_names: bool,
    needs_approval: bool,
    staged: bool,
    stages: Sequence[int] | None = None,
    delegates_suggest: bool | None = None,
) -> Board:
    """Change the prompt and settings; broadcasts on commit.

    Names show only on ideas sent while names were shown. Turning approval off leaves
    waiting ideas waiting (nothing reaches the screen unapproved that was sent to be
    approved). Turning stages off stops a running stage; new durations apply from the next
    stage started. `delegates_suggest` None leaves that setting as it is.
    """
    board = _locked(board)
    board.prompt = board_prompt(prompt)
    if stages is not None:
        board.stages = stage_seconds(stages)
    board.show_names = show_names
    board.needs_approval = needs_approval
    board.staged = staged
    if delegates_suggest is not None:
        board.delegates_suggest = delegates_suggest
    if not staged:
        board.stage = board.stage_ends_at = None
    board.save()
    changed(board.step.workshop_id, events.BOARD_CONFIGURED)
    return board


@transaction.atomic
def set_reactions(*, board: Board, on: bool, budget: int | None = None) -> Board:
    """Switch +1s on or off for the board (and set each delegate's budget): see
    `sessions.ideas.reactions` for the rules. Broadcasts on commit."""
    return reactions.switch_reactions(board=_locked(board), on=on, budget=budget)


@transaction.atomic
def open_board(*, board: Board) -> Board:
    """Start taking ideas; broadcasts on commit (nothing if already open)."""
    board = _locked(board)
    if not board.is_open:
        board.is_open = True
        board.save(update_fields=["is_open"])
        changed(board.step.workshop_id, events.BOARD_OPENED)
    return board


@transaction.atomic
def close_board(*, board: Board) -> Board:
    """Stop taking ideas and stop any stage; waits for ideas in flight. Broadcasts on commit."""
    board = _locked(board)
    if board.is_open or board.stage is not None:
        board.is_open = False
        board.stage = board.stage_ends_at = None
        board.save(update_fields=["is_open", "stage", "stage_ends_at"])
        changed(board.step.workshop_id, events.BOARD_CLOSED)
    return board


@transaction.atomic
def start_stage(*, board: Board, stage: int) -> Board:
    """Run 1-2-4-All stage `stage` (0 to 3) with its countdown, opening the board if closed.

    Broadcasts on commit and again when the countdown ends.
    """
    board = _locked(board)
    if not board.staged:
        raise Conflict(_("This step does not run in 1-2-4-All stages. Turn stages on first."))
    if not isinstance(stage, int) or not 0 <= stage < len(STAGES):
        raise InvalidInput(
            _("There is no such stage: stages are numbered 0 to %(n)d.") % {"n": len(STAGES) - 1}
        )
    seconds = board.stages[stage]
    board.is_open = True
    board.stage = stage
    board.stage_ends_at = timezone.now() + timedelta(seconds=seconds)
    board.save(update_fields=["is_open", "stage", "stage_ends_at"])
    workshop_id = board.step.workshop_id
    changed(workshop_id, events.STAGE_STARTED)
    # The countdown's end changes what screens show without a command: push it then.
    broadcast.happened(workshop_id, events.STAGE_ENDED, delay=seconds + 0.2)
    return board


@transaction.atomic
def stop_stages(*, board: Board) -> Board:
    """End the running stage; the board stays open. Broadcasts on commit."""
    board = _locked(board)
    if board.stage is not None:
        board.stage = board.stage_ends_at = None
        board.save(update_fields=["stage", "stage_ends_at"])
        changed(board.step.workshop_id, events.STAGES_STOPPED)
    return board


@transaction.atomic
def set_stage_durations(*, board: Board, stages: Sequence[int]) -> Board:
    """New stage times, used from the next stage started. Broadcasts on commit."""
    board = _locked(board)
    board.stages = stage_seconds(stages)
    board.save(update_fields=["stages"])
    changed(board.step.workshop_id, events.STAGE_TIMES_CHANGED)
    return board


def _wall(board: Board, happened: str) -> tuple[str, ...]:
    """What a change of the wall is: `happened`, and a change of the ideas and themes the
    delegates choose from when the board asks them to suggest themes or give +1s."""
    also: tuple[str, ...] = (events.THEME_CHOICES_CHANGED,) if board.delegates_suggest else ()
    if board.reactions_on:
        also += (events.REACTION_CHOICES_CHANGED,)
    return (happened, *also)


def _locked(board: Board) -> Board:
    """A fresh copy of `board`, its workshop locked (refused if finished).

    Every write to a board, its ideas and clusters locks the workshop first, so the
    workshop lock is the board's lock too.
    """
    workshop_id = Step.objects.filter(pk=board.step_id).values_list("workshop_id", flat=True)
    found = workshop_id.first()
    if found is None:
        raise NotFound(NO_BOARD)
    lock_open_workshop(found)
    fresh = Board.objects.select_related("step").filter(pk=board.pk).first()
    if fresh is None:
        raise NotFound(NO_BOARD)
    return fresh


# --- sending ideas -------------------------------------------------------------------------


@transaction.atomic
def submit_idea(
    *, workshop_id: int, delegate_id: int, board_id: int, text: str, key: str | None = None
) -> Idea | None:
    """A delegate sends an idea; a replayed `key` changes nothing and returns None.

    Refuses, changing nothing, when the delegate has not joined the workshop, the board is
    not the workshop's or is closed, the text is empty or too long, or the delegate has sent
    their most. Waits for approval when the board asks for it. On commit the idea is appended
    to the wall (or, while it waits, to the facilitator's queue).
    """
    command = delegate_command(workshop_id=workshop_id, delegate_id=delegate_id, key=key)
    board = Board.objects.filter(pk=board_id, step__workshop_id=workshop_id).first()
    if board is None:
        raise NotFound(NO_BOARD)
    # The idea is pushed as an append (below), not as a fresh wall.
    if not command.record(events.IDEA_SENT):
        return None
    refuse_unless_open(board.is_open, CLOSED)
    text = idea_text(text)
    if Idea.objects.filter(board=board, delegate_id=delegate_id).count() >= MAX_IDEAS_PER_DELEGATE:
        raise Conflict(TOO_MANY)
    delegate = command.attendance.delegate
    idea = Idea.objects.create(
        board=board,
        delegate=delegate,
        author_name=delegate.display_name if board.show_names else "",
        text=text,
        status=Idea.Status.PENDING if board.needs_approval else Idea.Status.SHOWN,
    )
    broadcast.ideas_added(workshop_id, [idea.pk])
    lists = _wall(board, events.IDEA_SENT)[1:]
    if idea.status == Idea.Status.SHOWN and lists:
        # The phones' lists of ideas (to suggest a theme for, to +1) gain this one.
        broadcast.happened(workshop_id, *lists)
    return idea


# --- moderation ----------------------------------------------------------------------------


@transaction.atomic
def hide_idea(*, board: Board, idea_id: int) -> Idea:
    """Take an idea off every screen (a waiting one is turned down). Broadcasts on commit."""
    return _set_status(_locked(board), idea_id, Idea.Status.HIDDEN)


@transaction.atomic
def restore_idea(*, board: Board, idea_id: int) -> Idea:
    """Show a hidden idea again. Broadcasts on commit."""
    return _set_status(_locked(board), idea_id, Idea.Status.SHOWN)


@transaction.atomic
def approve_idea(*, board: Board, idea_id: int) -> Idea:
    """Let a waiting idea onto the screens. Broadcasts on commit."""
    return _set_status(_locked(board), idea_id, Idea.Status.SHOWN)


def _set_status(board: Board, idea_id: int, status: str) -> Idea:
    idea = _idea(board, idea_id)
    if idea.status != status:
        idea.status = status
        idea.save(update_fields=["status"])
        if status == Idea.Status.HIDDEN:
            reactions.release(board, [idea.pk])
        changed(board.step.workshop_id, *_wall(board, events.IDEA_MODERATED))
        _tell_author(board, idea)
    return idea


def _tell_author(board: Board, idea: Idea) -> None:
    """The author's own list on their phone says what became of their idea."""
    if idea.delegate_id is not None:
        broadcast.own_ideas_changed(board.step.workshop_id, {idea.delegate_id})


@transaction.atomic
def edit_idea(*, board: Board, idea_id: int, text: str) -> Idea:
    """Correct an idea's text (within the same limits); it is marked edited.

    Broadcasts on commit.
    """
    board = _locked(board)
    idea = _idea(board, idea_id)
    text = idea_text(text)
    if text != idea.text:
        idea.text = text
        idea.edited = True
        idea.save(update_fields=["text", "edited"])
        changed(board.step.workshop_id, *_wall(board, events.IDEA_MODERATED))
        _tell_author(board, idea)
    return idea


@transaction.atomic
def merge_ideas(*, board: Board, survivor_id: int, other_ids: Sequence[int]) -> Idea:
    """Merge duplicates into `survivor`: they leave every screen and are listed under it.

    Ideas already merged into one of `other_ids` follow it, so merges stay one level deep.
    Broadcasts on commit.
    """
    board = _locked(board)
    if not other_ids:
        raise InvalidInput(_("Choose at least one idea to merge into this one."))
    if survivor_id in other_ids:
        raise InvalidInput(_("An idea cannot be merged into itself."))
    survivor = _idea(board, survivor_id)
    if survivor.merged_into_id is not None:
        raise Conflict(
            _("That idea is itself merged into another. Merge into that one, or unmerge it first.")
        )
    others = [idea.pk for idea in _ideas(board, other_ids)]
    reactions.follow_merge(board, survivor, others)
    moved = Idea.objects.filter(merged_into__in=others).update(merged_into=survivor)
    moved += (
        Idea.objects.filter(pk__in=others)
        .exclude(merged_into=survivor)
        .update(merged_into=survivor)
    )
    if moved:
        changed(board.step.workshop_id, *_wall(board, events.IDEA_MODERATED))
    return survivor


@transaction.atomic
def unmerge_idea(*, board: Board, idea_id: int) -> Idea:
    """Give a merged idea its own place again. Broadcasts on commit."""
    board = _locked(board)
    idea = _idea(board, idea_id)
    if idea.merged_into_id is not None:
        idea.merged_into = None
        idea.save(update_fields=["merged_into"])
        changed(board.step.workshop_id, *_wall(board, events.IDEA_MODERATED))
    return idea


def _idea(board: Board, idea_id: int) -> Idea:
    idea = Idea.objects.filter(pk=idea_id, board=board).first()
    if idea is None:
        raise NotFound(NO_IDEA)
    return idea


def _ideas(board: Board, idea_ids: Iterable[int]) -> list[Idea]:
    wanted = set(idea_ids)
    ideas = list(Idea.objects.filter(pk__in=wanted, board=board))
    if not wanted or len(ideas) != len(wanted):
        raise NotFound(
            NO_IDEA if len(wanted) <= 1 else _("Some of those ideas are not part of this step.")
        )
    return ideas


# --- clustering ----------------------------------------------------------------------------


@transaction.atomic
def create_cluster(*, board: Board, name: str, key: str | None = None) -> Cluster | None:
    """Add an empty cluster at the end; a replayed `key` adds nothing (None).

    Undoable. Broadcasts on commit.
    """
    board = _locked(board)
    name = cluster_name(name)
    if not changed(board.step.workshop_id, *_wall(board, events.CLUSTERS_CHANGED), key=key):
        return None
    _check_name_free(board, name)
    _check_room_for(board, 1)
    _record_undo(board, f'Created "{name}"')
    return Cluster.objects.create(board=board, name=name, position=_next_position(board))


@transaction.atomic
def rename_cluster(*, board: Board, cluster_id: int, name: str) -> Cluster:
    """Rename a cluster (names are unique on a board, ignoring case). Undoable."""
    board = _locked(board)
    cluster = _cluster(board, cluster_id)
    name = cluster_name(name)
    if name != cluster.name:
        _check_name_free(board, name, cluster_id=cluster.pk)
        _record_undo(board, f'Renamed "{cluster.name}" to "{name}"')
        cluster.name = name
        cluster.save(update_fields=["name"])
        changed(board.step.workshop_id, *_wall(board, events.CLUSTERS_CHANGED))
    return cluster


@transaction.atomic
def delete_cluster(*, board: Board, cluster_id: int) -> None:
    """Remove a cluster; its ideas become unclustered. Undoable. Broadcasts on commit."""
    board = _locked(board)
    cluster = _cluster(board, cluster_id)
    _record_undo(board, f'Deleted "{cluster.name}"')
    cluster.delete()
    changed(board.step.workshop_id, *_wall(board, events.CLUSTERS_CHANGED))


@transaction.atomic
def merge_clusters(*, board: Board, cluster_id: int, into_id: int) -> Cluster:
    """Move every idea of one cluster into another and remove the first. Undoable."""
    board = _locked(board)
    if cluster_id == into_id:
        raise InvalidInput(_("A cluster cannot be merged into itself."))
    cluster = _cluster(board, cluster_id)
    into = _cluster(board, into_id)
    _record_undo(board, f'Merged "{cluster.name}" into "{into.name}"')
    cluster.ideas.update(cluster=into)
    cluster.delete()
    changed(board.step.workshop_id, *_wall(board, events.CLUSTERS_CHANGED))
    return into


@transaction.atomic
def assign_idea(*, board: Board, idea_id: int, cluster_id: int | None) -> Idea:
    """Put an idea in a cluster, or (None) take it out of its cluster. Undoable."""
    board = _locked(board)
    _assign(board, [idea_id], cluster_id)
    return _idea(board, idea_id)


@transaction.atomic
def assign_ideas(*, board: Board, idea_ids: Sequence[int], cluster_id: int | None) -> int:
    """Put several ideas in one cluster (None: out of their clusters), as one undoable action.

    Returns how many ideas moved. Broadcasts on commit when any did.
    """
    board = _locked(board)
    if not idea_ids:
        raise InvalidInput(_("Choose at least one idea."))
    return _assign(board, idea_ids, cluster_id)


def _assign(board: Board, idea_ids: Sequence[int], cluster_id: int | None) -> int:
    ideas = _ideas(board, idea_ids)
    cluster = None if cluster_id is None else _cluster(board, cluster_id)
    moving = [idea.pk for idea in ideas if idea.cluster_id != cluster_id]
    if not moving:
        return 0
    n = len(moving)
    if cluster:
        label = ngettext('Put an idea in "%(name)s"', 'Put %(n)d ideas in "%(name)s"', n)
    else:
        label = ngettext(
            "Took an idea out of their clusters", "Took %(n)d ideas out of their clusters", n
        )
    _record_undo(board, label % {"n": n, "name": cluster.name if cluster else ""})
    Idea.objects.filter(pk__in=moving).update(cluster=cluster)
    changed(board.step.workshop_id, *_wall(board, events.CLUSTERS_CHANGED))
    return len(moving)


@transaction.atomic
def apply_suggestions(
    *, board: Board, groups: Sequence[tuple[str, Sequence[int]]], key: str | None = None
) -> list[Cluster] | None:
    """Accept suggested clusters as one undoable action: each named group becomes a cluster
    (or joins the cluster of that name) holding its listed ideas.

    Ids that are not visible ideas of this board are ignored, an idea listed twice goes to
    its first group, and a group left with no ideas makes no cluster. A replayed `key`
    changes nothing (None). Broadcasts on commit.
    """
    board = _locked(board)
    plan = _plan(board, groups)
    if not changed(board.step.workshop_id, *_wall(board, events.CLUSTERS_CHANGED), key=key):
        return None
    if not plan:
        raise Conflict(
            _("None of the suggested ideas are on the wall any more, so nothing changed.")
        )
    existing = {c.name.casefold(): c for c in board.clusters.all()}
    _check_room_for(board, len(plan.keys() - existing.keys()))
    n = len(plan)
    _record_undo(
        board,
        ngettext("Accepted %(n)d suggested cluster", "Accepted %(n)d suggested clusters", n)
        % {"n": n},
    )
    position = _next_position(board)
    clusters = []
    for folded, (name, idea_ids) in plan.items():
        cluster = existing.get(folded)
        if cluster is None:
            cluster = Cluster.objects.create(board=board, name=name, position=position)
            position += 1
        Idea.objects.filter(pk__in=idea_ids).update(cluster=cluster)
        clusters.append(cluster)
    return clusters


def _plan(
    board: Board, groups: Sequence[tuple[str, Sequence[int]]]
) -> dict[str, tuple[str, list[int]]]:
    """Suggested groups keyed by case-folded name: (name, ids of visible ideas)."""
    visible = set(Idea.objects.for_board(board).visible().values_list("id", flat=True))
    plan: dict[str, tuple[str, list[int]]] = {}
    taken: set[int] = set()
    for raw_name, idea_ids in groups:
        name = cluster_name(raw_name)
        keep = [i for i in idea_ids if i in visible and i not in taken]
        taken.update(keep)
        if keep:
            plan.setdefault(name.casefold(), (name, []))[1].extend(keep)
    return plan


@transaction.atomic
def undo_clustering(*, board: Board, key: str | None = None) -> str | None:
    """Reverse the latest clustering action and return what it was ("Nothing to undo." when
    there is none). A replayed `key` (a double tap) undoes nothing more and returns None.

    Clusters removed since are recreated, names, positions and assignments restored, and
    clusters created since removed. Broadcasts on commit.
    """
    board = _locked(board)
    if not changed(board.step.workshop_id, *_wall(board, events.CLUSTERS_CHANGED), key=key):
        return None
    undo = board.undos.first()
    if undo is None:
        raise Conflict(_("Nothing to undo."))
    _restore(board, undo.state)
    undo.delete()
    return undo.label


def _record_undo(board: Board, label: str) -> None:
    """Keep the board's clusters and which idea is in which, before a cluster change called
    `label`, so undo can restore them (the newest UNDO_KEPT records are kept)."""
    clusters = list(board.clusters.order_by("id").values("id", "name", "position"))
    assigned = Idea.objects.for_board(board).filter(cluster__isnull=False)
    ideas = {str(i): c for i, c in assigned.order_by("id").values_list("id", "cluster_id")}
    ClusterUndo.objects.create(
        board=board, label=label, state={"clusters": clusters, "ideas": ideas}
    )
    stale = list(board.undos.values_list("id", flat=True)[UNDO_KEPT:])
    if stale:
        ClusterUndo.objects.filter(pk__in=stale).delete()


def _restore(board: Board, state: dict[str, Any]) -> None:
    # Undo runs newest first, so each record restores the state its action started from;
    # a name it brings back is free again by then.
    wanted = {c["id"]: c for c in state["clusters"]}
    board.clusters.exclude(pk__in=wanted).delete()
    current = {c.pk: c for c in board.clusters.all()}
    for pk, saved in wanted.items():
        cluster = current.get(pk)
        if cluster is None:
            Cluster.objects.create(
                pk=pk, board=board, name=saved["name"], position=saved["position"]
            )
        elif (cluster.name, cluster.position) != (saved["name"], saved["position"]):
            cluster.name, cluster.position = saved["name"], saved["position"]
            cluster.save(update_fields=["name", "position"])
    by_cluster: dict[int, list[int]] = {}
    for idea_id, cluster_id in state["ideas"].items():
        by_cluster.setdefault(cluster_id, []).append(int(idea_id))
    ideas = Idea.objects.for_board(board)
    ideas.exclude(cluster=None).exclude(
        pk__in=[i for ids in by_cluster.values() for i in ids]
    ).update(cluster=None)
    for cluster_id, idea_ids in by_cluster.items():
        ideas.filter(pk__in=idea_ids).exclude(cluster_id=cluster_id).update(cluster_id=cluster_id)


def _cluster(board: Board, cluster_id: int) -> Cluster:
    cluster = Cluster.objects.filter(pk=cluster_id, board=board).first()
    if cluster is None:
        raise NotFound(NO_CLUSTER)
    return cluster


def _check_name_free(board: Board, name: str, *, cluster_id: int | None = None) -> None:
    folded = name.casefold()
    for other in board.clusters.exclude(pk=cluster_id) if cluster_id else board.clusters.all():
        if other.name.casefold() == folded:
            raise Conflict(f'There is already a cluster called "{other.name}".')


def _check_room_for(board: Board, new: int) -> None:
    if board.clusters.count() + new > MAX_CLUSTERS:
        raise Conflict(_("A step can have at most %(n)d clusters.") % {"n": MAX_CLUSTERS})


def _next_position(board: Board) -> int:
    last = board.clusters.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1
