"""The word cloud step: words and short phrases from each delegate, counted together.

A delegate's words are `CloudWord` rows (at most the cloud's `words_each`, checked by the
service under the delegate's lock; one row per delegate per counted word, here). What the room
sees of a counted word (its `key`, `sessions.wordcloud.word_key`) is its `CloudTerm`: shown,
held back for the facilitator, or hidden, and possibly merged into another term.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from sessions.models.core import Delegate, Step

CLOUD_WORD_MAX = 25  # characters of one word or phrase
CLOUD_PHRASE_WORDS = 3  # words in one phrase
CLOUD_WORDS_DEFAULT = 3  # words or phrases each delegate may give
CLOUD_WORDS_MOST = 10
CLOUD_KEY_MAX = 100
CLOUD_PROMPT_MAX = 200


class WordCloud(models.Model):
    """The cloud of a word cloud step: its prompt, whether it takes words, and its settings."""

    step = models.OneToOneField(Step, on_delete=models.CASCADE, related_name="word_cloud")
    prompt = models.CharField(max_length=CLOUD_PROMPT_MAX)
    words_each = models.PositiveSmallIntegerField(default=CLOUD_WORDS_DEFAULT)
    # Every new word waits for the facilitator before the room sees it.
    needs_approval = models.BooleanField(default=False)
    is_open = models.BooleanField(default=False)
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(words_each__gte=1, words_each__lte=CLOUD_WORDS_MOST),
                name="cloud_words_each_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"word cloud: {self.step.title}"


class CloudTerm(models.Model):
    """A counted word of a cloud (all the spellings that share `key`) and what the room sees
    of it."""

    class State(models.TextChoices):
        SHOWN = "shown", "Shown"
        HELD = "held", "Held back"
        HIDDEN = "hidden", "Hidden"

    cloud = models.ForeignKey(WordCloud, on_delete=models.CASCADE, related_name="terms")
    key = models.CharField(max_length=CLOUD_KEY_MAX)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SHOWN)
    # Counted as another term of the same cloud (the facilitator merged them); never a chain:
    # merging into a term that is itself merged merges into where it went.
    merged_into = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="merged"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["cloud", "key"], name="one_cloud_term_per_key"),
            models.CheckConstraint(
                condition=models.Q(state__in=["shown", "held", "hidden"]),
                name="cloud_term_state_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")), name="cloud_term_not_merged_self"
            ),
            models.CheckConstraint(condition=~models.Q(key=""), name="cloud_term_key_not_empty"),
        ]

    def __str__(self) -> str:
        return self.key


class CloudWord(models.Model):
    """One word or short phrase a delegate gave, as they typed it (trimmed)."""

    cloud = models.ForeignKey(WordCloud, on_delete=models.CASCADE, related_name="words")
    term = models.ForeignKey(CloudTerm, on_delete=models.CASCADE, related_name="words")
    # Kept when the delegate's data is erased: the word stays, anonymous.
    delegate = models.ForeignKey(
        Delegate, on_delete=models.SET_NULL, null=True, blank=True, related_name="cloud_words"
    )
    text = models.CharField(max_length=CLOUD_WORD_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # The same word twice from one delegate counts once: the second is refused.
            models.UniqueConstraint(
                fields=["term", "delegate"], name="one_cloud_word_per_term_and_delegate"
            ),
            models.CheckConstraint(
                condition=models.Q(LessThanOrEqual(Length("text"), CLOUD_WORD_MAX)),
                name="cloud_word_length",
            ),
            models.CheckConstraint(condition=~models.Q(text=""), name="cloud_word_not_blank"),
        ]

    def __str__(self) -> str:
        return self.text
