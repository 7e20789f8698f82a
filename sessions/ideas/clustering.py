"""Suggested clusters for a workshop's ideas, made from the ideas' text.

Pure Python on plain data: `suggest_clusters` takes `(idea id, text)` pairs and returns
`Suggestion`s; it knows nothing of models, requests or screens. Suggestions are advisory: the
facilitator accepts, edits or discards them, and ideas that fit nowhere stay unclustered.

The method, in order:

1. Words. The text is normalised (NFKC, case-folded), split into runs of letters and digits
   from any script, and stripped of English stop words, a few words every workshop idea uses
   ("better", "improve", ...), single characters and bare numbers. The rest are stemmed
   (Snowball English) so "changeover"/"changeovers" and "train"/"training"/"trained" match.
2. Weights. Words used by only one idea are dropped: they cannot link an idea to another, and
   kept they would only dilute the words it shares. Each idea becomes a TF-IDF vector
   (sublinear term frequency, smoothed inverse document frequency over this set of ideas),
   normalised to length 1, held as a sparse dict. An idea left with no words fits nowhere.
3. Similarity. Cosine similarity of every pair that shares a word, through an inverted index
   (pairs sharing no word are 0 and never stored).
4. Grouping. Average-link agglomerative clustering: repeatedly join the two groups whose ideas
   are most similar on average, while that average is at least `SIMILARITY_THRESHOLD`. Groups
   are kept as a sparse similarity matrix updated in place (Lance-Williams) and found with a
   nearest-neighbour chain, so the whole run is O(n^2) at worst and far less on sparse text.
5. Names. A group is named after its most characteristic shared words: each word's weight
   summed over the group's ideas, times the share of that word's ideas that are in the group.

Determinism: ideas are processed sorted by id, every ordered structure is built in that order
(never from iterating a set), similarities are rounded to 12 decimals before they are compared,
and ties are broken by idea id (see `_average_link`). The same ideas in any order, under any
hash seed, give the same output.

Why not scikit-learn. Steps 2-4 are what scikit-learn's `TfidfVectorizer` and
`AgglomerativeClustering(linkage="average", metric="cosine")` do, and `bench/clustering.py
--scikit-learn` runs them on the same words (scikit-learn 1.9.1, on this project's 2-core
machine shared with other work, so times vary by run). On 300 generated ideas both suggest the
same 19 groups (95% of suggested ideas in their own theme's group); on 1,000 the same 22.
This module takes 56-78 ms (best of 5) for 300 ideas, scikit-learn 16-28 ms plus 1.2-3.1 s to
import numpy, scipy and scikit-learn once per process; at 1,000 ideas, 0.6-1.9 s against
0.12-0.18 s. What the module needs: a few hundred short texts (20 ideas per delegate at most,
one board at a time) suggested on a facilitator's click, where 78 ms is not felt; output
that never depends on input order or hash seed, which this module guarantees by construction
(tests/test_clustering.py) while scikit-learn documents no tie-breaking for equal distances;
and nothing heavy or compiled for `make run`: scikit-learn brings numpy and scipy, about
300 MB installed, against 2 MB for the pure-Python stemmer used here. The figures do not
call for a switch; boards of thousands of ideas would (bench/README.md).
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

# Snowball's English (Porter2) stemmer: a dependency, because a hand-made suffix list either
# misses forms ("trained", "setups", "scanning") or merges unrelated words, while Snowball is
# the standard published algorithm, pure Python, with no dependencies of its own, and kept up
# by the Snowball project (it is the stemmer Sphinx's search uses).
from snowballstemmer.english_stemmer import EnglishStemmer

__all__ = ["EXPLANATION", "SIMILARITY_THRESHOLD", "Suggestion", "suggest_clusters"]

EXPLANATION = (
    "Ideas that use the same uncommon words are suggested together: each word is weighted by "
    "how rare it is across all the ideas (TF-IDF), everyday words and words only one idea uses "
    "are ignored, and groups are joined while their ideas still overlap enough on average."
)

# The average cosine similarity between the ideas of two groups needed to join them. Two ideas
# sharing one of their two or three counted words score about 0.3-0.5, ideas sharing none 0,
# so a group whose every idea shares a word with one or two of the others averages about 0.1.
# Chosen on the hand-made set in tests/test_clustering.py and the generated ideas of
# bench/clustering.py: lower joins themes through incidental words ("morning", "weekly"),
# higher splits a theme into several small suggestions.
SIMILARITY_THRESHOLD = 0.08
MIN_IDEAS_PER_WORD = 2  # a word must be used by this many ideas to count

NAME_WORDS = 2  # words in a suggestion's name
MAX_TERMS = 5  # words listed in a suggestion's terms
_PRECISION = 12  # decimals kept when similarities are compared, so float noise never decides


def _word_list(words: str) -> frozenset[str]:
    return frozenset(words.split())


# English function words, written out here so the list is fixed and reviewable. Contractions
# appear without their apostrophe because apostrophes inside words are removed first.
_STOP_WORDS = _word_list(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can cannot could did do does doing done down during each
    either else even ever every few for from further get gets getting got had has have having
    he her here hers herself him himself his how however if in into is it its itself just let
    lets many may me might more most much must my myself neither no nor not now of off often
    on once one only onto or other others otherwise our ours ourselves out over own per
    perhaps quite rather really same shall she should since so some such than that thats the
    their theirs them themselves then there theres these they theyre this those though
    through thus to too towards under until up upon us very via was we were weve what whats
    when where whether which while who whom whose why will with within without would yet you
    your yours yourself yourselves im ive id dont doesnt didnt isnt arent wasnt werent cant
    couldnt wouldnt shouldnt wont hasnt havent hadnt youre youve youll theyll theyve well
    etc eg ie vs
    """
)

# Words nearly every idea in a productivity workshop uses; they would join unrelated ideas.
_WORKSHOP_WORDS = _word_list(
    """
    better improve improved improving improvement make makes making use used uses using
    need needs needed want try trying idea ideas way ways thing things lot lots instead
    start stop keep new good less reduce reduced reducing increase cut cuts
    two three four five six seven eight nine ten twice first second third
    """
)

_IGNORED = _STOP_WORDS | _WORKSHOP_WORDS

_APOSTROPHE = re.compile(r"(?<=\w)['\u2019](?=\w)")
# Runs of letters and digits in any script: \w without the underscore.
_WORD = re.compile(r"[^\W_]+")

# A stemmer object keeps state while it stems, so each thread has its own.
_local = threading.local()


def _stemmer() -> EnglishStemmer:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = EnglishStemmer()
    return stemmer


# Stemming one word costs tens of microseconds; a workshop reuses a few hundred words.
@lru_cache(maxsize=8192)
def _stem(word: str) -> str:
    stem: str = _stemmer().stemWord(word)  # snowballstemmer ships no types
    return stem


@dataclass(frozen=True)
class Suggestion:
    """A suggested cluster: its label, its ideas (ascending ids) and its characteristic words."""

    name: str
    idea_ids: tuple[int, ...]
    terms: tuple[str, ...]


@dataclass
class _Idea:
    id: int
    stems: Counter[str]  # stem -> occurrences, in order of first appearance
    forms: dict[str, Counter[str]]  # stem -> case-folded surface words
    upper: set[str]  # case-folded surface words written in capitals at least once
    lower: set[str]  # case-folded surface words written otherwise at least once
    vector: dict[str, float]  # stem -> TF-IDF weight, unit length


def _words(text: str) -> list[tuple[str, str]]:
    """The idea's words worth comparing, as (case-folded word, as written) pairs."""
    text = _APOSTROPHE.sub("", unicodedata.normalize("NFKC", text))
    words = []
    for match in _WORD.finditer(text):
        written = match.group()
        word = written.casefold()
        # Bare numbers ("2", "30") join ideas on quantities, not topics; "5s" and "3d" stay.
        if len(word) < 2 or word.isdigit() or word in _IGNORED:
            continue
        words.append((word, written))
    return words


def _parse(idea_id: int, text: str) -> _Idea:
    stems: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = {}
    upper: set[str] = set()
    lower: set[str] = set()
    for word, written in _words(text):
        # Only English-looking words are stemmed; "5s", "covid19" and other scripts are kept.
        stem = _stem(word) if word.isascii() and word.isalpha() else word
        stems[stem] += 1
        forms.setdefault(stem, Counter())[word] += 1
        (upper if written.isupper() else lower).add(word)
    return _Idea(id=idea_id, stems=stems, forms=forms, upper=upper, lower=lower, vector={})


def _weigh(ideas: list[_Idea]) -> dict[str, int]:
    """Give each idea its unit TF-IDF vector; returns each stem's document frequency."""
    df: Counter[str] = Counter()
    for idea in ideas:
        df.update(idea.stems.keys())
    n = len(ideas)
    idf = {stem: math.log((1 + n) / (1 + count)) + 1 for stem, count in df.items()}
    for idea in ideas:
        vector = {
            stem: (1 + math.log(tf)) * idf[stem]
            for stem, tf in idea.stems.items()
            if df[stem] >= MIN_IDEAS_PER_WORD
        }
        norm = math.sqrt(math.fsum(w * w for w in vector.values()))
        idea.vector = {stem: w / norm for stem, w in vector.items()} if norm else {}
    return df


def _similarities(ideas: list[_Idea]) -> list[dict[int, float]]:
    """Cosine similarity of every pair of ideas that shares a stem, as a symmetric sparse matrix.

    Each idea is compared with the earlier ideas through an inverted index of their stems, so
    only pairs that share a stem cost anything.
    """
    postings: dict[str, tuple[list[int], list[float]]] = {}
    matrix: list[dict[int, float]] = [{} for _ in ideas]
    for i, idea in enumerate(ideas):
        dots = [0.0] * i
        for stem, weight in idea.vector.items():
            earlier = postings.get(stem)
            if earlier is None:
                postings[stem] = ([i], [weight])
                continue
            indexes, weights = earlier
            for j, other in zip(indexes, weights, strict=True):
                dots[j] += weight * other
            indexes.append(i)
            weights.append(weight)
        row = matrix[i]
        for j, dot in enumerate(dots):
            if dot:
                row[j] = matrix[j][i] = round(dot, _PRECISION)
    return matrix


def _average_link(matrix: list[dict[int, float]], threshold: float) -> list[list[int]]:
    """Groups of idea indexes joined by average link while their similarity >= threshold.

    A nearest-neighbour chain: follow each group's most similar group until two groups are
    each other's most similar, join them, and go on from the rest of the chain. Average link
    never makes a joined group more similar to a third than the closer of its parts was, so
    when no two similarities are equal this joins the same groups as always joining the most
    similar pair first, in O(n^2). A group with no neighbour at the threshold is final (its
    similarities can only fall). The chain starts from the lowest index; groups are known by
    their lowest index; ties go to the chain's previous group (which the method needs to end),
    then to the lowest index, that is to the lowest idea id. `matrix` is consumed.
    """
    n = len(matrix)
    size = [1] * n
    members = [[i] for i in range(n)]
    alive = [True] * n
    final = [False] * n
    chain: list[int] = []
    start = 0
    while True:
        if not chain:
            while start < n and (final[start] or not alive[start]):
                start += 1
            if start == n:
                break
            chain.append(start)
        top = chain[-1]
        previous = chain[-2] if len(chain) > 1 else -1
        best, best_key = -1, (threshold, False, 0)
        for k, similarity in matrix[top].items():
            key = (similarity, k == previous, -k)
            if similarity >= threshold and key > best_key:
                best, best_key = k, key
        if best < 0:
            final[top] = True
            chain.pop()
        elif best != previous:
            chain.append(best)
        else:
            chain.pop()
            chain.pop()
            _join(matrix, size, members, alive, min(top, best), max(top, best))
    return [sorted(members[i]) for i in range(n) if alive[i] and size[i] > 1]


def _join(
    matrix: list[dict[int, float]],
    size: list[int],
    members: list[list[int]],
    alive: list[bool],
    a: int,
    b: int,
) -> None:
    """Join group b into group a, updating similarities by average link (Lance-Williams)."""
    size_a, size_b = size[a], size[b]
    row_a, row_b = matrix[a], matrix[b]
    row_a.pop(b, None)
    row_b.pop(a, None)
    joined: dict[int, float] = {}
    for k in (*row_a, *(k for k in row_b if k not in row_a)):
        similarity = round(
            (size_a * row_a.get(k, 0.0) + size_b * row_b.get(k, 0.0)) / (size_a + size_b),
            _PRECISION,
        )
        other = matrix[k]
        other.pop(b, None)
        other[a] = similarity
        joined[k] = similarity
    matrix[a] = joined
    matrix[b] = {}
    alive[b] = False
    size[a] += size_b
    members[a].extend(members[b])
    members[b] = []


def _display(word: str, group: list[_Idea]) -> str:
    """The word title-cased, or in capitals if the group only ever wrote it so ("SMED")."""
    capitals = any(word in idea.upper for idea in group)
    otherwise = any(word in idea.lower for idea in group)
    if capitals and not otherwise:
        return word.upper()
    return word[:1].upper() + word[1:]


def _describe(group: list[_Idea], df: dict[str, int]) -> tuple[str, tuple[str, ...]]:
    """The group's name and terms: its shared stems scored by weight and by concentration."""
    inside: Counter[str] = Counter()
    weight: dict[str, float] = {}
    for idea in group:
        for stem, w in idea.vector.items():
            inside[stem] += 1
            weight[stem] = weight.get(stem, 0.0) + w
    forms: dict[str, Counter[str]] = {}
    for idea in group:
        for stem, counter in idea.forms.items():
            forms.setdefault(stem, Counter()).update(counter)
    shared = [stem for stem, count in inside.items() if count > 1] or list(inside)
    ranked = sorted(
        shared,
        key=lambda stem: (-round(weight[stem] * inside[stem] / df[stem], _PRECISION), stem),
    )[:MAX_TERMS]
    # Each stem is shown as its most frequent written form (then the shortest, then A-Z).
    terms = tuple(
        min(forms[stem].items(), key=lambda item: (-item[1], len(item[0]), item[0]))[0]
        for stem in ranked
    )
    name = " · ".join(_display(term, group) for term in terms[:NAME_WORDS])
    return name, terms


def suggest_clusters(
    ideas: Sequence[tuple[int, str]], *, max_clusters: int | None = None
) -> list[Suggestion]:
    """Suggested clusters for `(idea id, text)` pairs, largest first (then lowest idea id).

    Ideas that are not similar enough to any other are in no suggestion, and a suggestion has
    at least two ideas. `max_clusters` keeps only that many suggestions (the largest). Idea ids
    must be unique.
    """
    if max_clusters is not None and max_clusters < 0:
        raise ValueError("max_clusters must be zero or more")
    ordered = sorted(ideas, key=lambda idea: idea[0])
    ids = [idea_id for idea_id, _ in ordered]
    if len(set(ids)) != len(ids):
        raise ValueError("idea ids must be unique")
    parsed = [_parse(idea_id, text) for idea_id, text in ordered]
    df = _weigh(parsed)
    groups = _average_link(_similarities(parsed), SIMILARITY_THRESHOLD)
    groups.sort(key=lambda indexes: (-len(indexes), indexes[0]))
    if max_clusters is not None:
        groups = groups[:max_clusters]
    suggestions = []
    for indexes in groups:
        group = [parsed[i] for i in indexes]
        name, terms = _describe(group, df)
        suggestions.append(
            Suggestion(name=name, idea_ids=tuple(idea.id for idea in group), terms=terms)
        )
    return suggestions
