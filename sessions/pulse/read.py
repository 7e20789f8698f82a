"""The pulse's results and its parts of the live regions (the read side; changes are in
`sessions.pulse.services`).

One place computes the results: the projector, the console, the archive and the tests all
read them from `pulse_results`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count
from django.http import HttpRequest
from django.template.loader import render_to_string

from sessions.models import PULSE_POINTS, PULSE_WORD_MAX, Delegate, Pulse, PulseAnswer, Step
from sessions.wordcloud import Cloud, count_words, layout

if TYPE_CHECKING:
    from sessions.errors import FieldErrors


@dataclass
class PulseResults:
    answers: int
    distribution: list[int]  # how many gave 1..5
    words: list[tuple[str, int]] = field(default_factory=list)  # most frequent first

    @property
    def mean(self) -> float | None:
        if not self.answers:
            return None
        total = sum(point * n for point, n in enumerate(self.distribution, start=1))
        return round(total / self.answers, 1)

    @property
    def bars(self) -> list[dict[str, Any]]:
        """One row per point 1..5: the count and the bar's length (share of the largest)."""
        top = max(self.distribution, default=0)
        return [
            {"point": point, "n": n, "share": round(100 * n / top) if top else 0}
            for point, n in enumerate(self.distribution, start=1)
        ]

    @property
    def cloud(self) -> Cloud:
        """The words as a cloud (the projector's picture; the list stays for screen readers)."""
        return layout(tuple(self.words))

    @property
    def word_sizes(self) -> list[dict[str, Any]]:
        """Words with a size step 1-4 by frequency, for a text-only word list."""
        top = self.words[0][1] if self.words else 0
        return [
            {"word": word, "n": n, "size": 1 + round(3 * (n - 1) / (top - 1)) if top > 1 else 1}
            for word, n in self.words
        ]


def pulse_results(pulse: Pulse) -> PulseResults:
    """Counts and words in two queries. Words are counted as the word cloud counts them
    (`sessions.wordcloud.count_words`) and shown in their most common spelling."""
    distribution = [0] * PULSE_POINTS
    counts = PulseAnswer.objects.filter(pulse=pulse).values("usefulness").order_by()
    for row in counts.annotate(n=Count("id")):
        distribution[row["usefulness"] - 1] = row["n"]
    words = PulseAnswer.objects.filter(pulse=pulse).exclude(word="").values_list("word", flat=True)
    ranked = count_words(words.iterator())
    return PulseResults(answers=sum(distribution), distribution=distribution, words=ranked)


def pulse_context(
    step: Step, names: tuple[str, ...], delegate: Delegate | None, request: HttpRequest | None
) -> dict[str, Any]:
    """The pulse on screen for `render_regions`; with `delegate` (a phone's page) their own
    answer form too."""
    pulse = Pulse.objects.filter(step=step).first()
    if pulse is None:
        return {}
    # Once revealed, the results take the projector and the step's text steps aside.
    context: dict[str, Any] = {"pulse": pulse, "body_hidden": pulse.revealed}
    if "results" in names or "step" in names:
        context["pulse_results"] = pulse_results(pulse)
    if delegate is not None and request is not None and "step" in names:
        context["my_pulse_html"] = render_my_pulse(pulse, delegate.pk, request)
    return context


def render_my_pulse(
    pulse: Pulse,
    delegate_id: int,
    request: HttpRequest | None = None,
    *,
    sent: bool = False,
    errors: FieldErrors | None = None,
    data: Mapping[str, str] | None = None,
) -> str:
    """A delegate's pulse form with their current answer (or what they just typed, with
    `errors`). Its key is new with each drawing: a retried send lands once."""
    answer = PulseAnswer.objects.filter(pulse=pulse, delegate_id=delegate_id).first()
    typed: Mapping[str, str] = data or {}
    chosen = typed.get("usefulness") or (answer.usefulness if answer else None)
    context = {
        "pulse": pulse,
        "answer": answer,
        "chosen": str(chosen) if chosen else "",
        "word": typed.get("word", answer.word if answer else ""),
        "points": [str(p) for p in range(1, PULSE_POINTS + 1)],
        "word_max": PULSE_WORD_MAX,
        "key": uuid.uuid4(),
        "workshop_id": pulse.step.workshop_id,
        "sent": sent,
        "errors": errors or {},
    }
    return render_to_string("workshops/pulse/mine.html", context, request=request)
