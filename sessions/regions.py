"""Live regions: the parts of each page that change while a workshop runs.

Every region is a named partial in `templates/workshops/live/<audience>.html` whose root
element has a stable id and a `data-version`. The full page, the HTTP polling fallback, the
snapshot a socket gets on connect and the pushed updates all render through
`render_regions`, once per audience: nothing here depends on who is asking within an
audience.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from sessions.models import (
    CLUSTER_NAME_MAX,
    IDEA_MAX,
    MAX_IDEAS_PER_DELEGATE,
    Ballot,
    Board,
    Change,
    Cluster,
    ClusterSuggestion,
    ClusterUndo,
    Commitment,
    Idea,
    Mark,
    Poll,
    Presence,
    Step,
    Workshop,
)
from sessions.pulse import pulse_context
from sessions.snapshot.services import room_profile
from sessions.tally import tally_poll

DELEGATE = "delegate"
PROJECTOR = "projector"
FACILITATOR = "facilitator"

REGIONS: dict[str, tuple[str, ...]] = {
    # "suggest" (the ideas to suggest a theme for) is also drawn by the step region.
    DELEGATE: ("status", "step", "results", "suggest"),
    PROJECTOR: ("status", "presence", "step", "results", "ideas", "commitments", "join"),
    FACILITATOR: (
        "status",
        "presence",
        "agenda",
        "step",
        "results",
        "ideas",
        "commitments",
        "join",
    ),
}
# What each region shows depends on the step on screen, except these: moving the room to
# another step (or finishing) redraws every other region, so a screen open since the start
# shows exactly what a freshly loaded one does.
STEP_INDEPENDENT = frozenset({"status", "presence", "join"})
STEP_REGIONS = frozenset(
    name for names in REGIONS.values() for name in names if name not in STEP_INDEPENDENT
)
# New ideas reach this region as appends (its partial `ideas_appended`), not as a fresh one.
APPENDABLE = "ideas"


@dataclass(frozen=True)
class Snapshot:
    version: int
    html: dict[str, str]

    def joined(self) -> str:
        return "".join(self.html.values())


def present_count(workshop_id: int) -> int:
    """Distinct delegates with at least one open, recently refreshed socket."""
    fresh_after = timezone.now() - timedelta(seconds=settings.PRESENCE_STALE_SECONDS)
    return (
        Presence.objects.filter(workshop_id=workshop_id, seen_at__gte=fresh_after)
        .aggregate(n=Count("delegate", distinct=True))
        .get("n")
        or 0
    )


def public_base_url(request_base: str | None) -> str | None:
    return settings.PUBLIC_URL or request_base


def render_regions(
    workshop_id: int,
    audience: str,
    regions: tuple[str, ...] | None = None,
    *,
    base_url: str | None = None,
    request=None,
    delegate=None,
    appended: frozenset[int] = frozenset(),
) -> Snapshot:
    """Render `regions` (default: all of the audience's) from the database's current state.

    The version is read before the state, so the state shown is at least that new.
    `base_url` (scheme and host phones use) is needed to draw the join QR code; without it
    the join region renders as a stub that fetches itself over HTTP. With `request` (a
    page or an HTTP answer) forms also carry the CSRF token for plain, script-free posts.
    With `delegate` (a phone's page or its socket's first snapshot) the step carries that
    delegate's own ballot; pushed to every phone, it carries a stub that fetches it.
    `appended` (ids of new ideas), when #ideas itself is not asked for, renders an append of
    just those ideas under the name "ideas".
    """
    names = REGIONS[audience] if regions is None else regions
    version = Change.objects.version_of(workshop_id)
    workshop = Workshop.objects.select_related("event", "current_step").get(pk=workshop_id)
    context = {
        "workshop": workshop,
        "version": version,
        "step": workshop.current_step,
        "audience": audience,
        "base_url": public_base_url(base_url),
        "rendered_at_ms": int(time.time() * 1000),  # lets the benchmark time each push
    }
    if "presence" in names:
        context["present"] = present_count(workshop_id)
    if "agenda" in names:
        context["steps"] = list(Step.objects.filter(workshop_id=workshop_id))
    if "join" in names:
        context.update(join_context(workshop, context["base_url"]))
    if workshop.current_step and workshop.current_step.kind == Step.Kind.VOTE:
        context.update(vote_context(workshop.current_step, names, delegate, request))
    if workshop.current_step and workshop.current_step.kind == Step.Kind.IDEAS:
        context.update(ideas_context(workshop.current_step, names, audience))
        # Only a page carries the delegate's ideas and form; a socket's snapshot (connect,
        # reconnect) carries the stub, whose hx-preserve keeps what the delegate is typing.
        board = context.get("board")
        if board and audience == DELEGATE and {"step", "suggest"}.intersection(names):
            personal = delegate if request is not None else None
            context.update(suggest_context(board, personal), suggest_in_step="step" in names)
        if board and delegate is not None and request is not None and "step" in names:
            context["my_ideas_html"] = render_my_ideas(board, delegate.pk, request)
    if workshop.current_step and workshop.current_step.kind == Step.Kind.COMMIT:
        context.update(commitments_context(workshop.current_step, names, audience))
    if workshop.current_step and workshop.current_step.kind == Step.Kind.BENCHMARK:
        context["room"] = room_profile(workshop.event)  # the Snapshot's cohort, suppressed
    if workshop.current_step and workshop.current_step.kind == Step.Kind.PULSE:
        context.update(pulse_context(workshop.current_step, names, delegate, request))
    if "step" in names or "agenda" in names:
        context["focus"] = list(workshop.focus_options.all())
    template = f"workshops/live/{audience}.html"
    html = {
        name: render_to_string(f"{template}#{name}", context, request=request) for name in names
    }
    appendable = APPENDABLE in REGIONS[audience] and APPENDABLE not in names
    if appended and appendable and context.get("board") is not None:
        context["new_ideas"] = new_ideas(context["board"], appended, audience)
        context["idea_count"] = Idea.objects.for_board(context["board"]).visible().count()
        html[APPENDABLE] = render_to_string(f"{template}#ideas_appended", context, request=request)
    return Snapshot(version=version, html=html)


def join_context(workshop: Workshop, base_url: str | None) -> dict:
    if base_url is None:
        return {"join_url": None}
    join_path = reverse("workshops:join_link", args=[workshop.join_token])
    return {
        "join_url": base_url + join_path,
        "join_address": base_url.split("://", 1)[-1] + reverse("workshops:join"),
    }


def vote_context(step: Step, names: tuple[str, ...], delegate, request) -> dict:
    poll = Poll.objects.prefetch_related("options").get(step=step)
    context = {"poll": poll, "accepting": poll.accepting}
    if "results" in names or "step" in names:
        context["tally"] = tally_poll(poll)
    if delegate is not None and "step" in names:
        context["ballot_html"] = render_ballot(poll, delegate.pk, request)
    return context


def ideas_context(step: Step, names: tuple[str, ...], audience: str) -> dict:
    board = Board.objects.filter(step=step).first()
    if board is None:
        return {}
    context = {"board": board, "stage": board.current_stage, "idea_max": IDEA_MAX}
    if APPENDABLE in names and audience != DELEGATE:
        context.update(wall_context(board, facilitator=audience == FACILITATOR))
    return context


def wall_context(board: Board, *, facilitator: bool) -> dict:
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
    by_cluster: dict[int, list[Idea]] = {c.pk: [] for c in clusters}
    for idea in visible:
        if idea.cluster_id in by_cluster:
            by_cluster[idea.cluster_id].append(idea)
    context = {
        "clusters": [(cluster, by_cluster[cluster.pk]) for cluster in clusters],
        "unclustered": [i for i in visible if i.cluster_id not in by_cluster],
        "idea_count": len(visible),
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


# The projector shows the latest commitments (legible at a distance); consoles see more.
WALL_LATEST = {PROJECTOR: 12, FACILITATOR: 60}


def commitments_context(step: Step, names: tuple[str, ...], audience: str) -> dict:
    """The commitment step's wall: how many delegates committed and the latest actions
    (names only when the step shows them). Two queries, whatever the room's size."""
    context: dict = {"commit_step": step, "show_names": step.config.get("show_names", False)}
    if "commitments" not in names or audience == DELEGATE:
        return context
    made = Commitment.objects.filter(step=step)
    counts = made.aggregate(total=Count("id"), people=Count("delegate", distinct=True))
    latest = made.select_related("delegate").order_by("-created_at", "-id")
    context.update(
        commitment_total=counts["total"],
        committed_people=counts["people"],
        latest_commitments=list(latest[: WALL_LATEST[audience]]),
    )
    return context


def new_ideas(board: Board, idea_ids: frozenset[int], audience: str) -> list[Idea]:
    """The ideas of an append that this audience sees (the facilitator also gets the queue)."""
    ideas = Idea.objects.filter(board=board, pk__in=idea_ids, merged_into__isnull=True)
    statuses = [Idea.Status.SHOWN]
    if audience == FACILITATOR:
        statuses.append(Idea.Status.PENDING)
    return list(ideas.filter(status__in=statuses).order_by("id"))


def render_my_ideas(board: Board, delegate_id: int, request=None, sent: bool = False) -> str:
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
    """A delegate's own list of ideas on the board showing now, alone (out of band), or ""
    when no ideas step is showing."""
    board = Board.objects.filter(
        step__workshop_id=workshop_id, step__workshop__current_step=F("step")
    ).first()
    if board is None:
        return ""
    mine = list(Idea.objects.filter(board=board, delegate_id=delegate_id).order_by("id"))
    context = {"board": board, "mine": mine, "oob": True}
    return render_to_string("workshops/ideas/mine_list.html", context)


def render_ballot(poll: Poll, delegate_id: int, request=None, ack: dict | None = None) -> str:
    """The delegate's own ballot: their marks, what they have left, one form per option.

    Each option's form carries a command key, so a double tap or a retried request lands
    once. Keys are derived (with the server's secret) from the ballot's revision: drawn
    again for an unchanged ballot, say after a reconnect, the forms keep their keys, so a
    tap whose answer was lost still lands once when retried. `ack` (the command's key and
    change id) marks the answer to a vote.
    """
    revision = (
        Ballot.objects.filter(poll=poll, delegate_id=delegate_id)
        .values_list("revision", flat=True)
        .first()
        or 0
    )

    def key(target) -> uuid.UUID:
        message = f"{delegate_id}:{poll.pk}:{target}:{revision}"
        return uuid.UUID(hex=salted_hmac("facilitate.ballot-key", message).hexdigest()[:32])

    stored = Mark.objects.filter(ballot__poll=poll, ballot__delegate_id=delegate_id)
    efforts: dict[int, int | None] = {}
    marks: dict[int, int] = {}
    for option_id, value, effort in stored.values_list("option_id", "value", "effort"):
        marks[option_id], efforts[option_id] = value, effort
    rows = [
        {
            "option": option,
            "value": marks.get(option.pk, 0),
            "effort": efforts.get(option.pk),
            "dots": range(marks.get(option.pk, 0)),
            "key": key(option.pk),
        }
        for option in poll.options.all()
    ]
    used = sum(marks.values()) if poll.kind == Poll.Kind.DOTS else len(marks)
    context = {
        "poll": poll,
        "rows": rows,
        "used": used,
        "left": max(poll.allowance(len(rows)) - used, 0),
        "accepting": poll.accepting,
        "workshop_id": poll.step.workshop_id,
        "clear_key": key("clear"),
        "scale": range(1, 6),
        "next_rank": len(marks) + 1,
        "ack": ack,
    }
    return render_to_string("workshops/vote/ballot.html", context, request=request)


# --- delegates' cluster suggestions --------------------------------------------------------

# Ideas a phone lists to suggest a theme for: every phone gets the list at each change, so
# it is kept short; the others come up as these find a cluster.
SUGGEST_LIST_MAX = 40


def suggest_context(board: Board, delegate=None) -> dict:
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
    mine = {}
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
    names = {cluster.pk: cluster.name for cluster in clusters}
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
