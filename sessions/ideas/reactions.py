"""Quick prioritisation on an ideas step: each delegate gives "+1s" to ideas on their phone.

The rules, the same on the phones, the wall, the console, the archive and the export:

- The facilitator switches +1s on for a board with a budget (default 3, 1 to 10). While on
  and while the step is on screen, a delegate gives a +1 to any idea on the wall (their own
  included: ideas are anonymous, and the budget keeps it fair) and may take it back.
- One +1 per delegate per idea (a database constraint), at most the budget on one board
  (checked under the delegate's attendance lock, so double taps and two tabs cannot overrun
  it). The budget cannot be lowered below what a delegate already holds.
- A +1 is always for an idea. A cluster's count is the sum of its ideas' +1s: moving an idea
  moves its +1s and nothing counts twice.
- Hiding an idea gives its +1s back to the delegates (they can spend them again); restoring
  it does not bring them back. Merging moves the +1s to the idea merged into, except a
  delegate's second +1 on the same idea, which is given back.
- Switching +1s off closes giving and taking back; the +1s stay, and the wall and console
  keep sorting by them. The counts show on the wall and console (sorted, most first) while
  +1s are on or any were given; phones show only the delegate's own +1s.

Every verb broadcasts on commit; a command's key makes a replay land once.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext_lazy as _

from sessions.agenda.services import changed, delegate_command
from sessions.errors import Conflict, InvalidInput, NotFound
from sessions.live import broadcast, events
from sessions.models import REACTION_BUDGET_MAX, Board, Idea, Reaction

NOT_ON = _("+1s are switched off on this step.")
NOT_SHOWING = _("+1s are closed: the room has moved on from this step.")
NOT_ON_WALL = _("That idea is no longer on the wall (it was hidden or merged).")
NO_IDEA = _("That idea is not part of this step.")
TWICE = _("You have already given this idea a +1.")
NOT_GIVEN = _("You have not given this idea a +1, so there is nothing to take back.")


def spent(budget: int) -> str:
    return _("You have given all your %(n)d +1s. Take one back to give it to another idea.") % {
        "n": budget
    }


def budget_range() -> str:
    return _("Give each delegate between 1 and %(n)d +1s.") % {"n": REACTION_BUDGET_MAX}


# --- the facilitator -----------------------------------------------------------------------


def switch_reactions(*, board: Board, on: bool, budget: int | None = None) -> Board:
    """Switch +1s on or off and (given) set the budget. The caller holds the board's lock
    (`services._locked`). Refuses a budget out of range or below what a delegate holds.
    Broadcasts on commit when anything changed."""
    if budget is not None:
        if not 1 <= budget <= REACTION_BUDGET_MAX:
            raise InvalidInput(budget_range(), {"budget": [budget_range()]})
        held = most_held(board)
        if budget < held:
            message = _(
                "A delegate has already given %(held)d +1s, so the budget cannot go below %(held)d."
            ) % {"held": held}
            raise Conflict(message)
    new_budget = board.reaction_budget if budget is None else budget
    if (board.reactions_on, board.reaction_budget) != (on, new_budget):
        board.reactions_on = on
        board.reaction_budget = new_budget
        board.save(update_fields=["reactions_on", "reaction_budget"])
        changed(board.step.workshop_id, events.REACTIONS_SWITCHED)
        # Budget lines on phones are personal: redraw them for those holding +1s.
        broadcast.own_ideas_changed(board.step.workshop_id, holders(board))
    return board


def most_held(board: Board) -> int:
    """The most +1s one delegate holds on `board` (0 when none)."""
    per = (
        Reaction.objects.filter(idea__board=board, delegate__isnull=False)
        .values("delegate")
        .annotate(n=Count("id"))
        .aggregate(most=Max("n"))
    )
    return int(per["most"] or 0)


def holders(board: Board) -> set[int]:
    rows = Reaction.objects.filter(idea__board=board, delegate__isnull=False)
    return set(rows.values_list("delegate_id", flat=True))


def release(board: Board, idea_ids: Iterable[int]) -> None:
    """Give back the +1s on these ideas (hidden): their delegates may spend them again.
    Their phones' budget lines are redrawn on commit."""
    rows = Reaction.objects.filter(idea__board=board, idea_id__in=list(idea_ids))
    delegates = {d for d in rows.values_list("delegate_id", flat=True) if d is not None}
    if rows.delete()[0]:
        broadcast.own_ideas_changed(board.step.workshop_id, delegates)


def follow_merge(board: Board, survivor: Idea, merged_ids: Iterable[int]) -> None:
    """The +1s of ideas merged into `survivor` go with them; a delegate's second +1 on
    `survivor` is given back (one per idea)."""
    merged = list(merged_ids)
    if not merged:
        return
    rows = Reaction.objects.filter(idea__board=board, idea_id__in=merged)
    already = set(
        Reaction.objects.filter(idea=survivor, delegate__isnull=False).values_list(
            "delegate_id", flat=True
        )
    )
    given_back: set[int] = set()
    moved: set[int | None] = set(already)
    for reaction in rows.order_by("id"):
        if reaction.delegate_id is not None and reaction.delegate_id in moved:
            given_back.add(reaction.delegate_id)
            reaction.delete()
            continue
        if reaction.delegate_id is not None:
            moved.add(reaction.delegate_id)
        reaction.idea = survivor
        reaction.save(update_fields=["idea"])
    if given_back:
        broadcast.own_ideas_changed(board.step.workshop_id, given_back)


# --- a delegate ----------------------------------------------------------------------------


@transaction.atomic
def give_plus_one(
    *, workshop_id: int, delegate_id: int, idea_id: int, key: str | None = None
) -> Reaction | None:
    """A delegate gives an idea a +1; a replayed `key` changes nothing and returns None.

    Refuses, changing nothing, when the delegate has not joined, the workshop has finished,
    the idea is not one of the workshop's, +1s are off, the step is not on screen, the idea
    is not on the wall, the delegate has given it a +1 already or has spent their budget.
    Redraws the wall and the console on commit.
    """
    idea, board = _command(workshop_id, delegate_id, idea_id, key)
    if idea is None or board is None:
        return None
    # The delegate's attendance row, locked by `delegate_command`, is the budget's lock: their
    # taps run one at a time. (Locking their +1s instead would lock the ideas joined in too,
    # and two delegates could then wait on each other.)
    mine = Reaction.objects.filter(delegate_id=delegate_id, idea__board=board)
    held = set(mine.values_list("idea_id", flat=True))
    if idea.pk in held:
        raise Conflict(TWICE)
    if len(held) >= board.reaction_budget:
        raise Conflict(spent(board.reaction_budget))
    return Reaction.objects.create(idea=idea, delegate_id=delegate_id)


@transaction.atomic
def take_back_plus_one(
    *, workshop_id: int, delegate_id: int, idea_id: int, key: str | None = None
) -> bool | None:
    """A delegate takes back their +1 for an idea (True); a replayed `key` changes nothing
    and returns None. Refuses as `give_plus_one` does, and when they had not given it one."""
    idea, board = _command(workshop_id, delegate_id, idea_id, key)
    if idea is None or board is None:
        return None
    removed, _kinds = Reaction.objects.filter(delegate_id=delegate_id, idea=idea).delete()
    if not removed:
        raise Conflict(NOT_GIVEN)
    return True


def _command(
    workshop_id: int, delegate_id: int, idea_id: int, key: str | None
) -> tuple[Idea | None, Board | None]:
    """The shared preamble of giving and taking back: the delegate command (locks, joined,
    not finished), the idea (another workshop's answers like a missing one), the key (a
    replay answers (None, None)), then the refusals that depend on the board and idea."""
    command = delegate_command(workshop_id=workshop_id, delegate_id=delegate_id, key=key)
    idea = (
        Idea.objects.select_related("board__step")
        .filter(pk=idea_id, board__step__workshop_id=workshop_id)
        .first()
    )
    if idea is None:
        raise NotFound(NO_IDEA)
    if not command.record(events.REACTION_GIVEN):
        return None, None
    board = idea.board
    if not board.reactions_on:
        raise Conflict(NOT_ON)
    if command.workshop.current_step_id != board.step_id:
        raise Conflict(NOT_SHOWING)
    if idea.status != Idea.Status.SHOWN or idea.merged_into_id is not None:
        raise Conflict(NOT_ON_WALL)
    return idea, board
