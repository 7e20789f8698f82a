"""Gentle hints for a commitment's action while it is typed: one rule, used by the server
(on a card shown again) and, through the word lists it hands the page, by the phone.

Hints never block a commitment; they nudge towards an action that starts with a verb,
names something to measure, and says when.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

# Words that cannot start an action ("I will more training" lacks its verb).
NOT_VERBS = (
    "a", "an", "the", "more", "less", "better", "some", "our", "my", "all", "every", "new",
    "good", "great", "lean", "staff", "team", "training", "data", "quality", "waste",
    "productivity", "process", "processes", "efficiency", "improvement", "improvements",
)  # fmt: skip
# Signs of a measure: a number, a percentage or a unit.
MEASURE_WORDS = (
    "%", "percent", "per", "minutes", "minute", "hours", "hour", "days", "seconds", "£",
    "pounds", "units", "count", "measure", "track", "halve", "double", "target",
)  # fmt: skip
# Signs of a time.
WHEN_WORDS = (
    "by", "before", "within", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "week", "weeks", "month", "months", "tomorrow", "today", "daily",
    "weekly", "end", "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december",
)  # fmt: skip

HINTS = {
    "verb": _("Start with what you will do: a verb such as try, test, measure or set up."),
    "measure": _("How will you know it worked? Add a number or something you can count."),
    "when": _("When? Add a day, a date or a deadline."),
}


def without_i_will(text: str) -> str:
    """`text` without a typed leading "I will": the card and everything that shows it print
    "I will" before the action and "then I will" before the first step."""
    return re.sub(r"^\s*i will\b\s*", "", text, flags=re.IGNORECASE)


def action_hints(action: str) -> list[StrOrPromise]:
    """The hints that apply to an action as typed (after "I will")."""
    text = without_i_will(action.lower())
    words = re.findall(r"[\w£%]+", text)
    if not words:
        return []
    found: list[StrOrPromise] = []
    if words[0] in NOT_VERBS:
        found.append(HINTS["verb"])
    if not any(ch.isdigit() for ch in text) and not set(words) & set(MEASURE_WORDS):
        found.append(HINTS["measure"])
    if not set(words) & set(WHEN_WORDS):
        found.append(HINTS["when"])
    return found


def hint_rules() -> dict[str, Any]:
    """What the phone needs to give the same hints as it is typed (embedded as JSON)."""
    return {
        "notVerbs": NOT_VERBS,
        "measureWords": MEASURE_WORDS,
        "whenWords": WHEN_WORDS,
        "hints": {name: str(hint) for name, hint in HINTS.items()},  # JSON: text, not lazy
    }
