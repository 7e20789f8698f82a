"""The workshop domain: events, workshops, delegates and the agenda.

State changes go through `sessions.services`; these models hold data and the invariants the
database can enforce.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from sessions.tokens import new_join_code, new_token

TITLE_MAX = 120
TEXT_MAX = 1000
NAME_MAX = 40


def join_code_expiry():
    return timezone.now() + timedelta(hours=settings.JOIN_CODE_LIFETIME_HOURS)


class Event(models.Model):
    """A conference day run by a productivity centre; delegates belong to one event."""

    name = models.CharField(max_length=TITLE_MAX)
    date = models.DateField()
    venue = models.CharField(max_length=TITLE_MAX, blank=True)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="facilitated_events", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%d %b %Y})"


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
    """A ballot's mark on one option: dots placed, 1 for a pick, a rating 1-5, or a rank."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="marks")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="marks")
    value = models.PositiveSmallIntegerField()
    cap = models.PositiveSmallIntegerField()
    # Set for ranking only (the same as value): two options can't share a rank.
    rank = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "option"], name="one_mark_per_option"),
            models.UniqueConstraint(fields=["ballot", "rank"], name="one_option_per_rank"),
            models.CheckConstraint(
                condition=models.Q(value__gte=1, value__lte=models.F("cap")),
                name="mark_within_cap",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value} on {self.option}"
