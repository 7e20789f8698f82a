"""The remote's verbs: its link (made, revoked) and its commands, which are the console's
own services (`sessions.agenda.services`, `sessions.voting.services`, ...), called here and
never copied.

Each verb is keyword-only and runs in one transaction; the console's services record the
changes and push them after commit.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from sessions.agenda import services as agenda
from sessions.cloud import services as words
from sessions.errors import NOT_UNDERSTOOD, InvalidInput
from sessions.ideas import services as ideas
from sessions.live import broadcast
from sessions.models import Board, Change, Poll, Pulse, Step, WordCloud, Workshop
from sessions.pulse import services as pulses
from sessions.tokens import new_token
from sessions.voting import services as voting

NO_PREVIOUS = _("This is the first step: there is no step before it. Nothing was changed.")
NO_PREVIOUS_WAITING = _(
    "The room is on the waiting screen: there is no step before it. Nothing was changed."
)
NO_NEXT = _("This is the last step: there is no step after it. Nothing was changed.")
NO_STEPS = _("The agenda has no steps yet. Nothing was changed.")

Target = Poll | Board | Pulse | WordCloud

# The thing a step's main controls (open, close, reveal) act on, by the step's kind.
TARGETS: dict[str, type[Target]] = {
    Step.Kind.VOTE: Poll,
    Step.Kind.IDEAS: Board,
    Step.Kind.PULSE: Pulse,
    Step.Kind.CLOUD: WordCloud,
}


@transaction.atomic
def make_remote_link(*, workshop: Workshop) -> Workshop:
    """Give the workshop a remote link if it has none (a second press keeps the first)."""
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if locked.remote_token is None:
        locked.remote_token = new_token()
        locked.save(update_fields=["remote_token"])
    return locked


@transaction.atomic
def revoke_remote_link(*, workshop: Workshop) -> Workshop:
    """Stop the remote link: it is refused from now on, and the remotes open on it are
    disconnected once this commits. A remote opened by a facilitator's login stays."""
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if locked.remote_token is not None:
        broadcast.remote_revoked(locked.pk, locked.remote_token)
        locked.remote_token = None
        locked.save(update_fields=["remote_token"])
    return locked


def _scoped(workshop: Workshop, key: str) -> str:
    return f"remote:{workshop.pk}:{key}"


def carried_out(*, workshop: Workshop, key: str | None) -> bool:
    """Whether a remote command with `key` was carried out already (a replayed tap)."""
    return bool(key) and Change.objects.filter(key=_scoped(workshop, key or "")).exists()


def record_command(*, workshop: Workshop, key: str | None) -> bool:
    """Record the remote command's `key` in the caller's transaction, which holds the
    workshop's row (`as_shown`): False when that key was used already (a replay that raced
    its first), and then the caller changes nothing. Pushes nothing itself: the command's
    own service pushes what it changes."""
    if not key:
        return True
    return agenda.changed(workshop.pk, key=_scoped(workshop, key)) is not None


def target_of(step: Step | None) -> Target | None:
    """What the step's open, close and reveal act on (None for a step with no such controls)."""
    if step is None or step.kind not in TARGETS:
        return None
    model = TARGETS[step.kind]
    return model._default_manager.select_related("step").filter(step=step).first()


def move(*, workshop: Workshop, seen: Step | None, offset: int) -> Step | None:
    """Next (+1) or previous (-1) from `seen`, the step the remote showed, through the
    console's `advance`; refused (400) past either end of the agenda."""
    ids = list(workshop.steps.values_list("pk", flat=True))
    start = ids.index(seen.pk) if seen is not None and seen.pk in ids else -1
    if not ids:
        raise InvalidInput(NO_STEPS)
    if start + offset < 0:
        raise InvalidInput(NO_PREVIOUS if seen is not None else NO_PREVIOUS_WAITING)
    if start + offset >= len(ids):
        raise InvalidInput(NO_NEXT)
    return agenda.advance(workshop=workshop, seen_current=seen.pk if seen else None, offset=offset)


def control(*, target: Target, go: str) -> StrOrPromise:
    """Open, close, reveal or hide the step on screen's vote, ideas, pulse or word cloud
    through its console service; the message for the remote. InvalidInput for a control the
    kind does not have."""
    if isinstance(target, Poll):
        return _control_poll(target, go)
    if isinstance(target, Pulse):
        return _control_pulse(target, go)
    if isinstance(target, Board) and go in ("open", "close"):
        (ideas.open_board if go == "open" else ideas.close_board)(board=target)
        return _("Ideas are open.") if go == "open" else _("Ideas are closed.")
    if isinstance(target, WordCloud) and go in ("open", "close"):
        (words.open_cloud if go == "open" else words.close_cloud)(cloud=target)
        return _("Words are open.") if go == "open" else _("Words are closed.")
    raise InvalidInput(NOT_UNDERSTOOD)


def _control_poll(poll: Poll, go: str) -> StrOrPromise:
    if go == "open":
        voting.open_poll(poll=poll)
        return _("Voting is open.")
    if go == "close":
        voting.close_poll(poll=poll)
        return _("Voting is closed.")
    voting.reveal_results(poll=poll, revealed=go == "reveal")
    return _("Results are on the projector.") if go == "reveal" else _("Results are hidden.")


def _control_pulse(pulse: Pulse, go: str) -> StrOrPromise:
    if go == "open":
        pulses.open_pulse(pulse=pulse)
        return _("The pulse is open.")
    if go == "close":
        pulses.close_pulse(pulse=pulse)
        return _("The pulse is closed.")
    pulses.reveal_pulse(pulse=pulse, revealed=go == "reveal")
    return (
        _("Pulse results are on the projector.")
        if go == "reveal"
        else _("Pulse results are hidden.")
    )
