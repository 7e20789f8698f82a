"""The word cloud's counts under random sequences: over sends, changes, withdrawals, replayed
commands, hides, shows, merges, closes and reopens, the counts the projector shows equal the
stored words, which equal a simple model of what was accepted."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions.agenda import services
from sessions.cloud import services as cloud_service
from sessions.cloud.read import cloud_results
from sessions.errors import Refused
from sessions.joining import services as joining
from sessions.live import audiences, regions
from sessions.models import CloudTerm, CloudWord, Delegate, Step, WordCloud
from sessions.wordcloud import word_key
from tests.test_voting_invariants import run_threads

# Spellings of five words: "Busy" and "busy!", "Training" and "trained" count together.
VOCABULARY = ["Busy", "busy!", "Training", "trained", "Calm", "stretched thin", "Lean"]
KEYS = sorted({word_key(w) for w in VOCABULARY})
PEOPLE = 3

send = st.tuples(
    st.just("send"),
    st.integers(0, PEOPLE - 1),
    st.lists(st.sampled_from(VOCABULARY), min_size=0, max_size=4),
)
withdraw = st.tuples(st.just("withdraw"), st.integers(0, PEOPLE - 1), st.integers(0, 3))
replay = st.tuples(st.just("replay"), st.integers(0, 20))
moderate = st.tuples(
    st.sampled_from(["hide", "show", "merge"]), st.sampled_from(KEYS), st.sampled_from(KEYS)
)
control = st.tuples(st.sampled_from(["close", "open"]))


class Model:
    """What was accepted: each delegate's words by key, the terms' merges and states."""

    def __init__(self) -> None:
        self.words: dict[int, dict[str, str]] = {}
        self.root: dict[str, str] = {}
        self.state: dict[str, str] = {}
        self.is_open = True

    def top(self, key: str) -> str:
        return self.root.get(key, key)

    def send(self, delegate: int, texts: list[str]) -> None:
        keys = [word_key(t) for t in texts]
        if not self.is_open or not texts or len(texts) > 3 or len(set(keys)) < len(keys):
            return  # refused
        self.words[delegate] = dict(zip(keys, texts, strict=True))
        for key in keys:
            self.state.setdefault(key, CloudTerm.State.SHOWN)

    def counts(self) -> dict[str, Counter[str]]:
        """Counts by root term key, per state."""
        by_state: dict[str, Counter[str]] = {s: Counter() for s in CloudTerm.State.values}
        for mine in self.words.values():
            for key in mine:
                root = self.top(key)
                by_state[self.state[root]][root] += 1
        return by_state


def projector_counts(workshop) -> list[int]:
    html = regions.render_regions(workshop.pk, audiences.PROJECTOR, ("results",)).joined()
    return sorted(int(n) for n in re.findall(r'<li class="cloud-word" data-count="(\d+)">', html))


def fresh_cloud(workshop) -> WordCloud:
    Step.objects.filter(workshop=workshop).delete()
    step = cloud_service.add_cloud_step(workshop=workshop, title="In one word")
    services.show_step(workshop=workshop, step=step)
    return cloud_service.open_cloud(cloud=step.word_cloud)


def people(workshop) -> list[Delegate]:
    delegates = list(Delegate.objects.filter(event=workshop.event)[:PEOPLE])
    while len(delegates) < PEOPLE:
        delegates.append(
            joining.join_workshop(workshop=workshop, delegate_key=None, display_name="")
        )
    return delegates


def run(landed: list[tuple[Any, ...]], command: tuple[Any, ...]) -> None:
    """Carry out `command`, noting it in `landed` unless it was refused (a refused command's
    key is not used up: sent again, it may land)."""
    try:
        command[0](**command[1])
    except Refused:
        return
    landed.append(command)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    events=st.lists(st.one_of(send, send, send, withdraw, replay, moderate, control), max_size=30)
)
def test_the_counts_shown_equal_the_stored_words_and_what_was_accepted(workshop, events):
    cloud = fresh_cloud(workshop)
    delegates = people(workshop)
    model = Model()
    done: list[tuple[Any, ...]] = []
    for event in events:
        kind = event[0]
        if kind in {"close", "open"}:
            (cloud_service.close_cloud if kind == "close" else cloud_service.open_cloud)(
                cloud=cloud
            )
            model.is_open = kind == "open"
        elif kind == "send":
            _, who, texts = event
            delegate = delegates[who]
            args = {"workshop_id": workshop.pk, "delegate_id": delegate.pk, "cloud_id": cloud.pk,
                    "words": texts, "key": str(uuid.uuid4())}  # fmt: skip
            run(done, (cloud_service.send_words, args))
            model.send(delegate.pk, texts)
        elif kind == "withdraw":
            _, who, which = event
            delegate = delegates[who]
            mine = list(CloudWord.objects.filter(cloud=cloud, delegate=delegate).order_by("pk"))
            word_id = mine[which].pk if which < len(mine) else 99999999
            args = {"workshop_id": workshop.pk, "delegate_id": delegate.pk, "cloud_id": cloud.pk,
                    "word_id": word_id, "key": str(uuid.uuid4())}  # fmt: skip
            run(done, (cloud_service.withdraw_word, args))
            if model.is_open and which < len(mine):
                model.words[delegate.pk].pop(word_key(mine[which].text))
        elif kind == "replay":
            if done:
                run([], done[event[1] % len(done)])  # landed once: changes nothing again
        else:
            action, key, into = event
            term = CloudTerm.objects.filter(cloud=cloud, key=key).first()
            target = CloudTerm.objects.filter(cloud=cloud, key=into).first()
            if term is None or (action == "merge" and target is None):
                continue
            if action == "merge":
                with contextlib.suppress(Refused):
                    cloud_service.merge_terms(cloud=cloud, term_id=term.pk, into_id=target.pk)
                    old, new = model.top(key), model.top(into)
                    for k in list(model.state):
                        if model.top(k) == old:
                            model.root[k] = new
            else:
                state = CloudTerm.State.SHOWN if action == "show" else CloudTerm.State.HIDDEN
                cloud_service.moderate_term(cloud=cloud, term_id=term.pk, state=state)
                model.state[model.top(key)] = state

    expected = model.counts()
    results = cloud_results(cloud)
    ids = dict(CloudTerm.objects.filter(cloud=cloud).values_list("key", "pk"))
    for state, listed in (("shown", results.shown), ("held", results.held),
                          ("hidden", results.hidden)):  # fmt: skip
        assert {c.term_id: c.count for c in listed} == {
            ids[k]: n for k, n in expected[state].items()
        }
    # The stored words, counted straight from the table, are what the results count.
    stored = Counter()
    for term_id, merged_into in CloudWord.objects.filter(cloud=cloud).values_list(
        "term_id", "term__merged_into_id"
    ):
        stored[merged_into or term_id] += 1
    assert stored == Counter({c.term_id: c.count for c in results.counted})
    assert results.given == CloudWord.objects.filter(cloud=cloud).count()
    assert projector_counts(workshop) == sorted(expected["shown"].values())
    for mine in model.words.values():
        assert len(mine) <= cloud.words_each


# --- concurrency ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_delegates_giving_one_new_word_at_once_are_each_counted_once(workshop):
    cloud = fresh_cloud(workshop)
    delegates = [
        joining.join_workshop(workshop=workshop, delegate_key=None, display_name="")
        for _ in range(6)
    ]
    failures: list[BaseException] = []

    def give(delegate_id: int) -> None:
        try:
            cloud_service.send_words(
                workshop_id=workshop.pk, delegate_id=delegate_id, cloud_id=cloud.pk,
                words=["Busy", f"Own {delegate_id}"], key=str(uuid.uuid4()),
            )  # fmt: skip
        except BaseException as error:
            failures.append(error)

    run_threads(give, [(d.pk,) for d in delegates])
    assert failures == []
    assert cloud_results(cloud).words[0] == ("Busy", 6)
    assert CloudTerm.objects.filter(cloud=cloud, key=word_key("Busy")).count() == 1
