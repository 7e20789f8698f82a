"""The word cloud's verbs: adding and running the step, delegates' words, moderation.

A delegate's words replace their earlier ones while the cloud is open (a changed word is a
new row, a blanked one is withdrawn); they may also withdraw one word. Each word is counted
under its `word_key` (`sessions.wordcloud`), whose `CloudTerm` says what the room sees: a term
is created shown, or held back for the facilitator when the cloud asks for approval or the
word is on the held-back list (`sessions.moderation`). The facilitator shows, hides and merges
terms. Every verb broadcasts on commit; the database holds one word per delegate per term,
the length of a word and the known states.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sessions.agenda.services import (
    DelegateCommand,
    add_step,
    changed,
    delegate_command,
    lock_open_workshop,
    refuse_unless_open,
)
from sessions.errors import Conflict, InvalidInput, NotFound
from sessions.live import events
from sessions.models import (
    CLOUD_PHRASE_WORDS,
    CLOUD_PROMPT_MAX,
    CLOUD_WORD_MAX,
    CLOUD_WORDS_DEFAULT,
    CLOUD_WORDS_MOST,
    CloudTerm,
    CloudWord,
    Step,
    WordCloud,
    Workshop,
)
from sessions.moderation import held_back
from sessions.wordcloud import tidy, word_key

DEFAULT_PROMPT = _("One word for how productive your business feels today")
NO_CLOUD = _("That word cloud is not part of this workshop.")
NO_WORD = _("That word is not one of yours in this word cloud.")
NO_TERM = _("That word is not part of this word cloud.")
CLOSED = _("The word cloud is closed, so your words were not changed.")
NOT_OPEN_YET = _("The word cloud has not opened yet.")
BLANK = _("Type a word first.")
NO_LETTERS = _("A word needs at least one letter or digit.")
SAME_WORD = _("Merge two different words.")
WORDS_EACH = f"Each person may give from 1 to {CLOUD_WORDS_MOST} words."


def too_long(text: str) -> str:
    return f"“{text[:CLOUD_WORD_MAX]}…” is too long: at most {CLOUD_WORD_MAX} characters, please."


def too_many_in_phrase(text: str) -> str:
    return f"“{text}” has too many words: at most {CLOUD_PHRASE_WORDS} in one phrase, please."


def too_many(most: int) -> str:
    return ngettext(
        "You can give at most %(most)d word.", "You can give at most %(most)d words.", most
    ) % {"most": most}


def twice(text: str) -> str:
    return f"You gave “{text}” twice."


def refuse(message: str) -> InvalidInput:
    return InvalidInput(message, {"words": [message]})


def clean_words(texts: list[str], most: int) -> list[tuple[str, str]]:
    """The delegate's words as (shown text, key), in order, blanks left out; refuses a word
    too long, a phrase of too many words, more than `most` words, a word without letters, the
    same word twice, and no word at all."""
    given = [tidy(text) for text in texts if text.strip()]
    if not given:
        raise refuse(str(BLANK))
    if len(given) > most:
        raise refuse(too_many(most))
    cleaned: list[tuple[str, str]] = []
    for text in given:
        if len(text) > CLOUD_WORD_MAX:
            raise refuse(too_long(text))
        if len(text.split(" ")) > CLOUD_PHRASE_WORDS:
            raise refuse(too_many_in_phrase(text))
        key = word_key(text)
        if not key:
            raise refuse(str(NO_LETTERS))
        if any(key == other for _, other in cleaned):
            raise refuse(twice(text))
        cleaned.append((text, key))
    return cleaned


# --- setting up and running -------------------------------------------------------------------


@transaction.atomic
def add_cloud_step(
    *,
    workshop: Workshop,
    title: str,
    prompt: str = "",
    words_each: int = CLOUD_WORDS_DEFAULT,
    needs_approval: bool = False,
    key: str | None = None,
) -> Step | None:
    """Append a word cloud step (the prompt defaults to the productivity opener). A replayed
    `key` adds nothing (returns None)."""
    if not 1 <= words_each <= CLOUD_WORDS_MOST:
        raise InvalidInput(WORDS_EACH, {"words_each": [WORDS_EACH]})
    prompt = (prompt or "").strip()[:CLOUD_PROMPT_MAX] or str(DEFAULT_PROMPT)
    step = add_step(workshop=workshop, title=title, kind=Step.Kind.CLOUD, key=key)
    if step is not None:
        WordCloud.objects.create(
            step=step, prompt=prompt, words_each=words_each, needs_approval=needs_approval
        )
    return step


def cloud_for(workshop: Workshop, cloud_id: int) -> WordCloud:
    found = (
        WordCloud.objects.select_related("step")
        .filter(pk=cloud_id, step__workshop=workshop)
        .first()
    )
    if found is None:
        raise NotFound(NO_CLOUD)
    return found


def _locked(cloud: WordCloud) -> tuple[WordCloud, Workshop]:
    workshop = lock_open_workshop(cloud.step.workshop_id)
    return WordCloud.objects.select_related("step").get(pk=cloud.pk), workshop


@transaction.atomic
def open_cloud(*, cloud: WordCloud) -> WordCloud:
    """Take words. Broadcasts the step on commit."""
    cloud, workshop = _locked(cloud)
    cloud.is_open = True
    cloud.opened_at = cloud.opened_at or timezone.now()
    cloud.save(update_fields=["is_open", "opened_at"])
    changed(workshop.pk, events.CLOUD_OPENED)
    return cloud


@transaction.atomic
def close_cloud(*, cloud: WordCloud) -> WordCloud:
    """Stop taking words (words in flight wait for the lock, then are refused)."""
    cloud, workshop = _locked(cloud)
    cloud.is_open = False
    cloud.save(update_fields=["is_open"])
    changed(workshop.pk, events.CLOUD_CLOSED)
    return cloud


@transaction.atomic
def require_approval(*, cloud: WordCloud, needs_approval: bool) -> WordCloud:
    """Switch "approve before showing": new words then wait for the facilitator (the words
    already shown stay shown)."""
    cloud, workshop = _locked(cloud)
    cloud.needs_approval = needs_approval
    cloud.save(update_fields=["needs_approval"])
    changed(workshop.pk, events.CLOUD_CONFIGURED)
    return cloud


WORDS_EACH_FIXED = _(
    "Words have been given, so how many each delegate may give can no longer change."
)


@transaction.atomic
def configure_cloud(*, cloud: WordCloud, prompt: str, words_each: int) -> WordCloud:
    """Change the prompt (at any time) and how many words each delegate may give (until the
    first word is given, as a vote's limits: a delegate's words are never more than the
    cloud allows). A delegate's words wait for the workshop's lock, which this takes, so a
    word in flight is either counted before the check or sent under the new number."""
    if not 1 <= words_each <= CLOUD_WORDS_MOST:
        raise InvalidInput(WORDS_EACH, {"words_each": [WORDS_EACH]})
    cloud, workshop = _locked(cloud)
    if words_each != cloud.words_each and CloudWord.objects.filter(cloud=cloud).exists():
        raise InvalidInput(str(WORDS_EACH_FIXED), {"words_each": [str(WORDS_EACH_FIXED)]})
    cloud.prompt = prompt.strip()[:CLOUD_PROMPT_MAX] or str(DEFAULT_PROMPT)
    cloud.words_each = words_each
    cloud.save(update_fields=["prompt", "words_each"])
    changed(workshop.pk, events.CLOUD_CONFIGURED)
    return cloud


# --- delegates' words --------------------------------------------------------------------------


def _delegate_cloud(
    workshop_id: int, delegate_id: int, cloud_id: int, key: str | None
) -> tuple[DelegateCommand, WordCloud]:
    command = delegate_command(workshop_id=workshop_id, delegate_id=delegate_id, key=key)
    cloud = WordCloud.objects.filter(pk=cloud_id, step__workshop_id=workshop_id).first()
    if cloud is None:
        raise NotFound(NO_CLOUD)
    return command, cloud


def _refuse_unless_open(cloud: WordCloud) -> None:
    refuse_unless_open(cloud.is_open, CLOSED, not_yet=NOT_OPEN_YET, opened=bool(cloud.opened_at))


def _term_for(cloud: WordCloud, text: str, key: str) -> CloudTerm:
    """The cloud's term for `key`, created held back when the cloud asks for approval or the
    word is on the held-back list, else shown. Two delegates giving a new word at once both
    find the one term (the second insert waits for the first and then reads it)."""
    term = CloudTerm.objects.filter(cloud=cloud, key=key).first()
    if term is not None:
        return term
    extra = cloud.step.workshop.event.extra_held_words
    held = cloud.needs_approval or held_back(text, extra)
    state = CloudTerm.State.HELD if held else CloudTerm.State.SHOWN
    term, _created = CloudTerm.objects.get_or_create(
        cloud=cloud, key=key, defaults={"state": state}
    )
    return term


@transaction.atomic
def send_words(
    *,
    workshop_id: int,
    delegate_id: int,
    cloud_id: int,
    words: list[str],
    key: str | None = None,
) -> list[CloudWord] | None:
    """Make the delegate's words `words` (blanks left out): words no longer given are
    withdrawn, new ones added, unchanged ones kept. A replayed `key` changes nothing (None).

    Refuses, changing nothing, a finished workshop, a delegate who has not joined it, a cloud
    not its own or not open, and words `clean_words` refuses. Broadcasts the cloud on commit.
    """
    command, cloud = _delegate_cloud(workshop_id, delegate_id, cloud_id, key)
    if not command.record(events.WORDS_SENT):
        return None
    _refuse_unless_open(cloud)
    cleaned = clean_words(words, cloud.words_each)
    cloud = WordCloud.objects.select_related("step__workshop__event").get(pk=cloud.pk)
    mine = CloudWord.objects.filter(cloud=cloud, delegate_id=delegate_id).select_related("term")
    kept = {word.term.key: word for word in mine}
    wanted = {key for _, key in cleaned}
    CloudWord.objects.filter(pk__in=[w.pk for k, w in kept.items() if k not in wanted]).delete()
    result: list[CloudWord] = []
    for text, word_key_ in cleaned:
        word = kept.get(word_key_)
        if word is None:
            term = _term_for(cloud, text, word_key_)
            word = CloudWord.objects.create(
                cloud=cloud, term=term, delegate_id=delegate_id, text=text
            )
        elif word.text != text:
            word.text = text
            word.save(update_fields=["text"])
        result.append(word)
    return result


@transaction.atomic
def withdraw_word(
    *, workshop_id: int, delegate_id: int, cloud_id: int, word_id: int, key: str | None = None
) -> bool | None:
    """Withdraw one of the delegate's words while the cloud is open; None for a replayed
    `key`. Refuses a word that is not theirs (or not this cloud's) like one that does not
    exist. Broadcasts the cloud on commit."""
    command, cloud = _delegate_cloud(workshop_id, delegate_id, cloud_id, key)
    if not command.record(events.WORDS_SENT):
        return None
    _refuse_unless_open(cloud)
    deleted, _rows = CloudWord.objects.filter(
        pk=word_id, cloud=cloud, delegate_id=delegate_id
    ).delete()
    if not deleted:
        raise NotFound(NO_WORD)
    return True


# --- moderation ----------------------------------------------------------------------------------


def _term(cloud: WordCloud, term_id: int) -> CloudTerm:
    """The cloud's term `term_id`, or where it was merged into."""
    term = CloudTerm.objects.select_related("merged_into").filter(pk=term_id, cloud=cloud).first()
    if term is None:
        raise NotFound(NO_TERM)
    return term.merged_into or term


@transaction.atomic
def moderate_term(*, cloud: WordCloud, term_id: int, state: str) -> CloudTerm:
    """Show, hide or hold back a counted word (with every spelling merged into it).
    Broadcasts the cloud on commit."""
    if state not in CloudTerm.State.values:
        raise InvalidInput(NO_TERM)
    cloud, workshop = _locked(cloud)
    term = _term(cloud, term_id)
    if term.state != state:
        term.state = state
        term.save(update_fields=["state"])
        changed(workshop.pk, events.WORDS_MODERATED)
    return term


@transaction.atomic
def merge_terms(*, cloud: WordCloud, term_id: int, into_id: int) -> CloudTerm:
    """Count the word `term_id` (and what was merged into it) as the word `into_id`, which
    keeps its state. Broadcasts the cloud on commit."""
    cloud, workshop = _locked(cloud)
    term, into = _term(cloud, term_id), _term(cloud, into_id)
    if term.pk == into.pk:
        raise Conflict(SAME_WORD)
    CloudTerm.objects.filter(merged_into=term).update(merged_into=into)
    term.merged_into = into
    term.save(update_fields=["merged_into"])
    changed(workshop.pk, events.WORDS_MODERATED)
    return into
