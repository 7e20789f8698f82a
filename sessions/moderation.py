"""Words held back for the facilitator: what the room sends that no screen shows unreviewed.

Word-cloud words and Q&A questions pass through `held_back` before they are shown. The word
list is glin-profanity's maintained English dictionary (whole words, case-insensitive, with
common obfuscations such as "sh!t"), extended per event by the organiser's own words
(`Event.held_words`, one per line: local slang, a competitor's name, anything this room should
not see on the projector). Held-back text is stored as sent and waits for the facilitator, who
shows or hides it; nothing is censored in place.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from glin_profanity import Filter

HELD_WORDS_MAX = 4000  # characters of an event's own list


def event_words(held_words: str) -> tuple[str, ...]:
    """An event's own list as stored (one word or phrase per line), normalised for the filter."""
    words = {line.strip().casefold() for line in held_words.splitlines()}
    return tuple(sorted(w for w in words if w))


@functools.lru_cache(maxsize=64)
def _filter(extra: tuple[str, ...]) -> Filter:
    return Filter({"languages": ["english"], "word_boundaries": True, "custom_words": list(extra)})


def held_back(text: str, extra: Iterable[str] = ()) -> bool:
    """Whether `text` carries a word of the list or of the event's own `extra` words."""
    return bool(text.strip()) and _filter(tuple(extra)).is_profane(text)
