"""Ideas: a board on an ideas step, the delegates' ideas, the facilitator's clusters and
the undo record of each cluster change."""

from __future__ import annotations

import math
import uuid
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import models
from django.db.models.functions import Length, Lower
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from sessions.models.core import NAME_MAX, Delegate, Step

if TYPE_CHECKING:
    from sessions.models.suggestions import ClusterSuggestion

# --- ideas ---------------------------------------------------------------------------------

PROMPT_MAX = 300
IDEA_MAX = 200
MAX_IDEAS_PER_DELEGATE = 20
CLUSTER_NAME_MAX = 80
MAX_CLUSTERS = 50
STAGE_SECONDS_MIN = 10
STAGE_SECONDS_MAX = 3600
# "+1s" (quick prioritisation): how many each delegate may give on one board.
REACTION_BUDGET_DEFAULT = 3
REACTION_BUDGET_MAX = 10


class Stage(NamedTuple):
    name: StrOrPromise
    instruction: StrOrPromise


# 1-2-4-All, in order; a board's `stage` indexes this and its `stages` (durations).
STAGES = (
    Stage(_("On your own"), _("Silently write your own ideas.")),
    Stage(_("In pairs"), _("Share your ideas with a partner, build on them and add new ones.")),
    Stage(_("In fours"), _("Join another pair. Compare your ideas and send the strongest.")),
    Stage(_("All together"), _("Each group shares the one idea that stood out for them.")),
)
DEFAULT_STAGE_SECONDS = (60, 120, 240, 300)


def default_stage_seconds() -> list[int]:
    return list(DEFAULT_STAGE_SECONDS)


class Board(models.Model):
    """The ideas of an ideas step: its prompt, settings and whether it takes ideas now.

    In staged mode the facilitator runs 1-2-4-All: `stage` (an index into STAGES) is the
    stage running and `stage_ends_at` its countdown's end; None when no stage runs.
    """

    step = models.OneToOneField(Step, on_delete=models.CASCADE, related_name="board")
    prompt = models.CharField(max_length=PROMPT_MAX)
    # Off: ideas are anonymous to the room; on: each idea shows its author's display name.
    show_names = models.BooleanField(default=False)
    needs_approval = models.BooleanField(default=False)
    # Delegates may suggest one of the clusters (or a new theme) for each idea on the wall.
    delegates_suggest = models.BooleanField(default=False)
    is_open = models.BooleanField(default=False)
    staged = models.BooleanField(default=False)
    stages = models.JSONField(default=default_stage_seconds)
    stage = models.PositiveSmallIntegerField(null=True, blank=True)
    stage_ends_at = models.DateTimeField(null=True, blank=True)
    # Quick prioritisation: while on, each delegate may give up to `reaction_budget` +1s to
    # the board's ideas (one per idea). Off keeps the +1s given; none can be given or taken.
    reactions_on = models.BooleanField(default=False)
    reaction_budget = models.PositiveSmallIntegerField(default=REACTION_BUDGET_DEFAULT)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stage__isnull=True) | models.Q(stage__lt=len(STAGES)),
                name="board_stage_exists",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    reaction_budget__gte=1, reaction_budget__lte=REACTION_BUDGET_MAX
                ),
                name="board_reaction_budget_range",
            ),
        ]

    def __str__(self) -> str:
        return self.prompt

    @property
    def current_stage(self) -> Stage | None:
        return None if self.stage is None else STAGES[self.stage]

    @property
    def seconds_left(self) -> int | None:
        """Whole seconds until the running stage's countdown ends (0 once it has)."""
        if self.stage_ends_at is None:
            return None
        return max(0, math.ceil((self.stage_ends_at - timezone.now()).total_seconds()))


class IdeaQuerySet(models.QuerySet["Idea"]):
    def for_board(self, board: Board) -> IdeaQuerySet:
        return self.filter(board=board)

    def visible(self) -> IdeaQuerySet:
        """What the room sees: shown, and not merged into another idea."""
        return self.filter(status=Idea.Status.SHOWN, merged_into__isnull=True)

    def awaiting_approval(self) -> IdeaQuerySet:
        return self.filter(status=Idea.Status.PENDING, merged_into__isnull=True)


class IdeaStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    SHOWN = "shown", "Shown"
    HIDDEN = "hidden", "Hidden"


class Idea(models.Model):
    """One idea sent by a delegate.

    `author_name` is the display name at the moment of sending, kept only when the board
    showed names then: an idea sent anonymously stays anonymous if the setting changes.
    An idea merged into another (`merged_into`) is on no screen of its own; its text is
    listed under the idea it was merged into.
    """

    Status = IdeaStatus

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="ideas")
    # Kept when the delegate's data is erased: the text stays, anonymous.
    delegate = models.ForeignKey(
        Delegate, on_delete=models.SET_NULL, null=True, blank=True, related_name="ideas"
    )
    author_name = models.CharField(max_length=NAME_MAX, blank=True)
    text = models.CharField(max_length=IDEA_MAX)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SHOWN)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )
    cluster = models.ForeignKey(
        "Cluster", on_delete=models.SET_NULL, null=True, blank=True, related_name="ideas"
    )
    edited = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IdeaQuerySet.as_manager()

    # Not columns: what the screens that draw an idea attach to it for their templates
    # (sessions.ideas.read), each only where that screen draws it.
    merged_texts: list[Idea]
    suggest_key: uuid.UUID
    my_suggestion: ClusterSuggestion | None
    suggestion_tally: list[dict[str, Any]]
    plus_ones: int
    reacted: bool
    react_key: uuid.UUID

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["board", "status"], name="idea_board_status"),
            models.Index(fields=["board", "delegate"], name="idea_board_delegate"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    GreaterThan(Length("text"), 0), LessThanOrEqual(Length("text"), IDEA_MAX)
                ),
                name="idea_text_length",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=IdeaStatus.values),
                name="idea_status_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")),
                name="idea_not_merged_into_itself",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Cluster(models.Model):
    """A named group of a board's ideas. Names are unique on a board, ignoring case."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="clusters")
    name = models.CharField(max_length=CLUSTER_NAME_MAX)
    position = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    # Not a column: the sum of its visible ideas' +1s, where the wall draws counts.
    plus_ones: int

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "board", name="cluster_name_unique_on_board"),
            models.CheckConstraint(
                condition=models.Q(GreaterThan(Length("name"), 0)), name="cluster_name_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Reaction(models.Model):
    """One delegate's "+1" for one idea. One per delegate per idea (a constraint); how many a
    delegate holds on a board is checked under their attendance lock against the board's
    budget (`sessions.ideas.reactions`). A cluster's +1s are its ideas' +1s: a +1 is always
    for an idea, so moving an idea moves its +1s and nothing counts twice.

    Kept, anonymous, when the delegate's data is erased (the archive keeps the counts).
    """

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="reactions")
    delegate = models.ForeignKey(
        Delegate, on_delete=models.SET_NULL, null=True, blank=True, related_name="reactions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["delegate", "idea"], name="reaction_delegate_idea")]
        constraints = [
            models.UniqueConstraint(
                fields=["idea", "delegate"], name="reaction_one_per_delegate_per_idea"
            ),
        ]

    def __str__(self) -> str:
        return f"+1 for idea {self.idea_id}"


class ClusterUndo(models.Model):
    """The board's clusters and idea assignments as they were before one clustering action.

    `state` is {"clusters": [{"id", "name", "position"}], "ideas": {idea id: cluster id}},
    listing the ideas that were in a cluster; undoing restores it (every other idea of the
    board unclustered) and removes this row, so one undo reverses one action.
    """

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="undos")
    label = models.CharField(max_length=200)
    state = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.label
