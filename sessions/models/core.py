"""The workshop domain: events, workshops, delegates and the agenda.

State changes go through `sessions.services`; these models hold data and the invariants the
database can enforce.
"""

from __future__ import annotations

import datetime
import math
from datetime import timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models.functions import Length, Lower
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone

from sessions.tokens import new_join_code, new_token

TITLE_MAX = 120
TEXT_MAX = 1000
NAME_MAX = 40


def join_code_expiry():
    return timezone.now() + timedelta(hours=settings.JOIN_CODE_LIFETIME_HOURS)


DEFAULT_RETENTION_DAYS = 365


def default_time_zone() -> str:
    return settings.TIME_ZONE


class Event(models.Model):
    """A conference day run by a productivity centre; delegates belong to one event."""

    name = models.CharField(max_length=TITLE_MAX)
    date = models.DateField()
    venue = models.CharField(max_length=TITLE_MAX, blank=True)
    # Dates on commitment cards and the hour follow-up messages go out are this zone's.
    time_zone = models.CharField(max_length=64, default=default_time_zone)
    # Days after the event when contact details and the links between delegates and
    # their words are removed (`manage.py apply_retention`); aggregates stay.
    retention_days = models.PositiveIntegerField(default=DEFAULT_RETENTION_DAYS)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="facilitated_events", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%d %b %Y})"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def local_today(self) -> datetime.date:
        return timezone.localdate(timezone.now(), self.zone)


class WorkshopQuerySet(models.QuerySet):
    def facilitated_by(self, user) -> WorkshopQuerySet:
        if user.is_superuser:
            return self
        return self.filter(event__facilitators=user)


class Workshop(models.Model):
    """One live session in a room: an agenda of steps the facilitator moves through."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="workshops")
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(max_length=TEXT_MAX, blank=True)
    # The QR link carries join_token; people type join_code, which expires.
    join_token = models.CharField(max_length=64, unique=True, default=new_token)
    join_code = models.CharField(max_length=12, unique=True, default=new_join_code)
    join_code_expires_at = models.DateTimeField(default=join_code_expiry)
    # The projector's revocable link: revoking replaces the token.
    display_token = models.CharField(max_length=64, unique=True, default=new_token)
    current_step = models.ForeignKey(
        "Step", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The top options of a finished vote, carried forward into the steps that follow.
    focus_options = models.ManyToManyField("Option", blank=True, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    # The archive's share link: None until the facilitator shares it; stopping clears it.
    archive_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def version(self) -> int:
        """How many changes any screen shows have committed (see `Change`)."""
        return Change.objects.version_of(self.pk)

    @property
    def join_code_is_valid(self) -> bool:
        return self.join_code_expires_at > timezone.now()


class Delegate(models.Model):
    """A pseudonymous person at an event, known by the key in their phone's signed cookie."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="delegates")
    key = models.CharField(max_length=64, unique=True, default=new_token)
    display_name = models.CharField(max_length=NAME_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the delegate erased their data or the event's retention ended: the row then
    # only holds anonymous answers together (a ballot, a score) and names nobody.
    forgotten_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.display_name or f"Delegate {self.pk}"


class Attendance(models.Model):
    """A delegate has joined a workshop: what every delegate request is checked against."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="attendances")
    delegate = models.ForeignKey(Delegate, on_delete=models.CASCADE, related_name="attendances")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workshop", "delegate"], name="one_attendance"),
        ]

    def __str__(self) -> str:
        return f"{self.delegate} in {self.workshop}"


class Step(models.Model):
    """One item of a workshop's agenda.

    `kind` selects how the step is shown and which related tables hold its data; kinds
    added later (votes, ideas, commitments) keep their own rows pointing at the step and
    their settings in `config`.
    """

    class Kind(models.TextChoices):
        MESSAGE = "message", "Message"
        VOTE = "vote", "Vote"
        IDEAS = "ideas", "Ideas"
        COMMIT = "commit", "Commitments"
        BENCHMARK = "benchmark", "Where we are"
        PULSE = "pulse", "Pulse"

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MESSAGE)
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(max_length=TEXT_MAX, blank=True)
    config = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["workshop", "position"])]

    def __str__(self) -> str:
        return self.title


class Presence(models.Model):
    """An open delegate socket. Present delegates = distinct delegates with a fresh row.

    Each server process refreshes `seen_at` on its own rows; rows of a process that died
    go stale and stop counting, then are removed.
    """

    channel_name = models.CharField(max_length=200, unique=True)
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="presences")
    delegate = models.ForeignKey(Delegate, on_delete=models.CASCADE, related_name="presences")
    process = models.CharField(max_length=40, db_index=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.delegate} on {self.channel_name}"


class ChangeQuerySet(models.QuerySet):
    def version_of(self, workshop_id: int) -> int:
        """The workshop's current version: how many of its changes have committed."""
        return self.filter(workshop_id=workshop_id).count()


class Change(models.Model):
    """One committed change to what a workshop's screens show.

    A workshop's version is the number of its committed changes: pushed snapshots carry it
    and a screen never replaces a region with an older one. A count, not the latest id:
    ids are handed out when a row is inserted, not when it commits, so a change with a
    lower id can commit after a higher one; the count still rises when it does, so a
    snapshot that includes it always outranks one that does not. Inserting a row (rather
    than bumping a counter on the workshop) keeps concurrent writers, such as a room full
    of voters, from queuing on one row. `key` is the client-generated key of the command
    that made the change: a replayed command finds its key taken and does nothing.
    """

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="changes")
    key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ChangeQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["workshop", "id"])]

    def __str__(self) -> str:
        return f"change {self.pk} of workshop {self.workshop_id}"


# --- voting --------------------------------------------------------------------------------

# A 2x2 vote rates each option 1 to 5 for impact and for effort.
MATRIX_POINTS = 5


class Poll(models.Model):
    """The vote of a vote step: its kind, limits and state.

    Limits are fixed once anyone has voted, so a ballot checked against them stays valid.
    """

    class Kind(models.TextChoices):
        DOTS = "dots", "Dot voting"
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        SCALE = "scale", "Scale (rate each 1 to 5)"
        RANKING = "ranking", "Ranking (top picks in order)"
        MATRIX = "matrix", "Impact and effort (2x2)"

    step = models.OneToOneField(Step, on_delete=models.CASCADE, related_name="poll")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.DOTS)
    # Dots: a budget per delegate and a cap per option. Multiple: at most `max_picks`.
    # Ranking: the top `max_picks` in order.
    budget = models.PositiveSmallIntegerField(default=3)
    per_option_max = models.PositiveSmallIntegerField(default=2)
    max_picks = models.PositiveSmallIntegerField(default=3)
    scale_low_label = models.CharField(max_length=40, default="Not at all")
    scale_high_label = models.CharField(max_length=40, default="Very much")
    show_live = models.BooleanField(default=False)
    is_open = models.BooleanField(default=False)
    opened_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    revealed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget__gte=1, per_option_max__gte=1, max_picks__gte=1),
                name="poll_limits_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.step.title}"

    @property
    def accepting(self) -> bool:
        """Open, and its countdown (if any) has not run out."""
        return self.is_open and (self.closes_at is None or self.closes_at > timezone.now())

    def allowance(self, option_count: int) -> int:
        """What one ballot may spend: dots, picks, ratings or ranked places."""
        return {
            self.Kind.DOTS: self.budget,
            self.Kind.SINGLE: 1,
            self.Kind.MULTIPLE: self.max_picks,
            self.Kind.SCALE: option_count,
            self.Kind.RANKING: self.max_picks,
            self.Kind.MATRIX: option_count,
        }[self.kind]

    @property
    def cap(self) -> int:
        """The largest value of one mark."""
        return {
            self.Kind.DOTS: self.per_option_max,
            self.Kind.SINGLE: 1,
            self.Kind.MULTIPLE: 1,
            self.Kind.SCALE: 5,
            self.Kind.RANKING: self.max_picks,
            self.Kind.MATRIX: MATRIX_POINTS,
        }[self.kind]


class Option(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveIntegerField()
    label = models.CharField(max_length=TITLE_MAX)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class Ballot(models.Model):
    """One delegate's vote in one poll. `spent` is the sum of their marks' values for dots,
    the number of marks otherwise; the database holds it within `allowance`."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    delegate = models.ForeignKey(Delegate, on_delete=models.CASCADE, related_name="ballots")
    spent = models.PositiveSmallIntegerField(default=0)
    allowance = models.PositiveSmallIntegerField()
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "delegate"], name="one_ballot_per_poll"),
            models.CheckConstraint(
                condition=models.Q(spent__lte=models.F("allowance")), name="ballot_within_allowance"
            ),
        ]

    def __str__(self) -> str:
        return f"ballot of {self.delegate} in poll {self.poll_id}"


class Mark(models.Model):
    """A ballot's mark on one option: dots placed, 1 for a pick, a rating 1-5, a rank, or
    an impact and effort rating (2x2).

    A 2x2 mark holds impact in `value` and effort in `effort`, each 1-5; either may be rated
    first, so `value` is 0 while only effort is rated (and only then: a mark with neither
    rating is removed, not kept empty). `effort` is set on 2x2 marks only.
    """

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="marks")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="marks")
    value = models.PositiveSmallIntegerField()
    cap = models.PositiveSmallIntegerField()
    # Set for ranking only (the same as value): two options can't share a rank.
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    effort = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "option"], name="one_mark_per_option"),
            models.UniqueConstraint(fields=["ballot", "rank"], name="one_option_per_rank"),
            models.CheckConstraint(
                condition=models.Q(value__lte=models.F("cap"))
                & (models.Q(value__gte=1) | models.Q(value=0, effort__isnull=False)),
                name="mark_within_cap",
            ),
            models.CheckConstraint(
                condition=models.Q(effort__isnull=True)
                | models.Q(effort__gte=1, effort__lte=MATRIX_POINTS, cap=MATRIX_POINTS),
                name="mark_effort_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value} on {self.option}"


# --- ideas ---------------------------------------------------------------------------------

PROMPT_MAX = 300
IDEA_MAX = 200
MAX_IDEAS_PER_DELEGATE = 20
CLUSTER_NAME_MAX = 80
MAX_CLUSTERS = 50
STAGE_SECONDS_MIN = 10
STAGE_SECONDS_MAX = 3600


class Stage(NamedTuple):
    name: str
    instruction: str


# 1-2-4-All, in order; a board's `stage` indexes this and its `stages` (durations).
STAGES = (
    Stage("On your own", "Silently write your own ideas."),
    Stage("In pairs", "Share your ideas with a partner, build on them and add new ones."),
    Stage("In fours", "Join another pair. Compare your ideas and send the strongest."),
    Stage("All together", "Each group shares the one idea that stood out for them."),
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

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stage__isnull=True) | models.Q(stage__lt=len(STAGES)),
                name="board_stage_exists",
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


class IdeaQuerySet(models.QuerySet):
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
