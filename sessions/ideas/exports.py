"""A workshop's ideas as CSV, with cluster, status and +1s; an author only where the step
showed names. A cluster's +1s are the sum of its ideas' (sessions/ideas/reactions.py)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db.models import Count

from sessions.models import Idea, Workshop
from sessions.steps import CHUNK, Export

IDEA_HEADER = (
    "step", "step title", "idea", "text", "status", "cluster", "merged into",
    "author (where names were shown)", "sent at", "plus ones (+1s)",
)  # fmt: skip


def idea_rows(workshop: Workshop) -> Iterator[Sequence[object]]:
    ideas = (
        Idea.objects.filter(board__step__workshop=workshop)
        .select_related("board__step", "cluster")
        .annotate(plus_one_count=Count("reactions"))
        .order_by("board__step__position", "id")
    )
    for idea in ideas.iterator(chunk_size=CHUNK):
        status = "merged" if idea.merged_into_id else idea.get_status_display()
        yield (
            idea.board.step.position + 1,
            idea.board.step.title,
            idea.pk,
            idea.text,
            status,
            idea.cluster.name if idea.cluster else "",
            idea.merged_into_id,
            idea.author_name,
            idea.created_at,
            getattr(idea, "plus_one_count", 0),  # annotated above
        )


IDEAS = Export("ideas", "Ideas with cluster and status", IDEA_HEADER, idea_rows)
