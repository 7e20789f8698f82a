"""The closing pulse: usefulness 1-5 and one optional word from each delegate.

The facilitator opens, closes and reveals it like a vote. A delegate's answer replaces
their earlier one while the pulse is open; one row per delegate (a unique constraint) and
the 1-5 range (a check constraint) hold in the database as well as here.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from sessions.agenda.services import (
    PULSE_CLOSED,
    PULSE_NOT_OPEN_YET,
    add_step,
    changed,
    delegate_command,
    lock_open_workshop,
    refuse_unless_open,
    show_step,
)
from sessions.errors import InvalidInput, NotFound
from sessions.live import events
from sessions.models import (
    PULSE_POINTS,
    PULSE_WORD_MAX,
    Pulse,
    PulseAnswer,
    Step,
    Workshop,
)

PULSE_TITLE = _("Pulse")
PULSE_BODY = _("Two quick questions before we close.")
NO_PULSE = _("That pulse is not part of this workshop.")
CLOSED = PULSE_CLOSED
NOT_OPEN_YET = PULSE_NOT_OPEN_YET
USEFULNESS = f"Choose how useful the workshop was, from 1 to {PULSE_POINTS}."
ONE_WORD = _("Please give just one word (no spaces).")
WORD_TOO_LONG = f"One word of at most {PULSE_WORD_MAX} characters, please."


def clean_word(word: str) -> str:
    """The one word, trimmed; refuses more than one word or a word that is too long."""
    word = (word or "").strip()
    if any(ch.isspace() for ch in word):
        raise InvalidInput(ONE_WORD, {"word": [ONE_WORD]})
    if len(word) > PULSE_WORD_MAX:
        raise InvalidInput(WORD_TOO_LONG, {"word": [WORD_TOO_LONG]})
    return word


def clean_usefulness(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= PULSE_POINTS:
        raise InvalidInput(USEFULNESS, {"usefulness": [USEFULNESS]})
    return value


# --- setting up and running -----------------------------------------------------------------


@transaction.atomic
def add_pulse_step(
    *,
    workshop: Workshop,
    title: StrOrPromise = PULSE_TITLE,
    body: StrOrPromise = PULSE_BODY,
    key: str | None = None,
) -> Step | None:
    """Append a pulse step. A replayed `key` adds nothing (returns None)."""
    # Stored in the language of the facilitator who adds it.
    step = add_step(
        workshop=workshop, title=str(title), body=str(body), kind=Step.Kind.PULSE, key=key
    )
    if step is not None:
        Pulse.objects.create(step=step)
    return step


def pulse_for(workshop: Workshop, pulse_id: int) -> Pulse:
    pulse = Pulse.objects.select_related("step").filter(pk=pulse_id, step__workshop=workshop)
    found = pulse.first()
    if found is None:
        raise NotFound(NO_PULSE)
    return found


def _locked(pulse: Pulse) -> tuple[Pulse, Workshop]:
    workshop = lock_open_workshop(pulse.step.workshop_id)
    return Pulse.objects.select_related("step").get(pk=pulse.pk), workshop


@transaction.atomic
def open_pulse(*, pulse: Pulse) -> Pulse:
    """Take answers. Broadcasts the step and results on commit."""
    pulse, workshop = _locked(pulse)
    pulse.is_open = True
    pulse.opened_at = pulse.opened_at or timezone.now()
    pulse.save(update_fields=["is_open", "opened_at"])
    changed(workshop.pk, events.PULSE_OPENED)
    return pulse


@transaction.atomic
def close_pulse(*, pulse: Pulse) -> Pulse:
    """Stop taking answers (answers in flight wait for the lock, then are refused)."""
    pulse, workshop = _locked(pulse)
    pulse.is_open = False
    pulse.save(update_fields=["is_open"])
    changed(workshop.pk, events.PULSE_CLOSED)
    return pulse


@transaction.atomic
def reveal_pulse(*, pulse: Pulse, revealed: bool = True) -> Pulse:
    """Show (or hide again) the distribution and the words to the room."""
    pulse, workshop = _locked(pulse)
    pulse.revealed = revealed
    pulse.save(update_fields=["revealed"])
    changed(workshop.pk, events.PULSE_REVEALED)
    return pulse


# --- answering -------------------------------------------------------------------------------


@transaction.atomic
def answer_pulse(
    *,
    workshop_id: int,
    delegate_id: int,
    pulse_id: int,
    usefulness: object,
    word: str = "",
    key: str | None = None,
) -> PulseAnswer | None:
    """Record (or replace) a delegate's answer; a replayed `key` changes nothing (None).

    Refuses, changing nothing, when the workshop has finished, the delegate has not joined
    it, the pulse is not its own or not open, or the input is out of range. Broadcasts the
    new count (and the results once revealed) on commit.
    """
    command = delegate_command(workshop_id=workshop_id, delegate_id=delegate_id, key=key)
    pulse = Pulse.objects.filter(pk=pulse_id, step__workshop_id=workshop_id).first()
    if pulse is None:
        raise NotFound(NO_PULSE)
    if not command.record(events.PULSE_ANSWERED):
        return None
    refuse_unless_open(pulse.is_open, CLOSED, not_yet=NOT_OPEN_YET, opened=bool(pulse.opened_at))
    usefulness, word = clean_usefulness(usefulness), clean_word(word)
    answer, _created = PulseAnswer.objects.update_or_create(
        pulse=pulse, delegate_id=delegate_id, defaults={"usefulness": usefulness, "word": word}
    )
    return answer


@transaction.atomic
def pulse_before_closing(*, workshop: Workshop) -> Step:
    """The pulse to close with, on screen and taking answers: the agenda's last pulse step,
    or a new one at the end when it has none. Broadcasts on commit."""
    lock_open_workshop(workshop.pk)
    step = (
        Step.objects.filter(workshop=workshop, kind=Step.Kind.PULSE).order_by("-position").first()
    )
    if step is None:
        step = add_pulse_step(workshop=workshop)
        assert step is not None  # added without a key: never a replay
    pulse, _created = Pulse.objects.get_or_create(step=step)
    show_step(workshop=workshop, step=step)
    if pulse.opened_at is None:
        open_pulse(pulse=pulse)
    return step
