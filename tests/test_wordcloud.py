"""The word cloud's layout: the same counts give the same picture, no two words overlap,
every word inside the picture, more frequent words never smaller, and what is left out is
counted (never half of a tie)."""

from __future__ import annotations

import random

import pytest

from sessions import wordcloud
from sessions.wordcloud import SMALLEST, layout, overlaps

VOCABULARY = [
    "practical", "useful", "energising", "long", "concrete", "inspiring", "Training",
    "changeovers", "tired", "hopeful", "busy", "clear", "fun", "overwhelming", "productive",
    "eye-opening", "insightful", "thought-provoking", "relevant", "OK", "lean", "kaizen",
    "teamwork", "data", "people", "networking", "coffee", "supply-chain", "quality", "waste",
    "W" * 30, "i" * 30,
]  # fmt: skip


def room(seed: int, answers: int) -> tuple[tuple[str, int], ...]:
    """Words as a room gives them: a few often, many once."""
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    for _ in range(answers):
        word = rng.choice(VOCABULARY[: 1 + int(rng.random() ** 2 * len(VOCABULARY))])
        counts[word] = counts.get(word, 0) + 1
    return tuple(sorted(counts.items(), key=lambda item: -item[1]))


@pytest.mark.parametrize("seed", range(12))
def test_a_room_s_words_are_drawn_apart_inside_the_picture_by_frequency(seed):
    words = room(seed, answers=5 + seed * 25)
    cloud = layout(words)
    assert cloud.shown >= min(3, len(words))
    assert cloud.shown + cloud.left_out == len(words)
    for i, one in enumerate(cloud.words):
        left, top, right, bottom = one.box
        assert left >= 0
        assert top >= 0
        assert right <= cloud.width
        assert bottom <= cloud.height
        assert one.size >= SMALLEST
        for other in cloud.words[i + 1 :]:
            assert not overlaps(one.box, other.box), (one, other)
            assert one.count >= other.count  # drawn most frequent first
            if one.count > other.count:
                assert one.size >= other.size
    # Nothing left out is given more often than a word drawn, nor as often (no tie cut).
    drawn = {one.word for one in cloud.words}
    fewest = min(one.count for one in cloud.words)
    assert all(n < fewest for word, n in words if word not in drawn)


def test_the_same_counts_give_the_same_picture_in_any_order():
    words = room(3, answers=120)
    first = layout(words)
    layout.cache_clear()
    again = layout(tuple(reversed(words)))
    assert again == first


def test_the_most_frequent_word_stands_out():
    cloud = layout((("practical", 12), ("useful", 3), ("long", 1), ("fun", 1)))
    sizes = {one.word: one.size for one in cloud.words}
    assert sizes["practical"] >= wordcloud.CONTRAST * sizes["long"]
    assert sizes["long"] == sizes["fun"]
    assert cloud.left_out == 0


def test_equal_counts_are_drawn_alike_and_all_of_them():
    words = tuple((word, 5) for word in VOCABULARY[:6])
    cloud = layout(words)
    assert cloud.shown == 6
    assert len({one.size for one in cloud.words}) == 1


def test_no_words_no_picture():
    cloud = layout(())
    assert cloud.words == ()
    assert cloud.left_out == 0


@pytest.mark.parametrize("distinct", [1, 2, 7, 30, 100, 300])
def test_from_one_to_300_distinct_words_the_picture_holds(distinct):
    # A long tail: the first word most often, then fewer and fewer.
    words = tuple((f"word{i:03d}", 1 + (distinct - i) // 10) for i in range(distinct))
    cloud = layout(words)
    assert 1 <= cloud.shown <= wordcloud.MOST_WORDS
    assert cloud.shown + cloud.left_out == distinct
    for i, one in enumerate(cloud.words):
        assert one.box[0] >= 0
        assert one.box[2] <= cloud.width
        assert one.box[1] >= 0
        assert one.box[3] <= cloud.height
        assert all(not overlaps(one.box, other.box) for other in cloud.words[i + 1 :])
    layout.cache_clear()
    assert layout(words) == cloud
