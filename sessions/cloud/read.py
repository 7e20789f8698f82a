"""The word cloud's counts and its parts of the live regions (the read side; changes are in
`sessions.cloud.services`).

One place counts: the projector, the console, the phones, the archive, the export and the
tests all read `cloud_results`. A counted word is a term with every term merged into it; its
spelling is the most common one among its own words (a word merged into another is shown as
that one), as `sessions.wordcloud.count_words` shows a word.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from sessions.models import (
    CLOUD_PHRASE_WORDS,
    CLOUD_WORD_MAX,
    CloudTerm,
    CloudWord,
    Delegate,
    Step,
    WordCloud,
)
from sessions.wordcloud import HEIGHT, STEP_WIDTH, Cloud, layout

if TYPE_CHECKING:
    from sessions.errors import FieldErrors


@dataclass(frozen=True)
class Counted:
    """A counted word: its term (the one others were merged into), spelling, count and state."""

    term_id: int
    word: str
    count: int
    state: str


@dataclass
class CloudResults:
    shown: list[Counted] = field(default_factory=list)  # most frequent first
    held: list[Counted] = field(default_factory=list)  # waiting for the facilitator
    hidden: list[Counted] = field(default_factory=list)
    people: int = 0  # delegates with a word in

    @property
    def words(self) -> list[tuple[str, int]]:
        return [(c.word, c.count) for c in self.shown]

    @property
    def cloud(self) -> Cloud:
        """The shown words as a picture (the projector's; the list stays for screen readers),
        as wide as the space a projector leaves under the step's title: at the same sizes it
        holds more words than the pulse's, which shares the screen with the scores."""
        return layout(tuple(self.words), STEP_WIDTH, HEIGHT)

    @property
    def given(self) -> int:
        return sum(c.count for c in (*self.shown, *self.held, *self.hidden))

    @property
    def counted(self) -> list[Counted]:
        """Every counted word, for the console and the archive: shown, held back, hidden."""
        return [*self.shown, *self.held, *self.hidden]


def cloud_results(cloud: WordCloud) -> CloudResults:
    """The cloud's counted words, in one query."""
    spellings: dict[int, Counter[str]] = {}
    own: dict[int, Counter[str]] = {}  # the spellings of the term itself, not merged into it
    states: dict[int, str] = {}
    people: set[int | None] = set()
    # One statement, so the words and their terms are read at one moment (a word given while
    # this reads brings its term with it).
    rows = CloudWord.objects.filter(cloud=cloud).order_by("pk").values_list(
        "term_id", "term__state", "term__merged_into_id", "term__merged_into__state", "text",
        "delegate_id",
    )  # fmt: skip
    for term_id, state, into, into_state, text, delegate_id in rows:
        root = into or term_id
        states[root] = into_state if into else state
        spellings.setdefault(root, Counter())[text] += 1
        if root == term_id:
            own.setdefault(root, Counter())[text] += 1
        people.add(delegate_id)
    by_state: dict[str, list[Counted]] = {state: [] for state in CloudTerm.State.values}
    for root, counter in spellings.items():
        # A merged word is shown as the word it was merged into.
        word = (own.get(root) or counter).most_common(1)[0][0]
        by_state[states[root]].append(Counted(root, word, counter.total(), states[root]))
    for counted in by_state.values():
        counted.sort(key=lambda c: (-c.count, c.word.casefold(), c.term_id))
    return CloudResults(
        shown=by_state[CloudTerm.State.SHOWN],
        held=by_state[CloudTerm.State.HELD],
        hidden=by_state[CloudTerm.State.HIDDEN],
        people=len(people),
    )


def cloud_context(
    step: Step,
    names: tuple[str, ...],
    audience: str,
    delegate: Delegate | None,
    request: HttpRequest | None,
) -> dict[str, Any]:
    """The cloud on screen for `render_regions`; with `delegate` and `request` (a phone's
    page) the delegate's own words form too."""
    cloud = WordCloud.objects.filter(step=step).first()
    if cloud is None:
        return {}
    context: dict[str, Any] = {"cloud": cloud, "body_hidden": True}
    if "results" in names:
        context["cloud_results"] = cloud_results(cloud)
    if delegate is not None and request is not None and "step" in names:
        context["my_words_html"] = render_my_words(cloud, delegate.pk, request)
    return context


def render_my_words(
    cloud: WordCloud,
    delegate_id: int,
    request: HttpRequest | None = None,
    *,
    sent: bool = False,
    errors: FieldErrors | None = None,
    typed: list[str] | None = None,
) -> str:
    """A delegate's words form with their words (or what they just typed, with `errors`).
    Its key is new with each drawing: a retried send lands once."""
    mine = list(CloudWord.objects.filter(cloud=cloud, delegate_id=delegate_id).order_by("pk"))
    refused = getattr(request, "refused_post", None)
    if typed is None and refused is not None and refused.get("cloud") == str(cloud.pk):
        typed = refused.getlist("word")  # a script-free post refused: what was typed stays
    values = typed if typed is not None else [word.text for word in mine]
    values = (values + [""] * cloud.words_each)[: cloud.words_each]
    context = {
        "cloud": cloud,
        "mine": [{"pk": word.pk, "text": word.text, "key": uuid.uuid4()} for word in mine],
        "fields": [{"n": n, "value": value} for n, value in enumerate(values, start=1)],
        "word_max": CLOUD_WORD_MAX,
        "phrase_words": CLOUD_PHRASE_WORDS,
        "key": uuid.uuid4(),
        "workshop_id": cloud.step.workshop_id,
        "sent": sent,
        "errors": errors or {},
    }
    return render_to_string("workshops/cloud/mine.html", context, request=request)
