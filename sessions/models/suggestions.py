"""Delegates' suggestions of a cluster (a theme) for an idea on the wall.

A suggestion names either one of the board's clusters or a new theme; one per delegate per
idea, a new one replacing the old. They are advice for the facilitator, who accepts one
(assigning the idea through the ordinary clustering verbs) or dismisses them.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Case, Count, Min, Value, When
from django.db.models.functions import Length, Lower
from django.db.models.lookups import GreaterThan

from sessions.models.core import Delegate
from sessions.models.ideas import CLUSTER_NAME_MAX, Board, Cluster, Idea


class SuggestionQuerySet(models.QuerySet["ClusterSuggestion"]):
    def for_board(self, board: Board) -> SuggestionQuerySet:
        return self.filter(idea__board=board)

    def tallies(self, board: Board) -> dict[int, list[dict[str, Any]]]:
        """Per idea id, its suggestions counted by choice, most suggested first: dicts with
        `first` (the id of one suggestion standing for the choice), `count`, `cluster_id`
        (None for a new theme) and `shown` (the new theme's name, or the cluster's name when
        suggested). One query.
        """
        # Suggestions of a cluster count together even if it was renamed in between; new
        # themes count together whatever their case.
        choice = Case(When(cluster__isnull=False, then=Value("")), default=Lower("name"))
        rows = (
            self.for_board(board)
            .values("idea_id", "cluster_id")
            .annotate(choice=choice)
            .values("idea_id", "cluster_id", "choice")
            .annotate(count=Count("id"), first=Min("id"), shown=Min("name"))
            .order_by("idea_id", "-count", "first")
        )
        tallied: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            tallied.setdefault(row["idea_id"], []).append(row)
        return tallied


class ClusterSuggestion(models.Model):
    """One delegate's suggested cluster for one idea.

    `cluster` is one of the idea's board's clusters, or None for a new theme called `name`.
    With a cluster, `name` keeps its name at the time: if the cluster is deleted the
    suggestion becomes one of a new theme of that name, rather than vanishing.
    """

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="cluster_suggestions")
    delegate = models.ForeignKey(
        Delegate, on_delete=models.CASCADE, related_name="cluster_suggestions"
    )
    cluster = models.ForeignKey(
        Cluster, on_delete=models.SET_NULL, null=True, blank=True, related_name="suggestions"
    )
    name = models.CharField(max_length=CLUSTER_NAME_MAX)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["idea", "delegate"], name="one_suggestion_per_idea"),
            models.CheckConstraint(
                condition=models.Q(GreaterThan(Length("name"), 0)),
                name="suggestion_name_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} for idea {self.idea_id}"
