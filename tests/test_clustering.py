"""Cluster suggestions from ideas' text: sensible on a hand-made set, deterministic, robust.

Pure tests of `sessions.ideas.clustering`: plain data in, suggestions out, no database.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from sessions.ideas import clustering
from sessions.ideas.clustering import EXPLANATION, Suggestion, _average_link, suggest_clusters

ROOT = Path(__file__).resolve().parent.parent

# A room's answers to "How might we spend more time making and less time waiting?"
THEMES = {
    "changeovers": [
        "Use SMED to cut changeover time on the press line",
        "Quick-change tooling so changeovers take minutes not hours",
        "Prepare tooling and materials before each changeover",
        "Video a changeover and remove wasted setup steps",
        "Standard setup checklist for every changeover",
        "Move internal setup steps to external setup (SMED)",
    ],
    "training": [
        "Build a skills matrix for each team",
        "Cross-training so two people can run every machine",
        "Onboarding plan for new starters with a training buddy",
        "Train supervisors to coach new starters",
        "Keep the skills matrix on the board and review training needs monthly",
        "Short training sessions for new starters in their first week",
    ],
    "data entry": [
        "Stop double keying orders into two systems",
        "Replace paper forms with tablets on the shop floor",
        "Barcode scanning for goods in instead of typing",
        "Scan barcodes on job cards to record labour",
        "Paper forms are keyed in twice: enter data once",
        "Data entry errors: use barcode scanners, not paper",
    ],
}
OFF_TOPIC = ["Free pizza on Fridays", "The car park floods when it rains"]


def hand_made_set() -> tuple[list[tuple[int, str]], dict[int, str]]:
    """The ideas with ids 101.., and each idea's theme ("off-topic" for the last two)."""
    ideas: list[tuple[int, str]] = []
    theme_of: dict[int, str] = {}
    texts = [(theme, text) for theme, texts in THEMES.items() for text in texts]
    texts += [("off-topic", text) for text in OFF_TOPIC]
    for idea_id, (theme, text) in enumerate(texts, start=101):
        ideas.append((idea_id, text))
        theme_of[idea_id] = theme
    return ideas, theme_of


def clustered_ids(suggestions: list[Suggestion]) -> list[int]:
    return [idea_id for suggestion in suggestions for idea_id in suggestion.idea_ids]


def test_the_three_themes_of_the_hand_made_set_come_out_as_separate_suggestions():
    ideas, theme_of = hand_made_set()
    suggestions = suggest_clusters(ideas)

    for suggestion in suggestions:
        themes = {theme_of[idea_id] for idea_id in suggestion.idea_ids}
        assert len(themes) == 1, f"{suggestion.name} mixes {sorted(themes)}"
    for theme, texts in THEMES.items():
        ids = {idea_id for idea_id, t in theme_of.items() if t == theme}
        most_in_one = max(len(ids & set(s.idea_ids)) for s in suggestions)
        assert most_in_one >= len(texts) - 1, f"{theme} is scattered: {suggestions}"


def test_the_hand_made_themes_are_named_after_their_words():
    ideas, theme_of = hand_made_set()
    names = {
        theme_of[suggestion.idea_ids[0]]: suggestion.name for suggestion in suggest_clusters(ideas)
    }

    assert "Changeover" in names["changeovers"]
    assert "Training" in names["training"]
    assert {"Barcode", "Paper", "Data"} & set(names["data entry"].split(" · "))


def test_names_and_terms_are_made_of_the_clusters_own_words():
    ideas, _ = hand_made_set()
    text_of = dict(ideas)

    for suggestion in suggest_clusters(ideas):
        texts = [text_of[idea_id].casefold() for idea_id in suggestion.idea_ids]
        assert suggestion.terms
        for term in suggestion.terms:
            # Written so in one idea at least, and shared (in some form) by two at least.
            assert any(term in text for text in texts), (term, texts)
            assert sum(term[:3] in text for text in texts) >= 2, (term, texts)
        words = suggestion.name.split(" · ")
        assert 1 <= len(words) <= 2
        assert [word.casefold() for word in words] == list(suggestion.terms[: len(words)])
        assert all(word[0].isupper() for word in words)


def test_a_word_written_in_capitals_keeps_its_capitals_in_the_name():
    suggestions = suggest_clusters(
        [(1, "SMED workshop on the presses"), (2, "Run SMED on the presses"), (3, "Coffee")]
    )

    assert [s.idea_ids for s in suggestions] == [(1, 2)]
    assert "SMED" in suggestions[0].name.split(" · ")


def test_the_same_ideas_give_the_same_suggestions_every_time():
    ideas, _ = hand_made_set()

    first = suggest_clusters(ideas)

    assert first
    assert all(suggest_clusters(ideas) == first for _ in range(3))


def test_the_order_the_ideas_come_in_does_not_change_the_suggestions():
    ideas, _ = hand_made_set()
    expected = suggest_clusters(ideas)
    rng = random.Random(7)

    assert suggest_clusters(list(reversed(ideas))) == expected
    for _ in range(5):
        shuffled = ideas[:]
        rng.shuffle(shuffled)
        assert suggest_clusters(tuple(shuffled)) == expected


def test_the_suggestions_do_not_depend_on_the_hash_seed():
    ideas, _ = hand_made_set()
    ideas += [(1, "Paper forms"), (2, "Paper forms"), (3, "Forms on paper")]  # ties
    script = (
        "import dataclasses, json, sys\n"
        "from sessions.ideas.clustering import suggest_clusters\n"
        "ideas = [tuple(idea) for idea in json.loads(sys.stdin.read())]\n"
        "print(json.dumps([dataclasses.astuple(s) for s in suggest_clusters(ideas)]))\n"
    )
    outputs = set()
    for seed in ("1", "2", "3"):
        result = subprocess.run(
            [sys.executable, "-c", script],
            input=json.dumps(ideas),
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        )
        outputs.add(result.stdout)

    assert len(outputs) == 1
    assert json.loads(outputs.pop()) == json.loads(
        json.dumps([dataclasses.astuple(s) for s in suggest_clusters(ideas)])
    )


def test_ties_are_broken_by_idea_id(monkeypatch):
    # The middle idea is equally similar to both others (0.71), but once joined to one the
    # third averages 0.35, under this threshold: the tie decides, and the lower id wins it.
    monkeypatch.setattr(clustering, "SIMILARITY_THRESHOLD", 0.4)

    for ideas, expected in (
        ([(10, "alpha"), (20, "alpha beta"), (30, "beta")], (10, 20)),
        ([(30, "alpha"), (20, "alpha beta"), (10, "beta")], (10, 20)),
        ([(20, "beta"), (30, "alpha beta"), (10, "alpha")], (10, 30)),
    ):
        assert [s.idea_ids for s in suggest_clusters(ideas)] == [expected]
        assert [s.idea_ids for s in suggest_clusters(ideas[::-1])] == [expected]


def test_no_ideas_give_no_suggestions():
    assert suggest_clusters([]) == []


def test_one_idea_gives_no_suggestion():
    assert suggest_clusters([(1, "Quick-change tooling on every press")]) == []


def test_ideas_of_only_stop_words_or_punctuation_are_left_out():
    ideas = [
        (1, "We should do it"),
        (2, "It is what it is"),
        (3, "We should do it"),
        (4, ""),
        (5, "!!! ... ???"),
        (6, "   "),
        (7, "2 3 4"),
    ]

    assert suggest_clusters(ideas) == []


def test_nonsense_and_unique_ideas_are_left_out():
    ideas, theme_of = hand_made_set()
    ideas += [(1, "asdf qwerty zxcv"), (2, "Bring back the tea trolley"), (3, "lorem ipsum")]

    in_suggestions = set(clustered_ids(suggest_clusters(ideas)))

    assert not in_suggestions & {1, 2, 3}
    off_topic = {idea_id for idea_id, theme in theme_of.items() if theme == "off-topic"}
    assert not in_suggestions & off_topic


def test_duplicate_texts_are_suggested_together():
    ideas = [
        (1, "Barcode scanning at goods in"),
        (2, "Music in the canteen"),
        (3, "Barcode scanning at goods in"),
        (4, "barcode SCANNING at goods-in!"),
    ]

    assert [s.idea_ids for s in suggest_clusters(ideas)] == [(1, 3, 4)]


def test_word_forms_match_through_stemming():
    ideas = [
        (1, "Changeover cart"),
        (2, "Changeovers on night shift"),
        (3, "Trained operators"),
        (4, "Operator training matrix"),
        (5, "Train each operator"),
    ]

    suggestions = suggest_clusters(ideas)

    assert sorted(s.idea_ids for s in suggestions) == [(1, 2), (3, 4, 5)]


def test_letters_of_any_script_are_kept():
    ideas = [
        (1, "Обучение новых операторов"),
        (2, "Обучение операторов по понедельникам"),
        (3, "Schulung für neue Mitarbeiter"),
        (4, "Mitarbeiter Schulung im Lager"),
        (5, "現場の改善"),
    ]

    suggestions = suggest_clusters(ideas)

    assert sorted(s.idea_ids for s in suggestions) == [(1, 2), (3, 4)]
    names = {s.idea_ids: s.name for s in suggestions}
    assert "Обучение" in names[1, 2].split(" · ")
    assert "Schulung" in names[3, 4].split(" · ")


def test_very_long_ideas_are_handled():
    long_text = "Skills matrix for cross-training on every line " * 250
    ideas = [(1, long_text), (2, "A skills matrix per team"), (3, "x" * 10_000)]

    suggestions = suggest_clusters(ideas)

    assert [s.idea_ids for s in suggestions] == [(1, 2)]


def test_max_clusters_keeps_only_the_largest_suggestions():
    ideas, _ = hand_made_set()
    ideas += [(1, "Kanban bins for fasteners"), (2, "Kanban for packaging")]
    everything = suggest_clusters(ideas)
    assert len(everything) >= 4

    assert suggest_clusters(ideas, max_clusters=2) == everything[:2]
    assert suggest_clusters(ideas, max_clusters=1) == everything[:1]
    assert suggest_clusters(ideas, max_clusters=0) == []
    assert suggest_clusters(ideas, max_clusters=len(everything) + 5) == everything


def test_suggestions_come_largest_first_then_by_lowest_idea_id():
    ideas, _ = hand_made_set()
    ideas += [(1, "Kanban bins for fasteners"), (2, "Kanban for packaging")]

    suggestions = suggest_clusters(ideas)

    keys = [(-len(s.idea_ids), s.idea_ids[0]) for s in suggestions]
    assert keys == sorted(keys)
    assert (1, 2) in [s.idea_ids for s in suggestions]


def test_a_suggestion_has_two_ideas_or_more_and_each_idea_is_in_one_at_most():
    ideas, _ = hand_made_set()

    suggestions = suggest_clusters(ideas)
    ids = clustered_ids(suggestions)

    assert all(len(s.idea_ids) >= 2 for s in suggestions)
    assert all(list(s.idea_ids) == sorted(s.idea_ids) for s in suggestions)
    assert len(ids) == len(set(ids))
    assert set(ids) <= {idea_id for idea_id, _ in ideas}


def test_suggestions_are_frozen():
    # The two words score the same, so they are named in alphabetical order.
    suggestion = suggest_clusters([(1, "Paper forms"), (2, "Paper forms")])[0]

    assert suggestion == Suggestion(name="Forms · Paper", idea_ids=(1, 2), terms=("forms", "paper"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        suggestion.name = "Other"  # type: ignore[misc]


def test_duplicate_idea_ids_and_a_negative_max_clusters_are_refused():
    with pytest.raises(ValueError, match="unique"):
        suggest_clusters([(1, "Paper forms"), (1, "Paper forms again")])
    with pytest.raises(ValueError, match="max_clusters"):
        suggest_clusters([(1, "Paper forms")], max_clusters=-1)


def test_the_explanation_is_one_plain_sentence_about_the_method():
    assert EXPLANATION.endswith(".")
    assert EXPLANATION.count(". ") == 0
    assert "TF-IDF" in EXPLANATION
    assert "words" in EXPLANATION
    assert len(EXPLANATION) < 300


def greedy_average_link(matrix: list[dict[int, float]], threshold: float) -> list[list[int]]:
    """The textbook way, O(n^3): join the most similar pair of groups while it reaches threshold."""
    groups = [[i] for i in range(len(matrix))]

    def similarity(a: list[int], b: list[int]) -> float:
        total = sum(matrix[i].get(j, 0.0) for i in a for j in b)
        return total / (len(a) * len(b))

    while True:
        pairs = [
            (similarity(a, b), x, y)
            for x, a in enumerate(groups)
            for y, b in enumerate(groups)
            if x < y
        ]
        best = max(pairs, default=None)
        if best is None or best[0] < threshold:
            break
        _, x, y = best
        groups[x] = groups[x] + groups.pop(y)
    return sorted(sorted(group) for group in groups if len(group) > 1)


def random_similarities(rng: random.Random, n: int) -> list[dict[int, float]]:
    matrix: list[dict[int, float]] = [{} for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            if rng.random() < 0.3:
                matrix[i][j] = matrix[j][i] = round(rng.random(), 6)
    return matrix


def test_grouping_joins_the_same_groups_as_joining_the_most_similar_pair_first():
    for seed in range(40):
        rng = random.Random(seed)
        matrix = random_similarities(rng, rng.randint(2, 25))
        threshold = rng.choice([0.08, 0.2, 0.4])
        expected = greedy_average_link(matrix, threshold)

        got = _average_link([dict(row) for row in matrix], threshold)

        assert sorted(got) == expected, seed


def test_grouping_is_by_average_link_not_by_a_chain_of_single_links():
    # A and B are close; C is close to B only. Joined with B, C would average too little.
    matrix: list[dict[int, float]] = [{1: 0.9}, {0: 0.9, 2: 0.12}, {1: 0.12}]
    assert _average_link([dict(row) for row in matrix], 0.08) == [[0, 1]]

    matrix = [{1: 0.9}, {0: 0.9, 2: 0.3}, {1: 0.3}]
    assert _average_link([dict(row) for row in matrix], 0.08) == [[0, 1, 2]]
