"""A workshop's word clouds as CSV: each counted word, how many gave it, and whether the room
saw it (held back or hidden words say so); nothing that identifies a delegate."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sessions.cloud.read import cloud_results
from sessions.models import CloudTerm, WordCloud, Workshop
from sessions.steps import Export


def cloud_rows(workshop: Workshop) -> Iterator[Sequence[object]]:
    clouds = WordCloud.objects.filter(step__workshop=workshop).select_related("step")
    for cloud in clouds.order_by("step__position", "step__id"):
        for counted in cloud_results(cloud).counted:
            hidden = "no" if counted.state == CloudTerm.State.SHOWN else "yes"
            yield (cloud.step.position + 1, counted.word, counted.count, hidden)


CLOUD = Export("word-cloud", "Word cloud words", ("step", "word", "count", "hidden"), cloud_rows)
