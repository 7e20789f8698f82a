"""A word cloud drawn on the server: words sized by how often they were given, placed without
overlapping, the same counts always giving the same picture.

The layout works in the SVG's own units (its viewBox): the projector scales the picture to
the space it has, so the sizes here are relative. It is tuned so that on a 16:9 projector the
smallest word drawn is at least the projector's floor for text (24 px at 720 lines, 32 px at
1080). Words are placed largest first along a spiral out from the middle, each at the first
point where its box touches no other and stays inside the picture; a word that finds no such
point is left out of the picture (the list beside it, for screen readers, has every word).
Sizes are first lowered together until the words' boxes cover at most FILL of the picture
(the least frequent words left out if even the smallest size is too much); if a word still
finds no place, every size is lowered a step and the layout starts again, a few times.

Widths are estimated from the letters (a bold sans-serif, on the generous side), so the boxes
are a little larger than the words drawn in them.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from snowballstemmer.english_stemmer import EnglishStemmer

WIDTH = 600
HEIGHT = 360
# The word cloud step's picture: about the shape a 16:9 projector leaves under the title.
STEP_WIDTH = 960
SMALLEST = 27
LARGEST = 100
MOST_WORDS = 30
GAP = 6  # between two words' boxes, in the picture's units
# At least this many words are drawn if given: neither the budget nor a tie leaves fewer.
MUST_PLACE = 3
CONTRAST = 1.8  # the most frequent word's size at least this times the smallest's
FILL = 0.7  # of the picture the words' boxes may cover
ATTEMPTS = 4  # layouts tried, each with lower sizes, before words are left out
TONES = 4  # colours, taken in turn (app.css `.cloud-tone-N`)

Box = tuple[float, float, float, float]
NARROW = set("fijlrtI.,;:!'|()[]- ")
WIDE = set("mwMW@%")


def em_width(word: str) -> float:
    """The word's width in ems, estimated letter by letter for a bold sans-serif."""
    width = 0.0
    for letter in word:
        if letter in NARROW:
            width += 0.4
        elif letter in WIDE:
            width += 0.98
        elif letter.isupper() or letter.isdigit():
            width += 0.76
        else:
            width += 0.66
    return width + 0.2  # a little room either side


@dataclass(frozen=True)
class Placed:
    word: str
    count: int
    x: float  # the middle of the word
    y: float
    size: float
    tone: int

    @property
    def box(self) -> tuple[float, float, float, float]:
        half_width = em_width(self.word) * self.size / 2
        half_height = self.size * 0.62
        return (
            self.x - half_width,
            self.y - half_height,
            self.x + half_width,
            self.y + half_height,
        )


@dataclass(frozen=True)
class Cloud:
    width: int
    height: int
    words: tuple[Placed, ...]
    left_out: int  # words given but not in the picture

    @property
    def shown(self) -> int:
        return len(self.words)


def sizes(counts: Sequence[int], smallest: float, largest: float) -> list[float]:
    """A size per count: the most frequent `largest`, the least `smallest`, by square root
    in between (so area follows the count); all equal counts get three quarters of
    `largest`."""
    top, low = max(counts), min(counts)
    if top == low:
        return [max(smallest, largest * 0.75)] * len(counts)
    return [smallest + (largest - smallest) * math.sqrt((n - low) / (top - low)) for n in counts]


def overlaps(box: Box, other: Box) -> bool:
    return not (
        box[2] + GAP <= other[0]
        or other[2] + GAP <= box[0]
        or box[3] + GAP <= other[1]
        or other[3] + GAP <= box[1]
    )


def place(
    words: Sequence[tuple[str, int]], sized: Sequence[float], width: int, height: int
) -> list[Placed]:
    placed: list[Placed] = []
    boxes: list[Box] = []  # the placed words' boxes, worked out once
    middle_x, middle_y = width / 2, height / 2
    stretch = 1.5 * width / height  # words are wide: the spiral spreads sideways
    reach = math.hypot(width, height) / 2
    for index, ((word, count), size) in enumerate(zip(words, sized, strict=True)):
        ems = em_width(word)
        size = round(min(size, 0.96 * width / ems), 1)
        half_width, half_height = ems * size / 2, size * 0.62  # as `Placed.box`
        turn = 0.0
        last_hit: Box | None = None
        while True:
            radius = 3.0 * turn
            if radius > reach:
                break
            x = round(middle_x + radius * math.cos(turn) * stretch, 1)
            y = round(middle_y + radius * math.sin(turn), 1)
            turn += 0.35 if radius < 40 else 14 / radius
            box = (x - half_width, y - half_height, x + half_width, y + half_height)
            if box[0] < 0 or box[1] < 0 or box[2] > width or box[3] > height:
                continue
            if last_hit is not None and overlaps(box, last_hit):
                continue
            last_hit = next((other for other in boxes if overlaps(box, other)), None)
            if last_hit is None:
                placed.append(Placed(word, count, x, y, size, index % TONES))
                boxes.append(box)
                break
    return placed


def area(word: str, size: float) -> float:
    return (em_width(word) * size + GAP) * (size * 1.24 + GAP)


def budgeted(drawn: Sequence[tuple[str, int]], room: float) -> tuple[list[float], int]:
    """Sizes that leave the picture room to place every word, and how many words get one:
    the words' boxes cover at most FILL of it. Sizes are lowered together (never below
    SMALLEST); if the smallest words still do not fit, the least frequent are left out.
    `room` is the picture's area."""
    sized = sizes([n for _, n in drawn], SMALLEST, LARGEST)
    budget = FILL * room
    # Lowered together, but the most frequent word stays at least CONTRAST times the smallest
    # when the counts differ: a cloud whose words are all one size says nothing. (A box is a
    # little more than its size squared: a few rounds come close to the budget.)
    keep = CONTRAST * SMALLEST if len({n for _, n in drawn}) > 1 else SMALLEST
    for _round in range(3):
        total = sum(area(word, size) for (word, _), size in zip(drawn, sized, strict=True))
        if total <= budget:
            break
        factor = max(math.sqrt(budget / total), min(1.0, keep / sized[0]))
        sized = [max(SMALLEST, size * factor) for size in sized]
    used, count = 0.0, 0
    for (word, _), size in zip(drawn, sized, strict=True):
        used += area(word, size)
        if used > budget * 1.01 and count >= MUST_PLACE:
            break
        count += 1
    # Words given as often as one left out are left out too (unless that leaves too few):
    # which of them would be drawn would be down to the alphabet.
    cut = count
    while 0 < cut < len(drawn) and drawn[cut - 1][1] == drawn[cut][1]:
        cut -= 1
    if cut >= MUST_PLACE:
        count = cut
    return sized[:count], count


@lru_cache(maxsize=64)
def layout(words: tuple[tuple[str, int], ...], width: int = WIDTH, height: int = HEIGHT) -> Cloud:
    """The cloud of `words` (word, count) in a picture of `width` by `height` units (the
    sizes are for HEIGHT: a wider picture holds more words at the same sizes); at most
    MOST_WORDS drawn for the default picture, more in proportion for a wider one, the most
    frequent."""
    ranked = sorted(words, key=lambda item: (-item[1], item[0].casefold()))
    drawn = ranked[: round(MOST_WORDS * width * height / (WIDTH * HEIGHT))]
    if not drawn:
        return Cloud(width, height, (), 0)
    sized, count = budgeted(drawn, width * height)
    chosen = drawn[:count]
    placed: list[Placed] = []
    for attempt in range(ATTEMPTS):
        lowered = [max(SMALLEST, size * 0.88**attempt) for size in sized]
        placed = place(chosen, lowered, width, height)
        if len(placed) == count:
            break
    else:
        # Still not every word placed: leave out, with them, the words given as often.
        missed = {word for word, _ in chosen} - {one.word for one in placed}
        most_missed = max(n for word, n in chosen if word in missed)
        kept = [one for one in placed if one.count > most_missed]
        placed = kept if len(kept) >= MUST_PLACE else placed
    return Cloud(width, height, tuple(placed), len(ranked) - len(placed))


# --- counting words --------------------------------------------------------------------------
# One rule for every count of words the room gave (the word cloud step, the pulse's one word):
# case, the punctuation and spaces around a word, and simple endings ("Training", "trained",
# "trains") do not make a different word. Snowball's English stemmer, as the ideas' clustering.

_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
# Sentence punctuation around a word is not part of how it is shown ("Great!" is "Great");
# other marks are ("<b>" stays, shown as text).
_MARKS = r"\s.,;:!?\u2026\"'\u201c\u201d\u2018\u2019\u00ab\u00bb()\[\]-"
_SENTENCE_EDGE = re.compile(f"^[{_MARKS}]+|[{_MARKS}]+$")
_SPACES = re.compile(r"\s+")
# A stemmer object keeps state while it stems, so each thread has its own.
_local = threading.local()


def tidy(text: str) -> str:
    """The word as it is shown: without the sentence punctuation and spaces around it, inner
    spaces collapsed to one."""
    return _SPACES.sub(" ", _SENTENCE_EDGE.sub("", text))


@lru_cache(maxsize=8192)
def _stem(word: str) -> str:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = EnglishStemmer()
    stem: str = stemmer.stemWord(word)  # snowballstemmer ships no types
    return stem


def word_key(text: str) -> str:
    """What two spellings of one word share: "Training!", "trained" and "TRAINS" give "train".
    Empty for text with no letters or digits."""
    words = tidy(text).casefold().split(" ")
    return " ".join(_stem(_EDGE.sub("", word)) for word in words if _EDGE.sub("", word))


def count_words(texts: Iterable[str]) -> list[tuple[str, int]]:
    """`texts` counted by `word_key`, each shown in its most common spelling (the first given
    among equals), most frequent first, then alphabetically."""
    spellings: dict[str, Counter[str]] = {}
    for text in texts:
        key = word_key(text)
        if key:
            spellings.setdefault(key, Counter())[tidy(text)] += 1
    return ranked((c.most_common(1)[0][0], c.total()) for c in spellings.values())


def ranked(words: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    return sorted(words, key=lambda item: (-item[1], item[0].casefold()))
