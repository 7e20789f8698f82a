"""The workshop domain: events, workshops, delegates, the agenda and its changes.

State changes go through each feature's `services` module; these models hold data and the
invariants the database can enforce.
"""

from __future__ import annotations

import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, models
from django.db.models import Q
from django.utils import timezone

from sessions.moderation import event_words
from sessions.tokens import new_join_code, new_token

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from sessions.models.voting import Option

TITLE_MAX = 120
TEXT_MAX = 1000
NAME_MAX = 40
NOTES_MAX = 2000
PLANNED_MINUTES_MAX = 240  # a step planned longer than a conference's half day is a typo


def join_code_expiry() -> datetime.datetime:
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
    # The organiser's own words to hold back for the facilitator, beside the maintained
    # English list (`sessions.moderation`): one word or phrase per line.
    held_words = models.TextField(
        blank=True,
        help_text="Words or phrases to hold back for the facilitator in word clouds and "
        "questions, one per line, besides the standard English list.",
    )
    # The team (`sessions.access` says what each role may do): facilitators run the
    # workshops; organisers see the dashboards, exports, archives and reports. A person holds
    # one role in an event (`sessions.team.services` keeps them apart).
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="facilitated_events", blank=True
    )
    # A dress rehearsal's event (`sessions.rehearsal`): listed nowhere, counted in no
    # dashboard or report, and removed when its rehearsal ends.
    is_rehearsal = models.BooleanField(default=False, editable=False)
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="organised_events", blank=True
    )
    # The series this event is an edition of (`sessions.editions`), and its place in it.
    series = models.ForeignKey(
        "Series", on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    edition = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "name"]
        constraints = [
            models.UniqueConstraint(fields=["series", "edition"], name="one_event_per_edition"),
            models.CheckConstraint(
                condition=Q(series__isnull=True, edition__isnull=True)
                | Q(series__isnull=False, edition__gte=1),
                name="edition_with_series",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%d %b %Y})"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def extra_held_words(self) -> tuple[str, ...]:
        return event_words(self.held_words)

    def local_today(self) -> datetime.date:
        return timezone.localdate(timezone.now(), self.zone)


class WorkshopQuerySet(models.QuerySet["Workshop"]):
    def facilitated_by(self, user: User) -> WorkshopQuerySet:
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
    focus_options: models.ManyToManyField[Option, models.Model] = models.ManyToManyField(
        "Option", blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # The projector shows how to join full size (as on the waiting screen) while a step is on,
    # when the facilitator asks; otherwise a strip along the bottom.
    joining_shown = models.BooleanField(default=False)
    # When the first step went on screen: the facilitator's clock counts from here.
    started_at = models.DateTimeField(null=True, blank=True)
    # The archive's share link: None until the facilitator shares it; stopping clears it.
    archive_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # The facilitator's remote link (a co-facilitator's phone, no account): None until made
    # on the console; revoking clears it.
    remote_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
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
        CLOUD = "cloud", "Word cloud"
        SINCE = "since", "Since last time"

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MESSAGE)
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(max_length=TEXT_MAX, blank=True)
    config = models.JSONField(default=dict, blank=True)
    # What the facilitator reads at the front (the console and the remote, never the
    # projector or the phones) and how long they plan to spend on the step.
    notes = models.TextField(max_length=NOTES_MAX, blank=True)
    planned_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["workshop", "position"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_minutes__isnull=True)
                | Q(planned_minutes__gte=1, planned_minutes__lte=PLANNED_MINUTES_MAX),
                name="step_planned_minutes_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title


VERSION_QUERY = "SELECT COUNT(*) FROM workshops_change WHERE workshop_id = %s"


class ChangeQuerySet(models.QuerySet["Change"]):
    def version_of(self, workshop_id: int) -> int:
        """The workshop's current version: how many of its changes have committed.

        Read on every hot path (each socket's connect, each frame, each vote's batch), so
        as one fixed statement: building the ORM's aggregate for it cost more than running
        it (the count is an index-only scan of (workshop, id))."""
        with connections[self.db].cursor() as cursor:
            cursor.execute(VERSION_QUERY, [workshop_id])
            row = cursor.fetchone()
        return int(row[0])


class Change(models.Model):
    """One committed change to what a workshop's screens show.

    A workshop's version is the number of its committed changes: pushed frames carry it
    and a screen never replaces a region with an older one. A count, not the latest id:
    ids are handed out when a row is inserted, not when it commits, so a change with a
    lower id can commit after a higher one; the count still rises when it does, so a
    frame that includes it always outranks one that does not. Inserting a row (rather
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
